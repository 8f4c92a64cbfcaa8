package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Dim is the number of hashed feature buckets every model shares: words,
// word pairs and character n-grams are hashed into it, so the models need
// no vocabulary and never meet an unknown word.
const Dim = 1 << 18

// token is one normalised word in features.buf.
type token struct {
	start, end int32
	neg        bool // inside a negation's scope: "not good" reads as not_good
	info       wordInfo
}

// wordInfo is what the lexicons know of a word, gathered in one map so a
// token costs one look-up.
type wordInfo struct {
	lex     int8   // sentiment: +1, -1, or 0
	negator bool   // opens a negation scope
	langs   uint32 // bits of latinLangs using it as a function word
}

var wordIndex = func() map[string]wordInfo {
	m := map[string]wordInfo{}
	for w, p := range lexicon {
		i := m[w]
		i.lex = p
		m[w] = i
	}
	for w := range negators {
		i := m[w]
		i.negator = true
		m[w] = i
	}
	for w, bits := range stopIndex {
		i := m[w]
		i.langs = bits
		m[w] = i
	}
	return m
}()

// features is one message's tokens and hashed features, reused across
// calls (through a sync.Pool) so the hot path does not allocate.
type features struct {
	buf  []byte  // the normalised tokens, space-separated, with a leading space
	toks []token // spans of buf
	idx  []uint32
	// split ends the word features in idx; character n-grams follow.
	split int
	// The signals rules and explanations use.
	lexPos, lexNeg []int32 // token indices of lexicon hits, after negation
	question       bool
	exclaim        int
	elongated      bool
	mentions       int
	leadMention    bool // the message starts by tagging someone (a reply or an address)
	implied        bool // that tag is implied: a comment under the brand's post
	othersOnly     bool // tags people, none of them the to_handle: users talking under the brand's post (set by read)
	toHandle       bool // written to the to_handle: one was given, and the text tags no one else only (set by read)
	brandTag       bool // a tag names the handle tokenize was given
	private        bool // sent on a private channel (set by read)
	comment        bool // a comment under the brand's own post (set by read)
	nameLead       bool // a Facebook or LinkedIn comment that starts with a person's name (set by read)
	mediaOnly      bool // attachments and no text (set by read)
	urls           int
	hashtags       int
	upperWords     int
	letters        int
	signed         bool  // ends with an agent's initials, ^JM: a company's post
	hits           uint8 // phrase lists matched (phrases.go)
	guarded        uint8 // the rules guard applied (guardForeign, …)
	spamHits       int
	script         [nScripts]int
	cyrillic       [2]int    // letters only Russian (ы э ъ ё), only Ukrainian (і ї є ґ) uses
	hiragana       int       // of script[scriptKana]: the kana of Japanese endings, which Chinese does not write
	apart          bool      // a mark typed apart from its letter, which NFC would join (readGlossed)
	glossed        []glossed // the words read through a glossary (gloss.go), for the explanation
	// A glossed message's tokens and words as written (writtenToks,
	// writtenWords), set by readThrough.
	written struct{ toks, words int }
}

func (f *features) reset() {
	f.buf, f.toks, f.idx = append(f.buf[:0], ' '), f.toks[:0], f.idx[:0]
	f.lexPos, f.lexNeg = f.lexPos[:0], f.lexNeg[:0]
	f.question, f.exclaim, f.elongated = false, 0, false
	f.mentions, f.leadMention, f.urls, f.hashtags, f.upperWords, f.letters = 0, false, 0, 0, 0, 0
	f.implied, f.private, f.othersOnly, f.toHandle, f.brandTag, f.comment, f.nameLead, f.mediaOnly = false, false, false, false, false, false, false, false
	f.signed, f.hits, f.spamHits, f.guarded = false, 0, 0, 0
	f.script, f.cyrillic, f.hiragana, f.apart = [nScripts]int{}, [2]int{}, 0, false
	f.glossed = f.glossed[:0]
}

// writtenToks and writtenWords count the message's tokens and words as
// the customer wrote them, before any gloss: a goodbye glossed to three
// words is still two (foreignPrivate), a gloss that shortens a message
// with a link does not make it "a link and little else" (spam). A run of
// Han, kana or Thai, which write words together, counts a word for every
// two letters: "我的包裹还没到" is one token and about four words, and
// "@brand 订单一直没到，看这里 https://t.cn/abc" is not a link with two
// words (it read as spam).
func (f *features) writtenToks() int {
	if len(f.glossed) > 0 {
		return f.written.toks
	}
	return len(f.toks) + f.runWords() // not countWritten: spam, on every message, needs no words
}

func (f *features) writtenWords() int {
	if len(f.glossed) > 0 {
		return f.written.words
	}
	return f.words() + f.runWords()
}

// countWritten counts the tokens and words of the message f has read, a
// run of letters written together counting a word for every two.
func (f *features) countWritten() (toks, words int) {
	runs := f.runWords()
	return len(f.toks) + runs, f.words() + runs
}

// runWords is how many more words than tokens the runs of scripts that
// write words together hold, at a word for every two letters (marks
// aside: letterCount).
func (f *features) runWords() int {
	n := 0
	if f.script[scriptHan]+f.script[scriptKana]+f.script[scriptThai] > 0 {
		for i := range f.toks {
			if w := f.word(i); runTogether(w) {
				n += max(0, (letterCount(w)+1)/2-1) // a mark alone is no word
			}
		}
	}
	return n
}

// word returns token i's text (without any negation mark).
func (f *features) word(i int) []byte { t := f.toks[i]; return f.buf[t.start:t.end] }

const fnvOffset, fnvPrime = 2166136261, 16777619

// hashBytes is FNV-1a over a feature family byte and b.
func hashBytes(h uint32, b []byte) uint32 {
	for _, c := range b {
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

func hashString(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	return h
}

func family(c byte) uint32 { return (fnvOffset ^ uint32(c)) * fnvPrime }

// hash names a feature by family and string, as training and tests do.
func hash(fam byte, s string) uint32 { return hashString(family(fam), s) & (Dim - 1) }

// negators open a negation scope that runs to the next punctuation.
var negators = map[string]bool{"not": true, "no": true, "never": true, "cannot": true, "cant": true, "dont": true,
	"didnt": true, "doesnt": true, "isnt": true, "wasnt": true, "wont": true, "nothing": true, "nobody": true,
	"aint": true, "arent": true, "havent": true, "hasnt": true, "couldnt": true, "shouldnt": true, "wouldnt": true,
	"nor": true, "neither": true, "werent": true, "hadnt": true, "without": true, "n't": true}

// Normalize returns the message as the models read it: lower case, handles
// as @user, links as <url>, numbers as <num>, elongations shortened, emoji
// and emoticons as sentiment tokens, negated words marked not_.
func Normalize(text string) string {
	var f features
	f.tokenize(text, "", false)
	var out []byte
	for i, t := range f.toks {
		if i > 0 {
			out = append(out, ' ')
		}
		if t.neg {
			out = append(out, "not_"...)
		}
		out = append(out, f.word(i)...)
	}
	return string(out)
}

// read tokenizes a message as the models see it. A comment under a
// brand's own post (Facebook, Instagram, LinkedIn, a blog) tags no one,
// while the tweets the models learnt from address a brand by starting with
// its @handle; so a public message with a to_handle and no tag in its text
// is read as if it began with one, and f.implied tells the stack the tag
// is only implied: such a comment may be to the brand or to the other
// readers, and the stack learnt both kinds (train.go withComments).
// Without the tag, the held-out messages that start with the brand's
// handle, sent as comments without it, fell from 0.770 to 0.612 intent
// accuracy, most requests read as complaints or shares
// (TestCommentsUnderAPost, MODELS.md). Private messages are left alone:
// the labelled e-mails, chats and forms tag no one either, and the models
// learnt them so. A public message that tags people, none of them the
// to_handle, is users talking under the brand's post (f.othersOnly): it
// is read as written to no brand ("Comments that tag people").
func (f *features) read(in Input) {
	kind := kindOf(in.Channel)
	private := kind.private
	public := in.ToHandle != "" && !private
	handle := ""
	if public && namesSomeone(in.ToHandle) {
		handle = in.ToHandle // a page id cannot be compared with a tag
	}
	f.tokenize(in.Text, handle, public)
	// After tokenize, which resets every reading.
	f.private = private
	f.comment = in.ToHandle != "" && kind.comment
	f.nameLead = f.comment && f.implied && kind.namedTags && nameLead(in.Text, in.ToHandle)
	f.othersOnly = handle != "" && f.mentions > 0 && !f.implied && !f.brandTag
	f.toHandle = in.ToHandle != "" && !f.othersOnly
	f.mediaOnly = in.Attachments > 0 && strings.TrimSpace(in.Text) == ""
}

// tags reports whether text tags anyone, as tokenize reads it, and whether
// a tag names handle.
func tags(text, handle string) (someone, brand bool) {
	var f features
	f.tokenize(text, handle, false)
	return f.mentions > 0, f.brandTag
}

// namesSomeone reports whether handle has a letter and is no id: a page
// id, a phone number or a URN is no handle a tag could name.
func namesSomeone(handle string) bool {
	if strings.Contains(handle, ":") {
		return false // an id such as urn:li:organization:123
	}
	for i := 0; i < len(handle); i++ {
		if c := handle[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// inWord reports whether the @ at text[i] follows an ASCII letter, digit
// or underscore (jane@example.com), except X's old retweet prefix (RT@bob).
func inWord(text string, i int) bool {
	if !isHandleByte(text[i-1]) {
		return false // as twitter-text: “@united and ありがとう@acme are tags
	}
	return !(i >= 2 && (text[i-2]|0x20) == 'r' && (text[i-1]|0x20) == 't' && (i == 2 || !isHandleByte(text[i-3])))
}

// handleAt returns the handle that starts at text[i], with the dots an
// Instagram or blog handle may hold (kestrel.home).
func handleAt(text string, i int) string {
	j := i
	for j < len(text) && (isHandleByte(text[j]) || text[j] == '.' && j+1 < len(text) && isHandleByte(text[j+1])) {
		j++
	}
	return text[i:j]
}

// sameHandle reports whether tag names the account handle, loosely: a
// scorer or an admin may write the handle as a name ("British Airways" for
// @British_Airways), a brand's other accounts share its stem (@united and
// @UnitedHelp, @Apple and @AppleSupport, @PayPal and @AskPayPal), and a
// blog's or a page's handle holds the brand among other words
// (blog.kestrel.example, kestrel-home). Letters and digits are compared
// without case, with the whole handle and with each of its words, and
// names match when they are the same (@EE, @VW), share their first five,
// or when the shorter, of two or more, begins the longer (@hm_uk and hm,
// @O2 and O2UK). A friend whose
// handle happens to share the brand's stem reads as the brand: the reading
// every tagged message had before tags were compared.
func sameHandle(tag, handle string) bool {
	var a, b [64]byte
	x, y := alnum(a[:0], tag), alnum(b[:0], handle)
	if shareStem(x, y) || shareStem(unask(x), unask(y)) {
		return true
	}
	start := 0
	for i := 0; i <= len(handle); i++ {
		if i < len(handle) && isAlnum(handle[i]) {
			continue
		}
		if start > 0 || i < len(handle) { // a word of the handle, not all of it
			if w := alnum(b[:0], handle[start:i]); !handleFiller[string(w)] && shareStem(x, w) {
				return true
			}
		}
		start = i + 1
	}
	return false
}

// unask drops the "ask" of a service handle (AskPayPal, Ask_Spectrum).
func unask(b []byte) []byte {
	if len(b) > 5 && string(b[:3]) == "ask" {
		return b[3:]
	}
	return b
}

// handleFiller are the words of a handle that do not name the brand.
var handleFiller = map[string]bool{"": true, "www": true, "com": true, "net": true, "org": true, "co": true,
	"blog": true, "shop": true, "store": true, "help": true, "support": true, "the": true}

func shareStem(x, y []byte) bool {
	n := 0
	for n < len(x) && n < len(y) && x[n] == y[n] {
		n++
	}
	return n >= 5 || n == min(len(x), len(y)) && (n >= 2 || n > 0 && len(x) == len(y))
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// alnum appends s's ASCII letters, lower-cased, and digits to b.
func alnum(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case len(b) == cap(b):
			return b // longer names than any handle: compare their start
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return b
}

// tokenize splits text the way tweets need: handles and links become
// placeholders, elongations are shortened and flagged, emoticons and emoji
// become sentiment tokens, and words after a negation are marked until the
// next punctuation. tagged reads a text that tags no one as if it began
// with an @handle, unless it has no word of its own (a photo-only comment:
// an implied tag alone would read as a request, and hide it from spam);
// f.brandTag says whether a tag names handle (sameHandle). An @ inside a
// word is an e-mail address, not a tag (RT@bob aside), as on X.
func (f *features) tokenize(text, handle string, tagged bool) {
	f.reset()
	negating := false
	first := true
	if tagged {
		f.mentions, f.leadMention, f.implied, first = 1, true, true, false
		f.emit("@user", false)
	}
	for i := 0; i < len(text); {
		c := text[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case c == '@' || c == '#':
			j := i + 1
			for j < len(text) && isHandleByte(text[j]) {
				j++
			}
			if j == i+1 || c == '@' && i > 0 && inWord(text, i) {
				break
			}
			if c == '@' {
				if f.implied {
					// It tags someone after all: read it as written. Most
					// such texts start with the tag, so little is read twice.
					f.tokenize(text, handle, false)
					return
				}
				f.mentions++
				if first {
					f.leadMention = true
				}
				f.emit("@user", false)
				if handle != "" && !f.brandTag {
					f.brandTag = sameHandle(handleAt(text, i+1), handle)
				}
			} else {
				f.hashtags++
				f.emit("#", false)
				f.emitWord(text[i+1:j], negating)
			}
			first = false
			i = j
			continue
		case (c == 'h' || c == 'w') && linkAt(text[i:]):
			j := i
			for j < len(text) && text[j] > ' ' {
				j++
			}
			f.urls++
			f.emit("<url>", false)
			first = false
			i = j
			continue
		case c == '\\' && i+5 < len(text) && text[i+1] == 'u':
			// Some tweet dumps carry \u2019-style escapes: read them as the rune.
			if e, ok := unescape(text[i+2 : i+6]); ok {
				r, size = e, 6
				if isWordRune(r) {
					// Rare enough to take the slow path: spell the word out.
					break
				}
			}
		case c == '^' && i+2 < len(text) && text[i+1] >= 'A' && text[i+1] <= 'Z' && text[i+2] >= 'A' && text[i+2] <= 'Z' &&
			len(strings.TrimSpace(text[i+3:])) == 0:
			f.signed = true
		case c == '&' && hasPrefix(text[i:], "&amp;", "&lt;", "&gt;", "&quot;"):
			j := i + 1
			for text[j] != ';' {
				j++
			}
			i = j + 1
			continue
		}
		switch {
		case isWordRune(r):
			j := i
			upper, letters := 0, 0
			start := len(f.buf)
			var last rune
			run := 0
			for j < len(text) {
				c, n := rune(text[j]), 1
				if c >= utf8.RuneSelf {
					c, n = utf8.DecodeRuneInString(text[j:])
				} else if c == '\\' && j+5 < len(text) && text[j+1] == 'u' {
					if e, ok := unescape(text[j+2 : j+6]); ok && isWordRune(e) {
						c, n = e, 6
					}
				}
				if !isWordRune(c) {
					break
				}
				j += n
				if c == '\'' || c == '’' {
					continue // don't → dont
				}
				if unicode.IsLetter(c) {
					letters++
					f.countScript(c)
					if unicode.IsUpper(c) {
						upper++
					}
				} else if c >= 0x300 && (c <= 0x36f || c == 0x3099 || c == 0x309a) {
					// A combining accent, or a kana voicing mark typed
					// apart (か + ゙ for が, as some systems copy text).
					f.apart = true
				}
				c = unicode.ToLower(c)
				if c == last {
					if run++; run >= 2 {
						f.elongated = true // soooo → soo
						continue
					}
				} else {
					run = 0
				}
				last = c
				f.buf = utf8.AppendRune(f.buf, c)
			}
			f.letters += letters
			if letters >= 4 && upper == letters {
				f.upperWords++
			}
			first = false
			if len(f.buf) == start {
				i = j
				continue
			}
			w := f.buf[start:]
			if isDigits(w) {
				f.buf = append(f.buf[:start], "<num>"...)
				w = f.buf[start:]
			}
			info := wordIndex[string(w)]
			f.toks = append(f.toks, token{int32(start), int32(len(f.buf)), negating, info})
			f.buf = append(f.buf, ' ')
			if info.negator {
				negating = true
			}
			i = j
			continue
		case r == '?' || r == '？' || r == '؟' || r == '\u037e' || r == ';' && f.script[scriptGreek] > 0 && !isEmoticon(text[i:]):
			// and the fullwidth, Arabic and Greek marks: Greek writes its
			// question mark as a semicolon
			f.question = true
			negating = false
			f.emitOnce("?")
		case r == '!' || r == '！':
			f.exclaim++
			negating = false
			f.emitOnce("!")
		case clauseStop(r):
			if e, n := emoticon(text[i:]); n > 0 {
				f.emit(e, false)
				i += n
				continue
			}
			negating = false
		case r == ' ' || r == '\t':
		default:
			if e := emojiToken(r); e != "" {
				f.emit(e, false)
			} else if e, n := emoticon(text[i:]); n > 0 {
				f.emit(e, false)
				i += n
				continue
			}
		}
		i += size
	}
	if f.implied && len(f.toks) == 1 {
		f.tokenize(text, handle, false) // nothing but the implied tag
	}
}

// emit appends a placeholder token.
func (f *features) emit(s string, neg bool) {
	start := len(f.buf)
	f.buf = append(f.buf, s...)
	f.toks = append(f.toks, token{start: int32(start), end: int32(len(f.buf)), neg: neg})
	f.buf = append(f.buf, ' ')
}

// emitOnce appends s unless it repeats the previous token (!!! reads as !).
func (f *features) emitOnce(s string) {
	if n := len(f.toks); n > 0 && string(f.word(n-1)) == s {
		return
	}
	f.emit(s, false)
}

// emitWord appends a hashtag's word, lower-cased.
func (f *features) emitWord(w string, neg bool) {
	start := len(f.buf)
	for _, c := range w {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		f.buf = append(f.buf, byte(c))
	}
	f.toks = append(f.toks, token{int32(start), int32(len(f.buf)), neg, wordIndex[string(f.buf[start:])]})
	f.buf = append(f.buf, ' ')
}

func isHandleByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '\''
	}
	// Marks belong to their letter: accents written apart (Mn) and the
	// vowel signs of Devanagari and other Indic scripts (Mc: the ी of
	// नहीं), which would otherwise split a Hindi word in pieces.
	return r == '’' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc)
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// linkAt reports whether s starts with a link, which tokenize reads whole.
func linkAt(s string) bool { return hasPrefix(s, "http://", "https://", "www.") }

func hasPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}

func unescape(hex string) (rune, bool) {
	var r rune
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		switch {
		case c >= '0' && c <= '9':
			r = r*16 + rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r*16 + rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r*16 + rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// nameLead reports whether text starts as a Facebook or LinkedIn comment
// that tags a friend does: two capitalised words, neither a function
// word, a sentiment word nor the brand's name ("Karen Doyle did you get
// home ok?", not "Great Service" or "Kestrel Home"). It reads ASCII
// letters only, so "José García" and "Sarah O'Neill" are missed, and it
// can tell the brand's name only from a handle that spells it (not a
// page id or an organisation URN); "Black Friday deals?" passes.
func nameLead(text, handle string) bool {
	i := 0
	for k := range 2 {
		j := i
		if j >= len(text) || text[j] < 'A' || text[j] > 'Z' {
			return false
		}
		var low [24]byte
		n := 0
		for ; j < len(text) && (j == i || text[j] >= 'a' && text[j] <= 'z'); j++ {
			if n == len(low) {
				return false
			}
			low[n], n = text[j]|0x20, n+1
		}
		if n < 2 {
			return false
		}
		if info := wordIndex[string(low[:n])]; info.langs != 0 || info.lex != 0 || sameHandle(text[i:j], handle) {
			return false
		}
		if k == 0 {
			if j >= len(text) || text[j] != ' ' {
				return false
			}
			j++
		}
		i = j
	}
	return i == len(text) || !isHandleByte(text[i])
}

// clauseStop reports whether r ends a clause, and a negation's scope with
// it: English punctuation, and the stops of Hindi, Arabic, Greek, Chinese
// and Japanese.
func clauseStop(r rune) bool {
	switch r {
	case '.', ',', ';', ':', '\n', '(', ')', '"', '-',
		'।', '॥', '،', '؛', '·', '\u0387',
		'。', '，', '、', '；', '：', '．':
		return true
	}
	return false
}
