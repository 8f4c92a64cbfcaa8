// Experiments behind MODELS.md's intent tables, kept out of the normal
// build; run one at a time with: go test -tags exp -timeout 60m -run
// 'TestExpAsk$' -v ./internal/classify (TestExpAsk takes 5–9 minutes,
// more than go test's default limit under load; ERRS=1 also lists the
// misclassified rows).

//go:build exp

package classify

import (
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func loadLabelled(t *testing.T) (*data, []Labelled) {
	d, err := loadAll(sharedData, "testdata/labelled.tsv", nil)
	if err != nil {
		t.Fatal(err)
	}
	return d, labelledTrain(d.labelled)
}

// fold and inner split the labelled training rows for (nested) 5-fold CV.
func fold(s string) int     { return int(hash('f', "fold:"+s) % 5) }
func foldOf(l Labelled) int { return fold(l.source()) }
func inner(s string) int    { return int(hash('g', "inner:"+s) % 5) }

// parallel runs fn(0..n-1) two at a time, one per core.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() { defer func() { <-sem; wg.Done() }(); fn(i) }()
	}
	wg.Wait()
}

// withIntent builds a classifier of the shipped models, without the
// stack or the ask model (trained on the labelled rows, so in-sample for
// every CV here; TestExpAsk fits it out of fold), with m as the intent
// model.
func withIntent(m *linear) *Classifier {
	models, _, err := readModels(shippedModel)
	if err != nil {
		panic(err)
	}
	delete(models, askName)
	models["intent"] = m
	c, err := fuse(models)
	if err != nil {
		panic(err)
	}
	return c
}

// intentModel trains the intent model on the weak labels and the labelled
// rows keep selects, weighted w (none: the first stage of the stack's
// experiments before the seventh round, whose intent model learnt no
// labelled row).
// EPOCHS and RATE override its options.
func intentModel(d *data, keep func(string) bool, w float32) *linear {
	return trainLinear("intent", Intents, intentExamples(d, keep, w), withEnv(withSeed(intentOpts, 1)))
}

// withEnv returns o with the epochs and rate EPOCHS and RATE give.
func withEnv(o trainOptions) trainOptions {
	if v, err := strconv.Atoi(os.Getenv("EPOCHS")); err == nil {
		o.Epochs = v
	}
	if v, err := strconv.ParseFloat(os.Getenv("RATE"), 64); err == nil {
		o.Rate = v
	}
	return o
}

// TestExpRules scores the configuration before the stack (the intent
// model also trained on the labelled rows, then the hand-set rules) by
// 5-fold CV inside the labelled training part.
func TestExpRules(t *testing.T) {
	d, rows := loadLabelled(t)
	var mu sync.Mutex
	var tl tally
	parallel(5, func(f int) {
		m := intentModel(d, func(s string) bool { return LabelledTrain(s) && fold(s) != f }, rulesLabelledWeight)
		for i := range m.w {
			m.w[i] /= intentTemperature
		}
		c := withIntent(m)
		mu.Lock()
		defer mu.Unlock()
		for _, l := range rows {
			if fold(l.Text) == f {
				tl.add(l, c.Classify(input(l)))
			}
		}
	})
	tl.report("rules")
}

// tally gathers the cross-validated predictions of an experiment.
type tally struct {
	gi, pi, gn, pn []int // gold and predicted intents and needs_reply
	errs           []string
}

// add records the classifier's labels for l.
func (t *tally) add(l Labelled, r Labels) {
	t.gn, t.pn = append(t.gn, b2i(l.NeedsReply)), append(t.pn, b2i(r.NeedsReply))
	t.addIntent(l, slices.Index(Intents, r.Intent))
}

// addIntent records an intent alone, for experiments that stop at the
// stack's probabilities.
func (t *tally) addIntent(l Labelled, got int) {
	t.gi, t.pi = append(t.gi, slices.Index(Intents, l.Intent)), append(t.pi, got)
	if Intents[got] != l.Intent {
		t.errs = append(t.errs, fmt.Sprintf("%s→%s\t%s", l.Intent, Intents[got], l.Text))
	}
}

// report prints the scores (ERRS=1: and every error).
func (t *tally) report(name string) {
	nr := "no guards, no needs_reply"
	if len(t.gn) > 0 {
		nr = fmt.Sprintf("needs_reply %.3f", accuracy(t.gn, t.pn))
	}
	fmt.Fprintf(os.Stderr, "%s: intent %.3f macro F1 %.3f %s (%d errors of %d)\n", name,
		accuracy(t.gi, t.pi), macroF1(t.gi, t.pi, len(Intents)), nr, len(t.errs), len(t.gi))
	if os.Getenv("ERRS") != "" {
		slices.Sort(t.errs)
		for _, e := range t.errs {
			fmt.Fprintln(os.Stderr, e)
		}
	}
}

// stackInputs reads every row through c's first stage.
func stackInputs(c *Classifier, rows []Labelled) []signals {
	zs := make([]signals, len(rows))
	for i, l := range rows {
		zs[i] = c.stackInput(input(l))
	}
	return zs
}

// fitFold trains a stack on the rows outside fold f that keep selects
// (nil: all of them), zs being their inputs.
func fitFold(rows []Labelled, zs []signals, f int, keep func(Labelled) bool, o stackOpts) *stack {
	var tz []signals
	var ty []int
	for i, l := range rows {
		if foldOf(l) != f && (keep == nil || keep(l)) {
			tz, ty = append(tz, zs[i]), append(ty, slices.Index(Intents, l.Intent))
		}
	}
	return trainStack(tz, ty, o)
}

// TestExpStack scores the shipped configuration by 5-fold CV inside the
// labelled training part: the intent model learns from the weak labels
// only (so one model serves every fold), the stack from the other folds'
// rows. STEPS and L2 override the stack's options; FRAC is the percentage
// of each fold's training rows the stack learns from.
func TestExpStack(t *testing.T) {
	d, rows := loadLabelled(t)
	c := withIntent(intentModel(d, func(string) bool { return false }, 0))
	train := stackRows(rows)
	zs := stackInputs(c, train)
	o := stackDefaults
	if v, err := strconv.Atoi(os.Getenv("STEPS")); err == nil {
		o.Steps = v
	}
	if v, err := strconv.ParseFloat(os.Getenv("L2"), 64); err == nil {
		o.L2 = v
	}
	frac := uint32(100)
	if v, err := strconv.Atoi(os.Getenv("FRAC")); err == nil {
		frac = uint32(v)
	}
	var tl tally
	for f := range 5 {
		c.stack = fitFold(train, zs, f, func(l Labelled) bool { return hash('h', "frac:"+l.Text)%100 < frac }, o)
		for _, l := range rows {
			if fold(l.Text) == f {
				tl.add(l, c.Classify(input(l)))
			}
		}
	}
	tl.report(fmt.Sprintf("stack (%d steps, L2 %g)", o.Steps, o.L2))
}

// TestExpSelfTrain: the first pipeline (weak intent model + stack) reads
// the weakly labelled messages; the intent model is retrained on them
// with MODE=relabel (the pipeline's intent as the label) or MODE=filter
// (only those where the pipeline agrees with the weak label), and the
// stack refitted on it. Each fold's pipeline sees only the other folds.
func TestExpSelfTrain(t *testing.T) {
	d, rows := loadLabelled(t)
	none := func(string) bool { return false }
	type weak struct {
		text   string
		intent int
		w      float32
	}
	var ws []weak
	weakIntents(d, func(text, intent string, w float32) {
		ws = append(ws, weak{text, slices.Index(Intents, intent), w})
	})
	c := withIntent(intentModel(d, none, 0))
	zs := stackInputs(c, rows)
	mode := os.Getenv("MODE")
	var tl tally
	changed := 0
	for f := range 5 {
		c.stack = fitFold(rows, zs, f, nil, stackDefaults)
		var f2 features
		var ex []example
		for _, w := range ws {
			got := slices.Index(Intents, c.Classify(Input{Text: w.text}).Intent)
			label := w.intent
			switch {
			case mode == "relabel":
				label = got
			case got != w.intent: // filter
				changed++
				continue
			}
			if label != w.intent {
				changed++
			}
			ex = append(ex, example{vec: f2.featurize(w.text), label: label, weight: w.w})
		}
		c2 := withIntent(trainLinear("intent", Intents, ex, withSeed(intentOpts, 1)))
		c2.stack = fitFold(rows, stackInputs(c2, rows), f, nil, stackDefaults)
		for _, l := range rows {
			if fold(l.Text) == f {
				tl.add(l, c2.Classify(input(l)))
			}
		}
	}
	tl.report(fmt.Sprintf("self-training %s (%d of %d weak labels changed or dropped per fold)", mode, changed/5, len(ws)))
}

// TestExpStackOOF: the intent model also learns from the labelled rows
// (weight W, default labelledWeight); the stack learns from its
// predictions on rows it did not read (nested 5-fold CV), then reads the
// predictions of a model trained on all the fold's training rows.
func TestExpStackOOF(t *testing.T) {
	d, rows := loadLabelled(t)
	if v, err := strconv.ParseFloat(os.Getenv("W"), 32); err == nil {
		saved := labelledWeight
		t.Cleanup(func() { labelledWeight = saved })
		labelledWeight = float32(v)
	}
	// zs[f][i]: row i's inputs as outer fold f sees them.
	zs := make([][]signals, 5)
	for f := range zs {
		zs[f] = make([]signals, len(rows))
	}
	var mu sync.Mutex
	parallel(30, func(j int) {
		f, g := j/6, j%6
		keep := func(s string) bool { return LabelledTrain(s) && fold(s) != f && (g == 5 || inner(s) != g) }
		want := func(s string) bool { return fold(s) == f && g == 5 || fold(s) != f && inner(s) == g }
		c := withIntent(intentModel(d, keep, labelledWeight))
		for i, l := range rows {
			if want(l.Text) {
				z := c.stackInput(input(l))
				mu.Lock()
				zs[f][i] = z
				mu.Unlock()
			}
		}
	})
	var tl tally
	for f := range 5 {
		s := fitFold(rows, zs[f], f, nil, stackDefaults)
		for i, l := range rows {
			if fold(l.Text) == f {
				p := s.probs(&zs[f][i])
				tl.addIntent(l, argmax(p[:]))
			}
		}
	}
	tl.report(fmt.Sprintf("out-of-fold stack, labelled weight %g", labelledWeight))
}

// sigCaps is the caps flag, the last but one, which TestExpPair overwrites.
const sigCaps = sigFlags + 14

// TestExpPair: a binary model trained on the labelled rows alone tells
// request from complaint (PAIR=request,complaint by default); its logit
// times BETA, out of fold, takes the place of the caps signal in the
// stack.
func TestExpPair(t *testing.T) {
	d, rows := loadLabelled(t)
	pos, neg := "request", "complaint"
	if p := strings.Split(os.Getenv("PAIR"), ","); len(p) == 2 {
		pos, neg = p[0], p[1]
	}
	beta := 1.0
	if v, err := strconv.ParseFloat(os.Getenv("BETA"), 64); err == nil {
		beta = v
	}
	c := withIntent(intentModel(d, func(string) bool { return false }, 0))
	base := stackInputs(c, rows)
	var fx features
	vecs := make([]vec, len(rows))
	for i, l := range rows {
		vecs[i] = fx.featurize(l.Text)
	}
	pair := func(keep func(i int) bool) *linear {
		var ex []example
		for i, l := range rows {
			if keep(i) && (l.Intent == pos || l.Intent == neg) {
				ex = append(ex, example{vec: vecs[i], label: b2i(l.Intent == pos)})
			}
		}
		return trainLinear("pair", binaryClasses, ex, trainOptions{Epochs: 10, Rate: 0.05, L2: 1e-6, Seed: 1, Balance: true})
	}
	logit := func(m *linear, i int) float64 {
		out := make([]float64, 2)
		m.scores(vecs[i], out)
		return beta * (out[1] - out[0])
	}
	var tl tally
	var mu sync.Mutex
	parallel(5, func(f int) {
		// The fold's training rows read inner-fold models, its test rows
		// a model on all its training rows.
		zs := slices.Clone(base)
		for g := range 5 {
			m := pair(func(i int) bool { return fold(rows[i].Text) != f && inner(rows[i].Text) != g })
			for i, l := range rows {
				if fold(l.Text) != f && inner(l.Text) == g {
					zs[i][sigCaps] = logit(m, i)
				}
			}
		}
		m := pair(func(i int) bool { return fold(rows[i].Text) != f })
		for i, l := range rows {
			if fold(l.Text) == f {
				zs[i][sigCaps] = logit(m, i)
			}
		}
		s := fitFold(rows, zs, f, nil, stackDefaults)
		mu.Lock()
		defer mu.Unlock()
		for i, l := range rows {
			if fold(l.Text) == f {
				p := s.probs(&zs[i])
				tl.addIntent(l, argmax(p[:]))
			}
		}
	})
	tl.report(fmt.Sprintf("stack + %s/%s model (beta %g)", pos, neg, beta))
}

// TestExpNoHandle: hark classify's to_handle and channel are optional, so
// a scorer may send the text alone. Scores the stack by CV with the rows
// as labelled and with to_handle (and channel) blanked. The stack learns
// from the rows and their copies without to_handle (as shipped, less the
// comment copies of TestExpComments); AUG=none
// without the copies, AUG=both with copies without channel either,
// AUG=visible with copies only where the handle is in the text, AUG=half
// with copies of one half of the rows (HALF=0 or 1).
func TestExpNoHandle(t *testing.T) {
	d, rows := loadLabelled(t)
	c := withIntent(intentModel(d, func(string) bool { return false }, 0))
	blank := func(l Labelled, channel bool) Labelled {
		l.ToHandle = ""
		if channel {
			l.Channel = ""
		}
		return l
	}
	half := uint32(0)
	if os.Getenv("HALF") == "1" {
		half = 1
	}
	copies := map[string]func(Labelled) bool{
		"none": func(Labelled) bool { return false },
		"both": func(Labelled) bool { return true },
		"visible": func(l Labelled) bool {
			return l.ToHandle != "" && strings.Contains(strings.ToLower(l.Text), "@"+strings.ToLower(l.ToHandle))
		},
		"half": func(l Labelled) bool { return hash('s', "half:"+l.Text)>>8&1 == half },
	}
	train := withUnknownHandles(rows) // shipped, less the comment copies (TestExpComments)
	if keep, ok := copies[os.Getenv("AUG")]; ok {
		train = slices.Clone(rows)
		for _, l := range rows {
			if keep(l) {
				train = append(train, blank(l, os.Getenv("AUG") == "both"))
			}
		}
	}
	zs := stackInputs(c, train)
	var tl [3]tally
	for f := range 5 {
		c.stack = fitFold(train, zs, f, nil, stackDefaults)
		for _, l := range rows {
			if fold(l.Text) == f {
				tl[0].add(l, c.Classify(input(l)))
				tl[1].add(l, c.Classify(input(blank(l, false))))
				tl[2].add(l, c.Classify(input(blank(l, true))))
			}
		}
	}
	for i, name := range []string{"as labelled", "no to_handle", "text only"} {
		tl[i].report("AUG=" + os.Getenv("AUG") + " " + name)
	}
}

// TestExpComments scores the stack on comments under a brand's post
// (MODELS.md, "Comments under a brand's post"): the training rows that
// start with their brand's tag and tag no one else, the tag removed
// (taggedComment), and the public rows to no brand that tag no one, posted
// to one (strayComment); and the public rows to no brand that tag people,
// as comments under a brand's post (friendComment). AUG says which kinds of
// copies the stack learns from besides the rows and their copies without
// to_handle: "none", "a" (tagged), "b" (stray), "c" (tagging people; not
// shipped, see "Comments that tag people"), "ab" (shipped). Copies stay in
// their row's fold.
func TestExpComments(t *testing.T) {
	d, rows := loadLabelled(t)
	c := withIntent(intentModel(d, func(string) bool { return false }, 0))
	aug := os.Getenv("AUG")
	train := withUnknownHandles(rows)
	for _, l := range rows {
		if s, ok := taggedComment(l); ok && strings.Contains(aug, "a") {
			train = append(train, s)
		}
		if s, ok := strayComment(l); ok && strings.Contains(aug, "b") {
			train = append(train, s)
		}
		if s, ok := friendComment(l); ok && strings.Contains(aug, "c") {
			train = append(train, s)
		}
	}
	zs := stackInputs(c, train)
	var tl [5]tally
	for f := range 5 {
		c.stack = fitFold(train, zs, f, nil, stackDefaults)
		for _, l := range rows {
			if fold(l.Text) != f {
				continue
			}
			tl[0].add(l, c.Classify(input(l)))
			b := l
			b.ToHandle, b.Channel = "", ""
			tl[1].add(l, c.Classify(input(b)))
			if s, ok := taggedComment(l); ok {
				tl[2].add(l, c.Classify(input(s)))
			}
			if s, ok := strayComment(l); ok {
				tl[3].add(l, c.Classify(input(s)))
			}
			if s, ok := friendComment(l); ok {
				tl[4].add(l, c.Classify(input(s)))
			}
		}
	}
	for i, name := range []string{"as labelled", "text only", "tagged rows as comments", "untagged rows as comments", "rows tagging people as comments"} {
		tl[i].report("AUG=" + aug + " " + name)
	}
}

// loadWith loads the classifier of the model files and ask, as the
// binary will read them: from their encoded bytes.
func loadWith(files map[string][]byte, ask *linear) (*Classifier, error) {
	askFile, err := ask.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return Load(func(name string) ([]byte, error) {
		if name == askName {
			return askFile, nil
		}
		if b, ok := files[name]; ok && name != stackName {
			return b, nil
		}
		return nil, fs.ErrNotExist
	})
}

// withModel returns files with m's file in place of its namesake's (nil:
// files).
func withModel(files map[string][]byte, m *linear) map[string][]byte {
	if m == nil {
		return files
	}
	b, err := m.MarshalBinary()
	if err != nil {
		panic(err)
	}
	out := maps.Clone(files)
	out[m.Name] = b
	return out
}

// TestExpCurve fits the intent and ask models and the stack (the shipped
// recipe) on a share of the
// labelled training rows (chosen by text hash) and scores the held-out
// rows: whether more labelled rows would still help.
func TestExpCurve(t *testing.T) {
	d, err := loadAll(sharedData, "testdata/labelled.tsv", nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := labelledTrain(d.labelled)
	files := shippedFiles(t)
	for _, pct := range []uint32{25, 50, 75, 100} {
		for seed := range 3 {
			var sub []Labelled
			for _, l := range rows {
				if hash('c'+byte(seed), "curve:"+l.Text)%100 < pct {
					sub = append(sub, l)
				}
			}
			s, ask, intent, err := fitStackWith(files, sub, 1, shippedRecipe(d, 1))
			if err != nil {
				t.Fatal(err)
			}
			c, err := loadWith(withModel(files, intent), ask)
			if err != nil {
				t.Fatal(err)
			}
			c.stack = s
			var tl tally
			for _, l := range d.labelled {
				if !LabelledTrain(l.Text) {
					tl.add(l, c.Classify(input(l)))
				}
			}
			tl.report(fmt.Sprintf("%d%% (%d rows) draw %d", pct, len(sub), seed))
			if pct == 100 {
				break
			}
		}
	}
}

// TestExpAsk scores the ask model by 5-fold CV inside the labelled
// training part, the whole recipe of hark train (fitStackWith) refitted
// per fold, then fitted on every training row and scored on the held-out
// rows, all and per labelling round. NOASK=1: the ask model's weights
// zeroed, the stack as before it; SEED: the ask model's seed;
// ASK_EPOCHS, ASK_RATE, ASK_NB=1: its options; ASK_WEAK=w: it also
// learns the weak labels' requests and complaints; ASK_EVERY=1: its logit
// weighs on every intent; ASK_GATE=0: its logit not multiplied by
// p(request) + p(complaint); INTENT_OOF=0, W, EPOCHS, RATE, DROP: the
// intent model's recipe (below). The "stack" lines score the stack's
// probabilities alone (no guards, no needs_reply), the only way to score
// ASK_GATE=0, whose inputs the classifier does not compute.
func TestExpAsk(t *testing.T) {
	d, rows := loadLabelled(t)
	files := shippedFiles(t)
	saved := askOpts
	t.Cleanup(func() { askOpts = saved })
	if v, err := strconv.Atoi(os.Getenv("ASK_EPOCHS")); err == nil {
		askOpts.Epochs = v
	}
	if v, err := strconv.ParseFloat(os.Getenv("ASK_RATE"), 64); err == nil {
		askOpts.Rate = v
	}
	askOpts.NB = os.Getenv("ASK_NB") != ""
	seed := uint64(1)
	if v, err := strconv.Atoi(os.Getenv("SEED")); err == nil {
		seed = uint64(v)
	}
	noask := os.Getenv("NOASK") != ""
	// ASK_WEAK=w: the ask model also learns the weak labels' requests
	// and complaints, each at w times its weight.
	var weak []example
	if w, err := strconv.ParseFloat(os.Getenv("ASK_WEAK"), 64); err == nil {
		var f features
		weakIntents(d, func(text, intent string, wt float32) {
			if intent != Intents[intentRequest] && intent != Intents[intentComplaint] {
				return
			}
			weak = append(weak, example{vec: f.featurize(text), label: b2i(intent == Intents[intentRequest]), weight: wt * float32(w)})
		})
		fmt.Fprintf(os.Stderr, "ASK_WEAK=%v: %d weak rows\n", w, len(weak))
	}
	askx := os.Getenv("ASKX") != ""
	train := func(rows []Labelled, keep func(Labelled) bool, seed uint64) *linear {
		if askx { // ASKX: the ask model does not learn the comments
			k := keep
			keep = func(l Labelled) bool { return k(l) && !postComment(l) }
		}
		m := trainAskWith(rows, keep, seed, weak)
		if noask {
			clear(m.w)
		}
		return m
	}
	o := stackDefaults
	o.AskEveryIntent = os.Getenv("ASK_EVERY") != ""
	var edit func(*signals)
	if os.Getenv("ASK_GATE") == "0" {
		edit = func(z *signals) {
			z[sigAsk] /= math.Exp(z[sigIntent+intentRequest]) + math.Exp(z[sigIntent+intentComplaint])
		}
	}
	// INTENT_OOF=0: the intent model does not learn the labelled rows,
	// as before the seventh round (recipe.intent); W: their weight in it.
	intentOOF := os.Getenv("INTENT_OOF") != "0"
	if v, err := strconv.ParseFloat(os.Getenv("W"), 32); err == nil {
		saved := labelledWeight
		t.Cleanup(func() { labelledWeight = saved })
		labelledWeight = float32(v)
	}
	// EPOCHS, RATE: the intent model's options; DROP=a,b: leave out weak
	// sources (airline, complaints, requests, suggestions, sentiment).
	savedOpts := intentOpts
	t.Cleanup(func() { intentOpts = savedOpts })
	intentOpts = withEnv(intentOpts)
	weakData := d
	if drop := os.Getenv("DROP"); drop != "" {
		dd := *d
		for _, src := range strings.Split(drop, ",") {
			switch src {
			case "airline":
				dd.airline = nil
			case "complaints":
				dd.complaints = nil
			case "requests":
				dd.requests = nil
			case "suggestions":
				dd.sugTrain = nil
			case "sentiment":
				dd.sentTrain = nil
			default:
				t.Fatalf("DROP: no weak source %q", src)
			}
		}
		weakData = &dd
	}
	if !intentOOF {
		// The shipped intent model has read every training row: in its
		// place the one the old recipe shipped, from the weak labels alone.
		files = withModel(files, intentModel(weakData, func(string) bool { return false }, 0))
	}
	name := fmt.Sprintf("NOASK=%v ASKX=%v SEED=%d ASK_EVERY=%v ASK_GATE=%v INTENT_OOF=%v W=%g EPOCHS=%d RATE=%g DROP=%s", noask, askx, seed, o.AskEveryIntent, edit == nil, intentOOF, labelledWeight, intentOpts.Epochs, intentOpts.Rate, os.Getenv("DROP"))
	// fit fits the recipe on rows and returns the classifier and a
	// function that scores a row on the stack alone.
	fit := func(rows []Labelled) (*Classifier, func(Labelled) int) {
		r := shippedRecipe(weakData, 1)
		r.ask, r.opts, r.edit = train, o, edit
		if !intentOOF {
			r.intent = nil
		}
		s, ask, intent, err := fitStackWith(files, rows, seed, r)
		if err != nil {
			panic(err)
		}
		c, err := loadWith(withModel(files, intent), ask)
		if err != nil {
			panic(err)
		}
		c.stack = s
		return c, func(l Labelled) int {
			z := c.stackInput(input(l))
			if edit != nil {
				edit(&z)
			}
			p := s.probs(&z)
			return argmax(p[:])
		}
	}
	var cv, cvStack tally
	var mu sync.Mutex
	parallel(5, func(f int) {
		c, stackOnly := fit(slices.DeleteFunc(slices.Clone(rows), func(l Labelled) bool { return fold(l.Text) == f }))
		mu.Lock()
		defer mu.Unlock()
		for _, l := range rows {
			if fold(l.Text) == f {
				cv.add(l, c.Classify(input(l)))
				cvStack.addIntent(l, stackOnly(l))
			}
		}
	})
	if edit == nil {
		cv.report(name + ", CV")
	}
	cvStack.report(name + ", CV, stack")
	c, stackOnly := fit(rows)
	var ho, hoStack tally
	round := make([]tally, len(labelledRounds))
	for i, l := range d.labelled {
		if !LabelledTrain(l.Text) {
			r := c.Classify(input(l))
			ho.add(l, r)
			hoStack.addIntent(l, stackOnly(l))
			round[slices.IndexFunc(labelledRounds, func(r rowRange) bool { return r.has(i + 1) })].add(l, r)
		}
	}
	if edit == nil {
		ho.report(name + ", held out")
		for i, r := range labelledRounds {
			round[i].report("  held-out " + r.name)
		}
	}
	hoStack.report(name + ", held out, stack")
}

// TestExpComplaintLabelled: the complaint model's 10-fold CV (hark eval's
// complaintCV) when it also learns the labelled rows that are not from the
// complaints corpus: complaint → 1, praise, share and other → 0, requests
// → REQ (skip, 0 or 1); each at weight CW. Only the labelled training
// part is read, as hark train would.
func TestExpComplaintLabelled(t *testing.T) {
	d, rows := loadLabelled(t)
	cw := 0.3
	if v, err := strconv.ParseFloat(os.Getenv("CW"), 64); err == nil {
		cw = v
	}
	corpus := map[string]bool{}
	for _, c := range d.complaints {
		corpus[c.Text] = true
	}
	var extra []example
	var f features
	for _, l := range rows {
		if corpus[l.Text] {
			continue
		}
		label := -1
		switch l.Intent {
		case "complaint":
			label = 1
		case "praise", "share", "other":
			label = 0
		case "request":
			switch os.Getenv("REQ") {
			case "1":
				label = 1
			case "0":
				label = 0
			}
		}
		if label >= 0 {
			extra = append(extra, example{vec: f.featurize(l.Text), label: label, weight: float32(cw)})
		}
	}
	if os.Getenv("NOEXTRA") != "" {
		extra = nil
	}
	gold, got := complaintCV(d, withSeed(complaintOpts, 1), extra)
	t.Logf("CW=%g REQ=%s extra=%d (none: as shipped): macro F1 %.3f, complaint F1 %.3f, accuracy %.3f", cw, os.Getenv("REQ"), len(extra),
		macroF1(gold, got, 2), f1(gold, got, 1), accuracy(gold, got))
}

// shippedFiles returns the shipped linear models and the English word
// list, as hark train hands them to fitStackWith: without the list the
// folds would read languages, and so the stack's "not English" input,
// differently from the shipped classifier.
func shippedFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range append(slices.Clone(ModelNames), englishName) {
		b, err := shippedModel(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// courtesyRules are testdata/closing_courtesy.re's three patterns, which
// closing_courtesy.py reads too (as CLOSING, NOT_WORDS and WORD).
type courtesyRules struct {
	closing  *regexp.Regexp // a message that closes with a courtesy, and what precedes it
	notWords *regexp.Regexp // the tags and links in that, which are no words
	word     *regexp.Regexp
}

var readCourtesyRules = sync.OnceValue(func() courtesyRules {
	b, err := os.ReadFile("testdata/closing_courtesy.re")
	if err != nil {
		panic(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		panic(fmt.Sprintf("testdata/closing_courtesy.re: %d lines, want the three patterns", len(lines)))
	}
	return courtesyRules{regexp.MustCompile(lines[0]), regexp.MustCompile(lines[1]), regexp.MustCompile(lines[2])}
})

// withoutCourtesy is s without its closing courtesy, if three words or
// more precede it ("… hasn't arrived. thanks").
func withoutCourtesy(s string) (string, bool) {
	re := readCourtesyRules()
	m := re.closing.FindStringSubmatch(s)
	if m == nil || len(re.word.FindAllString(re.notWords.ReplaceAllString(m[1], " "), -1)) < 3 {
		return s, false
	}
	return m[1], true
}

// TestExpCourtesy: MODELS.md "A closing courtesy". The eval recipe's
// sentiment model (train.tsv alone) reads val.tsv and the airline tweets
// as they are, then without a closing courtesy: always, or only when the
// rest reads negative.
func TestExpCourtesy(t *testing.T) {
	d, _ := loadLabelled(t)
	sent := trainLinear("sentiment", sentimentClasses, examples(d.sentTrain, sentimentClasses), withSeed(sentimentOpts, 1))
	for _, set := range []struct {
		name  string
		texts []Text
	}{{"val.tsv", d.sentVal}, {"airline", d.airline}} {
		var f features
		p := make([]float64, 3)
		var gold, asIs, closing []int
		stripped := [2][]int{}
		onClosing := [3][]int{}
		for _, tx := range set.texts {
			c := slices.Index(sentimentClasses, tx.Label)
			if c < 0 {
				continue
			}
			sent.probs(f.featurize(tx.Text), p)
			a := argmax(p)
			b, neg := a, a
			if rest, ok := withoutCourtesy(tx.Text); ok {
				sent.probs(f.featurize(rest), p)
				if b = argmax(p); b == 0 {
					neg = b
				}
				closing = append(closing, c)
				onClosing[0], onClosing[1], onClosing[2] = append(onClosing[0], a), append(onClosing[1], b), append(onClosing[2], neg)
			}
			gold, asIs = append(gold, c), append(asIs, a)
			stripped[0], stripped[1] = append(stripped[0], b), append(stripped[1], neg)
		}
		byClass := map[string]int{}
		for _, c := range closing {
			byClass[sentimentClasses[c]]++
		}
		fmt.Printf("%s: %d rows, %d close with a courtesy %v\n", set.name, len(gold), len(closing), byClass)
		for i, name := range []string{"as is", "without the courtesy", "without it when the rest reads negative"} {
			all := asIs
			if i > 0 {
				all = stripped[i-1]
			}
			var confusion [3][3]int // on those closing: gold x read
			for j, g := range closing {
				confusion[g][onClosing[i][j]]++
			}
			fmt.Printf("  %-40s macro recall %.4f, accuracy on those closing %.3f %v\n", name, macroRecall(gold, all, 3), accuracy(closing, onClosing[i]), confusion)
		}
	}
}
