// Experiments behind MODELS.md; run with: go test -tags exp -run TestExp -v .
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

// intentCV scores intent/needs_reply by 5-fold CV inside the labelled
// training part: each fold's intent model reads the weak labels and the
// other folds' labelled rows; the shipped models supply the rest.
func intentCV(t *testing.T, d *data, mk func(d *data, only func(string) bool) []example, opts trainOptions) (float64, float64, []string) {
	base := Default()
	var mu sync.Mutex
	var gi, pi, gn, pn []int
	var errs []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for f := range 5 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			inFold := func(s string) bool { return hash('f', "fold:"+s)%5 == uint32(f) }
			ex := mk(d, func(s string) bool { return LabelledTrain(s) && !inFold(s) })
			m := trainLinear("intent", Intents, ex, withSeed(opts, 1))
			for i := range m.w {
				m.w[i] /= intentTemperature
			}
			c := withIntent(base, m)
			mu.Lock()
			defer mu.Unlock()
			for _, l := range d.labelled {
				if !LabelledTrain(l.Text) || !inFold(l.Text) {
					continue
				}
				r := c.Classify(Input{Text: l.Text, Channel: l.Channel, ToHandle: l.ToHandle})
				gi, pi = append(gi, slices.Index(Intents, l.Intent)), append(pi, slices.Index(Intents, r.Intent))
				gn, pn = append(gn, b2i(l.NeedsReply)), append(pn, b2i(r.NeedsReply))
				if r.Intent != l.Intent {
					errs = append(errs, fmt.Sprintf("%s→%s\t%s", l.Intent, r.Intent, l.Text))
				}
			}
		}()
	}
	wg.Wait()
	return accuracy(gi, pi), accuracy(gn, pn), errs
}

// withIntent copies c's table with m as the intent model.
func withIntent(c *Classifier, m *linear) *Classifier {
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

func TestExpIntent(t *testing.T) {
	d, err := loadAll("../../../shared/data", "testdata/labelled.tsv", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []float32{3} {
		labelledWeight = w
		a, n, errs := intentCV(t, d, intentExamples, intentOpts)
		fmt.Fprintf(os.Stderr, "labelled weight %.0f: intent %.3f needs_reply %.3f (n=%d errs)\n", w, a, n, len(errs))
		if os.Getenv("ERRS") != "" {
			for _, e := range errs {
				fmt.Fprintln(os.Stderr, e)
			}
		}
	}
	labelledWeight = 3
}

// zOf runs the first stage on in and returns the second stage's inputs.
func zOf(c *Classifier, in Input) [nz]float64 {
	f := c.pool.Get().(*features)
	defer c.pool.Put(f)
	f.tokenize(in.Text)
	f.hashFeatures()
	f.findPhrases()
	var acc [stride]float32
	var word, char [stride]int32
	for _, i := range f.idx[:f.split] {
		row := (*[stride]int16)(c.table[int(i)*stride:])
		for j := range word {
			word[j] += int32(row[j])
		}
	}
	for _, i := range f.idx[f.split:] {
		row := (*[stride]int16)(c.table[int(i)*stride:])
		for j := range char {
			char[j] += int32(row[j])
		}
	}
	wv, cv := vec{f.idx, f.split}.values()
	for j := range acc {
		acc[j] = (float32(word[j])*float32(wv) + float32(char[j])*float32(cv)) * c.scale[j]
	}
	var sent [3]float64
	var intent [6]float64
	for j := range sent {
		sent[j] = float64(acc[slotSentiment+j])
	}
	for j := range intent {
		intent[j] = float64(acc[slotIntent+j])
	}
	softmax(sent[:])
	softmax(intent[:])
	var z [nz]float64
	f.signals(&z, &intent, &sent, acc[slotComplaint+1]-acc[slotComplaint], acc[slotSuggestion+1]-acc[slotSuggestion], float32(f.spam()), in, f.language())
	return z
}

func TestExpStackWeak(t *testing.T) {
	d, err := loadAll("../../../shared/data", "testdata/labelled.tsv", nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := intentExamples(d, func(string) bool { return false })
	m := trainLinear("intent", Intents, ex, withSeed(intentOpts, 1))
	c := withIntent(Default(), m)
	var zs [][nz]float64
	var ys []int
	var texts []string
	for _, l := range d.labelled {
		if !LabelledTrain(l.Text) {
			continue
		}
		zs = append(zs, zOf(c, Input{Text: l.Text, Channel: l.Channel, ToHandle: l.ToHandle}))
		ys = append(ys, slices.Index(Intents, l.Intent))
		texts = append(texts, l.Text)
	}
	for _, iters := range []int{300, 1000, 3000} {
		for _, l2 := range []float64{0, 0.0003, 0.001, 0.003} {
			var gold, got []int
			for f := range 5 {
				var tz [][nz]float64
				var ty []int
				for i := range zs {
					if hash('f', "fold:"+texts[i])%5 != uint32(f) {
						tz, ty = append(tz, zs[i]), append(ty, ys[i])
					}
				}
				s := trainStack(tz, ty, l2, iters)
				for i := range zs {
					if hash('f', "fold:"+texts[i])%5 == uint32(f) {
						var p [6]float64
						s.probs(&zs[i], &p)
						gold, got = append(gold, ys[i]), append(got, argmax(p[:]))
					}
				}
			}
			fmt.Fprintf(os.Stderr, "weak base + stack iters %d l2 %.4f: intent %.3f macroF1 %.3f\n", iters, l2, accuracy(gold, got), macroF1(gold, got, 6))
		}
	}
}

// baseClassifier trains the intent model on the weak labels and the
// labelled rows keep selects.
func baseClassifier(d *data, keep func(string) bool) *Classifier {
	m := trainLinear("intent", Intents, intentExamples(d, keep), withSeed(intentOpts, 1))
	return withIntent(Default(), m)
}

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

func TestExpStackOOF(t *testing.T) {
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
	outer := func(s string) uint32 { return hash('f', "fold:"+s) % 5 }
	inner := func(s string) uint32 { return hash('g', "inner:"+s) % 5 }
	in := func(l Labelled) Input { return Input{Text: l.Text, Channel: l.Channel, ToHandle: l.ToHandle} }
	// zin[o][i]: row i's OOF z inside outer fold o's training part.
	zin := make([]map[int][nz]float64, 5)
	ztest := make([]map[int][nz]float64, 5)
	for o := range 5 {
		zin[o], ztest[o] = map[int][nz]float64{}, map[int][nz]float64{}
	}
	var mu sync.Mutex
	parallel(30, func(j int) {
		o, g := j/6, j%6
		if g == 5 { // the outer fold's test rows, from a base on all its training rows
			c := baseClassifier(d, func(s string) bool { return LabelledTrain(s) && outer(s) != uint32(o) })
			mu.Lock()
			defer mu.Unlock()
			for i, l := range rows {
				if outer(l.Text) == uint32(o) {
					ztest[o][i] = zOf(c, in(l))
				}
			}
			return
		}
		c := baseClassifier(d, func(s string) bool {
			return LabelledTrain(s) && outer(s) != uint32(o) && inner(s) != uint32(g)
		})
		mu.Lock()
		defer mu.Unlock()
		for i, l := range rows {
			if outer(l.Text) != uint32(o) && inner(l.Text) == uint32(g) {
				zin[o][i] = zOf(c, in(l))
			}
		}
	})
	for _, l2 := range []float64{0, 0.0003, 0.001, 0.003, 0.01} {
		for _, iters := range []int{300, 1000} {
			var gold, got []int
			for o := range 5 {
				var tz [][nz]float64
				var ty []int
				for i, z := range zin[o] {
					tz, ty = append(tz, z), append(ty, slices.Index(Intents, rows[i].Intent))
				}
				s := trainStack(tz, ty, l2, iters)
				for i, z := range ztest[o] {
					var p [6]float64
					s.probs(&z, &p)
					gold, got = append(gold, slices.Index(Intents, rows[i].Intent)), append(got, argmax(p[:]))
				}
			}
			fmt.Fprintf(os.Stderr, "OOF stack iters %d l2 %.4f: intent %.3f macroF1 %.3f n=%d\n", iters, l2, accuracy(gold, got), macroF1(gold, got, 6), len(gold))
		}
	}
}

func TestExpStackLex(t *testing.T) {
	d, err := loadAll("../../../shared/data", "testdata/labelled.tsv", nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := intentExamples(d, func(string) bool { return false })
	m := trainLinear("intent", Intents, ex, withSeed(intentOpts, 1))
	c := withIntent(Default(), m)
	var rows []Labelled
	var zs [][nz]float64
	var ys []int
	for _, l := range d.labelled {
		if LabelledTrain(l.Text) {
			rows = append(rows, l)
			zs = append(zs, zOf(c, Input{Text: l.Text, Channel: l.Channel, ToHandle: l.ToHandle}))
			ys = append(ys, slices.Index(Intents, l.Intent))
		}
	}
	var fx features
	vecs := make([]example, len(rows))
	for i, l := range rows {
		vecs[i] = example{vec: fx.featurize(l.Text), label: ys[i]}
	}
	outer := func(i int) uint32 { return hash('f', "fold:"+rows[i].Text) % 5 }
	inner := func(i int) uint32 { return hash('g', "inner:"+rows[i].Text) % 5 }
	lexOpts := trainOptions{Epochs: 10, Rate: 0.05, L2: 1e-6, Balance: false, Seed: 1}
	lexP := func(train []int, test int, m *linear) [6]float64 {
		var p [6]float64
		m.probs(vecs[test].vec, p[:])
		return p
	}
	_ = lexP
	type aug struct{ z [nz + 6]float64 }
	mk := func(z [nz]float64, p []float64, beta float64) (o [nz + 6]float64) {
		copy(o[:], z[:])
		for j := range 6 {
			o[nz+j] = beta * math.Log(max(p[j], 1e-9))
		}
		return
	}
	for _, beta := range []float64{0, 0.5, 1} {
		for _, l2 := range []float64{0.001, 0.003} {
			var gold, got []int
			for o := range 5 {
				// inner OOF lexical probs for outer-training rows
				var tz [][nz + 6]float64
				var ty []int
				for g := range 5 {
					var tr []example
					for i := range rows {
						if outer(i) != uint32(o) && inner(i) != uint32(g) {
							tr = append(tr, vecs[i])
						}
					}
					lm := trainLinear("lex", Intents, tr, lexOpts)
					p := make([]float64, 6)
					for i := range rows {
						if outer(i) != uint32(o) && inner(i) == uint32(g) {
							lm.probs(vecs[i].vec, p)
							tz, ty = append(tz, mk(zs[i], p, beta)), append(ty, ys[i])
						}
					}
				}
				var tr []example
				for i := range rows {
					if outer(i) != uint32(o) {
						tr = append(tr, vecs[i])
					}
				}
				lm := trainLinear("lex", Intents, tr, lexOpts)
				s := trainStackN(tz, ty, l2, 1000)
				p := make([]float64, 6)
				for i := range rows {
					if outer(i) == uint32(o) {
						lm.probs(vecs[i].vec, p)
						z := mk(zs[i], p, beta)
						q := s.probs(z[:])
						gold, got = append(gold, ys[i]), append(got, argmax(q))
					}
				}
			}
			fmt.Fprintf(os.Stderr, "weak+lex beta %.1f l2 %.4f: intent %.3f macroF1 %.3f\n", beta, l2, accuracy(gold, got), macroF1(gold, got, 6))
		}
	}
}

type stackN struct{ W [6][]float64 }

func (s *stackN) probs(z []float64) []float64 {
	out := make([]float64, 6)
	for c := range out {
		for j, x := range z {
			out[c] += s.W[c][j] * x
		}
	}
	softmax(out)
	return out
}

func trainStackN[Z ~[nz + 6]float64](zs []Z, labels []int, l2 float64, iters int) *stackN {
	n := len(zs[0])
	s := &stackN{}
	var g, h [6][]float64
	for c := range 6 {
		s.W[c], g[c], h[c] = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	for range iters {
		for c := range g {
			clear(g[c])
		}
		for i, z := range zs {
			p := s.probs(z[:])
			for c := range p {
				d := p[c]
				if c == labels[i] {
					d--
				}
				for j, x := range z {
					g[c][j] += d * x / float64(len(zs))
				}
			}
		}
		for c := range g {
			for j := range g[c] {
				if j != nz-1 {
					g[c][j] += l2 * s.W[c][j]
				}
				h[c][j] += g[c][j] * g[c][j]
				s.W[c][j] -= 0.5 * g[c][j] / (math.Sqrt(h[c][j]) + 1e-8)
			}
		}
	}
	return s
}

// The second stage: a small multinomial logistic regression over the
// intent model's log-probabilities and the message's signals (is it
// addressed, a question, private, phrasing that asks or vents, the other
// models' outputs). It learns from the hand-labelled messages how much each
// signal should move the intent, which the weak labels cannot teach.
const nz = 28

// signals fills z, the second stage's inputs, from one classified message.
func (f *features) signals(z *[nz]float64, intent *[6]float64, sent *[3]float64, complaint, suggestion, spam float32, in Input, lang string) {
	for i := range intent {
		z[i] = math.Log(max(intent[i], 1e-9))
	}
	z[6], z[7], z[8] = sent[0], sent[1], sent[2]
	z[9] = float64(complaint)
	z[10] = float64(suggestion)
	z[11] = float64(spam)
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	private := privateChannel(in.Channel)
	z[12] = b(in.ToHandle != "")
	z[13] = b(f.mentions > 0)
	z[14] = b(private)
	z[15] = b(f.leadMention)
	z[16] = b(f.question)
	z[17] = b(f.exclaim > 0)
	z[18] = b(f.urls > 0)
	z[19] = b(f.signed)
	z[20] = b(f.hits&hitPeer != 0)
	z[21] = b(f.hits&hitAsk != 0)
	z[22] = b(f.hits&hitVent != 0)
	z[23] = b(f.hits&hitService != 0)
	z[24] = b(f.hits&hitBrand != 0)
	z[25] = b(lang != "en" && lang != "und")
	z[26] = b(f.upperWords > 0)
	z[27] = 1 // bias
}

// stack is the second stage's weights, class-major.
type stack struct {
	W [6][nz]float64
}

func (s *stack) probs(z *[nz]float64, out *[6]float64) {
	for c := range out {
		var v float64
		for j, x := range z {
			v += s.W[c][j] * x
		}
		out[c] = v
	}
	softmax(out[:])
}

// trainStack fits the second stage by full-batch gradient descent with L2
// (the bias and nothing else is left unpenalised).
func trainStack(zs [][nz]float64, labels []int, l2 float64, iters int) *stack {
	s := &stack{}
	var p [6]float64
	n := float64(len(zs))
	// AdaGrad-free plain gradient descent with a fixed step: the problem
	// is small and convex.
	var g [6][nz]float64
	var h [6][nz]float64
	for range iters {
		g = [6][nz]float64{}
		for i, z := range zs {
			s.probs(&z, &p)
			for c := range p {
				d := p[c]
				if c == labels[i] {
					d--
				}
				for j, x := range z {
					g[c][j] += d * x / n
				}
			}
		}
		for c := range g {
			for j := range g[c] {
				if j != nz-1 {
					g[c][j] += l2 * s.W[c][j]
				}
				h[c][j] += g[c][j] * g[c][j]
				s.W[c][j] -= 0.5 * g[c][j] / (math.Sqrt(h[c][j]) + 1e-8)
			}
		}
	}
	return s
}
