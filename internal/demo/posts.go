package demo

import (
	"bufio"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/harkdesk/hark/internal/classify"
	"github.com/harkdesk/hark/internal/hark"
)

// The sample is a few hundred KB cut from ../shared/data by
// `go run ./internal/demo/sample`, so the demo works wherever the binary runs.
//
//go:generate go run ./sample -data ../../../shared/data -out data
//go:embed data/airline.csv data/complaints.csv data/written.tsv
var sampleFS embed.FS

// Datasets the demo reads, as paths under a shared/data directory.
const (
	AirlineFile    = "airline/tweets.csv"
	ComplaintsFile = "complaints/complaints.csv"
)

// Sources of a post.
const (
	SourceAirline    = "airline"
	SourceComplaints = "complaints"
)

// Post is one real customer message from the datasets, before it is given
// an author and a channel.
type Post struct {
	Source    string // SourceAirline or SourceComplaints
	ID        string // the tweet id in the dataset
	Text      string
	Sentiment string // airline: negative, neutral or positive; complaints: empty
	Topic     string // airline: the negative reason, if any; complaints: the sector
	Complaint bool   // complaints: labelled a complaint; airline: negative
	Company   string // airline: the airline it was sent to
	// Written posts (data/written.tsv) are the project's own, in languages
	// other than English: the language they are in and the intent they
	// were labelled with. Empty for the datasets' posts.
	Language, Intent string
}

// Posts are the messages the demo streams, by brand.
type Posts struct {
	Airline    []Post
	Complaints []Post
	Written    []Post // always the embedded file: no shared dataset is in other languages
	From       string // where they were read: "embedded sample" or a directory
}

// LoadSample parses the sample embedded in the binary.
func LoadSample() (Posts, error) {
	return load("embedded sample", func(name string) (io.ReadCloser, error) {
		return sampleFS.Open("data/" + strings.Split(name, "/")[0] + ".csv")
	})
}

// LoadDir parses the full datasets under dir (a shared/data directory).
func LoadDir(dir string) (Posts, error) {
	return load(dir, func(name string) (io.ReadCloser, error) {
		return os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	})
}

func load(from string, open func(string) (io.ReadCloser, error)) (Posts, error) {
	ps := Posts{From: from}
	for _, f := range []struct {
		name  string
		parse func(io.Reader) ([]Post, error)
		into  *[]Post
	}{{AirlineFile, ParseAirline, &ps.Airline}, {ComplaintsFile, ParseComplaints, &ps.Complaints}} {
		r, err := open(f.name)
		if err != nil {
			return ps, fmt.Errorf("demo data: %w", err)
		}
		*f.into, err = f.parse(r)
		r.Close()
		if err != nil {
			return ps, fmt.Errorf("demo data %s in %s: %w", f.name, from, err)
		}
		if len(*f.into) == 0 {
			return ps, fmt.Errorf("demo data %s in %s: no usable rows", f.name, from)
		}
	}
	r, err := sampleFS.Open("data/written.tsv")
	if err != nil {
		return ps, fmt.Errorf("demo data: %w", err)
	}
	defer r.Close()
	if ps.Written, err = ParseWritten(r); err != nil {
		return ps, fmt.Errorf("demo data written.tsv: %w", err)
	}
	return ps, nil
}

// ParseWritten reads the demo's messages in other languages: a file of
// tab-separated lines with a header, whose posts tag their brand as @brand
// (a DM or a page comment drops the tag when it is streamed, as the
// datasets' posts drop the company's handle). The lines are split on tabs
// and nothing else, as the classifier's labelled files are: a text may
// hold quotes, which a CSV reader would take as quoting.
func ParseWritten(r io.Reader) ([]Post, error) {
	const header = "source\tlanguage\tintent\tsentiment\ttext"
	sc := bufio.NewScanner(r)
	if !sc.Scan() || sc.Text() != header {
		return nil, fmt.Errorf("no header %q", header)
	}
	var out []Post
	for line := 2; sc.Scan(); line++ {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 5 || f[0] != SourceAirline && f[0] != SourceComplaints || f[1] == "en" || classify.LanguageName(f[1]) == "" ||
			!slices.Contains(hark.Intents, f[2]) || !slices.Contains(hark.Sentiments, f[3]) || strings.TrimSpace(f[4]) == "" {
			return nil, fmt.Errorf("line %d: want an airline or complaints post, its language (one the classifier names, not en), intent, sentiment and text", line)
		}
		out = append(out, Post{Source: f[0], ID: fmt.Sprintf("written-%d", len(out)+1), Text: f[4],
			Sentiment: f[3], Complaint: f[2] == "complaint", Language: f[1], Intent: f[2]})
	}
	return out, sc.Err()
}

// Languages counts the languages posts are written in, English aside.
func Languages(posts []Post) int {
	seen := map[string]bool{}
	for _, p := range posts {
		if p.Language != "" {
			seen[p.Language] = true
		}
	}
	return len(seen)
}

// table reads a CSV file with a header row and calls fn with each row as a
// map from column name to value. Rows fn rejects are skipped.
func table(r io.Reader, want []string, fn func(row map[string]string) error) error {
	cr := csv.NewReader(r)
	cr.LazyQuotes = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	for _, w := range want {
		if _, ok := col[w]; !ok {
			return fmt.Errorf("no %q column", w)
		}
	}
	row := map[string]string{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, w := range want {
			if i := col[w]; i < len(rec) {
				row[w] = rec[i]
			} else {
				row[w] = ""
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

var airlineColumns = []string{"tweet_id", "airline_sentiment", "negativereason", "airline", "text", "tweet_created"}

// ParseAirline reads the airline tweets (airline/tweets.csv or its sample).
func ParseAirline(r io.Reader) ([]Post, error) {
	var out []Post
	seen := map[string]bool{}
	err := table(r, airlineColumns, func(row map[string]string) error {
		if !keepAirline(row, seen) {
			return nil
		}
		out = append(out, Post{Source: SourceAirline, ID: row["tweet_id"], Text: repairAirline(tweetText(row["text"])),
			Sentiment: row["airline_sentiment"], Topic: row["negativereason"], Complaint: row["airline_sentiment"] == "negative",
			Company: row["airline"]})
		return nil
	})
	return out, err
}

var complaintColumns = []string{"tweet_id", "text", "label", "domain"}

// ParseComplaints reads the complaints corpus (complaints/complaints.csv or
// its sample).
func ParseComplaints(r io.Reader) ([]Post, error) {
	var out []Post
	seen := map[string]bool{}
	err := table(r, complaintColumns, func(row map[string]string) error {
		if !keepComplaint(row, seen) {
			return nil
		}
		out = append(out, Post{Source: SourceComplaints, ID: row["tweet_id"], Text: tweetText(row["text"]),
			Topic: row["domain"], Complaint: row["label"] == "1"})
		return nil
	})
	return out, err
}

// tweetText is a tweet as its author wrote it: the datasets keep Twitter's
// HTML escaping ("&amp;"), which the desk would otherwise show as is.
func tweetText(s string) string { return strings.TrimSpace(html.UnescapeString(s)) }

// keepAirline drops empty rows and repeated texts (retweets of one tweet).
func keepAirline(row map[string]string, seen map[string]bool) bool {
	t := strings.TrimSpace(row["text"])
	if t == "" || row["tweet_id"] == "" || seen[t] {
		return false
	}
	seen[t] = true
	return true
}

// keptDomains are the complaint sectors a home-and-mobile brand would hear
// about; the corpus's random tweets and its travel and car sectors are left
// out (the airline brand has travel covered).
var keptDomains = map[string]bool{
	"services": true, "software": true, "electronics": true, "apparel": true,
	"retail": true, "food": true, "other": true,
}

func keepComplaint(row map[string]string, seen map[string]bool) bool {
	t := strings.TrimSpace(row["text"])
	if t == "" || row["tweet_id"] == "" || !keptDomains[row["domain"]] || seen[t] {
		return false
	}
	seen[t] = true
	return true
}

// The airline dataset was published after a find-and-replace gone wrong:
// every "cancel" became "Cancelled Flight" and every "late" "Late Flight",
// even inside words ("Cancelled Flightled", "Late Flightr", "reLate Flightd").
var airlineDamage = regexp.MustCompile(`Cancelled Flight|Late Flight`)

// repairAirline undoes that replacement, capitalising at a sentence start.
func repairAirline(text string) string {
	var b strings.Builder
	last := 0
	for _, m := range airlineDamage.FindAllStringIndex(text, -1) {
		before := text[last:m[0]]
		b.WriteString(before)
		word := "late"
		if text[m[0]] == 'C' {
			word = "cancel"
		}
		if sentenceStart(text[:m[0]]) {
			word = strings.ToUpper(word[:1]) + word[1:]
		}
		b.WriteString(word)
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// sentenceStart reports whether what comes next starts a sentence: at the
// start of the text (after any @mentions) or after . ! or ?.
func sentenceStart(before string) bool {
	t := strings.TrimRight(before, " ")
	if t == before && t != "" {
		return false // inside a word
	}
	t = strings.TrimSpace(mentionRE.ReplaceAllString(t, ""))
	return t == "" || strings.HasSuffix(t, ".") || strings.HasSuffix(t, "!") || strings.HasSuffix(t, "?")
}
