package classify

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/hark"
)

// sharedData is the shared data directory beside the project, found from
// this file's path, not the working directory: a test binary run from the
// project's root (BENCHMARKS.md's commands) found nothing and skipped.
var sharedData = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data")
}()

// needData skips a test when the shared data is absent, and fails a
// benchmark: a benchmark that skips prints PASS and no figure, which read
// as a measurement (the English baseline of every classify ratio).
func needData(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(sharedData, "README.md")); err != nil {
		if _, bench := t.(*testing.B); bench {
			t.Fatal("no shared data at " + sharedData + ": this benchmark reads it")
		}
		t.Skip("no shared data at " + sharedData)
	}
}

func TestClassifyObvious(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in         Input
		intent     string
		needsReply bool
		sentiment  string
	}{
		{Input{Text: "@delta my bag is lost, can you help?"}, "request", true, "negative"},
		{Input{Text: "@united where is my refund? I've been waiting 3 weeks", ToHandle: "united"}, "request", true, "negative"},
		{Input{Text: "Thank you @JetBlue, the crew on my flight today were wonderful!", ToHandle: "JetBlue"}, "praise", false, "positive"},
		{Input{Text: "Does anyone know a good hotel near the airport in Lisbon?"}, "peer", false, ""},
		{Input{Text: "Hi, I can't log in to my account, please reset my password", Channel: "email"}, "request", true, ""},
		{Input{Text: "follow back for free followers!! #f4f #follow #giveaway #win #free http://x.co/abc"}, "other", false, ""},
	} {
		l := c.Classify(tc.in)
		if l.Intent != tc.intent || l.NeedsReply != tc.needsReply || (tc.sentiment != "" && l.Sentiment != tc.sentiment) {
			t.Errorf("%q: got intent %s (%v), needs_reply %v, sentiment %s; want %s, %v, %s",
				tc.in.Text, l.Intent, l.IntentProbs, l.NeedsReply, l.Sentiment, tc.intent, tc.needsReply, tc.sentiment)
		}
		var sum float64
		for _, p := range l.IntentProbs {
			sum += p
		}
		if sum < 0.99 || sum > 1.01 || len(l.IntentProbs) != len(Intents) {
			t.Errorf("%q: intent probabilities %v do not sum to 1", tc.in.Text, l.IntentProbs)
		}
		if l.SentimentScore < -1 || l.SentimentScore > 1 || len(l.Why) == 0 {
			t.Errorf("%q: score %v, why %v", tc.in.Text, l.SentimentScore, l.Why)
		}
	}
}

func TestSignals(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text     string
		spammy   bool
		language string
	}{
		{"@delta my bag is lost, can you help?", false, "en"},
		{"El servicio es muy malo y no me responden desde hace una semana", false, "es"},
		{"Le colis n'est pas arrivé et je n'ai pas de réponse", false, "fr"},
		{"Das Paket ist nicht angekommen und ich habe keine Antwort", false, "de"},
		{"Het pakket is niet aangekomen en ik heb nog geen antwoord", false, "nl"},
		{"配達がまだ来ません", false, "ja"},
		{"ok", false, "und"},
		{"@SouthwestAir Awesome - thanks!", false, "en"},
		{"@USAirways still waiting", false, "en"},
		{"@united how long will I be waiting on hold?", false, "en"},
		{"No me llegó el paquete", false, "es"},
		{"Ele saiu do avião e não tem mala", false, "pt"},
		{"Ich habe ein Problem mit dem Bad und der Rechnung", false, "de"},
		{"Vado a casa domani, non è possibile", false, "it"},
		{"FREE crypto airdrop!! click here http://a.co http://b.co http://c.co", true, ""},
		// Short English with one function word or none reads as English
		// by its words; a lone word or name does not name a language.
		{"wow @acme is slow...", false, "en"},
		{"@acme contact agent", false, "en"},
		{"Samsung", false, "und"},
		{"lol", false, "und"},
		// Words two languages share count less than their own words, and
		// spelling tells apart what function words cannot.
		{"Merci pour votre aide, tout est réglé", false, "fr"},
		{"Vielen Dank, das Paket ist heute gekommen", false, "de"},
		{"la entrega llegó tarde otra vez", false, "es"},
		{"la consegna è arrivata in ritardo", false, "it"},
		{"Obrigado pela ajuda, já está resolvido", false, "pt"},
		// Mostly words English does not use: a language not listed.
		{"Tack för hjälpen, paketet har kommit fram, thanks", false, "und"},
		{"Makasih kak, paketnya sudah sampai, thanks", false, "id"},
		{"Đơn hàng của mình vẫn chưa nhận được, shop kiểm tra giúp", false, "vi"},
		{"don hang cua minh van chua nhan duoc, shop kiem tra giup", false, "vi"},
		{"Dịch vụ tốt", false, "vi"},                         // by its letters alone
		{"Phí ship cao quá", false, "vi"},                    // its letters let the glossary vote name it
		{"Ca\u0309m ơn shop nhe\u0301", false, "vi"},         // marks typed apart (NFD)
		{"na kleisoume edw gia Pasxa? ti les", false, "und"}, // Greek in Latin letters: a few Vietnamese syllables
		{"thanks Anh, ROI looks great", false, "en"},
		{"chegou em 2 dias, obrigado", false, "pt"},
		// A lone accented name is no evidence either.
		{"Jalapeño poppers cold", false, "und"},
		{"As usual, no reply.", false, "en"},
	} {
		l := c.Classify(Input{Text: tc.text})
		if (l.Spam >= 0.5) != tc.spammy {
			t.Errorf("%q: spam %v", tc.text, l.Spam)
		}
		if tc.language != "" && l.Language != tc.language {
			t.Errorf("%q: language %s, want %s", tc.text, l.Language, tc.language)
		}
	}
}

// TestScamsAndBotComments: prize scams, collab and follower-selling
// bots and get-rich pitches are noise that must not wait in the queue as
// requests, while customers writing nearby words (a gift card, a claim, a
// collab sold out, forex fees, "you won't") are not taken for them; the
// hover says why a message was filed as other. (The prize scam here is
// not the held-out one of labelled.tsv.)
func TestScamsAndBotComments(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in    Input
		spam  bool
		reply bool
	}{
		{Input{Text: "Dear customer, you have been selected for our loyalty reward! Claim your prize today at rewards-4u.example", Channel: "email"}, true, false},
		{Input{Text: "DM us to collab 💕 love your feed", Channel: "instagram", ToHandle: "acme"}, true, false},
		{Input{Text: "Want real followers? Grow your page fast", Channel: "instagram", ToHandle: "acme"}, true, false},
		{Input{Text: "I made $5000 a week with binary options, double your money, ask me how", Channel: "facebook", ToHandle: "acme"}, true, false},
		{Input{Text: "my gift card balance is wrong, can you help?", Channel: "x", ToHandle: "acme"}, false, true},
		{Input{Text: "Congratulations to the whole team on the launch!", Channel: "linkedin", ToHandle: "acme"}, false, false},
		{Input{Text: "@USAirways You won't give us a hotel or food. Can you at least suggest options?", Channel: "x", ToHandle: "USAirways"}, false, true},
		{Input{Text: "how do I claim the refund you promised?", Channel: "x", ToHandle: "acme"}, false, true},
		{Input{Text: "waited an hour at baggage claim. Now we wait for a bag that never came", Channel: "x", ToHandle: "acme"}, false, true},
		{Input{Text: "the collab is sold out already 😭 will you restock it?", Channel: "instagram", ToHandle: "acme"}, false, true},
		{Input{Text: "why was I charged a forex fee on my card in London?", Channel: "x", ToHandle: "acme"}, false, true},
		{Input{Text: "would love to work with you on a collaboration, who should I email?", Channel: "linkedin", ToHandle: "acme"}, false, true},
		// Pitches, in other languages through the glossaries, and what
		// only looks like one.
		{Input{Text: "Folgt mir für tägliche Gewinnspiele 🎁🎁🎁", Channel: "instagram", ToHandle: "acme"}, true, false},
		{Input{Text: "gagnez 500€ par jour, lien dans ma bio 💰", Channel: "instagram", ToHandle: "acme"}, true, false},
		{Input{Text: "We offer SEO services to boost your ranking, reply for a free audit", Channel: "form"}, true, false},
		{Input{Text: "Bonjour, le lien dans votre bio ne marche pas, où puis-je commander ?", Channel: "instagram", ToHandle: "acme"}, false, true},
		{Input{Text: "the link in bio doesn't work, where do I order?", Channel: "instagram", ToHandle: "acme"}, false, true},
		{Input{Text: "Hi, this is Min-ji Seo, my order never arrived", Channel: "email"}, false, true},
	} {
		l := c.Classify(tc.in)
		if spam := l.Spam >= SpamThreshold; spam != tc.spam || l.NeedsReply != tc.reply || tc.spam && l.Intent != "other" {
			t.Errorf("%q: spam %v, intent %s, needs_reply %v; want spam %v, needs_reply %v", tc.in.Text, l.Spam, l.Intent, l.NeedsReply, tc.spam, tc.reply)
		}
		if said := slices.Contains(l.Why, "reads as spam or a pitch"); said != tc.spam {
			t.Errorf("%q: why %q", tc.in.Text, l.Why)
		}
	}
	l := c.Classify(Input{Text: "@bob_k Sorry for the wait, please DM us your booking reference and we'll look into it. ^JM", Channel: "x"})
	if l.Intent != "other" || !slices.Contains(l.Why, "signed like a company's own post (^JM)") {
		t.Errorf("an agent's signed reply: intent %s, why %q", l.Intent, l.Why)
	}
}

// TestClassifyConcurrent checks that concurrent calls agree with serial
// ones (run with -race).
func TestClassifyConcurrent(t *testing.T) {
	c := Default()
	texts := []string{"@delta my bag is lost, can you help?", "love this app", "worst service ever @comcast", "anyone tried the new pixel?"}
	want := make([]string, len(texts))
	for i, s := range texts {
		want[i] = c.Classify(Input{Text: s}).Intent
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 200 {
				i := (g + n) % len(texts)
				if got := c.Classify(Input{Text: texts[i]}).Intent; got != want[i] {
					t.Errorf("%q: %s, want %s", texts[i], got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"@Delta this is NOT good!!! http://t.co/x", "@user this is not not_good ! <url>"},
		{"Soooo happy :) 😍", "soo happy <emo+> <emo+>"},
		{"I don't like it, but fine", "i dont not_like not_it but fine"},
		{"flight 1234 &amp; #LostBag", "flight <num> # lostbag"},
		{`can\u2019t wait\u002c really`, "cant not_wait really"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"@delta my bag is lost, can you help?", "Soooo happy :) 😍", `\u2019\u00`, "&amp", "^JM", "#", "@", "http://", "\xff\xfe"} {
		f.Add(s)
	}
	c := Default()
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Errorf("Normalize(%q) = %q: invalid UTF-8", s, n)
		}
		if strings.Contains(n, "  ") {
			t.Errorf("Normalize(%q) = %q: empty token", s, n)
		}
		l := c.Classify(Input{Text: s})
		if l.Intent == "" || l.Sentiment == "" || l.Language == "" {
			t.Errorf("Classify(%q) = %+v", s, l)
		}
	})
}

// TestTrainDeterministic trains twice with one seed and compares the
// model files' bytes.
func TestTrainDeterministic(t *testing.T) {
	texts := []Text{
		{Text: "love it, great service", Label: "positive"}, {Text: "worst airline ever", Label: "negative"},
		{Text: "the flight leaves at 5", Label: "neutral"}, {Text: "thanks so much @delta", Label: "positive"},
		{Text: "my bag is lost again", Label: "negative"}, {Text: "news: new store opens", Label: "neutral"},
	}
	build := func(seed uint64) []byte {
		m := trainLinear("sentiment", sentimentClasses, examples(texts, sentimentClasses), withSeed(sentimentOpts, seed))
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := build(1), build(1)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different model files")
	}
	if bytes.Equal(a, build(2)) {
		t.Error("another seed gave the same model file")
	}
	var m linear
	if err := m.UnmarshalBinary(a); err != nil || m.Name != "sentiment" || len(m.Classes) != 3 {
		t.Fatalf("round trip: %v %+v", err, m.Classes)
	}
}

// TestNBRatios: a feature seen only with complaints counts for them, one
// seen only without against, and weak labels (weight under 1) are not
// counted; the model trained over the ratios has them folded in, and the
// folded model scores as the scaled one.
func TestNBRatios(t *testing.T) {
	var f features
	ex := func(text string, label int, w float32) example {
		return example{vec: f.featurize(text), label: label, weight: w}
	}
	data := []example{
		ex("refund refund now", 1, 0), ex("refund please", 1, 0), ex("lovely day", 0, 0), ex("lovely walk", 0, 1),
		ex("lovely refund", 1, 0.1), // weak: not counted
	}
	r := nbRatios(data)
	refund, lovely := hash('w', "refund"), hash('w', "lovely")
	if r[refund] <= 0 || r[lovely] >= 0 {
		t.Errorf("ratios: refund %v, lovely %v", r[refund], r[lovely])
	}
	// refund is counted once per message: 2 of 2 complaints, 0 of 2 others.
	// Every bucket gets one more of each, so refund's ratio is
	// log(3/(n1+Dim) ÷ 1/(n0+Dim)) with n1, n0 the features counted.
	var n [2]float64
	for _, e := range data[:4] {
		seen := map[uint32]bool{}
		for _, b := range e.idx {
			if !seen[b] {
				seen[b] = true
				n[e.label]++
			}
		}
	}
	want := math.Log(3 / (n[1] + Dim) * (n[0] + Dim) / 1)
	if math.Abs(float64(r[refund])-want) > 1e-4 {
		t.Errorf("refund's ratio %v, want %v", r[refund], want)
	}
	m := trainLinear("complaint", binaryClasses, data, withSeed(complaintOpts, 1))
	if m.nb != nil {
		t.Error("the ratios were not folded into the weights")
	}
	p := make([]float64, 2)
	m.probs(f.featurize("refund"), p)
	if p[1] < 0.5 {
		t.Errorf("refund: complaint %.3f", p[1])
	}
	// Folding: weights read through the ratios score as the ratios
	// folded into them, on every message.
	scaled := &linear{Classes: binaryClasses, w: slices.Clone(m.w), nb: r}
	for i := range scaled.w {
		scaled.w[i] = float32(i%7) - 3
	}
	folded := &linear{Classes: binaryClasses, w: slices.Clone(scaled.w), nb: r}
	folded.foldNB()
	a, b := make([]float64, 2), make([]float64, 2)
	for _, e := range data {
		scaled.scores(e.vec, a)
		folded.scores(e.vec, b)
		if math.Abs(a[0]-b[0]) > 1e-4*(1+math.Abs(a[0])) || math.Abs(a[1]-b[1]) > 1e-4*(1+math.Abs(a[1])) {
			t.Errorf("folded scores %v, scaled %v", b, a)
		}
	}
	if folded.nb != nil {
		t.Error("foldNB left the ratios")
	}
}

// TestTrainShared trains on a slice of the shared data, the whole recipe
// `hark train` runs: twice without corrections, which must give the same
// bytes, and once with agents' corrections, which must reach the models.
func TestTrainShared(t *testing.T) {
	needData(t)
	if testing.Short() {
		t.Skip("short")
	}
	d, err := loadAll(sharedData, "testdata/labelled.tsv", nil)
	if err != nil {
		t.Fatal(err)
	}
	d.sentTrain, d.requests, d.airline = d.sentTrain[:500], d.requests[:200], d.airline[:500]
	d.complaints, d.sugTrain = d.complaints[:200], d.sugTrain[:200]
	// Enough labelled rows for a stack; all of them made this test, which
	// trains six intent models per build, the slowest under -race.
	d.labelled = d.labelled[:1500]
	// Agents keep filing the release notes of a product called Zorblat,
	// posted to the brand's handle, as share.
	var corrections []Labelled
	for i := range 20 {
		corrections = append(corrections, Labelled{Text: fmt.Sprintf("@Voltify zorblat %d.%d release notes are out, changelog here", i/4, i%4),
			Intent: "share", Channel: "x", ToHandle: "Voltify"})
	}
	in := Input{Text: "@Voltify the zorblat 7.1 release notes are out", Channel: "x", ToHandle: "Voltify"}
	build := func(extra []Labelled) (map[string][]byte, Labels) {
		d.extra = extra
		files, err := train(d, 1, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if files[stackName] == nil {
			t.Fatal("no stack trained")
		}
		c, err := Load(func(name string) ([]byte, error) { return files[name], nil })
		if err != nil {
			t.Fatal(err)
		}
		return files, c.Classify(in)
	}
	a, without := build(nil)
	b, _ := build(nil)
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("the same data and seed gave different %s files", name)
		}
	}
	_, with := build(corrections)
	if without.Intent == "share" || with.Intent != "share" {
		t.Errorf("without corrections: %s %v; with: %s %v", without.Intent, without.IntentProbs, with.Intent, with.IntentProbs)
	}
}

// TestLabelledFile checks the hand-labelled set parses and that the split
// keeps a real held-out part.
func TestLabelledFile(t *testing.T) {
	rows := labelledRows(t)
	held := 0
	for _, r := range rows {
		if !LabelledTrain(r.Text) {
			held++
		}
	}
	if held < len(rows)/4 || held > len(rows)/2 {
		t.Errorf("%d of %d rows held out", held, len(rows))
	}
}

// TestLoadLabelledQuotes: the format has no quoting, so a message that
// starts with a quote stays one row (a CSV reader ran it into the next 83
// rows of labelled.tsv). A byte-order mark, CRLF line ends and blank
// lines are read past; a missing header or a row with other fields is an
// error that names the line.
func TestLoadLabelledQuotes(t *testing.T) {
	text := "\"LOL you guys are so on it\" - me, 4 months ago...“@JetBlue: Our fleet's on fleek.\""
	body := "\uFEFFtext\tintent\tneeds_reply\tchannel\tto_handle\n" + text + "\tshare\tno\tx\tJetBlue\r\n\n\"ok\tother\tno\tx\t\n\n"
	rows, err := LoadLabelled(writeTemp(t, body))
	if err != nil || len(rows) != 2 || rows[0].Text != text || rows[0].ToHandle != "JetBlue" || rows[1].Text != "\"ok" || rows[1].Intent != "other" {
		t.Fatalf("read %d rows %+v, %v", len(rows), rows, err)
	}
	for _, tc := range []struct{ body, err string }{
		{body + "a\tpeer\tno\tx\t\textra\n", "line 6: 6 fields"},
		{body + "a\tpeer\tno\n", "line 6: 3 fields"},
		{body + "a\tpraised\tno\tx\t\n", `line 6: intent "praised"`},
		{"where is my bag?\trequest\tyes\tx\tunited\n", "no header"},
		{"", "no header"},
	} {
		if _, err := LoadLabelled(writeTemp(t, tc.body)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %v, want an error with %q", tc.body, err, tc.err)
		}
	}
}

// FuzzLoadLabelled: whatever the file, LoadLabelled returns rows or an
// error, and every row it returns has a valid intent and no line break.
func FuzzLoadLabelled(f *testing.F) {
	f.Add("text\tintent\tneeds_reply\tchannel\tto_handle\n\"a\trequest\tyes\tx\tb\n")
	f.Add("\uFEFFtext\tintent\r\n\r\nhi\tpeer\r\n")
	f.Fuzz(func(t *testing.T, body string) {
		rows, err := LoadLabelled(writeTemp(t, body))
		if err != nil {
			return
		}
		for _, r := range rows {
			if !validIntent(r.Intent) || strings.ContainsAny(r.Text, "\n") {
				t.Fatalf("row %+v from %q", r, body)
			}
		}
	})
}

// writeTemp writes body to a file in a test's temporary directory.
func writeTemp(t testing.TB, body string) string {
	path := filepath.Join(t.TempDir(), "l.tsv")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWithoutHandles: hark classify's to_handle is optional, and a
// scorer may send the text alone ("@united my bag…"). The shipped models
// must read the held-out rows about as well without it: before the stack
// learnt from copies without handles, they lost 0.052 accuracy.
func TestWithoutHandles(t *testing.T) {
	rows := labelledRows(t)
	with := heldOut(Default(), rows, nil)
	without := heldOut(Default(), rows, func(in *Input) { in.ToHandle = "" })
	a, b := accuracy(with.gi, with.pi), accuracy(with.gi, without.pi)
	t.Logf("held-out intent accuracy %.3f with to_handle, %.3f without (%d rows)", a, b, len(with.gi))
	if b < a-0.02 {
		t.Errorf("without to_handle the intent accuracy falls from %.3f to %.3f", a, b)
	}
}

// TestCommentsUnderAPost: a comment under a brand's post tags no one, and
// may be to the brand or not. Two kinds of held-out rows are sent as
// Facebook comments to a brand (train.go taggedComment, strayComment):
// those that start with their brand's tag and tag no one else, the tag
// removed, must read about as they do with it; the public ones to no brand
// must not all turn into messages to the brand. Without the implied tag
// the first kind fell from 0.770 to 0.612 intent accuracy (the models of
// 112a527); with the tag but without the stack's comment copies the second
// fell from 0.812 to 0.653 (testdata/comments_heldout.py).
func TestCommentsUnderAPost(t *testing.T) {
	rows := labelledRows(t)
	c := Default()
	for _, kind := range []struct {
		name    string
		comment func(Labelled) (Labelled, bool)
		slack   float64
		least   int
	}{
		{"messages that start with their brand's tag", taggedComment, 0.03, 150},
		{"public messages to no brand", strayComment, 0.08, 150},
		// Before tags were compared with to_handle these read as addressed
		// to the brand: 0.561 as comments against 0.634 as written. Since
		// the models learnt real comments under brand posts (the eighth
		// round), these stand-ins are not label-preserving: a friend's
		// tag under a brand's post is mostly a share, on X chatter
		// (other), and "@VerizonSupport I can't connect" is a request to
		// another company. They lose 0.056 (0.674 → 0.618, most of it others
		// read as shares), so this row now only catches a collapse; the
		// labelled comments gain 0.477 → 0.716 (TestLabelledComments).
		{"public messages that tag people but no brand", friendComment, 0.08, 60},
	} {
		gold, written, commented := asComments(c, rows, kind.comment)
		a, b := accuracy(gold, written), accuracy(gold, commented)
		t.Logf("held-out %s (%d): intent %.3f as written, %.3f as comments", kind.name, len(gold), a, b)
		if len(gold) < kind.least {
			t.Errorf("only %d held-out %s", len(gold), kind.name)
		}
		if b < a-kind.slack {
			t.Errorf("%s: as comments the intent accuracy falls from %.3f to %.3f", kind.name, a, b)
		}
	}
	// Private messages and messages that tag someone are read as written.
	var f features
	for _, in := range []Input{
		{Text: "where is my order?", ToHandle: "acme", Channel: "email"},
		{Text: "@sam where did you buy it?", ToHandle: "acme", Channel: "facebook"},
		{Text: "where is my order?", Channel: "facebook"},
	} {
		if f.read(in); f.mentions != strings.Count(in.Text, "@") || f.leadMention != strings.HasPrefix(in.Text, "@") {
			t.Errorf("%+v read with %d mentions, leading %v", in, f.mentions, f.leadMention)
		}
	}
	if f.read(Input{Text: "where is my order?", ToHandle: "acme", Channel: "instagram"}); f.mentions != 1 || !f.leadMention {
		t.Errorf("a comment to acme's post is not read as tagging it")
	}
	if f.read(Input{Text: "see https://medium.com/@bob/post", ToHandle: "acme", Channel: "facebook"}); f.mentions != 1 || !f.leadMention {
		t.Errorf("an @ inside a link stops the implied tag")
	}
	// A comment that tags people but not the brand is users talking.
	for _, tc := range []struct {
		in     Input
		others bool
	}{
		{Input{Text: "@maria_k we need to go here!!", ToHandle: "acme", Channel: "instagram"}, true},
		{Input{Text: "@maria_k @tom.b look", ToHandle: "kestrel.home", Channel: "instagram"}, true},
		{Input{Text: "@maria_k have you asked @acme?", ToHandle: "acme", Channel: "instagram"}, false},
		{Input{Text: "@kestrel.home is this back in stock?", ToHandle: "kestrel.home", Channel: "instagram"}, false},
		{Input{Text: "@British_Airways where is my bag", ToHandle: "British Airways", Channel: "x"}, false},
		{Input{Text: "@AppleSupport my phone died", ToHandle: "Apple", Channel: "x"}, false},
		{Input{Text: "@united thanks", ToHandle: "UnitedHelp", Channel: "x"}, false},
		{Input{Text: "@kestrel great post", ToHandle: "blog.kestrel.example", Channel: "blog"}, false},
		{Input{Text: "@KestrelHome my order", ToHandle: "kestrel-home", Channel: "linkedin"}, false},
		{Input{Text: "@bloglover great post", ToHandle: "blog.kestrel.example", Channel: "blog"}, true},
		{Input{Text: "@EE when is the new phone out?", ToHandle: "EE", Channel: "x"}, false},
		{Input{Text: "@VW @VWGoA my car", ToHandle: "VW", Channel: "x"}, false},
		{Input{Text: "@PayPal my money", ToHandle: "AskPayPal", Channel: "x"}, false},
		{Input{Text: "@hm_uk my order", ToHandle: "hm", Channel: "x"}, false},
		{Input{Text: "@O2 no signal", ToHandle: "O2UK", Channel: "x"}, false},
		{Input{Text: "@acme no signal", ToHandle: "urn:li:organization:123", Channel: "linkedin"}, false},
		{Input{Text: "love this @maria_k", ToHandle: "acme", Channel: "instagram"}, true},
		{Input{Text: "love this @maria_k and @acme", ToHandle: "acme", Channel: "instagram"}, false},
		{Input{Text: "@SkywayAir lovely read", ToHandle: "blog.skywayair.example", Channel: "blog"}, false},
		{Input{Text: "@acme where is my refund", ToHandle: "104958162837", Channel: "facebook"}, false}, // a page id
		{Input{Text: "email me at jane.doe@gmail.com", ToHandle: "acme", Channel: "facebook"}, false},
		{Input{Text: "@comedy_dan look", ToHandle: "www.acme.com", Channel: "blog"}, true},
		{Input{Text: "@maria_k we need to go here", Channel: "instagram"}, false},                      // no brand to compare
		{Input{Text: "@maria_k we need to go here", ToHandle: "acme", Channel: "instagram_dm"}, false}, // private
		{Input{Text: "see https://medium.com/@bob", ToHandle: "acme", Channel: "facebook"}, false},
	} {
		if f.read(tc.in); f.othersOnly != tc.others {
			t.Errorf("%+v: tags others only %v, want %v", tc.in, f.othersOnly, tc.others)
		}
	}
	// An e-mail address is no tag; X's old retweet prefix is.
	for text, want := range map[string]int{"email me at jane.doe@gmail.com": 0, "RT@bob: so true": 1, "rt @bob": 1,
		"@a@b": 1, "art@bob": 0, "é@bob": 1, "ありがとう@acme": 1, "(@bob)": 1, "“@bob: hi”": 1, "💜@bob": 1, "@": 0} {
		if f.tokenize(text, "", false); f.mentions != want {
			t.Errorf("%q: %d mentions, want %d", text, f.mentions, want)
		}
	}
	// A photo-only comment has no text: it stays empty, and spam says so.
	for _, text := range []string{"", "  ", "@"} {
		if l := Default().Classify(Input{Text: text, ToHandle: "acme", Channel: "facebook"}); l.Intent != "other" || l.NeedsReply || l.Spam < 0.5 {
			t.Errorf("empty comment %q: intent %s needs_reply %v spam %v", text, l.Intent, l.NeedsReply, l.Spam)
		}
	}
}

// TestSarcasticThanks: thanks for a failure vent, and the phrase list
// says so to the stack; thanks for help does not.
func TestSarcasticThanks(t *testing.T) {
	var f features
	for text, vent := range map[string]bool{
		"@united thanks for losing my bag again":             true,
		"Thank you for ignoring all my tweets":               true,
		"thanks for cancelling my flight and not telling me": true,
		"thanks for nothing":                                 true,
		"thanks for the quick reply!":                        false,
		"thank you for sorting my refund":                    false,
	} {
		f.tokenize(text, "", false)
		f.findPhrases()
		if got := f.hits&hitVent != 0; got != vent {
			t.Errorf("%q: venting %v, want %v", text, got, vent)
		}
	}
}

// TestGreetingOpensAConversation: a bare greeting sent privately waits for
// an answer. The guard leaves alone a greeting with more said, and any
// public message: a public "hi" to no one is other, and one to the
// brand's post (a to_handle) is read as the implied tag makes it.
func TestGreetingOpensAConversation(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in   Input
		want bool // a request that needs a reply
	}{
		{Input{Text: "hi", Channel: "chat"}, true},
		{Input{Text: "Hello??", Channel: "Live Chat"}, true},
		{Input{Text: "is anyone there?", Channel: "chat"}, true},
		{Input{Text: "Good morning team", Channel: "email"}, true},
		{Input{Text: "heyyy 😊", Channel: "whatsapp"}, true},
		{Input{Text: "Buenos días", Channel: "chat"}, true},
		{Input{Text: "boa tarde", Channel: "whatsapp"}, true},
		{Input{Text: "hi :(", Channel: "chat"}, true},
		{Input{Text: "ciao!", Channel: "chat"}, false}, // as often goodbye
		{Input{Text: "hi", Channel: "x"}, false},
		{Input{Text: "hi", Channel: "instagram", ToHandle: "acme"}, true}, // under the brand's post: to the brand
		{Input{Text: "are you there", Channel: "chat"}, true},
		{Input{Text: "you", Channel: "chat"}, false},
		{Input{Text: "thanks!", Channel: "chat"}, false},
		{Input{Text: "ok", Channel: "chat"}, false},
		{Input{Text: "hi there, love the new menu", Channel: "email"}, false},
	} {
		l := c.Classify(tc.in)
		if got := l.Intent == "request" && l.NeedsReply; got != tc.want {
			t.Errorf("%+v: intent %s needs_reply %v (%v), want a request needing a reply: %v", tc.in, l.Intent, l.NeedsReply, l.IntentProbs, tc.want)
		}
	}
}

// A voice note or a photo with no words, sent to the company alone,
// waits for an answer: the models, reading an empty text, called it
// noise that needs none, and the thread never reached the queue.
func TestAttachmentAloneSentPrivatelyIsARequest(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in   Input
		want bool // a request that needs a reply
	}{
		{Input{Channel: "whatsapp", Attachments: 1}, true},
		{Input{Text: "  ", Channel: "x_dm", Attachments: 2}, true},
		{Input{Channel: "email", Attachments: 1}, true},
		{Input{Channel: "whatsapp"}, false},                                    // nothing at all
		{Input{Text: "ok", Channel: "whatsapp", Attachments: 1}, false},        // words: read as written
		{Input{Channel: "instagram", ToHandle: "acme", Attachments: 1}, false}, // a photo in public
	} {
		l := c.Classify(tc.in)
		if got := l.Intent == "request" && l.NeedsReply; got != tc.want {
			t.Errorf("%+v: intent %s needs_reply %v (%v), want a request needing a reply: %v", tc.in, l.Intent, l.NeedsReply, l.IntentProbs, tc.want)
		}
		if tc.in.Attachments > 0 && strings.TrimSpace(tc.in.Text) == "" && l.Spam >= SpamThreshold {
			t.Errorf("%+v: spam %.2f: a file alone read as noise", tc.in, l.Spam)
		}
		if tc.want && !slices.Contains(l.Why, "sent privately with only an attachment") {
			t.Errorf("%+v: why %q does not say the attachment decided", tc.in, l.Why)
		}
	}
}

// TestAcknowledgementClosesAChat: "ok, got it" alone, in any language
// glossed or not, is a bare reaction that needs no reply; with a question
// mark, a thanks or more words it is read as before.
func TestAcknowledgementClosesAChat(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in  Input
		ack bool // other, needing no reply, the hover saying why
	}{
		{Input{Text: "ok got it", Channel: "chat"}, true},
		{Input{Text: "Okay 👍", Channel: "whatsapp"}, true},
		{Input{Text: "ok alles klar", Channel: "chat"}, true},
		{Input{Text: "vale, entendido 👍", Channel: "chat"}, true},
		{Input{Text: "ah ok d'accord", Channel: "chat"}, true},
		{Input{Text: "oké, prima dan", Channel: "chat"}, true},
		{Input{Text: "ok va bene 👌", Channel: "messenger"}, true},
		{Input{Text: "ok?", Channel: "chat"}, false},
		{Input{Text: "ok thanks", Channel: "chat"}, false},
		{Input{Text: "ok ta", Channel: "chat"}, false},
		{Input{Text: "ok but my order still hasn't arrived", Channel: "chat"}, false},
		{Input{Text: "not fine", Channel: "chat"}, false},
		{Input{Text: "@acme ok", Channel: "x", ToHandle: "acme"}, false},
	} {
		l := c.Classify(tc.in)
		said := slices.Contains(l.Why, "a bare acknowledgement (ok, got it)")
		if said != tc.ack || tc.ack && (l.Intent != "other" || l.NeedsReply) {
			t.Errorf("%+v: intent %s needs_reply %v (why %q), want a bare acknowledgement: %v", tc.in, l.Intent, l.NeedsReply, l.Why, tc.ack)
		}
	}
}

// TestForeignPrivateMessages: the models learnt English and read other
// languages through glossaries (gloss.go), so a message written privately
// to the brand in another language must not pass for a share or noise
// that needs no reply, whatever words the glossary missed. The guard
// leaves alone the same words in public (read through the glossary, a
// request on its own), thanks that ask nothing, a lone word, spam and
// English.
func TestForeignPrivateMessages(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in          Input
		want, guard bool // a request that needs a reply; the hover says the guard made it one
	}{
		{Input{Text: "Bonjour, je voudrais annuler mon abonnement s'il vous plaît", Channel: "chat"}, true, true},
		{Input{Text: "Hallo, ich habe eine Frage zu meiner Rechnung", Channel: "email"}, true, true},
		{Input{Text: "Buongiorno, vorrei cambiare l'indirizzo di consegna del mio ordine", Channel: "form"}, true, true},
		{Input{Text: "Goedemiddag, mijn pakket is nog steeds niet bezorgd", Channel: "whatsapp"}, true, true},
		{Input{Text: "Bonjour, je voudrais annuler mon abonnement s'il vous plaît", Channel: "facebook", ToHandle: "acme"}, true, false},
		{Input{Text: "merci beaucoup", Channel: "chat"}, false, false},
		{Input{Text: "Vielen Dank, das hat super geklappt!", Channel: "whatsapp"}, false, false},
		{Input{Text: "Merci beaucoup pour votre aide, tout est réglé", Channel: "chat"}, false, false},
		{Input{Text: "ciao!", Channel: "chat"}, false, false},
		{Input{Text: "Hola, gana dinero desde casa, haz click here http://x.co http://y.co", Channel: "email"}, false, false},
	} {
		l := c.Classify(tc.in)
		said := slices.Contains(l.Why, "written privately, in "+LanguageName(l.Language))
		if got := l.Intent == "request" && l.NeedsReply; got != tc.want || said != tc.guard {
			t.Errorf("%+v: intent %s needs_reply %v (language %s, why %q), want a request: %v, the guard's: %v", tc.in, l.Intent, l.NeedsReply, l.Language, l.Why, tc.want, tc.guard)
		}
	}
}

// TestUnreadTag: a public post that tags the brand in a language the
// models cannot read, even through its glossary, is a request that needs
// a reply: Persian and Urdu, which language names Arabic by their
// script, and Nepali, named Hindi. The languages with a glossary are
// read, the script-only ones (zh, ja, th) through its words.
func TestUnreadTag(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in    Input
		guard bool // the guard made it a request that needs a reply
	}{
		{Input{Text: "@kestrel_eu سفارش من هنوز نرسیده", Channel: "x", ToHandle: "kestrel_eu"}, true},
		{Input{Text: "@kestrel_eu آرڈر ابھی تک نہیں پہنچا", Channel: "x", ToHandle: "kestrel_eu"}, true},
		{Input{Text: "@Kestrel_EU سفارش من هنوز نرسیده", Channel: "x", ToHandle: "kestrel_eu"}, true},
		// Nepali, named Hindi by its script: the Hindi glossary reads a
		// word or two of it, so it is no better read.
		{Input{Text: "@kestrel_eu मेरो अर्डर अझै आएको छैन", Channel: "x", ToHandle: "kestrel_eu"}, true},
		{Input{Text: "@kestrel_eu ممنون از کمک شما", Channel: "x", ToHandle: "kestrel_eu"}, false},
		{Input{Text: "@kestrel_eu 行", Channel: "x", ToHandle: "kestrel_eu"}, false}, // "ok", one letter read whole
		{Input{Text: "سفارش من هنوز نرسیده", Channel: "instagram", ToHandle: "kestrel_eu"}, false},
		{Input{Text: "@dana سفارش من هنوز نرسیده", Channel: "x", ToHandle: "kestrel_eu"}, false},
		{Input{Text: "@kestrel_eu سفارش من هنوز نرسیده", Channel: "x"}, false},
		{Input{Text: "@kestrel_eu هر روز 500 دلار! follow back http://x.co http://y.co http://z.co", Channel: "x", ToHandle: "kestrel_eu"}, false},
		{Input{Text: "@kestrel_eu ma commande n'est jamais arrivée", Channel: "x", ToHandle: "kestrel_eu"}, false},
	} {
		l := c.Classify(tc.in)
		said := slices.ContainsFunc(l.Why, func(s string) bool {
			return s == "tags the brand; too few of its words are in the "+LanguageName(l.Language)+" glossary"
		})
		if said != tc.guard || said && (l.Intent != "request" || !l.NeedsReply) {
			t.Errorf("%+v: intent %s needs_reply %v (language %s, why %q), want the guard's request: %v", tc.in, l.Intent, l.NeedsReply, l.Language, l.Why, tc.guard)
		}
	}
}

// TestScriptLanguagesRead: the languages named by their script alone are
// read through their glossaries, and a tag of the brand that reports a
// problem is a request the models saw, not the guard.
func TestScriptLanguagesRead(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text, lang, gloss string // gloss: a word the explanation shows glossed
	}{
		{"@kestrel_eu 注文した商品がまだ届きません", "ja", `"届きません" (not arrived)`},
		{"@kestrel_eu ההזמנה שלי עדיין לא הגיעה", "he", `"עדיין לא הגיעה" (still not arrived)`},
		{"@kestrel_eu พัสดุของฉันยังไม่มาถึงเลย", "th", `"พัสดุ" (parcel)`},
		{"@kestrel_eu 我的包裹还没到？", "zh", `"还没到" (still not arrived)`},
		// が typed as か and its voicing mark apart, as some systems copy it.
		{"@kestrel_eu 注文した商品か\u3099まだ届きません", "ja", `"届きません" (not arrived)`},
	} {
		l := c.Classify(Input{Text: tc.text, Channel: "x", ToHandle: "kestrel_eu"})
		if l.Language != tc.lang || l.Intent != "request" || !l.NeedsReply || !slices.Contains(l.Why, tc.gloss) ||
			slices.ContainsFunc(l.Why, func(s string) bool { return strings.Contains(s, "too few of its words") }) {
			t.Errorf("%q: %s, intent %s, needs_reply %v, why %q; want %s, a request read through %s", tc.text, l.Language, l.Intent, l.NeedsReply, l.Why, tc.lang, tc.gloss)
		}
	}
	// Japanese writes hiragana; Chinese may hold a Japanese name in
	// katakana, or a の.
	for text, lang := range map[string]string{"注文番号の商品が届かない": "ja", "返金は？": "ja", "ワロタ": "ja", "ログイン不可": "ja",
		"我の订单还没到，请尽快处理": "zh", "我在ユニクロ买的衣服还没到": "zh"} {
		if got := c.Classify(Input{Text: text}).Language; got != lang {
			t.Errorf("%q named %s, want %s", text, got, lang)
		}
	}
}

// TestUnreadThanks: a brief thanks to the brand in a language the models
// cannot read is praise that needs no reply; a long message that signs
// off with thanks is still read as a request. Thanks in a language with a
// glossary is read.
func TestUnreadThanks(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in     Input
		intent string
		guard  bool
	}{
		{Input{Text: "@kestrel_eu ممنون از کمک شما", Channel: "x", ToHandle: "kestrel_eu"}, "praise", true},
		{Input{Text: "ممنون از کمک شما 🙏", Channel: "chat"}, "praise", true},
		{Input{Text: "سلام، سفارشم رو دیروز گرفتم ولی یکی از محصولات داخلش نبود. لطفا بگید چطور میتونم بگیرمش. ممنون، علی", Channel: "email"}, "request", false},
		{Input{Text: "@kestrel_eu 対応ありがとうございます", Channel: "x", ToHandle: "kestrel_eu"}, "praise", false},
		{Input{Text: "תודה רבה על העזרה 🙏", Channel: "chat"}, "praise", false},
		{Input{Text: "問題解決了，謝謝", Channel: "whatsapp"}, "praise", false},
		{Input{Text: "届きました！ありがとうございます", Channel: "email"}, "praise", false},
		{Input{Text: "שלום, קיבלתי היום את ההזמנה 4409871 אבל חסר אחד משלושת המוצרים. אנא עדכנו אותי איך אקבל אותו. תודה, יוסי", Channel: "email"}, "request", false},
		{Input{Text: "您好，订单中的耳机左耳没有声音。请问可以换货吗？谢谢", Channel: "chat"}, "request", false},
		// Scripts that run words together count letters, not tokens.
		{Input{Text: "您好，订单中的耳机左耳没有声音，我想换货。谢谢", Channel: "chat"}, "request", false},
		{Input{Text: "@kestrel_eu 注文した商品はいつ届きますか。ありがとうございます", Channel: "x", ToHandle: "kestrel_eu"}, "request", false},
		{Input{Text: "注文した商品がまだ届きません", Channel: "chat"}, "request", false},
		// 감사팀 is the audit team.
		{Input{Text: "감사팀에 제출했는데 환불은 언제 되나요", Channel: "chat"}, "request", false},
	} {
		l := c.Classify(tc.in)
		said := slices.ContainsFunc(l.Why, func(s string) bool {
			return s == "thanks the brand; too few of its words are in the "+LanguageName(l.Language)+" glossary"
		})
		if l.Intent != tc.intent || l.NeedsReply != (tc.intent == "request") || said != tc.guard {
			t.Errorf("%+v: intent %s needs_reply %v (language %s, why %q), want %s (the guard: %v)", tc.in, l.Intent, l.NeedsReply, l.Language, l.Why, tc.intent, tc.guard)
		}
	}
}

// TestPrivateChannel: callers name channels in many ways; the private
// ones must all be read as private, the public ones never.
func TestPrivateChannel(t *testing.T) {
	for _, ch := range []string{"email", "E-Mail", "chat", "Live Chat", "form", "web_form", "sms", "WhatsApp",
		"dm", "DM", "x_dm", "Twitter DM", "instagram_dm", "facebook_messenger", "Messenger", "phone", " email\u00a0", "Support Ticket"} {
		if !privateChannel(ch) {
			t.Errorf("%q is not read as private", ch)
		}
	}
	for _, ch := range []string{"", "x", "twitter", "Facebook", "instagram", "linkedin", "blog", "random",
		"reddit", "youtube", strings.Repeat("e", 100) + "mail"} {
		if privateChannel(ch) {
			t.Errorf("%q is read as private", ch)
		}
	}
	if n := testing.AllocsPerRun(100, func() { privateChannel("Twitter DM") }); n != 0 {
		t.Errorf("privateChannel allocates %v times", n)
	}
}

// tweets reads up to n airline tweets for benchmarks.
func tweets(b testing.TB, n int) []string {
	needData(b)
	f, err := os.Open(filepath.Join(sharedData, "airline", "tweets.csv"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[4])
		if len(out) == n {
			break
		}
	}
	return out
}

func BenchmarkClassify(b *testing.B) {
	texts := tweets(b, 500)
	c := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Classify(Input{Text: texts[i%len(texts)], Channel: "x", ToHandle: "united"})
	}
}

// BenchmarkClassifyComment classifies the same tweets as comments under
// the brand's post, their leading tags removed: read with the implied tag.
func BenchmarkClassifyComment(b *testing.B) {
	texts := tweets(b, 500)
	for i, t := range texts {
		for strings.HasPrefix(t, "@") {
			_, t, _ = strings.Cut(t, " ")
		}
		texts[i] = t
	}
	c := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Classify(Input{Text: texts[i%len(texts)], Channel: "facebook", ToHandle: "united"})
	}
}

// TestStack checks the second stage's file: the round trip, and that
// files over other signals, over another intent model, truncated, with
// trailing bytes or with runaway weights are refused, while model sets
// without a stack still load, with the rules.
func TestStack(t *testing.T) {
	c := Default()
	if c.stack == nil {
		t.Fatal("the embedded models have no stack")
	}
	b, err := c.stack.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var s stack
	if err := s.UnmarshalBinary(b); err != nil || s != *c.stack {
		t.Fatalf("round trip: %v", err)
	}
	weights := len(b) - 6*nSignals*8 // where the weights start
	withWeight := func(v float64) []byte {
		bad := slices.Clone(b)
		binary.LittleEndian.PutUint64(bad[weights:], math.Float64bits(v))
		return bad
	}
	for name, bad := range map[string][]byte{
		"other signals":  bytes.Replace(b, []byte("caps"), []byte("CAPS"), 1),
		"truncated":      b[:len(b)-3],
		"trailing bytes": append(slices.Clone(b), 0),
		"a NaN weight":   withWeight(math.NaN()),
		"a huge weight":  withWeight(1e300),
	} {
		if err := s.UnmarshalBinary(bad); err == nil {
			t.Errorf("a stack file with %s loaded", name)
		}
	}
	if err := s.UnmarshalBinary(withWeight(12.5)); err != nil || s.w[0][0] != 12.5 {
		t.Errorf("the weights are not where the test writes them: %v", err)
	}
	// Over other first-stage models: the shipped stack beside a
	// retouched intent or ask model, or without the ask model.
	retouched := func(name string) []byte {
		var m linear
		raw, _ := shippedModel(name)
		if err := m.UnmarshalBinary(raw); err != nil {
			t.Fatal(err)
		}
		m.w[0] += 0.5
		out, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		file []byte
	}{{"intent", retouched("intent")}, {askName, retouched(askName)}, {askName, nil},
		// The word list decides the stack's "not English" input.
		{englishName, nil}, {englishName, []byte("# another list\nparcel\n")}} {
		_, err = Load(func(name string) ([]byte, error) {
			if name == tc.name && tc.file == nil {
				return nil, fs.ErrNotExist
			}
			if name == tc.name {
				return tc.file, nil
			}
			return shippedModel(name)
		})
		if err == nil || !strings.Contains(err.Error(), "fitted over other") {
			t.Errorf("a stack over another %s model (%d bytes) loaded: %v", tc.name, len(tc.file), err)
		}
	}
	// A model set from before the ask model: its stack file names no ask
	// logit and loads with weight 0 for it, beside no ask model.
	var older bytes.Buffer
	names := slices.DeleteFunc(slices.Clone(signalNames[:]), func(n string) bool { return n == "ask logit" })
	older.WriteString(stackMagic)
	joined := strings.Join(names, "\n")
	binary.Write(&older, binary.LittleEndian, uint16(len(joined)))
	older.WriteString(joined)
	intentFile, _ := shippedModel("intent")
	first := firstStage(intentFile, nil, nil)
	older.Write(first[:])
	for k := range c.stack.w {
		for j, v := range c.stack.w[k] {
			if j != sigAsk {
				binary.Write(&older, binary.LittleEndian, v)
			}
		}
	}
	pre, err := Load(func(name string) ([]byte, error) {
		switch name {
		case stackName:
			return older.Bytes(), nil
		case askName, englishName:
			return nil, fs.ErrNotExist
		}
		return shippedModel(name)
	})
	if err != nil {
		t.Fatalf("a stack from before the ask model: %v", err)
	}
	want := c.stack.w
	for i := range want {
		want[i][sigAsk] = 0
	}
	if pre.stack.w != want {
		t.Errorf("a stack from before the ask model read other weights")
	}
	// Model sets from before the stack have neither it nor the ask model.
	old, err := Load(func(name string) ([]byte, error) {
		if name == stackName || name == askName {
			return nil, fs.ErrNotExist
		}
		return shippedModel(name)
	})
	if err != nil || old.stack != nil {
		t.Fatalf("without a stack file: %v", err)
	}
	if l := old.Classify(Input{Text: "@delta my bag is lost, can you help?"}); l.Intent != "request" {
		t.Errorf("rules without a stack: %s", l.Intent)
	}
}

// FuzzModelFiles: whatever a stack or linear model file holds, loading it
// returns a model or an error, never a panic or a runaway allocation (a
// file of 65,535 classes once asked for 34 GB).
func FuzzModelFiles(f *testing.F) {
	stackFile, _ := shippedModel(stackName)
	f.Add(stackFile)
	var huge bytes.Buffer
	zw := gzip.NewWriter(&huge)
	zw.Write([]byte(modelMagic))
	binary.Write(zw, binary.LittleEndian, uint16(1))
	zw.Write([]byte("x"))
	binary.Write(zw, binary.LittleEndian, uint16(65535))
	zw.Close()
	f.Add(huge.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		var s stack
		_ = s.UnmarshalBinary(b)
		var m linear
		if m.UnmarshalBinary(b) == nil && (len(m.Classes) == 0 || len(m.w) != len(m.Classes)*Dim) {
			t.Fatalf("a model of %d classes and %d weights loaded", len(m.Classes), len(m.w))
		}
	})
}

// shippedModel reads an embedded model file.
func shippedModel(name string) ([]byte, error) { return modelFS.ReadFile("models/" + name + ".bin") }

// labelledRows reads testdata/labelled.tsv, the committed hand-labelled
// set: a file that does not parse fails the test rather than skipping it.
func labelledRows(t *testing.T) []Labelled {
	t.Helper()
	rows, err := LoadLabelled("testdata/labelled.tsv")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// rowRange is a range of labelled.tsv's rows, counted from 1.
type rowRange struct {
	name   string
	lo, hi int
}

func (r rowRange) has(n int) bool { return n >= r.lo && n <= r.hi }

// labelledRounds are the labelling rounds in labelled.tsv (LABELLING.md).
var labelledRounds = []rowRange{
	{"rows 1–500", 1, 500}, {"rows 501–921", 501, 921}, {"rows 922–2066", 922, 2066},
	{"rows 2067–3114", 2067, 3114}, {"rows 3115–4133", 3115, 4133}, {"rows 4134–6041", 4134, 6041},
	commentsRound, thanksRound, courtesyRound,
}

// The written rounds: the eighth, comments under brand posts; the ninth,
// messages that thank; the tenth, problems told by what happens and
// closed with a courtesy.
var (
	commentsRound = rowRange{"rows 6042–6881 (comments)", 6042, 6881}
	thanksRound   = rowRange{"rows 6882–7140 (thanks)", 6882, 7140}
	courtesyRound = rowRange{"rows 7141–7400 (problems that thank)", 7141, 7400}
)

// TestAgreement reads the blind second and third annotations of 710
// labelled rows (testdata/agreement.tsv, LABELLING.md) and prints how often
// each pair of annotators agrees, with Cohen's kappa.
func TestAgreement(t *testing.T) {
	rows := labelledRows(t)
	recs := readAgreement(t, "testdata/agreement.tsv", 710)
	var first, a, b, firstR, aR, bR []string
	for _, rec := range recs[1:] {
		n, err := strconv.Atoi(rec[0])
		yesNo := func(s string) bool { return s == "yes" || s == "no" }
		if err != nil || n < 1 || n > len(rows) || !validIntent(rec[1]) || !validIntent(rec[3]) || !yesNo(rec[2]) || !yesNo(rec[4]) {
			t.Fatalf("bad row %q", rec)
		}
		first, a, b = append(first, rows[n-1].Intent), append(a, rec[1]), append(b, rec[3])
		firstR, aR, bR = append(firstR, fmt.Sprint(rows[n-1].NeedsReply)), append(aR, fmt.Sprint(rec[2] == "yes")), append(bR, fmt.Sprint(rec[4] == "yes"))
	}
	for _, p := range []annotatorPair{{"labelled.tsv vs A", first, a, firstR, aR}, {"labelled.tsv vs B", first, b, firstR, bR}, {"A vs B", a, b, aR, bR}} {
		if agree := p.log(t); agree < 0.5 {
			t.Errorf("%s agree on %.3f only: the file is out of step with labelled.tsv", p.name, agree)
		}
		for _, round := range labelledRounds {
			var x, y []string
			for i, rec := range recs[1:] {
				if n, _ := strconv.Atoi(rec[0]); round.has(n) {
					x, y = append(x, p.x[i]), append(y, p.y[i])
				}
			}
			if len(x) == 0 { // the written rounds have their own passes
				continue
			}
			agree, _ := cohen(x, y)
			t.Logf("  %s (%d): intent agreement %.3f", round.name, len(x), agree)
		}
	}
	// The two samples three ways: all agree, the file has the majority's
	// label, no majority, and which intents the pairs disagree on.
	samples := append([]rowRange{{"rows 1–921", 1, 921}}, labelledRounds[2:]...)
	for _, sample := range samples {
		var all, major, none, n int
		pairs := map[string]int{}
		for i, rec := range recs[1:] {
			if row, _ := strconv.Atoi(rec[0]); !sample.has(row) {
				continue
			}
			n++
			o, x, y := first[i], a[i], b[i]
			switch {
			case o == x && x == y:
				all++
			case o != x && o != y && x != y:
				none++
			}
			if o == x || o == y {
				major++
			}
			for _, p := range [][2]string{{o, x}, {o, y}, {x, y}} {
				if p[0] != p[1] {
					slices.Sort(p[:])
					pairs[p[0]+" ↔ "+p[1]]++
				}
			}
		}
		t.Logf("%s (%d): all three agree on %d, labelled.tsv has the majority's label on %d, no majority on %d; pairwise disagreements %v",
			sample.name, n, all, major, none, pairs)
	}
}

// TestFreshSet: fresh.tsv, the sixth labelling round, is kept apart from
// labelled.tsv so that no model learns its labels (LABELLING.md, "Sixth
// round"): it parses, shares no text with labelled.tsv, and two blind
// re-annotations of 120 of its rows (fresh_agreement.tsv) agree with it.
func TestFreshSet(t *testing.T) {
	fresh, err := LoadLabelled("testdata/fresh.tsv")
	if err != nil || len(fresh) != 993 {
		t.Fatalf("fresh.tsv: %d rows, %v", len(fresh), err)
	}
	labelled := labelledRows(t)
	seen := map[string]bool{}
	for _, l := range labelled {
		seen[strings.ToLower(l.Text)] = true
	}
	for _, l := range fresh {
		if seen[strings.ToLower(l.Text)] {
			t.Errorf("fresh.tsv row is also in labelled.tsv: %q", l.Text)
		}
	}
	recs := readAgreement(t, "testdata/fresh_agreement.tsv", 120)
	var file, a, b []string
	for _, rec := range recs[1:] {
		n, err := strconv.Atoi(rec[0])
		if err != nil || n < 1 || n > len(fresh) || !validIntent(rec[1]) || !validIntent(rec[3]) {
			t.Fatalf("bad row %q", rec)
		}
		file, a, b = append(file, fresh[n-1].Intent), append(a, rec[1]), append(b, rec[3])
	}
	for _, p := range []struct {
		name string
		x, y []string
	}{{"fresh.tsv vs A", file, a}, {"fresh.tsv vs B", file, b}, {"A vs B", a, b}} {
		agree, kappa := cohen(p.x, p.y)
		t.Logf("%s: intent agreement %.3f, kappa %.3f", p.name, agree, kappa)
		if agree < 0.5 {
			t.Errorf("%s agree on %.3f only: the file is out of step with fresh.tsv", p.name, agree)
		}
	}
}

// TestTrainScreensFresh: hark train drops labelled and extra rows whose
// text is in the fresh set (an agent's correction on the demo desk may
// carry one), and says so.
func TestTrainScreensFresh(t *testing.T) {
	fresh := writeTemp(t, "text\tintent\tneeds_reply\tchannel\tto_handle\n@united where is my bag?\trequest\tyes\tx\tunited\n")
	d := &data{
		labelled: []Labelled{{Text: "@united thanks!", Intent: "praise"}},
		extra:    []Labelled{{Text: "@United where is my bag?", Intent: "complaint"}, {Text: "hi", Intent: "request"}},
	}
	var log strings.Builder
	if err := d.screen(fresh, &log); err != nil {
		t.Fatal(err)
	}
	if len(d.labelled) != 1 || len(d.extra) != 1 || d.extra[0].Text != "hi" || !strings.Contains(log.String(), "dropped 1 extra rows") {
		t.Errorf("after screening: %+v %+v, log %q", d.labelled, d.extra, log.String())
	}
}

// TestExtraRowsThatReadAsFreshOnesAreNotTrainedOn: the demo desk streams
// fresh.tsv's messages re-addressed to its brands ("@VirginAmerica …"
// becomes "@SkywayAir …" on X, and loses the tag in a DM), and the models
// read every handle as @user, so an agent's correction of one teaches the
// fresh label all the same: hark train drops it. A message that differs
// in a word, a number or a link is another message, and is kept.
func TestExtraRowsThatReadAsFreshOnesAreNotTrainedOn(t *testing.T) {
	const fresh = "testdata/fresh.tsv"
	rows, err := LoadLabelled(fresh)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"@VirginAmerica I need a receipt for a flight change. Can you send one?",
		"@united - SERIOUSLY it's 2015?!?!  NO WiFi on a 5hr flight from CLE-SFO #1589.  You're the ONLY airline w/out WiFi...and pls no 'unwind' BS.",
		"@Uber_Support Chris.coleman654@gmail.com Just want to view my delivery feedback that's all",
	} {
		if !slices.ContainsFunc(rows, func(l Labelled) bool { return l.Text == text }) {
			t.Fatalf("fresh.tsv no longer holds %q", text)
		}
	}
	for _, c := range []struct {
		text, channel string
		dropped       bool
	}{
		{"@SkywayAir I need a receipt for a flight change. Can you send one?", "x", true},
		{"I need a receipt for a flight change. Can you send one?", "x_dm", true},
		{"@SkywayAir @SkywayHelp i need a receipt for a flight change.  Can you send one?", "x", true},
		{"SERIOUSLY it's 2015?!?!  NO WiFi on a 5hr flight from CLE-SFO #1589.  You're the ONLY airline w/out WiFi...and pls no 'unwind' BS.", "x_dm", true},
		{"@SkywayAir I need a receipt for a hotel change. Can you send one?", "x", false},
		{"@SkywayAir I need a receipt for a flight change. Can you send one? https://t.co/a1", "x", false},
		{"SERIOUSLY it's 2015?!?!  NO WiFi on a 5hr flight from CLE-SFO #1590.  You're the ONLY airline w/out WiFi...and pls no 'unwind' BS.", "x_dm", false},
		{"@SkywayHelp Chris.coleman654@gmail.com Just want to view my delivery feedback that's all", "x", true},
		{"@SkywayHelp Chris.coleman654@yahoo.com Just want to view my delivery feedback that's all", "x", false}, // an e-mail address is no tag
	} {
		d := &data{extra: []Labelled{{Text: c.text, Intent: "request", NeedsReply: true, Channel: c.channel}}}
		var log strings.Builder
		if err := d.screen(fresh, &log); err != nil {
			t.Fatal(err)
		}
		if dropped := len(d.extra) == 0; dropped != c.dropped {
			t.Errorf("%q (%s): dropped %t, want %t", c.text, c.channel, dropped, c.dropped)
		} else if dropped && !strings.Contains(log.String(), "dropped 1 extra rows that read as a text of "+fresh) {
			t.Errorf("%q: the log does not say why it was dropped: %q", c.text, log.String())
		}
	}
}

// TestExtraRowsThatAreHeldOutAreNotTrainedOn: hark eval scores intent
// and needs_reply on the held-out 40% of labelled.tsv, whose texts the
// demo desk streams too; hark train drops an extra row that reads as one
// (as it was written, or re-addressed by the demo), with no fresh set as
// with one, so the held-out score never measures memorised rows. A
// training row brought back is only a copy, and stays.
func TestExtraRowsThatAreHeldOutAreNotTrainedOn(t *testing.T) {
	rows := labelledRows(t)
	var held, kept Labelled
	for _, l := range rows {
		switch {
		case !LabelledTrain(l.Text) && held.Text == "" && strings.HasPrefix(l.Text, "@") && len(strings.Fields(l.Text)) > 5:
			held = l
		case LabelledTrain(l.Text) && kept.Text == "":
			kept = l
		}
	}
	if held.Text == "" || kept.Text == "" {
		t.Fatal("labelled.tsv has no held-out row written to a handle")
	}
	_, rest, _ := strings.Cut(held.Text, " ")
	extra := []Labelled{held, {Text: rest, Intent: held.Intent, Channel: "x_dm"}, kept}
	for _, fresh := range []string{"testdata/fresh.tsv", ""} {
		d := &data{labelled: slices.Clone(rows), extra: slices.Clone(extra)}
		var log strings.Builder
		if err := d.screen(fresh, &log); err != nil {
			t.Fatal(err)
		}
		// What train reads: the training part of the labelled set, and
		// the extra rows whole.
		trained := append(labelledTrain(d.labelled), d.extra...)
		if slices.ContainsFunc(trained, func(l Labelled) bool { return l.Text == held.Text || l.Text == rest }) {
			t.Errorf("fresh %q: a held-out row of labelled.tsv, brought back by --extra, is trained on: %q", fresh, held.Text)
		}
		if len(d.extra) != 1 || d.extra[0].Text != kept.Text {
			t.Errorf("fresh %q: extra rows kept %+v, want only the training row %q", fresh, d.extra, kept.Text)
		}
		if !strings.Contains(log.String(), "dropped 2 extra rows that read as a held-out labelled row") {
			t.Errorf("fresh %q: the log does not say why: %q", fresh, log.String())
		}
	}
}

// readAgreement reads a file of blind re-annotations, its header and n
// rows.
func readAgreement(t *testing.T, path string, n int) [][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	recs, err := r.ReadAll()
	if err != nil || len(recs) != n+1 {
		t.Fatalf("%s: %v, %d rows", path, err, len(recs))
	}
	return recs
}

// annotatorPair is two annotators' intents (x, y) and needs_reply (xr,
// yr) over the same rows.
type annotatorPair struct {
	name         string
	x, y, xr, yr []string
}

// log prints how often the pair agrees, with Cohen's kappa, and returns
// their intent agreement.
func (p annotatorPair) log(t *testing.T) float64 {
	agree, kappa := cohen(p.x, p.y)
	agreeR, kappaR := cohen(p.xr, p.yr)
	t.Logf("%s: intent agreement %.3f, kappa %.3f; needs_reply agreement %.3f, kappa %.3f", p.name, agree, kappa, agreeR, kappaR)
	return agree
}

// cohen returns the share of items two annotators label alike and
// Cohen's kappa, which discounts the agreement expected by chance.
func cohen(x, y []string) (agree, kappa float64) {
	cx, cy := map[string]float64{}, map[string]float64{}
	for i := range x {
		if x[i] == y[i] {
			agree++
		}
		cx[x[i]]++
		cy[y[i]]++
	}
	n := float64(len(x))
	agree /= n
	var chance float64
	for c, v := range cx {
		chance += v / n * cy[c] / n
	}
	return agree, (agree - chance) / (1 - chance)
}

// TestWriteDropsStaleStack: models trained without a labelled set have no
// stack or ask model, and Write must not leave earlier ones beside them.
func TestWriteDropsStaleStack(t *testing.T) {
	dir := t.TempDir()
	if err := Write(map[string][]byte{"intent": []byte("a"), stackName: []byte("b"), askName: []byte("d")}, dir); err != nil {
		t.Fatal(err)
	}
	if err := Write(map[string][]byte{"intent": []byte("c")}, dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{stackName, askName} {
		if _, err := os.Stat(filepath.Join(dir, name+".bin")); !os.IsNotExist(err) {
			t.Errorf("stale %s file: %v", name, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "intent.bin")); string(b) != "c" {
		t.Errorf("intent.bin = %q", b)
	}
}

// TestLanguageSets scores the language guess on the two sets of
// testdata/LANGUAGES.md: language_dev.tsv, which the word lists were
// chosen on, and language_test.tsv, written blind and only scored.
// The floors sit a little under what the guess scored when it shipped
// (0.935 and 0.895; wrong languages 0.010 and 0.020); since the
// glossaries name some messages it left und (gloss.go), 0.960 and 0.930,
// wrong 0.007 and 0.022.
func TestLanguageSets(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		file            string
		floor, maxWrong float64
	}{
		{"language_dev.tsv", 0.92, 0.02},
		{"language_test.tsv", 0.88, 0.03},
	} {
		rows, err := LoadLanguages(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		right, wrong := 0, 0
		miss := map[string]int{}
		for _, r := range rows {
			switch got := c.Classify(Input{Text: r.Text}).Language; got {
			case r.Language:
				right++
			case "und":
				miss[r.Language+"→und"]++
			default:
				wrong++
				miss[r.Language+"→"+got]++
			}
		}
		acc, bad := float64(right)/float64(len(rows)), float64(wrong)/float64(len(rows))
		t.Logf("%s: accuracy %.3f, wrong language %.3f (n=%d); misses %v", tc.file, acc, bad, len(rows), miss)
		if acc < tc.floor || bad > tc.maxWrong {
			t.Errorf("%s: accuracy %.3f (floor %.2f), wrong language %.3f (at most %.2f)", tc.file, acc, tc.floor, bad, tc.maxWrong)
		}
	}
}

// TestTurkishPolishUkrainian: Turkish and Polish are named by their
// function words and letters, typed with or without them, Ukrainian by
// the letters Russian does not use; English that shares a word with them
// stays English.
func TestTurkishPolishUkrainian(t *testing.T) {
	c := Default()
	for text, want := range map[string]string{
		"siparişim hala gelmedi, ne zaman gelecek?":                  "tr",
		"uygulamaya giris yapamiyorum, sifre yanlis diyor ama dogru": "tr",
		"Çok teşekkürler, kartım tekrar açıldı":                      "tr",
		"zamówienie od tygodnia w statusie wysłane, co się dzieje?":  "pl",
		"nie moge sie zalogowac, juz trzeci dzien":                   "pl",
		"dzięki za szybki zwrot, wszystko gra":                       "pl",
		"картку заблокувало, як розблокувати?":                       "uk",
		"дякую, кошти повернули":                                     "uk",
		"моя посылка до сих пор не пришла":                           "ru",
		"Ben at the Leeds store was so helpful, thanks!":             "en",
		"no go": "und",
		"what size is the blue one? the site says var 2": "en",
	} {
		if got := c.Classify(Input{Text: text}).Language; got != want {
			t.Errorf("%q: %s, want %s", text, got, want)
		}
	}
}

// TestEnglishWords: the word list keeps words enough texts use, spelt as
// tokenize spells them, and no function word of any language; a model
// set without it reads languages by function words alone.
func TestEnglishWords(t *testing.T) {
	var texts []Text
	for i := range englishMinTexts {
		texts = append(texts, Text{Text: fmt.Sprintf("@acme My parcel is LATE twice, doesn't it ship? la la %d café", i)})
	}
	texts = append(texts, Text{Text: "rare words only once"})
	got := parseWords(string(englishWords(texts)))
	for _, w := range []string{"parcel", "late", "twice", "doesnt", "ship"} {
		if _, ok := got[w]; !ok {
			t.Errorf("%q missing from %v", w, got)
		}
	}
	for _, w := range []string{"my", "is", "it", "la", "café", "rare", "acme", "user"} {
		if _, ok := got[w]; ok {
			t.Errorf("%q should not be in the list", w)
		}
	}
	// A model set from before the list had no stack fitted over it
	// either (TestStack: the shipped stack refuses to load without it).
	c, err := Load(func(name string) ([]byte, error) {
		if name == englishName || name == stackName {
			return nil, fs.ErrNotExist
		}
		return shippedModel(name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.english != nil || Default().english == nil {
		t.Fatal("the shipped models should have the word list, a set without it none")
	}
	if got := c.Classify(Input{Text: "wow @acme is slow..."}).Language; got != "und" {
		t.Errorf("without the word list: %s, want und (one function word that Dutch shares)", got)
	}
}

// TestWrittenPasses reads the three labelling passes of the written
// rounds, the eighth (comments under brand posts,
// testdata/comments_passes.tsv), the ninth (messages that thank,
// testdata/thanks_passes.tsv) and the tenth (problems closed with a
// courtesy, testdata/courtesy_passes.tsv; LABELLING.md): the writer's
// labels and two blind passes. labelled.tsv must hold the majority's intent (the
// writer's where all three differ) and a needs_reply that follows it, so
// each round can be re-derived; the test prints how often each pair
// agrees.
func TestWrittenPasses(t *testing.T) {
	rows := labelledRows(t)
	for _, round := range []struct {
		file     string
		rows     rowRange
		comments bool
	}{{"testdata/comments_passes.tsv", commentsRound, true}, {"testdata/thanks_passes.tsv", thanksRound, false},
		{"testdata/courtesy_passes.tsv", courtesyRound, false}} {
		t.Run(round.file, func(t *testing.T) {
			checkPasses(t, rows, round.file, round.rows, round.comments)
		})
	}
}

func checkPasses(t *testing.T, rows []Labelled, file string, round rowRange, comments bool) {
	recs := readAgreement(t, file, round.hi-round.lo+1)
	var w, a, b, wr, ar, br []string
	for i, rec := range recs[1:] {
		n, err := strconv.Atoi(rec[0])
		if err != nil || n != round.lo+i || n > len(rows) || len(rec) != 7 {
			t.Fatalf("bad row %q", rec)
		}
		for _, j := range []int{1, 3, 5} {
			if !validIntent(rec[j]) || (rec[j+1] != "yes" && rec[j+1] != "no") {
				t.Fatalf("bad row %q", rec)
			}
		}
		w, a, b = append(w, rec[1]), append(a, rec[3]), append(b, rec[5])
		wr, ar, br = append(wr, rec[2]), append(ar, rec[4]), append(br, rec[6])
		l := rows[n-1]
		major := rec[1]
		if rec[3] == rec[5] {
			major = rec[3]
		}
		if l.Intent != major {
			t.Errorf("row %d: labelled.tsv says %s, the passes' majority %s", n, l.Intent, major)
		}
		if comments && (l.Channel == "" || l.ToHandle == "") {
			t.Errorf("row %d: a comment under a brand's post needs its channel and to_handle", n)
		}
		// needs_reply follows the intent where the definitions fix it, and
		// elsewhere the majority of the passes that chose that intent (the
		// writer's on a tie).
		want, yes, no := "", 0, 0
		for _, j := range []int{1, 3, 5} {
			if rec[j] == l.Intent {
				yes, no = yes+b2i(rec[j+1] == "yes"), no+b2i(rec[j+1] == "no")
			}
		}
		switch fixed, ok := map[string]bool{"request": true, "praise": false, "share": false, "other": false}[l.Intent]; {
		case ok:
			want = fmt.Sprint(fixed)
		case yes != no:
			want = fmt.Sprint(yes > no)
		default:
			want = fmt.Sprint(rec[2] == "yes")
		}
		if fmt.Sprint(l.NeedsReply) != want {
			t.Errorf("row %d: %s with needs_reply %v, the passes say %s", n, l.Intent, l.NeedsReply, want)
		}
	}
	for _, p := range []annotatorPair{{"writer vs A", w, a, wr, ar}, {"writer vs B", w, b, wr, br}, {"A vs B", a, b, ar, br}} {
		if agree := p.log(t); agree < 0.8 {
			t.Errorf("%s agree on %.3f only", p.name, agree)
		}
	}
}

// TestLabelledComments scores the held-out comments under brand posts
// (the eighth labelling round, LABELLING.md, 4 older ones, 20 of the
// ninth round's messages that thank and 15 of the tenth's: 362) as the
// desk sends them. The
// models of 6774fcb, which had learnt from no such comment, read 0.477 of
// the intents and 0.771 of the needs_reply of the 327 right; friend tags
// read as requests and shares as other.
func TestLabelledComments(t *testing.T) {
	rows := labelledRows(t)
	m := score(Default(), rows, func(l Labelled) bool { return !LabelledTrain(l.Text) && postComment(l) }, nil)
	a, n := accuracy(m.gi, m.pi), accuracy(m.gn, m.pn)
	t.Logf("held-out comments under a brand's post (%d): intent %.3f, needs_reply %.3f", len(m.gi), a, n)
	if len(m.gi) != 362 || a < 0.65 || n < 0.80 {
		t.Errorf("held-out comments (%d, want 362): intent %.3f (want ≥ 0.65), needs_reply %.3f (want ≥ 0.80)", len(m.gi), a, n)
	}
}

// TestLabelledThanks scores the held-out rows of the written rounds on
// messages that thank (LABELLING.md), each against a floor the models
// before it failed. The ninth: a problem closed with a courtesy, thanks
// after a fix, sarcastic thanks; the models of 79a6aed read 0.712 of the
// intents and 0.817 of the needs_reply of its 104 right ("@acme my order
// hasn't arrived. thanks" was praise that needed no reply). The tenth:
// problems told by what happens ("the app logs me out whenever I switch
// apps. thanks"); the models of fdb286a read 0.837 / 0.875 of its 104.
func TestLabelledThanks(t *testing.T) {
	rows := labelledRows(t)
	for _, c := range []struct {
		round          rowRange
		n              int
		intent, needed float64
	}{{thanksRound, 104, 0.75, 0.83}, {courtesyRound, 104, 0.86, 0.89}} {
		if len(rows) < c.round.hi {
			t.Fatalf("labelled.tsv has no %s", c.round.name)
		}
		m := score(Default(), rows[c.round.lo-1:c.round.hi], func(l Labelled) bool { return !LabelledTrain(l.Text) }, nil)
		a, n := accuracy(m.gi, m.pi), accuracy(m.gn, m.pn)
		t.Logf("held-out %s (%d): intent %.3f, needs_reply %.3f", c.round.name, len(m.gi), a, n)
		if len(m.gi) != c.n || a < c.intent || n < c.needed {
			t.Errorf("held-out %s (%d, want %d): intent %.3f (want ≥ %.2f), needs_reply %.3f (want ≥ %.2f)", c.round.name, len(m.gi), c.n, a, c.intent, n, c.needed)
		}
	}
}

// TestNameLead: Facebook and LinkedIn write a tagged friend as a plain
// name; the stack reads such a comment's start as a flag.
func TestNameLead(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"Karen Doyle did you get home ok", true}, {"Amy Collins 😍", true}, {"Tina Rowe", true},
		{"Aisha Kamara, you were asking about this", true},
		{"Great Service from the team", false}, // a sentiment word
		{"Kestrel Home is the best", false},    // the brand
		{"The Best", false}, {"Worst Service ever", false}, {"Sarah O'Neill look", false},
		{"McDonald Smith", false}, {"SARAH JONES", false}, {"Sarah", false},
	} {
		if got := nameLead(c.text, "kestrel.home"); got != c.want {
			t.Errorf("nameLead(%q) = %v", c.text, got)
		}
	}
	var f features
	for _, in := range []Input{
		{Text: "Karen Doyle did you get home ok", ToHandle: "kestrel", Channel: "facebook"},
		{Text: "Karen Doyle did you get home ok", ToHandle: "kestrel", Channel: "LinkedIn"},
	} {
		if f.read(in); !f.nameLead {
			t.Errorf("%+v: no name first", in)
		}
	}
	// The labelled rows it reads so (MODELS.md gives these counts): the
	// eighth round's Facebook and LinkedIn comments, none of the rows
	// before it.
	rows := labelledRows(t)
	var before, round8 int
	for i, l := range rows {
		switch f.read(input(l)); {
		case !f.nameLead:
		case i+1 < commentsRound.lo:
			before++
		case commentsRound.has(i + 1):
			round8++
		}
	}
	t.Logf("name first: %d of the rows before the eighth round, %d of its %s", before, round8, commentsRound.name)
	if before != 0 || round8 < 100 {
		t.Errorf("name first on %d of the rows before the eighth round and %d of its", before, round8)
	}
	for _, in := range []Input{
		{Text: "Karen Doyle did you get home ok", ToHandle: "kestrel", Channel: "instagram"}, // Instagram tags with @
		{Text: "Karen Doyle did you get home ok", ToHandle: "kestrel", Channel: "x"},
		{Text: "Karen Doyle did you get home ok", Channel: "facebook"},                   // to no brand
		{Text: "Karen Doyle did you get home ok", ToHandle: "kestrel", Channel: "email"}, // private
		{Text: "Karen Doyle @kestrel did you", ToHandle: "kestrel", Channel: "facebook"}, // tags someone
	} {
		if f.read(in); f.nameLead {
			t.Errorf("%+v: read as a name first", in)
		}
	}
}

// A long message's sums overflowed 32 bits (from about 150 kB of text) and
// wrapped round to arbitrary labels at full confidence: repeating a
// complaint must still read as one, however long.
func TestALongMessageReadsAsItsParts(t *testing.T) {
	c := Default()
	short := c.Classify(Input{Text: "this is the worst service ever"})
	for _, n := range []int{5000, 34000} {
		text := strings.TrimSpace(strings.Repeat("this is the worst service ever ", n))
		if got := c.Classify(Input{Text: text}); got.Intent != short.Intent || got.Sentiment != short.Sentiment {
			t.Errorf("%d repeats (%d bytes): %s / %s, but once: %s / %s", n, len(text), got.Intent, got.Sentiment, short.Intent, short.Sentiment)
		}
	}
}

// The decision and its probability never contradict each other.
func TestNeedsReplyAgreesWithItsProbability(t *testing.T) {
	c := Default()
	for _, text := range []string{"not working again", "my package is missing", "reset password link broken",
		"app keeps crashing", "talk to a human", "how much is shipping", "love this", "@brand where is my order?"} {
		l := c.Classify(Input{Text: text})
		if l.NeedsReply != (l.NeedsReplyP >= 0.5) {
			t.Errorf("%q: %s, needs_reply %v but needs_reply_p %.3f", text, l.Intent, l.NeedsReply, l.NeedsReplyP)
		}
	}
}

// The classifier's order decides which intent wins when two fit; the
// desk ranks threads by hark.Intents. They must be one order.
func TestIntentsInHarksOrder(t *testing.T) {
	if !slices.Equal(Intents, hark.Intents) {
		t.Fatalf("classify.Intents %v, hark.Intents %v", Intents, hark.Intents)
	}
}
