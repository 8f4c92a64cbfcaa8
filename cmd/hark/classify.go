package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/classify"
	"github.com/harkdesk/hark/internal/conversation"
)

// cmdTrain trains the classifiers from the shared data and writes the model
// files the binary embeds (rebuild to ship them).
func cmdTrain(args []string) error {
	f := newFlags("train", "[--data DIR] [--seed N] [--out DIR] [--extra FILE]...")
	data := f.fs.String("data", "../shared/data", "the shared data directory")
	seed := f.fs.Uint64("seed", 1, "seed for the training order (the same seed gives the same model files)")
	out := f.fs.String("out", "internal/classify/models", "where to write the model files")
	labelled := f.fs.String("labelled", "internal/classify/testdata/labelled.tsv", "the hand-labelled intent set (its held-out part is never trained on, nor --extra rows that read as it)")
	fresh := f.fs.String("fresh", "internal/classify/testdata/fresh.tsv", "a labelled set never trained on: rows of --extra sets that read as its texts are dropped (\"\" for none)")
	var extra multiFlag
	f.fs.Var(&extra, "extra", "another labelled set to train on, e.g. the agents' corrections from hark corrections export (repeatable)")
	if err := f.parse(args); err != nil {
		return err
	}
	// Without the labelled set the intent has no stack (MODELS.md).
	if err := optionalFile(f, "labelled", labelled, "the intent model trains without its second stage"); err != nil {
		return err
	}
	if err := optionalFile(f, "fresh", fresh, "the extra sets are not screened against it"); err != nil {
		return err
	}
	began := time.Now()
	models, err := classify.Train(classify.TrainOptions{Data: *data, Seed: *seed, Labelled: *labelled, Fresh: *fresh, Extra: extra, Log: os.Stderr})
	if err != nil {
		return err
	}
	if err := classify.Write(models, *out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d models to %s in %s; rebuild hark to embed them\n", len(models), *out, time.Since(began).Round(time.Second))
	return nil
}

// optionalFile clears *path when the file is missing: an error if the
// flag was given, a note on stderr if only its default is missing (a run
// outside the project root, which would otherwise drop lines of the
// scoreboard or the intent's second stage without a word).
func optionalFile(f *flags, name string, path *string, without string) error {
	if *path == "" {
		return nil
	}
	_, err := os.Stat(*path)
	if err == nil {
		return nil
	}
	given := false
	f.fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == name })
	if given {
		return fmt.Errorf("--%s: %w", name, err)
	}
	fmt.Fprintf(os.Stderr, "no %s set (%v): %s\n", name, err, without)
	*path = ""
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// cmdClassify labels messages from standard input, one per line, plain
// text or JSON objects, writing one JSON object per line in input order.
func cmdClassify(args []string) error {
	f := newFlags("classify", "< messages > labels")
	f.takesArgs = true // refused below, with what to do instead
	models := f.fs.String("models", "", "read the models from this directory instead of the embedded ones")
	if err := f.parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		// Taking a file name for input would leave a scorer's file unread
		// and the command waiting on the terminal.
		return fmt.Errorf("classify reads standard input, not %q: hark classify < %s", f.fs.Arg(0), f.fs.Arg(0))
	}
	c, err := loadClassifier(*models)
	if err != nil {
		return err
	}
	return classifyStream(c, os.Stdin, os.Stdout, os.Stderr)
}

func loadClassifier(dir string) (*classify.Classifier, error) {
	if dir == "" {
		return classify.Default(), nil
	}
	return classify.Load(func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name+".bin")) })
}

// maxLine bounds the text classified. A longer message is not an error:
// its first maxLine bytes are classified (a message that long is hardly
// read past its start anyway) and the rest is skipped, so one bad line
// cannot cost a scorer the million lines after it.
const maxLine = 1 << 20

// maxRead bounds the memory one input line may take. It is larger than
// maxLine so that a JSON line whose text is near maxLine, escaped (an
// emoji is 12 bytes as \ud83d\ude00), still parses and keeps its channel.
const maxRead = 16 << 20

// classifyStream reads lines and writes labels with constant memory: one
// object per input line, in input order, whatever the line holds. What it
// had to guess (an over-long line, a JSON line without a usable text) is
// reported on warn, never silently.
func classifyStream(c *classify.Classifier, in io.Reader, out, warn io.Writer) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var buf []byte
	warned := 0
	note := func(line int, format string, a ...any) {
		if warned++; warned <= 10 {
			fmt.Fprintf(warn, "hark classify: line %d: %s\n", line, fmt.Sprintf(format, a...))
		}
	}
	for line := 1; ; line++ {
		var long bool
		var err error
		buf, long, err = readLine(r, buf[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		// A byte-order mark from Windows tools, on any line: files written
		// apart are often joined (cat a.jsonl b.jsonl).
		b := bytes.TrimSpace(bytes.TrimPrefix(buf, []byte("\ufeff")))
		var in classify.Input
		parsed := false
		if len(b) > 0 && b[0] == '{' && !long {
			// A message may start with "{", so a line that is not usable
			// JSON is still classified, as text, and said so.
			j, why := decodeLine(b)
			if parsed = why == ""; parsed {
				in = j
			} else {
				note(line, "%s: classified the line as plain text", why)
			}
		}
		if !parsed {
			in.Text = string(b)
		}
		if len(in.Text) > maxLine {
			in.Text = conversation.Clip(in.Text, maxLine)
			long = true
		}
		if long {
			note(line, "longer than %d bytes: classified its first %d", maxLine, maxLine)
		}
		if err := enc.Encode(c.Classify(in)); err != nil {
			return err
		}
	}
	if warned > 10 {
		fmt.Fprintf(warn, "hark classify: %d more warnings\n", warned-10)
	}
	return w.Flush()
}

// readLine appends the next line to buf, without its line ending, keeping
// at most maxRead bytes of it and reporting whether it dropped any. It
// returns io.EOF only when no line is left.
func readLine(r *bufio.Reader, buf []byte) ([]byte, bool, error) {
	dropped, read := false, false
	for {
		chunk, err := r.ReadSlice('\n')
		read = read || len(chunk) > 0
		// Room for the line ending too, so a line of exactly maxLine
		// bytes is whole.
		if room := maxRead + 2 - len(buf); len(chunk) > room {
			chunk, dropped = chunk[:room], true
		}
		buf = append(buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || !read) {
			return buf, false, err
		}
		buf = bytes.TrimRight(buf, "\r\n")
		if len(buf) > maxRead {
			buf, dropped = buf[:maxRead], true
		}
		return buf, dropped, nil
	}
}

// decodeLine reads a JSON line. Only the text must be right: the optional
// fields are taken when they make sense and ignored otherwise, because
// scorers write them in many ways (followers as 1200, 1200.0 or "1200", a
// null channel).
func decodeLine(b []byte) (classify.Input, string) {
	var j struct {
		Text      *string     `json:"text"`
		Channel   looseString `json:"channel"`
		Followers looseCount  `json:"author_followers"`
		ToHandle  looseString `json:"to_handle"`
		Files     looseCount  `json:"attachments"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "text" {
			return classify.Input{}, `"text" is not a string`
		}
		return classify.Input{}, "not a JSON object (" + err.Error() + ")"
	}
	if j.Text == nil {
		return classify.Input{}, `no "text" field`
	}
	return classify.Input{Text: *j.Text, Channel: string(j.Channel), AuthorFollowers: int(j.Followers),
		ToHandle: strings.TrimPrefix(strings.TrimSpace(string(j.ToHandle)), "@"), Attachments: int(j.Files)}, ""
}

// looseString takes a JSON string and leaves anything else empty.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 {
		*s = looseString(b[1 : len(b)-1]) // no escapes: the common case, without a second decode
		return nil
	}
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = looseString(v)
	}
	return nil
}

// looseCount takes a count written as a number or a string, and leaves
// anything else (null, NaN, out of range) zero.
type looseCount int

func (n *looseCount) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.Trim(string(b), `"`)), 64)
	if err == nil && !math.IsNaN(f) {
		*n = looseCount(min(max(f, 0), 1e12))
	}
	return nil
}

// cmdEval prints the scoreboard on the shared data.
func cmdEval(args []string) error {
	f := newFlags("eval", "[--data DIR] [--quick]")
	data := f.fs.String("data", "../shared/data", "the shared data directory")
	labelled := f.fs.String("labelled", "internal/classify/testdata/labelled.tsv", "the hand-labelled intent set")
	fresh := f.fs.String("fresh", "internal/classify/testdata/fresh.tsv", "a hand-labelled set nothing is trained on, scored whole (\"\" for none)")
	languages := f.fs.String("languages", "internal/classify/testdata/language_test.tsv", "a language set written blind to the language guess, scored whole (\"\" for none)")
	// The sets of messages in other languages, written blind to the
	// glossaries, each scored whole ("" for none).
	foreign := []struct {
		name, what string
		path       *string
	}{
		{"foreign", "messages in six other languages written blind to the glossaries", nil},
		{"foreign2", "messages in ten more languages (ru uk ar zh ja ko el hi tr pl), written blind", nil},
		{"foreign3", "messages in Chinese, Japanese, Thai and Hebrew, written blind", nil},
		{"foreign4", "messages in Indonesian and Vietnamese, written blind", nil},
	}
	for i, set := range foreign {
		foreign[i].path = f.fs.String(set.name, "internal/classify/testdata/"+set.name+"_test.tsv", set.what+", scored whole (\"\" for none)")
	}
	models := f.fs.String("models", "", "score the models in this directory instead of the embedded ones")
	quick := f.fs.Bool("quick", false, "skip the cross-validations that retrain models")
	seed := f.fs.Uint64("seed", 1, "seed for the cross-validation training")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := optionalFile(f, "labelled", labelled, "intent and needs_reply are not scored"); err != nil {
		return err
	}
	if err := optionalFile(f, "fresh", fresh, "not scored"); err != nil {
		return err
	}
	if err := optionalFile(f, "languages", languages, "not scored"); err != nil {
		return err
	}
	var foreignSets []string
	for _, set := range foreign {
		if err := optionalFile(f, set.name, set.path, "not scored"); err != nil {
			return err
		}
		foreignSets = append(foreignSets, *set.path)
	}
	c, err := loadClassifier(*models)
	if err != nil {
		return err
	}
	scores, err := classify.Evaluate(c, classify.EvalOptions{Data: *data, Labelled: *labelled, Fresh: *fresh, Languages: *languages, Foreign: foreignSets, Quick: *quick, Seed: *seed}, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Println("| task | metric | score | target | reference | n | time |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, s := range scores {
		took := ""
		if s.Took > 0 {
			took = s.Took.Round(time.Millisecond).String()
		}
		fmt.Printf("| %s | %s | %.3f | %s | %s | %d | %s |\n", s.Task, s.Metric, s.Value, s.Target, s.Reference, s.N, took)
	}
	return nil
}
