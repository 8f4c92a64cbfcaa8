package classify

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Text is one labelled message from the shared data.
type Text struct {
	Text  string
	Label string
	Extra string // the airline's negative reason, a complaint's domain
}

// readTable reads a CSV or TSV file with a header row into records keyed by
// column name.
func readTable(path string, tab, header bool, cols ...string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	if tab {
		r.Comma = '\t'
	}
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	var names []string
	if header {
		if names, err = r.Read(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	} else {
		names = cols
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m := map[string]string{}
		for i, n := range names {
			if i < len(rec) {
				m[n] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// LoadSentiment reads sentiment/train.tsv or val.tsv.
func LoadSentiment(dir, file string) ([]Text, error) {
	rows, err := readTable(filepath.Join(dir, "sentiment", file), true, true)
	if err != nil {
		return nil, err
	}
	out := make([]Text, 0, len(rows))
	for _, r := range rows {
		out = append(out, Text{Text: r["text"], Label: r["label"]})
	}
	return out, nil
}

// LoadComplaints reads complaints/complaints.csv (label 1 = complaint).
func LoadComplaints(dir string) ([]Text, error) {
	rows, err := readTable(filepath.Join(dir, "complaints", "complaints.csv"), false, true)
	if err != nil {
		return nil, err
	}
	out := make([]Text, 0, len(rows))
	for _, r := range rows {
		out = append(out, Text{Text: r["text"], Label: r["label"], Extra: r["domain"]})
	}
	return out, nil
}

// LoadSuggestions reads suggestions/train.csv (no header) or trial.csv.
func LoadSuggestions(dir, file string) ([]Text, error) {
	rows, err := readTable(filepath.Join(dir, "suggestions", file), false, file != "train.csv", "id", "sentence", "label")
	if err != nil {
		return nil, err
	}
	out := make([]Text, 0, len(rows))
	for _, r := range rows {
		out = append(out, Text{Text: strings.Trim(r["sentence"], `"`), Label: r["label"]})
	}
	return out, nil
}

// LoadAirline reads airline/tweets.csv.
func LoadAirline(dir string) ([]Text, error) {
	rows, err := readTable(filepath.Join(dir, "airline", "tweets.csv"), false, true)
	if err != nil {
		return nil, err
	}
	out := make([]Text, 0, len(rows))
	for _, r := range rows {
		out = append(out, Text{Text: r["text"], Label: r["airline_sentiment"], Extra: r["negativereason"]})
	}
	return out, nil
}

// LoadRequests reads the customer-request sets (bitext, banking77): every
// one is a customer asking a company for something.
func LoadRequests(dir string) ([]Text, error) {
	var out []Text
	for _, f := range []string{"bitext.csv", "banking77-train.csv"} {
		rows, err := readTable(filepath.Join(dir, "intents", f), false, true)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, Text{Text: r["text"], Label: "request", Extra: r["category"]})
		}
	}
	return out, nil
}

// Labelled is one row of the project's hand-labelled intent set.
type Labelled struct {
	Text, Intent, Channel, ToHandle string
	NeedsReply                      bool
	// Where the set has them: the foreign sets (testdata/FOREIGN.md).
	Sentiment, Language string
	// origin is the text of the row a training copy was made from, so
	// cross-validation keeps a copy in its row's fold.
	origin string
}

// source is the text of the labelled row l is, or was copied from: what
// places it, and all its copies, in one fold.
func (l Labelled) source() string {
	if l.origin != "" {
		return l.origin
	}
	return l.Text
}

// input is the row as a message to classify.
func input(l Labelled) Input { return Input{Text: l.Text, Channel: l.Channel, ToHandle: l.ToHandle} }

// LoadLabelled reads a labelled set in the project's format: a header and
// tab-separated text, intent, needs_reply (yes/no), channel, to_handle
// (LABELLING.md), read by eachRow.
func LoadLabelled(path string) ([]Labelled, error) {
	var out []Labelled
	err := eachRow(path, "LABELLING.md", []string{"text", "intent"}, func(line int, r map[string]string) error {
		l := Labelled{Text: r["text"], Intent: r["intent"], Channel: r["channel"], ToHandle: r["to_handle"], NeedsReply: r["needs_reply"] == "yes",
			Sentiment: r["sentiment"], Language: r["language"]}
		if !validIntent(l.Intent) {
			return fmt.Errorf("%s line %d: intent %q", path, line, l.Intent)
		}
		if v, ok := r["sentiment"]; ok && !slices.Contains([]string{"negative", "neutral", "positive"}, v) {
			return fmt.Errorf("%s line %d: sentiment %q", path, line, v)
		}
		if v, ok := r["language"]; ok && v == "" {
			return fmt.Errorf("%s line %d: no language", path, line)
		}
		out = append(out, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Lang is a message labelled with its language (ISO 639-1, or "und").
type Lang struct{ Text, Language string }

// LoadLanguages reads a language set: a header "text<TAB>language" and
// one message a line (testdata/LANGUAGES.md), read by eachRow.
func LoadLanguages(path string) ([]Lang, error) {
	var out []Lang
	err := eachRow(path, "testdata/LANGUAGES.md", []string{"text", "language"}, func(line int, r map[string]string) error {
		if r["language"] == "" {
			return fmt.Errorf("%s line %d: no language", path, line)
		}
		out = append(out, Lang{r["text"], r["language"]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow reads the project's own tab-separated sets: a header naming at
// least the columns need, then one row a line with as many fields, and no
// quoting, so a message that starts with a quote ("“@JetBlue: …” LOL") is
// read as written; a CSV reader took it for a quoted field and ran it into
// the rows after it. Blank lines and a byte-order mark are skipped; a file
// without the header, or a row with another number of fields, is an error
// that names it. row gets each row's fields by column name and its line.
func eachRow(path, doc string, need []string, row func(line int, r map[string]string) error) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimPrefix(string(b), "\uFEFF"), "\n")
	names := strings.Split(strings.TrimSuffix(lines[0], "\r"), "\t")
	for _, n := range need {
		if !slices.Contains(names, n) {
			return fmt.Errorf("%s: the first line is no header naming %s (%s)", path, strings.Join(need, " and "), doc)
		}
	}
	for i, line := range lines[1:] {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != len(names) {
			return fmt.Errorf("%s line %d: %d fields, the header names %d", path, i+2, len(fields), len(names))
		}
		r := make(map[string]string, len(names))
		for j, f := range fields {
			r[names[j]] = f
		}
		if err := row(i+2, r); err != nil {
			return err
		}
	}
	return nil
}
