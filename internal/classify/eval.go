package classify

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Score is one line of the scoreboard.
type Score struct {
	Task, Metric string
	Value        float64
	Target       string // what the issue asks for, or "cross-check"
	Reference    string // the published numbers to compare with
	N            int    // messages scored
	Took         time.Duration
}

// EvalOptions say what to score.
type EvalOptions struct {
	Data     string
	Labelled string // the hand-labelled set; only its held-out 40% is scored
	// Fresh is a hand-labelled set that nothing is trained or chosen on,
	// scored whole ("" or a missing file: none; LABELLING.md, "Sixth round").
	Fresh string
	// Languages is a language set written blind to the language guess,
	// scored whole ("" or a missing file: none; testdata/LANGUAGES.md).
	Languages string
	// Foreign are sets of messages in other languages with intent,
	// needs_reply and sentiment, written blind to the glossaries, each
	// scored whole ("" or a missing file: none; testdata/FOREIGN.md).
	Foreign []string
	Seed    uint64
	Quick   bool // skip the cross-validations
}

// Evaluate retrains each model the way `hark train` does, on the training
// files only, scores it on the held-out files and folds, and scores the
// shipped classifier c on the held-out part of the hand-labelled set and
// on the whole fresh set.
func Evaluate(c *Classifier, o EvalOptions, progress io.Writer) ([]Score, error) {
	d, err := loadAll(o.Data, o.Labelled, nil)
	if err != nil {
		return nil, err
	}
	var out []Score
	add := func(s Score) {
		out = append(out, s)
		if progress != nil {
			fmt.Fprintf(progress, "%-10s %-44s %.3f  n=%d  %s\n", s.Task, s.Metric, s.Value, s.N, s.Took.Round(time.Millisecond))
		}
	}
	opts := func(t trainOptions) trainOptions { return withSeed(t, o.Seed) }

	// Sentiment: trained on train.tsv alone, so val.tsv and the airline
	// tweets are unseen.
	began := time.Now()
	sentTrain := examples(d.sentTrain, sentimentClasses)
	sent := trainLinear("sentiment", sentimentClasses, sentTrain, opts(sentimentOpts))
	took := time.Since(began)
	gold, got := predictAll(sent, examples(d.sentVal, sentimentClasses))
	add(Score{"sentiment", "macro recall, sentiment/val.tsv", macroRecall(gold, got, 3), "≥ 0.75",
		"TweetEval test: SVM 0.629, RoBERTa 0.713, BERTweet 0.734; VADER ≈ 0.57", len(gold), took})
	add(Score{"sentiment", "accuracy, sentiment/val.tsv", accuracy(gold, got), "", "", len(gold), 0})
	began = time.Now()
	gold, got = predictAll(sent, examples(d.airline, sentimentClasses))
	add(Score{"sentiment", "macro recall, airline tweets (unseen)", macroRecall(gold, got, 3), "cross-check", "", len(gold), time.Since(began)})
	add(Score{"sentiment", "accuracy, airline tweets (unseen)", accuracy(gold, got), "cross-check", "", len(gold), 0})
	if !o.Quick {
		began = time.Now()
		gold, got = crossValidate(sentTrain, 5, func(train []example) *linear {
			return trainLinear("sentiment", sentimentClasses, train, opts(sentimentOpts))
		})
		add(Score{"sentiment", "macro recall, 5-fold CV on train.tsv", macroRecall(gold, got, 3), "cross-check", "", len(gold), time.Since(began)})
	}

	// Complaints: 10-fold cross-validation over the corpus; every fold's
	// model also reads the airline tweets, never the held-out fold.
	if !o.Quick {
		began = time.Now()
		gold, got = complaintCV(d, opts(complaintOpts), nil)
		took = time.Since(began)
		add(Score{"complaint", "macro F1, 10-fold CV", macroF1(gold, got, 2), "≥ 0.85", "fine-tuned transformers up to 0.87", len(gold), took})
		add(Score{"complaint", "complaint-class F1, 10-fold CV", f1(gold, got, 1), "≥ 0.80", "paper's best logistic regression ≈ 0.79", len(gold), 0})
		add(Score{"complaint", "accuracy, 10-fold CV", accuracy(gold, got), "", "always 'not a complaint': 0.64", len(gold), 0})
	}

	// Suggestions: trained on train.csv, scored on trial.csv.
	began = time.Now()
	sugTrain := examples(d.sugTrain, binaryClasses)
	sug := trainLinear("suggestion", binaryClasses, sugTrain, opts(suggestionOpts))
	gold, got = predictAll(sug, examples(d.sugTrial, binaryClasses))
	add(Score{"suggestion", "suggestion F1, suggestions/trial.csv", f1(gold, got, 1), "≥ 0.70", "SemEval-2019 9A top systems 0.70–0.78", len(gold), time.Since(began)})
	if !o.Quick {
		// Where the suggestion recipe is chosen, so trial.csv stays unseen.
		began = time.Now()
		gold, got = crossValidate(sugTrain, 5, func(train []example) *linear {
			return trainLinear("suggestion", binaryClasses, train, opts(suggestionOpts))
		})
		add(Score{"suggestion", "suggestion F1, 5-fold CV on train.csv", f1(gold, got, 1), "cross-check", "", len(gold), time.Since(began)})
	}

	// Intent and needs_reply: the shipped classifier, rules included, on
	// the part of the hand-labelled set that training never reads.
	if len(d.labelled) > 0 {
		began = time.Now()
		m := heldOut(c, d.labelled, nil)
		took = time.Since(began)
		if progress != nil {
			printConfusion(progress, "held-out", m.gi, m.pi)
		}
		// The text alone is scored too: hark classify's channel and
		// to_handle are optional, and a scorer may send neither.
		t := heldOut(c, d.labelled, func(in *Input) { in.Channel, in.ToHandle = "", "" })
		add(Score{"intent", "accuracy, held-out 40% of labelled.tsv", accuracy(m.gi, m.pi), "≥ 0.80", "no public reference", len(m.gi), took})
		add(Score{"intent", "macro F1, held-out 40% of labelled.tsv", macroF1(m.gi, m.pi, len(Intents)), "", "", len(m.gi), 0})
		add(Score{"needs_reply", "accuracy, held-out 40% of labelled.tsv", accuracy(m.gn, m.pn), "≥ 0.85", "", len(m.gn), 0})
		add(Score{"needs_reply", "macro F1, held-out 40% of labelled.tsv", macroF1(m.gn, m.pn, 2), "", "", len(m.gn), 0})
		add(Score{"intent", "accuracy, same rows, text only (no channel or to_handle)", accuracy(m.gi, t.pi), "cross-check", "", len(m.gi), 0})
		add(Score{"needs_reply", "accuracy, same rows, text only", accuracy(m.gn, t.pn), "cross-check", "", len(m.gn), 0})
		// Comments under a brand's post tag no one (MODELS.md).
		g, _, cm := asComments(c, d.labelled, taggedComment)
		add(Score{"intent", "accuracy, held-out rows that start with the brand's tag, as comments without it", accuracy(g, cm), "cross-check", "", len(g), 0})
		g, _, cm = asComments(c, d.labelled, strayComment)
		add(Score{"intent", "accuracy, held-out public rows to no brand, as comments to one", accuracy(g, cm), "cross-check", "", len(g), 0})
		g, _, cm = asComments(c, d.labelled, friendComment)
		add(Score{"intent", "accuracy, held-out public rows that tag people but no brand, as comments under a brand's post", accuracy(g, cm), "cross-check", "", len(g), 0})
		// The labelled comments themselves, as the desk receives them.
		m = score(c, d.labelled, func(l Labelled) bool { return !LabelledTrain(l.Text) && postComment(l) }, nil)
		add(Score{"intent", "accuracy, held-out comments under a brand's post (Instagram, Facebook, LinkedIn, blog)", accuracy(m.gi, m.pi), "cross-check", "", len(m.gi), 0})
		add(Score{"needs_reply", "accuracy, same comments", accuracy(m.gn, m.pn), "cross-check", "", len(m.gn), 0})
		m = score(c, d.labelled, func(l Labelled) bool { return !LabelledTrain(l.Text) && !postComment(l) }, nil)
		add(Score{"intent", "accuracy, held-out rows other than those comments (tweets, e-mail, chat, forms)", accuracy(m.gi, m.pi), "cross-check", "", len(m.gi), 0})
		add(Score{"needs_reply", "accuracy, same rows", accuracy(m.gn, m.pn), "cross-check", "", len(m.gn), 0})
	}
	// The fresh set: messages labelled after the models were, which no
	// training run or setting has read. The held-out rows are drawn like
	// the training rows and were looked at while choosing; these were not.
	fresh, err := optionalSet(o.Fresh, LoadLabelled)
	if err != nil {
		return nil, err
	}
	if len(fresh) > 0 {
		began = time.Now()
		m := score(c, fresh, all, nil)
		name := filepath.Base(o.Fresh)
		if progress != nil {
			printConfusion(progress, name, m.gi, m.pi)
		}
		add(Score{"intent", "accuracy, " + name + " (labels never trained or chosen on)", accuracy(m.gi, m.pi), "cross-check", "", len(m.gi), time.Since(began)})
		add(Score{"needs_reply", "accuracy, " + name, accuracy(m.gn, m.pn), "cross-check", "", len(m.gn), 0})
	}
	// Language: the blind set, and the airline tweets, all English and
	// unread by the English word list (englishWords).
	langs, err := optionalSet(o.Languages, LoadLanguages)
	if err != nil {
		return nil, err
	}
	if len(langs) > 0 {
		began = time.Now()
		right, wrong := 0, 0
		for _, r := range langs {
			switch c.Classify(Input{Text: r.Text}).Language {
			case r.Language:
				right++
			case "und":
			default:
				wrong++
			}
		}
		name, n := filepath.Base(o.Languages), float64(len(langs))
		add(Score{"language", "accuracy, " + name + " (written blind)", float64(right) / n, "cross-check", "", len(langs), time.Since(began)})
		add(Score{"language", "wrong language named (not und), " + name, float64(wrong) / n, "cross-check", "", len(langs), 0})
	}
	for _, path := range o.Foreign {
		set, err := optionalSet(path, LoadLabelled)
		if err != nil {
			return nil, err
		}
		if len(set) == 0 {
			continue
		}
		began = time.Now()
		m := score(c, set, all, nil)
		var langs []string
		for _, r := range set {
			if !slices.Contains(langs, r.Language) {
				langs = append(langs, r.Language)
			}
		}
		name := filepath.Base(path)
		add(Score{"intent", "accuracy, " + name + " (" + strings.Join(langs, " ") + ", written blind)", accuracy(m.gi, m.pi), "cross-check", "", len(m.gi), time.Since(began)})
		add(Score{"needs_reply", "accuracy, " + name, accuracy(m.gn, m.pn), "cross-check", "", len(m.gn), 0})
		add(Score{"sentiment", "macro recall, " + name, macroRecall(m.gs, m.ps, 3), "cross-check", "", len(m.gs), 0})
	}
	if len(d.airline) > 0 {
		began = time.Now()
		en := 0
		for _, t := range d.airline {
			en += b2i(c.Classify(Input{Text: t.Text}).Language == "en")
		}
		add(Score{"language", "read as English, airline tweets (all English, unseen)", float64(en) / float64(len(d.airline)), "cross-check", "", len(d.airline), time.Since(began)})
	}
	return out, nil
}

// optionalSet loads a scored set that may be absent: no path, or a file
// that is not there, is no set and no error.
func optionalSet[T any](path string, load func(string) ([]T, error)) ([]T, error) {
	if path == "" {
		return nil, nil
	}
	rows, err := load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return rows, err
}

// printConfusion writes the intent confusion matrix of the rows named,
// gold by row.
func printConfusion(w io.Writer, name string, gold, got []int) {
	var m [6][6]int
	for i := range gold {
		m[gold[i]][got[i]]++
	}
	fmt.Fprintf(w, "intent confusion, %s (rows: labelled, columns: predicted)\n%-10s", name, "")
	for _, name := range Intents {
		fmt.Fprintf(w, "%10s", name)
	}
	for g, row := range m {
		fmt.Fprintf(w, "\n%-10s", Intents[g])
		for _, n := range row {
			fmt.Fprintf(w, "%10d", n)
		}
	}
	fmt.Fprintln(w)
}

// heldOut classifies the labelled rows training never reads, each input
// first changed by edit when it is not nil, and returns the gold and
// predicted intents and needs_reply.
func heldOut(c *Classifier, rows []Labelled, edit func(*Input)) marks {
	return score(c, rows, func(l Labelled) bool { return !LabelledTrain(l.Text) }, edit)
}

// marks are scored rows' gold and predicted intents (gi, pi), needs_reply
// (gn, pn) and, where the set has them, sentiments (gs, ps: negative,
// neutral, positive).
type marks struct{ gi, pi, gn, pn, gs, ps []int }

// sentiments are the sentiment labels in the order marks number them.
var sentiments = []string{"negative", "neutral", "positive"}

// all keeps every row.
func all(Labelled) bool { return true }

// score classifies the rows keep selects, each input first changed by
// edit when it is not nil.
func score(c *Classifier, rows []Labelled, keep func(Labelled) bool, edit func(*Input)) (m marks) {
	for _, l := range rows {
		if !keep(l) {
			continue
		}
		in := input(l)
		if edit != nil {
			edit(&in)
		}
		r := c.Classify(in)
		m.gi, m.pi = append(m.gi, slices.Index(Intents, l.Intent)), append(m.pi, slices.Index(Intents, r.Intent))
		m.gn, m.pn = append(m.gn, b2i(l.NeedsReply)), append(m.pn, b2i(r.NeedsReply))
		if l.Sentiment != "" {
			m.gs, m.ps = append(m.gs, slices.Index(sentiments, l.Sentiment)), append(m.ps, slices.Index(sentiments, r.Sentiment))
		}
	}
	return m
}

// asComments classifies the held-out rows that comment turns into
// comments under a brand's post (train.go taggedComment, strayComment,
// friendComment),
// as written and as comments, and returns their gold and predicted
// intents.
func asComments(c *Classifier, rows []Labelled, comment func(Labelled) (Labelled, bool)) (gold, written, commented []int) {
	for _, l := range rows {
		cl, ok := comment(l)
		if LabelledTrain(l.Text) || !ok {
			continue
		}
		gold = append(gold, slices.Index(Intents, l.Intent))
		written = append(written, slices.Index(Intents, c.Classify(input(l)).Intent))
		commented = append(commented, slices.Index(Intents, c.Classify(input(cl)).Intent))
	}
	return gold, written, commented
}

// postComment reports whether l is a comment under a brand's own post:
// sent on a channel of comments, to a brand, as features.read tells.
func postComment(l Labelled) bool { return l.ToHandle != "" && commentChannel(l.Channel) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// predictAll returns the gold and predicted classes of the examples.
func predictAll(m *linear, test []example) (gold, got []int) {
	p := make([]float64, len(m.Classes))
	for _, e := range test {
		m.probs(e.vec, p)
		gold = append(gold, e.label)
		got = append(got, argmax(p))
	}
	return gold, got
}

func argmax(p []float64) int {
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}

// complaintCV is the complaint model's 10-fold cross-validation over the
// corpus: every fold's model also reads the airline tweets and extra,
// never the held-out fold.
func complaintCV(d *data, o trainOptions, extra []example) (gold, got []int) {
	comp := examples(d.complaints, binaryClasses)
	more := append(complaintExamples(nil, d.airline), extra...)
	return crossValidate(comp, 10, func(train []example) *linear {
		return trainLinear("complaint", binaryClasses, append(slices.Clip(train), more...), o)
	})
}

// crossValidate trains on all folds but one and predicts that one, for
// each of k folds fixed by a hash of the text; folds train two at a time,
// each on its own goroutine, and results are gathered in fold order so the
// scores do not depend on scheduling.
func crossValidate(all []example, k int, train func([]example) *linear) (gold, got []int) {
	type result struct{ gold, got []int }
	results := make([]result, k)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for f := range k {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var tr, te []example
			for _, e := range all {
				if int(e.key%uint32(k)) == f {
					te = append(te, e)
				} else {
					tr = append(tr, e)
				}
			}
			m := train(tr)
			results[f].gold, results[f].got = predictAll(m, te)
		}()
	}
	wg.Wait()
	for _, r := range results {
		gold, got = append(gold, r.gold...), append(got, r.got...)
	}
	return gold, got
}

func accuracy(gold, got []int) float64 {
	n := 0
	for i := range gold {
		if gold[i] == got[i] {
			n++
		}
	}
	return float64(n) / float64(max(1, len(gold)))
}

func counts(gold, got []int, c int) (tp, fp, fn int) {
	for i := range gold {
		switch {
		case gold[i] == c && got[i] == c:
			tp++
		case got[i] == c:
			fp++
		case gold[i] == c:
			fn++
		}
	}
	return
}

func f1(gold, got []int, c int) float64 {
	tp, fp, fn := counts(gold, got, c)
	if tp == 0 {
		return 0
	}
	return 2 * float64(tp) / float64(2*tp+fp+fn)
}

func macroF1(gold, got []int, k int) float64 {
	var sum float64
	n := 0
	for c := range k {
		tp, fp, fn := counts(gold, got, c)
		if tp+fp+fn == 0 {
			continue // a class absent from both
		}
		sum += f1(gold, got, c)
		n++
	}
	return sum / float64(max(1, n))
}

func macroRecall(gold, got []int, k int) float64 {
	var sum float64
	n := 0
	for c := range k {
		tp, _, fn := counts(gold, got, c)
		if tp+fn == 0 {
			continue
		}
		sum += float64(tp) / float64(tp+fn)
		n++
	}
	return sum / float64(max(1, n))
}
