package classify

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// The intent model learns words from the weak labels; the hand-labelled
// messages are far too few to teach it many more, but enough to learn how
// much each signal should move the intent: whether the message is
// addressed to the brand, asks a question, vents, is private, what the
// other models think. The stack is that second stage, a small multinomial
// logistic regression over the intent model's log-probabilities and these
// signals, fitted on the labelled messages in place of hand-set rule
// weights (MODELS.md: 0.702 → 0.732 in CV at 541 labelled rows).

// Where each kind of input sits in signals.
const (
	sigIntent     = 0  // 6 log-probabilities of the intent model
	sigSentiment  = 6  // 3 sentiment probabilities
	sigComplaint  = 9  // the complaint model's probability
	sigSuggestion = 10 // the suggestion model's logit
	sigSpam       = 11
	sigAsk        = 12 // the ask model's logit
	sigFlags      = 13 // nFlags yes/no signals
	nFlags        = 19
	sigBias       = sigFlags + nFlags
	nSignals      = sigBias + 1
)

// signalNames name the stack's inputs in order; the model file stores
// them, so a file trained with other signals is refused rather than
// misread.
var signalNames = [nSignals]string{
	"log p(request)", "log p(complaint)", "log p(peer)", "log p(praise)", "log p(share)", "log p(other)",
	"p(negative)", "p(neutral)", "p(positive)", "p(complaint)", "suggestion logit", "spam", "ask logit",
	"to a handle", "mentions someone", "private channel", "starts with a mention", "question", "exclamation",
	"link", "agent signature", "peer phrasing", "ask phrasing", "venting phrasing", "service words",
	"brand words", "not English", "caps", "tag implied", "comment", "tags others", "name first",
	"bias",
}

// signals are one message's stack inputs.
type signals [nSignals]float64

// read fills z from the first-stage outputs and f's reading of the
// message.
func (z *signals) read(f *features, acc *[stride]float32, sent *[3]float64, intent *[6]float64, spam float64, lang string) {
	for i := range 6 {
		z[sigIntent+i] = math.Log(max(intent[i], 1e-9))
	}
	copy(z[sigSentiment:sigSentiment+3], sent[:])
	z[sigComplaint] = sigmoid(acc[slotComplaint+1] - acc[slotComplaint])
	z[sigSuggestion] = float64(acc[slotSuggestion+1] - acc[slotSuggestion])
	z[sigSpam] = spam
	z[sigAsk] = float64(acc[slotAsk+1]-acc[slotAsk]) * (intent[intentRequest] + intent[intentComplaint])
	// "To a handle" is off for a message that tags people but not the
	// brand (features.read): it reads as the same words would on X. The
	// last three tell a comment under the brand's post from a tweet, and
	// a friend's tag there, with @ or as a plain name, from an address to
	// the brand: learnt from the labelled comments (MODELS.md, "Comments
	// under brand posts, labelled": 0.607 → 0.712 on the held-out ones).
	flags := [nFlags]bool{f.toHandle, f.mentions > 0, f.private, f.leadMention,
		f.question, f.exclaim > 0, f.urls > 0, f.signed, f.hits&hitPeer != 0, f.hits&hitAsk != 0,
		f.hits&hitVent != 0, f.hits&hitService != 0, f.hits&hitBrand != 0, lang != "en" && lang != "und",
		f.upperWords > 0, f.implied, f.comment, f.othersOnly, f.nameLead}
	for i, v := range flags {
		z[sigFlags+i] = float64(b2i(v))
	}
	z[sigBias] = 1
}

// stackInput reads one message through the first stage into the stack's
// inputs.
func (c *Classifier) stackInput(in Input) (z signals) {
	f := c.pool.Get().(*features)
	defer c.pool.Put(f)
	acc, lang := c.read(f, in)
	sent, intent := probs(&acc)
	z.read(f, &acc, &sent, &intent, f.spam(), lang)
	return z
}

// stack holds the second stage's weights, one row per intent, and the
// digest of the intent and ask model files it was fitted over
// (firstStage): it reads those models' outputs and no others'.
type stack struct {
	w     [6]signals
	first [sha256.Size]byte
}

// probs returns the intent probabilities for z.
func (s *stack) probs(z *signals) (p [6]float64) {
	for c := range p {
		for j, x := range z {
			p[c] += s.w[c][j] * x
		}
	}
	softmax(p[:])
	return p
}

// stackOpts tune the stack's training.
type stackOpts struct {
	Steps int
	L2    float64
	// AskEveryIntent lets the ask model's logit weigh on every intent, not
	// only request and complaint (an ablation, MODELS.md).
	AskEveryIntent bool
}

// stackDefaults were chosen by cross-validation inside the labelled
// training part (MODELS.md); the results vary little between 300 and 3000
// steps and L2 between 0.0003 and 0.003.
var stackDefaults = stackOpts{Steps: 1000, L2: 0.001}

const stackRate = 0.5

// minStackRows is how many hand-labelled training rows the stack needs to
// beat the hand-set rules (MODELS.md's learning curve: about 108 rows
// score 0.677 against the rules' 0.702, about 216 score 0.704).
const minStackRows = 200

// trainStack fits the stack's weights with full-batch AdaGrad on the log
// loss, with L2 on every weight but the bias. Full batches in a fixed
// order make it deterministic without a seed.
func trainStack(zs []signals, labels []int, o stackOpts) *stack {
	var s stack
	var g, h [6]signals
	n := float64(len(zs))
	for range o.Steps {
		g = [6]signals{}
		for i := range zs {
			p := s.probs(&zs[i])
			for c := range p {
				d := p[c]
				if c == labels[i] {
					d--
				}
				d /= n
				for j, x := range zs[i] {
					g[c][j] += d * x
				}
			}
		}
		for c := range g {
			for j := range g[c] {
				if j == sigAsk && c != intentRequest && c != intentComplaint && !o.AskEveryIntent {
					continue // the ask model knows only these two
				}
				if j != sigBias {
					g[c][j] += o.L2 * s.w[c][j]
				}
				h[c][j] += g[c][j] * g[c][j]
				s.w[c][j] -= stackRate * g[c][j] / (math.Sqrt(h[c][j]) + 1e-8)
			}
		}
	}
	return &s
}

// The stack file: magic, the signal names joined by newlines, the
// firstStage digest, then the float64 weights, intent by intent. It
// is under 2 kB, so it is not compressed.
const stackMagic = "HARKSTK2"

// maxStackWeight bounds a weight read from a file: larger ones would turn
// the probabilities into NaN.
const maxStackWeight = 1e6

func (s *stack) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(stackMagic)
	names := strings.Join(signalNames[:], "\n")
	binary.Write(&b, binary.LittleEndian, uint16(len(names)))
	b.WriteString(names)
	b.Write(s.first[:])
	if err := binary.Write(&b, binary.LittleEndian, &s.w); err != nil {
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
	// The weights are matched to signals by name, so the stack of an
	// older model set, fitted before a signal existed, loads with weight 0
	// for it and scores as it did (hark eval --models). A signal this
	// build does not compute cannot be read.
	fileNames := strings.Split(string(names), "\n")
	at := make([]int, len(fileNames))
	for i, name := range fileNames {
		at[i] = slices.Index(signalNames[:], name)
		if at[i] < 0 {
			return fmt.Errorf("the stack was trained on a signal this build does not compute (%.40q); retrain with hark train", name)
		}
		if slices.Contains(fileNames[:i], name) {
			return fmt.Errorf("stack file: signal %.40q twice", name)
		}
	}
	if _, err := io.ReadFull(r, s.first[:]); err != nil {
		return err
	}
	w := make([]float64, 6*len(fileNames))
	if err := binary.Read(r, binary.LittleEndian, w); err != nil {
		return err
	}
	s.w = [6]signals{}
	for c := range s.w {
		for i, j := range at {
			s.w[c][j] = w[c*len(fileNames)+i]
		}
	}
	if r.Len() != 0 {
		return errors.New("stack file: trailing bytes")
	}
	for _, row := range s.w {
		for _, v := range row {
			if !(math.Abs(v) <= maxStackWeight) { // also catches NaN
				return errors.New("stack file: a weight is not finite or out of range")
			}
		}
	}
	return nil
}
