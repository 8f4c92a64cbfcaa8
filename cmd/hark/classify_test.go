package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/classify"
)

// stream runs hark classify's loop over in and decodes what it wrote.
func stream(t *testing.T, in string, warn io.Writer) []classify.Labels {
	t.Helper()
	var out bytes.Buffer
	if err := classifyStream(classify.Default(), strings.NewReader(in), &out, warn); err != nil {
		t.Fatal(err)
	}
	var got []classify.Labels
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l classify.Labels
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %d: %v: %s", len(got)+1, err, sc.Text())
		}
		got = append(got, l)
	}
	return got
}

// TestDecodeLine: only the text must be right; optional fields are read
// in the forms scorers write them and ignored when they make no sense.
func TestDecodeLine(t *testing.T) {
	for _, tc := range []struct {
		line, why string
		want      classify.Input
	}{
		{`{"text":"hi","to_handle":"\u0040JetBlue","channel":"E-Mail","author_followers":"1200"}`, "",
			classify.Input{Text: "hi", ToHandle: "JetBlue", Channel: "E-Mail", AuthorFollowers: 1200}},
		{`{"text":"hi","channel":5,"author_followers":1.5e3,"to_handle":null}`, "", classify.Input{Text: "hi", AuthorFollowers: 1500}},
		{`{"text":"hi","author_followers":"NaN"}`, "", classify.Input{Text: "hi"}},
		{`{"text":"","channel":"whatsapp","attachments":"2"}`, "", classify.Input{Channel: "whatsapp", Attachments: 2}},
		{`{"text":"hi","to_handle":" @acme "}`, "", classify.Input{Text: "hi", ToHandle: "acme"}},
		{`{"text":"hi","to_handle":"  "}`, "", classify.Input{Text: "hi"}},
		{`{"text":"hi","author_followers":-4}`, "", classify.Input{Text: "hi"}},
		{`{"text":null}`, `no "text" field`, classify.Input{}},
		{`{"text":["hi"]}`, `"text" is not a string`, classify.Input{}},
		{`{"text":"hi"`, "not a JSON object", classify.Input{}},
	} {
		got, why := decodeLine([]byte(tc.line))
		if got != tc.want || !strings.HasPrefix(why, tc.why) || (tc.why == "") != (why == "") {
			t.Errorf("%s: %+v %q, want %+v %q", tc.line, got, why, tc.want, tc.why)
		}
	}
}

// TestClassifyStream feeds plain and JSON lines and checks one labelled
// object comes out per line, in input order, with the JSON fields used.
func TestClassifyStream(t *testing.T) {
	in := strings.Join([]string{
		`@delta my bag is lost, can you help?`,
		`{"text": "Thanks so much, the crew was wonderful!", "channel": "x", "to_handle": "@JetBlue", "author_followers": 120}`,
		`{"text": "my order never arrived, where is it?", "channel": "email"}`,
		`{not json, read as text`,
		``,
		`Does anyone know a good hotel near the airport?`,
		strings.Repeat("very long message ", 40000), // 720 KB: under the 1 MiB line limit
	}, "\n")
	got := stream(t, in, io.Discard)
	if len(got) != 7 {
		t.Fatalf("got %d lines, want 7", len(got))
	}
	for i, want := range []struct {
		intent     string
		needsReply bool
	}{{"request", true}, {"praise", false}, {"request", true}} {
		if got[i].Intent != want.intent || got[i].NeedsReply != want.needsReply {
			t.Errorf("line %d: intent %s needs_reply %v, want %s %v", i+1, got[i].Intent, got[i].NeedsReply, want.intent, want.needsReply)
		}
	}
	if got[5].Intent != "peer" {
		t.Errorf("line 6: intent %s, want peer", got[5].Intent)
	}
	for i, l := range got {
		if len(l.IntentProbs) != 6 || l.Sentiment == "" || l.Language == "" {
			t.Errorf("line %d: incomplete labels %+v", i+1, l)
		}
	}
}

// TestClassifyStreamOddInput is what scorers' files look like in the wild:
// a byte-order mark, CRLF endings, followers as strings or floats, a line
// over the limit, JSON without a usable text, no final newline. Every line
// gets its object, in order, and what was guessed is reported.
func TestClassifyStreamOddInput(t *testing.T) {
	thanks := `{"text": "Thanks so much, the crew was wonderful!", "to_handle": "JetBlue", "author_followers": %s}`
	lines := []string{
		"\ufeff" + fmt.Sprintf(thanks, `"1200"`),
		fmt.Sprintf(thanks, `1200.0`),
		fmt.Sprintf(thanks, `null`),
		strings.Repeat("x", maxLine+100),
		`{"text": 5}`,
		`{"channel": "x"}`,
		strings.Repeat("z", maxLine), // at the limit (with CRLF): whole, no warning
		`{"text": "b"},`,             // pasted from a JSON array
		fmt.Sprintf(thanks, `1e400`), // out of range: ignored, the rest is read
		`@delta my bag is lost, can you help?`,
	}
	var warn bytes.Buffer
	got := stream(t, strings.Join(lines, "\r\n"), &warn)
	if len(got) != len(lines) {
		t.Fatalf("got %d objects for %d lines", len(got), len(lines))
	}
	for _, i := range []int{0, 1, 2, 8} {
		// Only the decoded to_handle makes it "addressed": the raw line
		// has no @handle.
		if got[i].Intent != "praise" || !slices.Contains(got[i].Why, "addressed to the brand") {
			t.Errorf("line %d: %s %q, want the JSON read: praise addressed to the brand", i+1, got[i].Intent, got[i].Why)
		}
	}
	if last := got[len(got)-1]; last.Intent != "request" || !last.NeedsReply {
		t.Errorf("last line (no newline): %s %v, want request needing a reply", last.Intent, last.NeedsReply)
	}
	w := warn.String()
	for _, want := range []string{"line 4: longer than", "line 5: \"text\" is not a string", "line 6: no \"text\" field",
		"line 8: not a JSON object"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if strings.Count(w, "\n") != 4 {
		t.Errorf("want exactly 4 warnings, got:\n%s", w)
	}
}

// TestReadLineBounded checks a line over the limit costs at most maxRead
// bytes, one at the limit is whole whatever its ending, and the line after
// a long one is read whole.
func TestReadLineBounded(t *testing.T) {
	at := strings.Repeat("a", maxRead)
	in := strings.Repeat("y", maxRead+maxLine) + "\nnext\n" + at + "\n" + at + "\r\n" + at + "b\r\n\r\n" + at
	r := bufio.NewReaderSize(strings.NewReader(in), 64<<10)
	b, long, err := readLine(r, nil)
	if err != nil || !long || len(b) != maxRead || cap(b) > 2*maxRead {
		t.Fatalf("len %d cap %d long %v err %v", len(b), cap(b), long, err)
	}
	b, long, err = readLine(r, b[:0])
	if err != nil || long || string(b) != "next" {
		t.Fatalf("%q %v %v", b, long, err)
	}
	for i, want := range []bool{false, false, true} { // LF, CRLF, one byte over
		if b, long, err = readLine(r, b[:0]); err != nil || long != want || string(b) != at {
			t.Fatalf("line %d at the limit: len %d long %v err %v", i+3, len(b), long, err)
		}
	}
	if b, long, err = readLine(r, b[:0]); err != nil || long || len(b) != 0 {
		t.Fatalf("empty CRLF line: %q %v %v", b, long, err)
	}
	if b, long, err = readLine(r, b[:0]); err != nil || long || string(b) != at {
		t.Fatalf("last line without an ending: len %d long %v err %v", len(b), long, err)
	}
	if _, _, err = readLine(r, b[:0]); err != io.EOF {
		t.Fatalf("err %v, want EOF", err)
	}
}

// Lines a scorer's tools may write: files joined with a byte-order mark
// in the middle, and a JSON line longer than the text limit because its
// text is escaped. Each is read as the JSON it is, channel and all.
func TestClassifyStreamJoinedAndEscapedLines(t *testing.T) {
	line := `{"text":"this is the worst service ever","channel":"email"}`
	long := `{"text":"` + strings.Repeat(`\ud83d\ude21 `, maxLine/4) + `the worst service ever","channel":"email","to_handle":"JetBlue"}`
	var warn bytes.Buffer
	got := stream(t, line+"\n\ufeff"+line+"\n"+long+"\n", &warn)
	if len(got) != 3 {
		t.Fatalf("got %d objects for 3 lines", len(got))
	}
	if !slices.Equal(got[0].Why, got[1].Why) || got[0].NeedsReply != got[1].NeedsReply || got[0].Intent != got[1].Intent {
		t.Errorf("the same line after a byte-order mark read otherwise: %+v / %+v", got[0], got[1])
	}
	if !slices.Contains(got[2].Why, "addressed to the brand") {
		t.Errorf("a long escaped JSON line lost its fields: %q", got[2].Why)
	}
	if w := warn.String(); !strings.Contains(w, "line 3: longer than") || strings.Count(w, "\n") != 1 {
		t.Errorf("warnings: %q, want one, for line 3's text", w)
	}
}

// A file named on the command line is refused, not silently ignored while
// standard input is read.
func TestClassifyTakesNoFileArgument(t *testing.T) {
	if err := cmdClassify([]string{"messages.txt"}); err == nil || !strings.Contains(err.Error(), "standard input") {
		t.Fatalf("hark classify messages.txt: %v", err)
	}
}
