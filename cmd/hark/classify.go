package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	return classifyStream(c, os.Stdin, os.Stdout)
}

func loadClassifier(dir string) (*classify.Classifier, error) {
	if dir == "" {
		return classify.Default(), nil
	}
	return classify.Load(func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name+".bin")) })
}

// classifyStream reads lines and writes labels with constant memory.
func classifyStream(c *classify.Classifier, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		in := classify.Input{Text: string(b)}
		if len(b) > 0 && b[0] == '{' {
			var j struct {
				Text      *string `json:"text"`
				Channel   string  `json:"channel"`
				Followers int     `json:"author_followers"`
				ToHandle  string  `json:"to_handle"`
			}
			if err := json.Unmarshal(b, &j); err == nil && j.Text != nil {
				in = classify.Input{Text: *j.Text, Channel: j.Channel, AuthorFollowers: j.Followers, ToHandle: strings.TrimPrefix(j.ToHandle, "@")}
			}
		}
		if err := enc.Encode(c.Classify(in)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	return w.Flush()
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
