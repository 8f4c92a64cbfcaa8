package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/classify"
)

// cmdTrain trains the classifiers from the shared data and writes the model
// files the binary embeds (rebuild to ship them).
func cmdTrain(args []string) error {
	f := newFlags("train", "[--data DIR] [--seed N] [--out DIR] [--extra FILE]...")
	data := f.fs.String("data", "../shared/data", "the shared data directory")
	seed := f.fs.Uint64("seed", 1, "seed for the training order (the same seed gives the same model files)")
	out := f.fs.String("out", "internal/classify/models", "where to write the model files")
	labelled := f.fs.String("labelled", "internal/classify/testdata/labelled.tsv", "the hand-labelled intent set (its held-out part is never trained on)")
	var extra multiFlag
	f.fs.Var(&extra, "extra", "another labelled set to train on, e.g. the agents' corrections from hark corrections export (repeatable)")
	if err := f.parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*labelled); err != nil {
		// Without it the intent has no stack (MODELS.md): say so, since
		// a run outside the project root lands here silently otherwise.
		fmt.Fprintf(os.Stderr, "no labelled set (%v): the intent model trains without its second stage\n", err)
		*labelled = ""
	}
	began := time.Now()
	models, err := classify.Train(classify.TrainOptions{Data: *data, Seed: *seed, Labelled: *labelled, Extra: extra, Log: os.Stderr})
	if err != nil {
		return err
	}
	if err := classify.Write(models, *out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d models to %s in %s; rebuild hark to embed them\n", len(models), *out, time.Since(began).Round(time.Second))
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// cmdClassify labels messages from standard input, one per line, plain
// text or JSON objects, writing one JSON object per line in input order.
func cmdClassify(args []string) error {
	f := newFlags("classify", "< messages > labels")
	models := f.fs.String("models", "", "read the models from this directory instead of the embedded ones")
	if err := f.parse(args); err != nil {
		return err
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

// maxLine bounds the memory one input line may take. A longer line is not
// an error: its first maxLine bytes are classified (a message that long is
// hardly read past its start anyway) and the rest is skipped, so one bad
// line cannot cost a scorer the million lines after it.
const maxLine = 1 << 20

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
		b := buf
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\ufeff")) // a byte-order mark from Windows tools
		}
		b = bytes.TrimSpace(b)
		if long {
			note(line, "longer than %d bytes: classified its first %d", maxLine, maxLine)
		}
		in := classify.Input{Text: string(b)}
		if len(b) > 0 && b[0] == '{' {
			// A message may start with "{", so a line that is not usable
			// JSON is still classified, as text, and said so.
			if j, why := decodeLine(b); why == "" {
				in = j
			} else {
				note(line, "%s: classified the line as plain text", why)
			}
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
// at most maxLine bytes of it and reporting whether it dropped any. It
// returns io.EOF only when no line is left.
func readLine(r *bufio.Reader, buf []byte) ([]byte, bool, error) {
	dropped, read := false, false
	for {
		chunk, err := r.ReadSlice('\n')
		read = read || len(chunk) > 0
		// Room for the line ending too, so a line of exactly maxLine
		// bytes is whole.
		if room := maxLine + 2 - len(buf); len(chunk) > room {
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
		if len(buf) > maxLine {
			buf, dropped = buf[:maxLine], true
		}
		return buf, dropped, nil
	}
}

// decodeLine reads a JSON line. Only the text must be right: the optional
// fields are taken when they make sense and ignored otherwise, because
// scorers write them in many ways (followers as 1200, 1200.0 or "1200", a
// null channel).
func decodeLine(b []byte) (classify.Input, string) {
	// The common line decodes in one pass; only an odd one takes the
	// field-by-field path below (it costs a fifth more per line).
	var fast struct {
		Text      *string `json:"text"`
		Channel   any     `json:"channel"`
		Followers any     `json:"author_followers"`
		ToHandle  any     `json:"to_handle"`
	}
	if json.Unmarshal(b, &fast) == nil && fast.Text != nil {
		ch, _ := fast.Channel.(string)
		to, _ := fast.ToHandle.(string)
		if f, ok := fast.Followers.(float64); ok || fast.Followers == nil {
			return classify.Input{Text: *fast.Text, Channel: ch, AuthorFollowers: int(min(max(f, 0), 1e12)),
				ToHandle: strings.TrimPrefix(to, "@")}, ""
		}
	}
	var j struct {
		Text      json.RawMessage `json:"text"`
		Channel   json.RawMessage `json:"channel"`
		Followers json.RawMessage `json:"author_followers"`
		ToHandle  json.RawMessage `json:"to_handle"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return classify.Input{}, "not a JSON object (" + err.Error() + ")"
	}
	var text *string
	if len(j.Text) == 0 {
		return classify.Input{}, `no "text" field`
	}
	if err := json.Unmarshal(j.Text, &text); err != nil || text == nil {
		return classify.Input{}, `"text" is not a string`
	}
	str := func(raw json.RawMessage) string {
		var s string
		json.Unmarshal(raw, &s) // anything but a string leaves it empty
		return s
	}
	var f float64
	if json.Unmarshal(j.Followers, &f) != nil {
		f, _ = strconv.ParseFloat(strings.TrimSpace(str(j.Followers)), 64)
	}
	if math.IsNaN(f) {
		f = 0
	}
	return classify.Input{Text: *text, Channel: str(j.Channel), AuthorFollowers: int(min(max(f, 0), 1e12)),
		ToHandle: strings.TrimPrefix(str(j.ToHandle), "@")}, ""
}

// cmdEval prints the scoreboard on the shared data.
func cmdEval(args []string) error {
	f := newFlags("eval", "[--data DIR] [--quick]")
	data := f.fs.String("data", "../shared/data", "the shared data directory")
	labelled := f.fs.String("labelled", "internal/classify/testdata/labelled.tsv", "the hand-labelled intent set")
	models := f.fs.String("models", "", "score the models in this directory instead of the embedded ones")
	quick := f.fs.Bool("quick", false, "skip the cross-validations that retrain models")
	seed := f.fs.Uint64("seed", 1, "seed for the cross-validation training")
	if err := f.parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*labelled); err != nil {
		// A run outside the project root lands here: say why the intent
		// lines are missing from the scoreboard.
		fmt.Fprintf(os.Stderr, "no labelled set (%v): intent and needs_reply are not scored\n", err)
		*labelled = ""
	}
	c, err := loadClassifier(*models)
	if err != nil {
		return err
	}
	scores, err := classify.Evaluate(c, classify.EvalOptions{Data: *data, Labelled: *labelled, Quick: *quick, Seed: *seed}, os.Stderr)
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
