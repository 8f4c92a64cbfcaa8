// Experiments behind MODELS.md's intent tables, kept out of the normal
// build; run with: go test -tags exp -run TestExp -v ./internal/classify
// (ERRS=1 also lists TestExpIntent's misclassified rows).

//go:build exp

package classify

import (
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"testing"
)

func loadLabelled(t *testing.T) (*data, []Labelled) {
	d, err := loadAll("../../../shared/data", "testdata/labelled.tsv", nil)
	if err != nil {
		t.Fatal(err)
	}
	var rows []Labelled
	for _, l := range d.labelled {
		if LabelledTrain(l.Text) {
			rows = append(rows, l)
		}
	}
	return d, rows
}

// fold and inner split the labelled training rows for (nested) 5-fold CV.
func fold(s string) int  { return int(hash('f', "fold:"+s) % 5) }
func inner(s string) int { return int(hash('g', "inner:"+s) % 5) }

func input(l Labelled) Input { return Input{Text: l.Text, Channel: l.Channel, ToHandle: l.ToHandle} }

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

// withIntent copies the shipped classifier with m as its intent model.
func withIntent(m *linear) *Classifier {
	c := Default()
	n := &Classifier{table: slices.Clone(c.table), scale: c.scale}
	var maxAbs float32
	for _, v := range m.w {
		maxAbs = max(maxAbs, v, -v)
	}
	scale := maxAbs / 32767
	for j := range Intents {
		n.scale[slotIntent+j] = scale
	}
	for i := range Dim {
		for j := range Intents {
			n.table[i*stride+slotIntent+j] = int16(math.Round(float64(m.w[i*len(Intents)+j] / scale)))
		}
	}
	n.pool.New = func() any { return &features{} }
	return n
}

// intentModel trains the intent model on the weak labels and the labelled
// rows keep selects, as `hark train` does but for the temperature.
func intentModel(d *data, keep func(string) bool) *linear {
	return trainLinear("intent", Intents, intentExamples(d, keep), withSeed(intentOpts, 1))
}

// TestExpIntent scores the shipped configuration (model and rules) by
// 5-fold CV inside the labelled training part.
func TestExpIntent(t *testing.T) {
	d, rows := loadLabelled(t)
	var mu sync.Mutex
	var gi, pi, gn, pn []int
	var errs []string
	parallel(5, func(f int) {
		m := intentModel(d, func(s string) bool { return LabelledTrain(s) && fold(s) != f })
		for i := range m.w {
			m.w[i] /= intentTemperature
		}
		c := withIntent(m)
		mu.Lock()
		defer mu.Unlock()
		for _, l := range rows {
			if fold(l.Text) != f {
				continue
			}
			r := c.Classify(input(l))
			gi, pi = append(gi, slices.Index(Intents, l.Intent)), append(pi, slices.Index(Intents, r.Intent))
			gn, pn = append(gn, b2i(l.NeedsReply)), append(pn, b2i(r.NeedsReply))
			if r.Intent != l.Intent {
				errs = append(errs, fmt.Sprintf("%s→%s\t%s", l.Intent, r.Intent, l.Text))
			}
		}
	})
	fmt.Fprintf(os.Stderr, "rules: intent %.3f needs_reply %.3f (%d errors of %d)\n", accuracy(gi, pi), accuracy(gn, pn), len(errs), len(gi))
	if os.Getenv("ERRS") != "" {
		slices.Sort(errs)
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, e)
		}
	}
}

// The second stage: a small multinomial logistic regression over the
// intent model's log-probabilities and the message's signals (is it
// addressed, a question, private, phrasing that asks or vents, the other
// models' outputs), learning from the hand-labelled messages how much each
// signal should move the intent, in place of the rules' hand-set weights.
const nz = 28 // signals, the last one the bias

// signals returns the second stage's inputs for one message.
func signals(c *Classifier, in Input) []float64 {
	f := c.pool.Get().(*features)
	defer c.pool.Put(f)
	acc := c.logits(f, in.Text)
	sent, intent := probs(&acc)
	z := make([]float64, nz)
	for i := range intent {
		z[i] = math.Log(max(intent[i], 1e-9))
	}
	copy(z[6:9], sent[:])
	z[9] = float64(acc[slotComplaint+1] - acc[slotComplaint])
	z[10] = float64(acc[slotSuggestion+1] - acc[slotSuggestion])
	z[11] = f.spam()
	lang := f.language()
	for i, v := range []bool{in.ToHandle != "", f.mentions > 0, privateChannel(in.Channel), f.leadMention,
		f.question, f.exclaim > 0, f.urls > 0, f.signed, f.hits&hitPeer != 0, f.hits&hitAsk != 0,
		f.hits&hitVent != 0, f.hits&hitService != 0, f.hits&hitBrand != 0, lang != "en" && lang != "und",
		f.upperWords > 0} {
		z[12+i] = float64(b2i(v))
	}
	z[nz-1] = 1
	return z
}

// stack is the second stage's weights, one row per intent.
type stack [6][]float64

func (s *stack) probs(z []float64) []float64 {
	out := make([]float64, 6)
	for c := range out {
		for j, x := range z {
			out[c] += s[c][j] * x
		}
	}
	softmax(out)
	return out
}

// trainStack fits the second stage with full-batch AdaGrad on the log
// loss plus L2 on every weight but the bias (index nz-1).
func trainStack(zs [][]float64, labels []int, l2 float64, iters int) *stack {
	n := len(zs[0])
	var s, g, h stack
	for c := range 6 {
		s[c], g[c], h[c] = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	for range iters {
		for c := range g {
			clear(g[c])
		}
		for i, z := range zs {
			for c, p := range s.probs(z) {
				if c == labels[i] {
					p--
				}
				for j, x := range z {
					g[c][j] += p * x / float64(len(zs))
				}
			}
		}
		for c := range g {
			for j := range g[c] {
				if j != nz-1 {
					g[c][j] += l2 * s[c][j]
				}
				h[c][j] += g[c][j] * g[c][j]
				s[c][j] -= 0.5 * g[c][j] / (math.Sqrt(h[c][j]) + 1e-8)
			}
		}
	}
	return &s
}

// scoreStack trains the second stage on each fold's training rows (train
// gives their inputs) and scores it on the fold's rows (test gives theirs).
func scoreStack(rows []Labelled, train, test func(f, i int) []float64, l2 float64, iters int) (acc, mf1 float64) {
	var gold, got []int
	for f := range 5 {
		var tz [][]float64
		var ty []int
		for i, l := range rows {
			if fold(l.Text) != f {
				tz, ty = append(tz, train(f, i)), append(ty, slices.Index(Intents, l.Intent))
			}
		}
		s := trainStack(tz, ty, l2, iters)
		for i, l := range rows {
			if fold(l.Text) == f {
				gold, got = append(gold, slices.Index(Intents, l.Intent)), append(got, argmax(s.probs(test(f, i))))
			}
		}
	}
	return accuracy(gold, got), macroF1(gold, got, 6)
}

// TestExpStackWeak: the intent model learns from weak labels only; the
// second stage alone learns from the labelled rows.
func TestExpStackWeak(t *testing.T) {
	d, rows := loadLabelled(t)
	c := withIntent(intentModel(d, func(string) bool { return false }))
	zs := make([][]float64, len(rows))
	for i, l := range rows {
		zs[i] = signals(c, input(l))
	}
	z := func(_, i int) []float64 { return zs[i] }
	for _, iters := range []int{300, 1000, 3000} {
		for _, l2 := range []float64{0, 0.0003, 0.001, 0.003} {
			a, m := scoreStack(rows, z, z, l2, iters)
			fmt.Fprintf(os.Stderr, "weak intent model + stack, %d steps, L2 %.4f: intent %.3f macro F1 %.3f\n", iters, l2, a, m)
		}
	}
}

// TestExpStackOOF: the intent model also learns from the labelled rows;
// the second stage learns from its out-of-fold predictions (nested CV).
func TestExpStackOOF(t *testing.T) {
	d, rows := loadLabelled(t)
	// zs[f][i]: row i's inputs as fold f sees them: out-of-fold (inner CV)
	// for its training rows, from a model on all its training rows for its
	// test rows.
	zs := make([][][]float64, 5)
	for f := range zs {
		zs[f] = make([][]float64, len(rows))
	}
	var mu sync.Mutex
	parallel(30, func(j int) {
		f, g := j/6, j%6
		keep := func(s string) bool { return LabelledTrain(s) && fold(s) != f && (g == 5 || inner(s) != g) }
		want := func(s string) bool { return fold(s) == f && g == 5 || fold(s) != f && inner(s) == g }
		c := withIntent(intentModel(d, keep))
		mu.Lock()
		defer mu.Unlock()
		for i, l := range rows {
			if want(l.Text) {
				zs[f][i] = signals(c, input(l))
			}
		}
	})
	z := func(f, i int) []float64 { return zs[f][i] }
	for _, l2 := range []float64{0, 0.0003, 0.001, 0.003, 0.01} {
		for _, iters := range []int{300, 1000} {
			a, m := scoreStack(rows, z, z, l2, iters)
			fmt.Fprintf(os.Stderr, "out-of-fold stack, %d steps, L2 %.4f: intent %.3f macro F1 %.3f\n", iters, l2, a, m)
		}
	}
}

// TestExpStackLex: the weak intent model's second stage also reads a
// lexical model trained on the labelled rows alone (out-of-fold), its
// log-probabilities times beta.
func TestExpStackLex(t *testing.T) {
	d, rows := loadLabelled(t)
	c := withIntent(intentModel(d, func(string) bool { return false }))
	var fx features
	zs := make([][]float64, len(rows))
	vecs := make([]example, len(rows))
	for i, l := range rows {
		zs[i] = signals(c, input(l))
		vecs[i] = example{vec: fx.featurize(l.Text), label: slices.Index(Intents, l.Intent)}
	}
	lex := func(keep func(i int) bool) *linear {
		var tr []example
		for i := range rows {
			if keep(i) {
				tr = append(tr, vecs[i])
			}
		}
		return trainLinear("lex", Intents, tr, trainOptions{Epochs: 10, Rate: 0.05, L2: 1e-6, Seed: 1})
	}
	with := func(m *linear, i int, beta float64) []float64 {
		p := make([]float64, 6)
		m.probs(vecs[i].vec, p)
		z := slices.Clone(zs[i])
		for _, v := range p {
			z = append(z, beta*math.Log(max(v, 1e-9)))
		}
		return z
	}
	// Lexical models per fold (test rows) and per fold and inner fold
	// (the fold's training rows, out of fold).
	outerM, innerM := make([]*linear, 5), make([][]*linear, 5)
	for f := range 5 {
		outerM[f] = lex(func(i int) bool { return fold(rows[i].Text) != f })
		innerM[f] = make([]*linear, 5)
		for g := range 5 {
			innerM[f][g] = lex(func(i int) bool { return fold(rows[i].Text) != f && inner(rows[i].Text) != g })
		}
	}
	for _, beta := range []float64{0, 0.5, 1} {
		for _, l2 := range []float64{0.001, 0.003} {
			train := func(f, i int) []float64 { return with(innerM[f][inner(rows[i].Text)], i, beta) }
			test := func(f, i int) []float64 { return with(outerM[f], i, beta) }
			a, m := scoreStack(rows, train, test, l2, 1000)
			fmt.Fprintf(os.Stderr, "weak intent model + stack + lexical beta %.1f, L2 %.4f: intent %.3f macro F1 %.3f\n", beta, l2, a, m)
		}
	}
}
