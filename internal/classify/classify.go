// Package classify understands each inbound message: why the customer
// wrote (intent), whether it needs a reply, how they feel, and whether it
// is a complaint, an idea, spam, and in which language. The models are
// linear, over hashed word, word-pair and character n-gram features plus a
// sentiment lexicon, trained in pure Go by `hark train` from the shared
// data sets and embedded in the binary. MODELS.md says what was tried and
// what each scored.
package classify

import (
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// Intents in the order an agent most needs to know them; when two fit,
// the earlier wins.
var Intents = []string{"request", "complaint", "peer", "praise", "share", "other"}

const (
	intentRequest = iota
	intentComplaint
	intentPeer
	intentPraise
	intentShare
	intentOther
)

func validIntent(s string) bool { return slices.Contains(Intents, s) }

// Input is one message to classify.
type Input struct {
	Text            string `json:"text"`
	Channel         string `json:"channel,omitempty"`
	ToHandle        string `json:"to_handle,omitempty"`
	AuthorFollowers int    `json:"author_followers,omitempty"`
	// Attachments is how many files (photos, voice notes, documents) the
	// message carries, which its text does not show.
	Attachments int `json:"attachments,omitempty"`
}

// Labels is what the classifiers concluded about one message.
type Labels struct {
	Intent         string             `json:"intent"` // request, complaint, peer, praise, share, other
	IntentProbs    map[string]float64 `json:"intent_probs"`
	NeedsReply     bool               `json:"needs_reply"`
	NeedsReplyP    float64            `json:"needs_reply_p"`
	Sentiment      string             `json:"sentiment"`       // negative, neutral, positive
	SentimentScore float64            `json:"sentiment_score"` // -1..1
	Complaint      float64            `json:"complaint"`
	Suggestion     float64            `json:"suggestion"`
	Spam           float64            `json:"spam"`
	Language       string             `json:"language"` // ISO 639-1, "und" when unsure
	Why            []string           `json:"why,omitempty"`
}

// Slots of each model in the fused weight table: one feature's weights for
// every class of every model sit in one 32-byte row, so a message costs
// one cache line per feature however many models read it.
const (
	slotSentiment  = 0  // negative, neutral, positive
	slotComplaint  = 3  // not, complaint
	slotSuggestion = 5  // not, suggestion
	slotIntent     = 7  // Intents
	slotAsk        = 13 // venting, ask (train.go askName)
	stride         = 16
)

// Classifier holds the models; it is safe for concurrent use.
type Classifier struct {
	table   []int16         // Dim rows of stride weights, quantised
	scale   [stride]float32 // each slot's quantisation step
	stack   *stack          // the intent's second stage; nil for older model sets
	english wordSet         // tells English from the languages language lists; nil for older model sets
	pool    sync.Pool       // *features scratch
}

//go:embed models/*.bin
var modelFS embed.FS

// Default returns the classifier built from the models embedded in the
// binary, loaded on first use.
func Default() *Classifier { return defaultClassifier() }

var defaultClassifier = sync.OnceValue(func() *Classifier {
	c, err := Load(func(name string) ([]byte, error) { return modelFS.ReadFile("models/" + name + ".bin") })
	if err != nil {
		panic("classify: embedded models: " + err.Error()) // a build without its models is broken
	}
	return c
})

// Load builds a classifier from model files read by name. The stack file
// is optional: read must then return an error wrapping fs.ErrNotExist.
func Load(read func(name string) ([]byte, error)) (*Classifier, error) {
	models, files, err := readModels(read)
	if err != nil {
		return nil, err
	}
	c, err := fuse(models)
	if err != nil {
		return nil, err
	}
	c.english = englishOf(files[englishName])
	glossaries() // read now, not while the first message in another language waits
	// The stack and the ask model are optional so model sets from before
	// them still load (with the hand-set rules, or a stack that reads no
	// ask logit), e.g. to compare them in hark eval --models.
	b, err := read(stackName)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("model %s: %w", stackName, err)
	default:
		c.stack = &stack{}
		if err := c.stack.UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("model %s: %w", stackName, err)
		}
		if c.stack.first != firstStage(files["intent"], files[askName], files[englishName]) {
			return nil, fmt.Errorf("model %s was fitted over other intent and ask models or another English word list; retrain with hark train", stackName)
		}
	}
	return c, nil
}

// readModels reads and decodes the linear model files, and reads the
// English word list. It also returns the files by name, which a stack is
// checked against (firstStage). The ask model and the word list are
// optional: model sets from before them, or trained with too few labelled
// rows for a stack, have none.
func readModels(read func(name string) ([]byte, error)) (map[string]*linear, map[string][]byte, error) {
	models := map[string]*linear{}
	files := map[string][]byte{}
	decode := func(name string, b []byte) error {
		m := &linear{}
		if err := m.UnmarshalBinary(b); err != nil {
			return fmt.Errorf("model %s: %w", name, err)
		}
		models[name], files[name] = m, b
		return nil
	}
	for _, name := range ModelNames {
		b, err := read(name)
		if err != nil {
			return nil, nil, fmt.Errorf("model %s: %w", name, err)
		}
		if err := decode(name, b); err != nil {
			return nil, nil, err
		}
	}
	// The ask model and the word list came later: a set without them loads.
	for _, name := range []string{askName, englishName} {
		b, err := read(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("model %s: %w", name, err)
		case name == englishName:
			files[name] = b // a word list, not a linear model
		default:
			if err := decode(name, b); err != nil {
				return nil, nil, err
			}
		}
	}
	return models, files, nil
}

// firstStage is the digest of the model files whose outputs a stack was
// fitted over: the intent model's probabilities, the ask model's logit
// and the English word list, which decides its "not English" input.
func firstStage(intentFile, askFile, englishFile []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(intentFile)
	if askFile != nil {
		h.Write([]byte("\x00ask\x00"))
		h.Write(askFile)
	}
	if englishFile != nil {
		h.Write([]byte("\x00english\x00"))
		h.Write(englishFile)
	}
	return [sha256.Size]byte(h.Sum(nil))
}

// fuse lays the models out in one table, checking each has the classes
// its slot expects.
func fuse(models map[string]*linear) (*Classifier, error) {
	c := &Classifier{table: make([]int16, Dim*stride)}
	for _, s := range []struct {
		name    string
		slot    int
		classes []string
	}{
		{"sentiment", slotSentiment, sentimentClasses},
		{"complaint", slotComplaint, binaryClasses},
		{"suggestion", slotSuggestion, binaryClasses},
		{"intent", slotIntent, Intents},
		{askName, slotAsk, binaryClasses},
	} {
		m := models[s.name]
		if m == nil && s.name == askName {
			continue // its slots stay zero
		}
		if m == nil {
			return nil, fmt.Errorf("no %s model", s.name)
		}
		if !slices.Equal(m.Classes, s.classes) {
			return nil, fmt.Errorf("model %s has classes %v, want %v", s.name, m.Classes, s.classes)
		}
		// int16, as in the model files, so the table is 8 MB: half the
		// cache and TLB misses of float32, at no cost in precision.
		k := len(m.Classes)
		var maxAbs float32
		for _, v := range m.w {
			maxAbs = max(maxAbs, v, -v)
		}
		scale := maxAbs / 32767
		if scale == 0 {
			scale = 1
		}
		for c2 := range k {
			c.scale[s.slot+c2] = scale
		}
		for i := range Dim {
			for c2 := range k {
				c.table[i*stride+s.slot+c2] = int16(math.Round(float64(m.w[i*k+c2] / scale)))
			}
		}
	}
	c.pool.New = func() any { return &features{} }
	return c, nil
}

// Classify labels one message.
func (c *Classifier) Classify(in Input) Labels {
	f := c.pool.Get().(*features)
	defer c.pool.Put(f)
	acc, lang := c.read(f, in)
	sent, intent := probs(&acc)

	var l Labels
	neg, neu, pos := sent[0], sent[1], sent[2]
	switch {
	case neg >= neu && neg >= pos:
		l.Sentiment = "negative"
	case pos >= neu:
		l.Sentiment = "positive"
	default:
		l.Sentiment = "neutral"
	}
	l.SentimentScore = round3(pos - neg)
	l.Complaint = round3(sigmoid(acc[slotComplaint+1] - acc[slotComplaint]))
	l.Suggestion = round3(sigmoid(acc[slotSuggestion+1] - acc[slotSuggestion]))
	spam := f.spam()
	l.Spam = round3(spam)
	l.Language = lang

	addressed := f.toHandle || f.mentions > 0 || f.private
	if c.stack != nil {
		var z signals
		z.read(f, &acc, &sent, &intent, spam, l.Language)
		intent = c.stack.probs(&z)
		f.guard(&intent, spam, l.Language)
	} else {
		// Models without a stack: hand-set rules.
		f.adjustIntent(&intent, addressed, f.toHandle || f.private, spam, l.Language)
	}
	best := 0
	for i := range intent {
		if intent[i] > intent[best] {
			best = i
		}
	}
	l.Intent = Intents[best]
	l.IntentProbs = make(map[string]float64, len(Intents))
	for i, name := range Intents {
		l.IntentProbs[name] = round3(intent[i])
	}
	// The decision follows the chosen intent, so the badge and the intent
	// never disagree; the probability orders the queue, and is kept on the
	// decision's side of one half so that the two never contradict each
	// other ("needs a reply (39%)").
	switch best {
	case intentRequest:
		l.NeedsReply = true
	case intentComplaint:
		l.NeedsReply = addressed
	case intentPeer:
		l.NeedsReply = addressed && l.Complaint >= 0.5
	}
	p := round3(needsReply(&intent, addressed, l.Complaint))
	if l.NeedsReply {
		p = max(p, 0.5)
	} else {
		p = min(p, 0.499)
	}
	l.NeedsReplyP = p
	l.Why = c.why(f, best, l.Sentiment, addressed, spam, l.Language)
	return l
}

// read reads the message into f, names its language and returns every
// model's logits (readGlossed).
func (c *Classifier) read(f *features, in Input) (acc [stride]float32, lang string) {
	lang, _ = f.readGlossed(in, c.english)
	return c.logits(f), lang
}

// readGlossed reads the message into f as the models read it, and names
// its language: a message in another language through its glossary
// (gloss.go), f then holding the glossed words and the words glossed.
// It returns the text read. english is the English word list.
func (f *features) readGlossed(in Input, english wordSet) (lang, text string) {
	if f.read(in); f.apart {
		// Marks typed apart from their letters ("ơ" + " ̀", as some
		// Vietnamese keyboards write), put together as the word lists
		// spell them; found while reading, so no message is scanned
		// twice for them.
		if joined := norm.NFC.String(in.Text); joined != in.Text {
			in.Text = joined
			f.read(in)
		}
	}
	lang = f.language(english)
	if lang == "en" || lang == "und" && f.script[scriptLatin]+f.script[scriptCyrillic] == 0 {
		return lang, in.Text // English, or no letters to name a language by
	}
	if g := glossaryFor(lang); g != nil && g.vote < 0 {
		return lang, f.readThrough(g, in) // named by its script, which no other glossary reads
	}
	hits, known := f.glossVotes(english)
	switch {
	case lang == "und":
		// Vietnamese typed with its marks needs fewer words (glossLanguage).
		lang = glossLanguage(hits, known, f.vietnameseLetters)
	case (lang == "ru" || lang == "uk") && f.cyrillic[0] == f.cyrillic[1]:
		// As many letters of one as of the other, mostly none ("дякую,
		// кошти повернули"): the glossaries tell, Russian when they do not.
		lang = "ru"
		if hits[langUK] > hits[langRU] {
			lang = "uk"
		}
	}
	// Gloss only what reads more as the language than as English: "Do
	// you do business in the EU?", which the guess names Portuguese, is
	// left alone.
	g := glossaryFor(lang)
	if g == nil || hits[g.vote] <= known {
		return lang, in.Text
	}
	return lang, f.readThrough(g, in)
}

// readThrough reads the message into f through glossary g, or as
// written when g finds none of its words, and returns the text read.
func (f *features) readThrough(g *glossary, in Input) string {
	written := in.Text
	glossed, made := g.gloss(written, f.glossed[:0])
	if len(made) == 0 {
		return written
	}
	if g.respell != nil {
		glossed = g.respell(glossed)
	}
	toks, words := f.countWritten() // as written, before the glossed text is read
	read := in
	read.Text = glossed
	if f.read(read); f.words() == 0 {
		f.read(in) // glossed to nothing ("doch doch"): read as written
		return written
	}
	f.glossed, f.written.toks, f.written.words = made, toks, words
	return glossed
}

// logits returns every model's logits for the message read into f, from
// the fused table, one slot per class.
func (c *Classifier) logits(f *features) (acc [stride]float32) {
	f.hashFeatures()
	f.findPhrases()
	// 64-bit sums: a long message (the 1 MB hark classify takes) has
	// millions of n-grams, whose int16 weights overflow 32 bits.
	var word, char [stride]int64
	for _, i := range f.idx[:f.split] {
		row := (*[stride]int16)(c.table[int(i)*stride:])
		for j := range word {
			word[j] += int64(row[j])
		}
	}
	for _, i := range f.idx[f.split:] {
		row := (*[stride]int16)(c.table[int(i)*stride:])
		for j := range char {
			char[j] += int64(row[j])
		}
	}
	wv, cv := vec{f.idx, f.split}.values()
	for j := range acc {
		acc[j] = (float32(word[j])*float32(wv) + float32(char[j])*float32(cv)) * c.scale[j]
	}
	return acc
}

// probs returns the sentiment and intent models' probabilities.
func probs(acc *[stride]float32) (sent [3]float64, intent [6]float64) {
	for j := range sent {
		sent[j] = float64(acc[slotSentiment+j])
	}
	for j := range intent {
		intent[j] = float64(acc[slotIntent+j])
	}
	softmax(sent[:])
	softmax(intent[:])
	return sent, intent
}

// needsReply follows the definitions: requests to the brand, complaints
// that name, tag or target it, and peer questions only when they report a
// problem the brand could solve.
func needsReply(p *[6]float64, addressed bool, complaint float64) float64 {
	v := p[intentRequest]
	if addressed {
		v += p[intentComplaint]
		v += p[intentPeer] * complaint
	} else {
		v += p[intentComplaint] * 0.3
		v += p[intentPeer] * complaint * 0.5
	}
	return math.Min(1, v)
}

// channelKind is what the name of a message's channel says about it.
type channelKind struct {
	private   bool // every message is addressed to the brand
	comment   bool // public messages are comments under the brand's own posts
	namedTags bool // a tagged person is written as their name, without an @
}

// kindOf reads a channel's name. Callers name channels in many ways
// ("E-mail", "twitter_dm", "Live Chat", "Facebook Page"): it compares
// letters and digits only, lower-cased, without allocating.
func kindOf(ch string) channelKind {
	var buf [24]byte
	n := 0
	for i := 0; i < len(ch); i++ {
		c := ch[i] | 0x20 // ASCII lower case; other bytes never match below
		if (c >= 'a' && c <= 'z') || (ch[i] >= '0' && ch[i] <= '9') {
			if n == len(buf) {
				return channelKind{}
			}
			buf[n], n = c, n+1
		}
	}
	switch k := string(buf[:n]); k {
	case "email", "mail", "chat", "livechat", "webchat", "form", "webform", "contactform", "phone", "call",
		"voice", "sms", "text", "whatsapp", "dm", "directmessage", "privatemessage", "pm", "messenger",
		"telegram", "wechat", "private", "ticket", "supportticket", "helpdesk":
		return channelKind{private: true}
	case "facebook", "facebookpage", "fb", "linkedin":
		return channelKind{comment: true, namedTags: true}
	case "instagram", "ig", "blog", "wordpress", "youtube", "tiktok":
		return channelKind{comment: true}
	default:
		// instagram_dm, x_dm, facebook_messenger, …
		return channelKind{private: strings.HasSuffix(k, "dm") || strings.HasSuffix(k, "messenger")}
	}
}

// privateChannel reports whether every message on the channel is
// addressed to the brand.
func privateChannel(ch string) bool { return kindOf(ch).private }

// commentChannel reports whether the channel's public messages are
// comments under the brand's own posts.
func commentChannel(ch string) bool { return kindOf(ch).comment }

func sigmoid(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
