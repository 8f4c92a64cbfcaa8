package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/classify"
)

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
	var out bytes.Buffer
	if err := classifyStream(classify.Default(), strings.NewReader(in), &out); err != nil {
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

// TestClassifyStreamLineTooLong reports a line over the limit instead of
// growing without bound.
func TestClassifyStreamLineTooLong(t *testing.T) {
	in := "hello\n" + strings.Repeat("x", 2<<20) + "\n"
	var out bytes.Buffer
	err := classifyStream(classify.Default(), strings.NewReader(in), &out)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want a line 2 error", err)
	}
}
