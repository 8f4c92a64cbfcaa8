package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSampleParses(t *testing.T) {
	ps, err := LoadSample()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Airline) != SampleAirline || len(ps.Complaints) != SampleComplaints {
		t.Fatalf("sample has %d airline posts and %d complaints, want %d and %d", len(ps.Airline), len(ps.Complaints), SampleAirline, SampleComplaints)
	}
	sentiments := map[string]int{}
	for _, p := range ps.Airline {
		if p.ID == "" || p.Text == "" || p.Company == "" {
			t.Fatalf("airline post with an empty field: %+v", p)
		}
		if strings.Contains(p.Text, "&amp;") || strings.Contains(p.Text, "&gt;") {
			t.Fatalf("HTML escaping left in: %q", p.Text)
		}
		if strings.Contains(p.Text, "Cancelled Flight") || strings.Contains(p.Text, "Late Flight") {
			t.Fatalf("dataset damage not repaired: %q", p.Text)
		}
		sentiments[p.Sentiment]++
	}
	for _, s := range []string{"negative", "neutral", "positive"} {
		if sentiments[s] < 100 {
			t.Errorf("only %d %s airline posts in the sample", sentiments[s], s)
		}
	}
	complaints := 0
	for _, p := range ps.Complaints {
		if p.ID == "" || p.Text == "" || !keptDomains[p.Topic] {
			t.Fatalf("complaint post with an empty field or a dropped sector: %+v", p)
		}
		if p.Complaint {
			complaints++
		}
	}
	if complaints < 100 || complaints > 450 {
		t.Errorf("%d of %d sample posts are complaints; the corpus has about 60%%", complaints, len(ps.Complaints))
	}
	// The written posts: each brand's, in many languages, none English.
	langs := map[string]map[string]bool{}
	for _, p := range ps.Written {
		if p.Language == "" || p.Language == "en" || p.Intent == "" || p.Text == "" || p.ID == "" {
			t.Fatalf("written post with an empty field or in English: %+v", p)
		}
		if langs[p.Source] == nil {
			langs[p.Source] = map[string]bool{}
		}
		langs[p.Source][p.Language] = true
	}
	if len(ps.Written) < 100 || len(langs[SourceAirline]) < 10 || len(langs[SourceComplaints]) < 10 {
		t.Errorf("%d written posts, in %d languages for the airline and %d for the home brand", len(ps.Written), len(langs[SourceAirline]), len(langs[SourceComplaints]))
	}
}

func TestParseWrittenRejectsBadRows(t *testing.T) {
	for _, in := range []string{
		"",
		"brand\tlanguage\tintent\tsentiment\ttext\n",
		"source\tlanguage\tintent\tsentiment\ttext\nbank\tfr\trequest\tneutral\tbonjour\n",
		"source\tlanguage\tintent\tsentiment\ttext\nairline\t\trequest\tneutral\tbonjour\n",
		"source\tlanguage\tintent\tsentiment\ttext\nairline\tfr\trequest\n",
		"source\tlanguage\tintent\tsentiment\ttext\nairline\ten\trequest\tneutral\thello\n",
		"source\tlanguage\tintent\tsentiment\ttext\nairline\tfr\tquestion\tneutral\tbonjour\n",
		"source\tlanguage\tintent\tsentiment\ttext\nairline\tfr\trequest\tangry\tbonjour\n",
		"source\tlanguage\tintent\tsentiment\ttext\nairline\tfr\trequest\tneutral\t \n",
	} {
		if ps, err := ParseWritten(strings.NewReader(in)); err == nil {
			t.Errorf("%q parsed as %+v", in, ps)
		}
	}
	// Quotes are text: each line is one post.
	ps, err := ParseWritten(strings.NewReader("source\tlanguage\tintent\tsentiment\ttext\n" +
		"complaints\tde\tcomplaint\tnegative\t\"Schnelles\" Internet, sagen sie\n" +
		"airline\tnl\tpraise\tpositive\tTop \"crew\n"))
	if err != nil || len(ps) != 2 || ps[0].Text != `"Schnelles" Internet, sagen sie` || ps[1].Language != "nl" || !ps[0].Complaint {
		t.Fatalf("%+v, %v", ps, err)
	}
}

// sharedData is ../shared/data seen from this package, or "" when absent.
// CI must have it: there a missing directory fails the test.
func sharedData(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(AirlineFile))); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but the shared data is missing: %v", err)
		}
		t.Skipf("no shared data: %v", err)
	}
	return dir
}

func TestSampleIsReproducible(t *testing.T) {
	dir := sharedData(t)
	airline, complaints, err := MakeSample(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"airline.csv": airline, "complaints.csv": complaints} {
		got, err := sampleFS.ReadFile("data/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("data/%s differs from what `go run ./internal/demo/sample` makes from %s (%d bytes vs %d): rerun it", name, dir, len(got), len(want))
		}
	}
	if n := len(airline) + len(complaints); n > 400<<10 {
		t.Errorf("the embedded sample is %d KB; keep it to a few hundred", n>>10)
	}
}

func TestLoadDirReadsTheFullFiles(t *testing.T) {
	ps, err := LoadDir(sharedData(t))
	if err != nil {
		t.Fatal(err)
	}
	// 14,640 tweets less repeated texts; 2,760 less random tweets and the
	// travel and car sectors.
	if len(ps.Airline) < 14000 || len(ps.Complaints) < 1200 || len(ps.Complaints) > 1400 {
		t.Fatalf("read %d airline posts and %d complaints", len(ps.Airline), len(ps.Complaints))
	}
}

func TestLoadDirNamesWhatIsMissing(t *testing.T) {
	_, err := LoadDir(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "tweets.csv") {
		t.Fatalf("err = %v, want one naming the missing file", err)
	}
}

func TestParseRejectsFilesWithoutTheColumns(t *testing.T) {
	if _, err := ParseAirline(strings.NewReader("id,text\n1,hello\n")); err == nil {
		t.Fatal("a file without the airline columns parsed")
	}
	if _, err := ParseComplaints(strings.NewReader("")); err == nil {
		t.Fatal("an empty file parsed")
	}
}

func TestRepairAirline(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"@united my flight was Cancelled Flightled again", "@united my flight was cancelled again"},
		{"@united Cancelled Flightled. Late Flightr they said", "@united Cancelled. Later they said"},
		{"this is unreLate Flightd", "this is unrelated"},
		{"@jetblue Late Flight again!", "@jetblue Late again!"},
		{"no damage here", "no damage here"},
	} {
		if got := repairAirline(c.in); got != c.want {
			t.Errorf("repairAirline(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAddress(t *testing.T) {
	co := map[string]bool{"united": true, "sho_help": true, "sho_network": true}
	for _, c := range []struct {
		in   string
		tag  bool
		want string
	}{
		{"@united my bag is lost", true, "@SkywayAir my bag is lost"},
		{"@United @dhepburn said it", true, "@SkywayAir @dhepburn said it"},
		{"@SHO_Network @sho_help the app crashes", true, "@SkywayAir the app crashes"},
		{"thanks for nothing @united", true, "thanks for nothing @SkywayAir"},
		{"@united: my bag is lost", false, "my bag is lost"},
		{"@united @dhepburn said it", false, "@dhepburn said it"},
		{"Thanks to @united's staff", false, "Thanks to Skyway's staff"},
		{"write to me at ann@united.com", false, "write to me at ann@united.com"},
	} {
		if got := address(c.in, co, "SkywayAir", "Skyway", c.tag); got != c.want {
			t.Errorf("address(%q, tag %t) = %q, want %q", c.in, c.tag, got, c.want)
		}
	}
}

func TestCompanyHandles(t *testing.T) {
	got := companyHandles([]Post{
		{Text: "@FC_Help where is my order? cc @myfriend"},
		{Text: "Thanks @nvidia, great card"},
		{Text: "so slow @comcastcares"},
	})
	for h, want := range map[string]bool{"fc_help": true, "comcastcares": true, "myfriend": false, "nvidia": false} {
		if got[h] != want {
			t.Errorf("companyHandles[%s] = %t, want %t", h, got[h], want)
		}
	}
}

func FuzzParseAirline(f *testing.F) {
	f.Add("tweet_id,airline_sentiment,negativereason,airline,text,tweet_created\n1,negative,Late Flight,United,\"@united Late Flightr \"\"again\"\"\",2/24/2015 11:35\n")
	f.Add("tweet_id,text\n")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ParseAirline(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.Text == "" || p.ID == "" {
				t.Fatalf("kept a post with no text or id: %+v", p)
			}
		}
	})
}

func FuzzAddress(f *testing.F) {
	f.Add("@united @united: thanks @dhepburn", true)
	f.Add("@@united@united", false)
	f.Fuzz(func(t *testing.T, in string, tag bool) {
		out := address(in, map[string]bool{"united": true}, "SkywayAir", "Skyway", tag)
		for _, m := range mentionRE.FindAllStringSubmatchIndex(out, -1) {
			if strings.EqualFold(out[m[2]:m[3]], "united") && (m[0] == 0 || !isWordByte(out[m[0]-1])) {
				t.Fatalf("address(%q) = %q still mentions the company", in, out)
			}
		}
	})
}

// Customers' numbers are fictional and differ, so no two customers share
// an SMS or WhatsApp thread in a long demo.
func TestFictionalPhonesDiffer(t *testing.T) {
	seen := map[string]int{}
	shape := regexp.MustCompile(`^(\+44 7700 900\d{3}|\+1 [2-9][0-8]\d 555 01\d{2})$`)
	for n := range 1000 + 100*len(areaCodes) {
		p := fictionalPhone(n)
		if !shape.MatchString(p) {
			t.Fatalf("customer %d: %q is in no range kept for fiction", n, p)
		}
		if m, ok := seen[p]; ok {
			t.Fatalf("customers %d and %d share %s", m, n, p)
		}
		seen[p] = n
	}
	if len(seen) != 72_100 {
		t.Errorf("%d numbers before the first repeat, want 72,100", len(seen))
	}
}

// No two customers share an e-mail address, which would make them one
// contact on e-mail, forms, the blog and chat.
func TestCustomersHaveTheirOwnAddress(t *testing.T) {
	seen := map[string]int{}
	for n := range 20_000 {
		e := newPersona(1, n).email
		if m, ok := seen[e]; ok {
			t.Fatalf("customers %d and %d share %s", m, n, e)
		}
		seen[e] = n
	}
}
