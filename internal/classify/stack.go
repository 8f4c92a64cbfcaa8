package classify

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// The intent model learns words from weak labels; the few hundred
// hand-labelled messages are too few to teach it many more words, but
// enough to learn how much each signal should move the intent: whether
// the message is addressed to the brand, asks a question, vents, is
// private, what the other models think. The stack is that second stage, a
// small multinomial logistic regression over the intent model's
// log-probabilities and these signals, fitted on the labelled messages in
// place of hand-set rule weights (MODELS.md: 0.702 → 0.728 in CV).

// signalNames name the stack's inputs in order; the model file stores
// them, so a file trained with other signals is refused rather than
// misread.
var signalNames = []string{
	"log p(request)", "log p(complaint)", "log p(peer)", "log p(praise)", "log p(share)", "log p(other)",
	"p(negative)", "p(neutral)", "p(positive)", "complaint logit", "suggestion logit", "spam",
	"to a handle", "mentions someone", "private channel", "starts with a mention", "question", "exclamation",
	"link", "agent signature", "peer phrasing", "ask phrasing", "venting phrasing", "service words",
	"brand words", "not English", "caps",
	"bias",
}

const nSignals = 28

// signals are one message's stack inputs.
type signals [nSignals]float64

// read fills z from the first-stage outputs and f's reading of the
// message.
func (z *signals) read(f *features, acc *[stride]float32, sent *[3]float64, intent *[6]float64, in Input, spam float64, lang string) {
	for i := range 6 {
		z[i] = math.Log(max(intent[i], 1e-9))
	}
	copy(z[6:9], sent[:3])
	z[9] = float64(acc[slotComplaint+1] - acc[slotComplaint])
	z[10] = float64(acc[slotSuggestion+1] - acc[slotSuggestion])
	z[11] = spam
	for i, v := range [...]bool{in.ToHandle != "", f.mentions > 0, privateChannel(in.Channel), f.leadMention,
		f.question, f.exclaim > 0, f.urls > 0, f.signed, f.hits&hitPeer != 0, f.hits&hitAsk != 0,
		f.hits&hitVent != 0, f.hits&hitService != 0, f.hits&hitBrand != 0, lang != "en" && lang != "und",
		f.upperWords > 0} {
		z[12+i] = float64(b2i(v))
	}
	z[nSignals-1] = 1
}

// stackInput reads one message through the first stage into the stack's
// inputs.
func (c *Classifier) stackInput(in Input) (z signals) {
	f := c.pool.Get().(*features)
	defer c.pool.Put(f)
	acc := c.logits(f, in.Text)
	sent, intent := probs(&acc)
	z.read(f, &acc, &sent, &intent, in, f.spam(), f.language())
	return z
}

// stack holds the second stage's weights, one row per intent.
type stack [6]signals

// probs returns the intent probabilities for z.
func (s *stack) probs(z *signals) (p [6]float64) {
	for c := range p {
		for j, x := range z {
			p[c] += s[c][j] * x
		}
	}
	softmax(p[:])
	return p
}

// stackOpts tune the stack's training.
type stackOpts struct {
	Steps int
	L2    float64
}

// stackDefaults were chosen by cross-validation inside the labelled
// training part (MODELS.md); the results vary little between 300 and 3000
// steps and L2 between 0 and 0.003.
var stackDefaults = stackOpts{Steps: 1000, L2: 0.001}

const stackRate = 0.5

// trainStack fits the stack with full-batch AdaGrad on the log loss, with
// L2 on every weight but the bias. Full batches in a fixed order make it
// deterministic without a seed.
func trainStack(zs []signals, labels []int, weights []float64, o stackOpts) *stack {
	var s, g, h stack
	var total float64
	for _, w := range weights {
		total += w
	}
	for range o.Steps {
		g = stack{}
		for i := range zs {
			p := s.probs(&zs[i])
			for c := range p {
				d := p[c]
				if c == labels[i] {
					d--
				}
				d *= weights[i] / total
				for j, x := range zs[i] {
					g[c][j] += d * x
				}
			}
		}
		for c := range g {
			for j := range g[c] {
				if j != nSignals-1 {
					g[c][j] += o.L2 * s[c][j]
				}
				h[c][j] += g[c][j] * g[c][j]
				s[c][j] -= stackRate * g[c][j] / (math.Sqrt(h[c][j]) + 1e-8)
			}
		}
	}
	return &s
}

// The stack file: magic, the signal names joined by newlines, then the
// float64 weights, intent by intent. It is a few kilobytes, so it is not
// compressed.
const stackMagic = "HARKSTK1"

func (s *stack) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(stackMagic)
	names := strings.Join(signalNames, "\n")
	binary.Write(&b, binary.LittleEndian, uint16(len(names)))
	b.WriteString(names)
	if err := binary.Write(&b, binary.LittleEndian, s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (s *stack) UnmarshalBinary(data []byte) error {
	r := bytes.NewReader(data)
	magic := make([]byte, len(stackMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != stackMagic {
		return errors.New("not a hark stack file")
	}
	var n uint16
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return err
	}
	names := make([]byte, n)
	if _, err := io.ReadFull(r, names); err != nil {
		return err
	}
	if string(names) != strings.Join(signalNames, "\n") {
		return fmt.Errorf("the stack was trained on other signals (%q); retrain with hark train", strings.ReplaceAll(string(names), "\n", ", "))
	}
	if err := binary.Read(r, binary.LittleEndian, s); err != nil {
		return err
	}
	if r.Len() != 0 {
		return errors.New("stack file: trailing bytes")
	}
	for _, row := range s {
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.New("stack file: weights are not finite")
			}
		}
	}
	return nil
}
