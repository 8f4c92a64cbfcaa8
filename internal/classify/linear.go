package classify

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
)

// linear is a multinomial logistic regression over the hashed features.
// Weights are interleaved by bucket, w[i*k+c], so one feature's weights
// for every class share a cache line.
type linear struct {
	Name    string
	Classes []string
	w       []float32
	// nb scales each bucket's feature while training (trainOptions.NB);
	// trainLinear then folds it into w, so the model reads as any other.
	nb []float32
}

// vec is one message's features: idx[:split] are word features and
// idx[split:] character n-grams.
type vec struct {
	idx   []uint32
	split int
}

// charWeight is the character n-grams' share against the word features'.
var charWeight = 1.0

// values are the feature values of the word and character blocks: each
// block has unit length (times charWeight), so long messages do not shout
// down short ones, one step size suits them all, and the many character
// n-grams do not drown the words.
func (v vec) values() (word, char float64) {
	word = 1 / math.Sqrt(float64(max(1, v.split)))
	char = charWeight / math.Sqrt(float64(max(1, len(v.idx)-v.split)))
	return
}

// scores adds up each class's weighted features into out.
func (m *linear) scores(v vec, out []float64) {
	k := len(m.Classes)
	var word, char [8]float64
	for i, b := range v.idx {
		row := m.w[int(b)*k : int(b)*k+k]
		f := 1.0
		if m.nb != nil {
			f = float64(m.nb[b])
		}
		if i < v.split {
			for c, x := range row {
				word[c] += float64(x) * f
			}
		} else {
			for c, x := range row {
				char[c] += float64(x) * f
			}
		}
	}
	wv, cv := v.values()
	for c := range k {
		out[c] = word[c]*wv + char[c]*cv
	}
}

// softmax turns scores into probabilities, in place.
func softmax(out []float64) {
	maxv := math.Inf(-1)
	for _, v := range out {
		maxv = max(maxv, v)
	}
	var sum float64
	for c, v := range out {
		out[c] = math.Exp(v - maxv)
		sum += out[c]
	}
	for c := range out {
		out[c] /= sum
	}
}

func (m *linear) probs(v vec, out []float64) {
	m.scores(v, out)
	softmax(out)
}

// example is one training message: its features, class and weight.
type example struct {
	vec
	label  int
	weight float32 // 0 means 1
	key    uint32  // a hash of the text: fixes its cross-validation fold
}

// trainOptions tune training; the defaults were chosen by cross-validation
// on the training pools (MODELS.md).
type trainOptions struct {
	Epochs int
	Rate   float64 // AdaGrad's base step
	L2     float64
	Seed   uint64
	// Balance weighs each class inversely to its frequency, which is what
	// macro-averaged scores reward.
	Balance bool
	// Average returns the mean of the weights over every step (Polyak
	// averaging), steadier than the last step's.
	Average bool
	// NB scales each feature of a two-class model by its naive Bayes
	// log-count ratio (NB-SVM, Wang and Manning 2012, with logistic
	// regression), counted over the full-weight examples only: weak
	// labels train the model but do not set the ratios, and a feature
	// only they have gets the smoothed ratio of no evidence,
	// log(n0/n1) of the two classes' feature counts (0.13 for
	// complaints), so it counts for little.
	NB bool
}

// trainLinear fits the model with AdaGrad on the log loss, visiting the
// examples in an order fixed by the seed on a single goroutine, so the
// same data and seed give the same bytes.
func trainLinear(name string, classes []string, data []example, o trainOptions) *linear {
	k := len(classes)
	m := &linear{Name: name, Classes: classes, w: make([]float32, k*Dim)}
	if o.NB && k == 2 {
		m.nb = nbRatios(data)
	}
	g := make([]float32, k*Dim) // AdaGrad's sums of squared gradients
	if o.Epochs == 0 {
		o.Epochs = 5
	}
	if o.Rate == 0 {
		o.Rate = 0.1
	}
	classWeight := make([]float64, k)
	count := make([]int, k)
	for _, e := range data {
		w := float64(e.weight)
		if w == 0 {
			w = 1
		}
		classWeight[e.label] += w
		count[e.label]++
	}
	var total float64
	for _, w := range classWeight {
		total += w
	}
	for c := range classWeight {
		if o.Balance && classWeight[c] > 0 {
			classWeight[c] = total / (float64(k) * classWeight[c])
		} else {
			classWeight[c] = 1
		}
	}
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x6861726b))
	// u sums each step's update times the step number, so the average of
	// the weights over all T steps is w - u/T without a pass per step.
	var u []float32
	if o.Average {
		u = make([]float32, k*Dim)
	}
	step := float32(0)
	p := make([]float64, k)
	l2 := float32(o.L2)
	rate := float32(o.Rate)
	for range o.Epochs {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, n := range order {
			e := &data[n]
			step++
			m.probs(e.vec, p)
			wt := classWeight[e.label]
			if e.weight > 0 {
				wt *= float64(e.weight)
			}
			wv, cv := e.values()
			for c := range k {
				grad := p[c] * wt
				if c == e.label {
					grad -= wt
				}
				if grad > -1e-6 && grad < 1e-6 {
					continue
				}
				gw, gc := float32(grad*wv), float32(grad*cv)
				for n, i := range e.idx {
					j := int(i)*k + c
					gr := gc
					if n < e.split {
						gr = gw
					}
					if m.nb != nil {
						gr *= m.nb[i]
					}
					gr += l2 * m.w[j]
					g[j] += gr * gr
					d := rate * gr / float32(math.Sqrt(float64(g[j]))+1e-6)
					m.w[j] -= d
					if u != nil {
						u[j] -= step * d
					}
				}
			}
		}
	}
	if u != nil && step > 0 {
		for j := range m.w {
			m.w[j] -= u[j] / step
		}
	}
	m.foldNB()
	return m
}

// foldNB multiplies the NB ratios into the weights. The block norms count
// the features unscaled, so the folded model scores exactly as the scaled
// one did, and reads as any other.
func (m *linear) foldNB() {
	if m.nb == nil {
		return
	}
	k := len(m.Classes)
	for j := range m.w {
		m.w[j] *= m.nb[j/k]
	}
	m.nb = nil
}

// nbRatios returns every bucket's log-count ratio between class 1 and
// class 0 over the full-weight examples, each feature counted once per
// example, with add-one smoothing.
func nbRatios(data []example) []float32 {
	var count [2][]float64
	count[0], count[1] = make([]float64, Dim), make([]float64, Dim)
	seen := make([]int32, Dim) // the last example that counted each bucket, plus one
	for n, e := range data {
		if e.weight != 0 && e.weight < 1 {
			continue
		}
		for _, b := range e.idx {
			if seen[b] != int32(n+1) {
				seen[b] = int32(n + 1)
				count[e.label][b]++
			}
		}
	}
	var sum [2]float64
	for c := range count {
		for b := range count[c] {
			count[c][b]++
			sum[c] += count[c][b]
		}
	}
	r := make([]float32, Dim)
	for b := range r {
		r[b] = float32(math.Log(count[1][b] / sum[1] * sum[0] / count[0][b]))
	}
	return r
}

// The model file: magic, name, classes, then the weights quantised to
// int16 with one scale per model, the whole gzipped with a zero header
// time so the same model always gives the same bytes. Quantising halves
// the embedded size; its effect on scores is below a thousandth (MODELS.md).
const modelMagic = "HARKLIN2"

// MarshalBinary encodes the model as a model file.
func (m *linear) MarshalBinary() ([]byte, error) {
	var raw bytes.Buffer
	w := func(v any) { binary.Write(&raw, binary.LittleEndian, v) }
	str := func(s string) { w(uint16(len(s))); raw.WriteString(s) }
	raw.WriteString(modelMagic)
	str(m.Name)
	w(uint16(len(m.Classes)))
	for _, c := range m.Classes {
		str(c)
	}
	qi, scale := m.int16s()
	w(uint32(Dim))
	w(scale)
	// Class-major order compresses better: a class's weights are alike.
	k := len(m.Classes)
	q := make([]int16, len(m.w))
	for c := range k {
		for i := range Dim {
			q[c*Dim+i] = qi[i*k+c]
		}
	}
	w(q)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw.Bytes())
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// int16s returns the weights as the model file holds them: int16, one
// scale for the model.
func (m *linear) int16s() ([]int16, float32) {
	var maxAbs float64
	for _, v := range m.w {
		maxAbs = max(maxAbs, math.Abs(float64(v)))
	}
	scale := float32(maxAbs / 32767)
	if scale == 0 {
		scale = 1
	}
	q := make([]int16, len(m.w))
	for j, v := range m.w {
		q[j] = int16(math.Round(float64(v / scale)))
	}
	return q, scale
}

// quantized returns m as it reads back from its model file, without
// encoding one: fitStackWith's fold models, which the stack must see as
// the binary will, and which gzip made the slowest part of training.
func (m *linear) quantized() *linear {
	q, scale := m.int16s()
	out := &linear{Name: m.Name, Classes: m.Classes, w: make([]float32, len(q))}
	for j, v := range q {
		out.w[j] = float32(v) * scale
	}
	return out
}

// maxClasses bounds a model file's classes (the intent model has 6) and
// maxModelBytes its inflated size, so a crafted file is refused before it
// asks for gigabytes.
const (
	maxClasses    = 16
	maxModelBytes = 1<<16 + maxClasses*Dim*2
)

// UnmarshalBinary decodes a model file.
func (m *linear) UnmarshalBinary(b []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	// A model file inflates to at most maxClasses columns of Dim int16s:
	// a crafted file (hark eval --models DIR) must not inflate past that.
	data, err := io.ReadAll(io.LimitReader(zr, maxModelBytes+1))
	if err != nil {
		return err
	}
	if len(data) > maxModelBytes {
		return errors.New("model file inflates past any model's size")
	}
	r := bytes.NewReader(data)
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != modelMagic {
		return errors.New("not a hark model file")
	}
	rd := func(v any) error { return binary.Read(r, binary.LittleEndian, v) }
	str := func() (string, error) {
		var n uint16
		if err := rd(&n); err != nil {
			return "", err
		}
		s := make([]byte, n)
		_, err := io.ReadFull(r, s)
		return string(s), err
	}
	if m.Name, err = str(); err != nil {
		return err
	}
	var k uint16
	if err := rd(&k); err != nil {
		return err
	}
	if k == 0 || k > maxClasses {
		return fmt.Errorf("model %s has %d classes, at most %d", m.Name, k, maxClasses)
	}
	m.Classes = make([]string, k)
	for i := range m.Classes {
		if m.Classes[i], err = str(); err != nil {
			return err
		}
	}
	var dim uint32
	var scale float32
	if err := rd(&dim); err != nil {
		return err
	}
	if dim != Dim {
		return fmt.Errorf("model %s has %d buckets, this build hashes into %d", m.Name, dim, Dim)
	}
	if err := rd(&scale); err != nil {
		return err
	}
	if r.Len() != int(k)*Dim*2 {
		return fmt.Errorf("model %s: %d bytes of weights, want %d", m.Name, r.Len(), int(k)*Dim*2)
	}
	q := make([]int16, int(k)*Dim)
	if err := rd(q); err != nil {
		return err
	}
	m.w = make([]float32, len(q))
	for c := range int(k) {
		for i := range Dim {
			m.w[i*int(k)+c] = float32(q[c*Dim+i]) * scale
		}
	}
	return nil
}
