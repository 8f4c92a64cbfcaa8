package classify

import (
	"bufio"
	"bytes"
	"embed"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The models learnt English only. A message the language guess names as
// one of the languages with a glossary (gloss/LANG.tsv: the other
// Latin-script languages, Russian, Ukrainian, Greek, Arabic, Hindi,
// Korean, Chinese, Japanese, Thai and Hebrew) is read through a
// word-by-word English gloss: each word found in that language's glossary
// (gloss/LANG.tsv, hand-written bilingual word lists) is replaced by its
// English, the rest is kept, and the models read "c'est nul, mon colis
// n'est jamais arrivé" as "it is terrible , my parcel is never arrived".
// Word order matters little to models of words, word pairs and letters;
// the feelings, problems, asks and thanks are what they need to see.
// Without it a French complaint to the brand came out other, needing no
// reply (MODELS.md, "Messages in other languages"). Chinese, Japanese and
// Thai, which write words together, are first cut into the glossary's
// words (segmentRuns).

//go:embed gloss/*.tsv
var glossFS embed.FS

// glossary is one language's word list.
type glossary struct {
	words  map[string]string // by lower-case spelling, accents as written
	folded map[string]string // by lower-case spelling without accents, for customers who leave them out
	// phrases are fixed expressions of two to four words ("por favor",
	// "s'il vous plaît": s, il, vous, plaît), joined by one space.
	phrases map[string]string
	starts  map[string]uint8 // the first words of phrases, and the most words of one
	// vote is the glossary's place in glossLangs, the bit glossVotes
	// counts its words by; -1 for the languages whose words cannot be
	// found token by token (written together, or with words attached),
	// which are glossed without asking whether they read as English.
	vote int
	// reach is, for each letter that starts a word, the most letters of
	// a word it starts: a letter that starts none is passed over without
	// a look-up, and one that starts only short words is not tried long.
	reach map[rune]uint8
	glossSpec
}

// glossSpec is what a language needs beyond its word list.
type glossSpec struct {
	// kind is how its words are found: at spaces, with or without their
	// accents (plainGloss) or with their marks or none (tonedGloss:
	// Vietnamese đổi trả "return", dối trá "lie"; tôi đã "i have", tối đa
	// "maximum"); or cut out of runs of letters written together
	// (segmentGloss: zh, ja, th; segmentRuns).
	kind glossKind
	// spaceStops: the language writes a space where others end a clause
	// (Thai), and segmentRuns writes a comma there, so a negation stops.
	spaceStops bool
	// prefixes are the one-letter words the language attaches to the
	// next (hebrewPrefixes): a word not listed is also looked up without
	// one or two of them.
	prefixes string
	// respell rewrites the glossed text: once glossed, Greek words no
	// longer tell that ";" is Greek's question mark (greekQuestions).
	respell func(string) string
}

// glossSpecs are the languages not read as plainGloss alone.
var glossSpecs = map[string]glossSpec{
	"zh": {kind: segmentGloss}, "ja": {kind: segmentGloss}, "th": {kind: segmentGloss, spaceStops: true},
	"vi": {kind: tonedGloss}, "he": {prefixes: hebrewPrefixes}, "el": {respell: greekQuestions},
}

// glossSet is every language's glossary, and an index of their words.
type glossSet struct {
	byLang map[string]*glossary
	// langs maps every word of the glossaries that vote, as written and
	// without accents, to the languages (bits of glossLangs) that list it.
	langs map[string]uint32
}

// glossaries are read once, when the first classifier is built.
var glossaries = sync.OnceValue(readGlossaries)

// readGlossaries parses every glossary (gloss/LANG.tsv) and indexes the
// words of those in glossLangs, which vote on a message's language.
func readGlossaries() glossSet {
	set := glossSet{byLang: map[string]*glossary{}, langs: map[string]uint32{}}
	files, _ := fs.Glob(glossFS, "gloss/*.tsv") // the pattern is valid
	for _, file := range files {
		data, err := glossFS.ReadFile(file)
		if err != nil {
			panic(err) // embedded: cannot fail
		}
		lang := strings.TrimSuffix(strings.TrimPrefix(file, "gloss/"), ".tsv")
		g := parseGlossary(data, glossSpecs[lang])
		g.vote = slices.Index(glossLangs[:], lang)
		set.byLang[lang] = g
		if g.vote >= 0 {
			for _, m := range []map[string]string{g.words, g.folded} {
				for w := range m {
					set.langs[w] |= 1 << g.vote
				}
			}
		}
	}
	return set
}

// maxPhrase is the most words a glossary's expression has.
const maxPhrase = 4

// glossaryFor returns lang's glossary, or nil for English and for a
// language without one.
func glossaryFor(lang string) *glossary { return glossaries().byLang[lang] }

// How a glossary's words are found (parseGlossary).
type glossKind int

const (
	plainGloss   glossKind = iota // words at spaces, with or without their accents
	segmentGloss                  // words cut out of runs of letters (segmentRuns)
	tonedGloss                    // words at spaces, with their marks or without any
)

// parseGlossary reads "foreign<TAB>english" lines; an empty English drops
// the word. The first entry of a spelling wins. A glossary that segments
// keeps its words as written, and skips a word with a space (none is
// listed: TestGlossariesLoad).
func parseGlossary(data []byte, spec glossSpec) *glossary {
	segment := spec.kind == segmentGloss
	g := &glossary{words: map[string]string{}, folded: map[string]string{}, phrases: map[string]string{}, starts: map[string]uint8{},
		glossSpec: spec, reach: map[rune]uint8{}}
	toned := spec.kind == tonedGloss
	// Spellings with accents and without, in the file's order, so a clash
	// resolves the same way every time.
	var accented, tonedPhrases [][2]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		to = strings.TrimSpace(to)
		if segment {
			from = strings.TrimSpace(from)
			if _, dup := g.words[from]; !dup && from != "" && !strings.ContainsFunc(from, unicode.IsSpace) {
				g.words[from] = to
				n := min(letterCount(from), maxLetters)
				r, _ := utf8.DecodeRuneInString(from)
				g.reach[r] = max(g.reach[r], uint8(n))
			}
			continue
		}
		ws := splitWords(strings.ToLower(strings.TrimSpace(from)))
		if len(ws) == 0 || len(ws) > maxPhrase {
			continue
		}
		if len(ws) > 1 {
			key := strings.Join(ws, " ")
			if plain := unaccent(key); !toned {
				key = plain
			} else if plain != key {
				tonedPhrases = append(tonedPhrases, [2]string{key, plain})
			}
			if _, dup := g.phrases[key]; !dup {
				g.phrases[key] = to
			}
			first := unaccent(ws[0])
			g.starts[first] = max(g.starts[first], uint8(len(ws)))
			if toned {
				g.starts[ws[0]] = max(g.starts[ws[0]], uint8(len(ws)))
			}
			continue
		}
		if _, dup := g.words[ws[0]]; dup {
			continue
		}
		g.words[ws[0]] = to
		if k := unaccent(ws[0]); k != ws[0] {
			accented = append(accented, [2]string{ws[0], k})
		}
	}
	// An accented word is also found without its accents, unless a word
	// is written so itself: "si" (if) is not shadowed by "sí" (yes).
	for _, p := range accented {
		if _, taken := g.words[p[1]]; taken {
			continue
		}
		if _, taken := g.folded[p[1]]; !taken {
			g.folded[p[1]] = g.words[p[0]]
		}
	}
	// A toned expression typed without its marks is found by its plain
	// spelling, unless an expression is written so itself.
	for _, p := range tonedPhrases {
		if _, taken := g.phrases[p[1]]; !taken {
			g.phrases[p[1]] = g.phrases[p[0]]
		}
	}
	return g
}

// key appends w as the glossary's expressions are keyed: in lower case,
// and without accents unless the glossary is toned.
func (g *glossary) key(dst []byte, w string) []byte {
	if g.kind == tonedGloss {
		return appendLower(dst, w)
	}
	return appendKey(dst, w)
}

// splitWords splits s into its words, as gloss reads a message: at
// spaces, apostrophes, hyphens and anything else that is not a letter, a
// digit ("salu2") or a mark: an accent written apart, a vowel sign.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !glossLetter(r) })
}

// countWords counts the words of s as splitWords splits them, without
// allocating.
func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		letter := glossLetter(r)
		if letter && !in {
			n++
		}
		in = letter
	}
	return n
}

// glossLetter reports whether r belongs to a word as gloss reads it.
func glossLetter(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || isMark(r)
}

// wordSpan is one word of a message, as gloss reads it.
type wordSpan struct{ start, end int }

// glossed is one word or expression a gloss replaced, as written and
// its English in lower case, for the explanation.
type glossed struct{ from, to string }

// gloss returns text with every word of the glossary replaced by its
// English, and the replacements made. Handles, hashtags and links stay as
// written.
func (g *glossary) gloss(text string, made []glossed) (string, []glossed) {
	if g.kind == segmentGloss {
		return g.segmentRuns(text, made)
	}
	words := make([]wordSpan, 0, 32)
	for i := 0; i < len(text); {
		if r, n := utf8.DecodeRuneInString(text[i:]); unicode.IsSpace(r) {
			i += n
			continue
		}
		j := i // the field runs to the next space
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		field := text[i:j]
		if strings.ContainsRune(field, '@') || field[0] == '#' || linkAt(field) {
			i = j // a handle, an address, a hashtag or a link, as written
			continue
		}
		for k := i; k < j; {
			r, n := utf8.DecodeRuneInString(text[k:])
			if !glossLetter(r) || isMark(r) { // a word starts with a letter or a digit
				k += n
				continue
			}
			e := k + n
			for e < j {
				r2, n2 := utf8.DecodeRuneInString(text[e:])
				if !glossLetter(r2) {
					break
				}
				e += n2
			}
			words = append(words, wordSpan{k, e})
			k = e
		}
		i = j
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/2)
	var buf [64]byte // the look-up keys, built without allocating
	last := 0
	for i := 0; i < len(words); {
		k, to, ok := 1, "", false
		// The longest expression first, down to two words, when one
		// starts with this word.
		first := g.key(buf[:0], text[words[i].start:words[i].end])
		for k = min(int(g.starts[string(first)]), len(words)-i); k >= 2; k-- {
			if !joined(text, words[i:i+k]) {
				continue
			}
			key := first
			for _, w := range words[i+1 : i+k] {
				key = g.key(append(key, ' '), text[w.start:w.end])
			}
			if to, ok = g.phrases[string(key)]; ok {
				break
			}
		}
		if !ok {
			k = 1
			to, ok = g.lookup(text[words[i].start:words[i].end], buf[:0])
		}
		if !ok {
			i++
			continue
		}
		start, end := words[i].start, words[i+k-1].end
		gap := text[last:start]
		if strings.Trim(gap, "'’-") == "" && gap != "" {
			gap = " " // "n'est" → "n est": the pieces are words of their own
		}
		b.WriteString(gap)
		made = append(made, glossed{text[start:end], to})
		if shouted(text, start, end) {
			to = strings.ToUpper(to) // "NUL" shouts as "TERRIBLE" does
		}
		b.WriteString(to)
		last = end
		if r, n := utf8.DecodeRuneInString(text[end:]); r == '\'' || r == '’' || r == '-' {
			// The elided piece's apostrophe: a space, or nothing for a
			// piece dropped ("n'est" → "is").
			if to != "" {
				b.WriteByte(' ')
			}
			last = end + n
		}
		i += k
	}
	if len(made) == 0 {
		return text, made
	}
	b.WriteString(text[last:])
	return b.String(), made
}

// lookup returns the English of one word as written, looked up in lower
// case with its accents, then without them; buf is scratch space.
func (g *glossary) lookup(w string, buf []byte) (string, bool) {
	lower := appendLower(buf, w)
	if to, ok := g.words[string(lower)]; ok {
		return to, true
	}
	if isASCII(lower) {
		to, ok := g.folded[string(lower)]
		return to, ok
	}
	if g.kind == tonedGloss {
		return "", false // typed with marks, and not so listed: another word
	}
	folded := appendUnaccented(lower[len(lower):], lower)
	if to, ok := g.words[string(folded)]; ok {
		return to, true
	}
	if to, ok := g.folded[string(folded)]; ok || g.prefixes == "" {
		return to, ok
	}
	// Without its one or two attached words (Hebrew והזמנה, בהזמנה:
	// "and the order", "in the order"), the word of three letters or more
	// that is listed: shorter, too many words would be found in others
	// (שלח, "sent", is not ש + לח, "moist").
	rest := folded
	for range 2 {
		r, n := utf8.DecodeRune(rest)
		if !strings.ContainsRune(g.prefixes, r) || utf8.RuneCount(rest[n:]) < 3 {
			break
		}
		rest = rest[n:]
		if to, ok := g.words[string(rest)]; ok { // no allocation: a map look-up
			return to, true
		}
	}
	return "", false
}

// hebrewPrefixes are the one-letter words Hebrew writes onto the next:
// and, in, to, the, that, as. Not מ (from), which also starts the
// present tense of most verbs: מסביר (explains) is not מ + סביר
// (reasonable).
const hebrewPrefixes = "ובלהשכ"

// maxLetters is the most letters (marks aside) segmentRuns tries a word
// of.
const maxLetters = 20

// segmentRuns glosses a message in a language that writes words
// together: each run of its letters ("我的包裹还没到") is cut into the
// glossary's words by longest match, left to right, and each is replaced
// by its English ("my parcel still not arrived"); letters no word starts
// with stay as written, together. A word ends only where another may
// start (boundary), so a Japanese katakana run, a loanword (アプリ,
// ログイン), is read whole or not at all. The pieces are set apart by
// spaces, as the models read English. Links and tags stay as written;
// words in other scripts too (SN2024, app), but for the lower-case slang
// the glossary lists (yyds, w).
func (g *glossary) segmentRuns(text string, made []glossed) (string, []glossed) {
	written := text
	if g.spaceStops {
		text = thaiSpaceStops(text)
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/2)
	var ends [maxLetters]int // byte ends of the words that may start here
	var buf [64]byte
	last, unknown := 0, -1 // text[last:] is not yet written; letters no word starts with began at unknown
	piece := func(start, end int, to string) {
		b.WriteString(text[last:start])
		if b.Len() > 0 && !unicode.IsSpace(lastRune(b.String())) {
			b.WriteByte(' ')
		}
		b.WriteString(to)
		if r, _ := utf8.DecodeRuneInString(text[end:]); end < len(text) && !unicode.IsSpace(r) && !writtenTogether(r) {
			b.WriteByte(' ') // before "SN2024" or "。"; the next piece writes its own
		}
		last = end
	}
	flush := func(k int) {
		if unknown >= 0 {
			piece(unknown, k, text[unknown:k])
			unknown = -1
		}
	}
	for k := 0; k < len(text); {
		r, n := utf8.DecodeRuneInString(text[k:])
		if !writtenTogether(r) {
			flush(k)
			k = g.other(text, k, &made, buf[:0], piece)
			continue
		}
		if !boundary(text, k) {
			// Inside a letter cluster, where no word starts: Thai เติม
			// (top up) holds ติ (criticise).
			if unknown < 0 {
				unknown = k
			}
			k += n
			continue
		}
		m, letters, reach := 0, 0, int(g.reach[r])
		for e := k; e < len(text) && m < len(ends) && reach > 0; {
			r2, n2 := utf8.DecodeRuneInString(text[e:])
			mark := isMark(r2)
			if !writtenTogether(r2) || !mark && letters == reach {
				break // the marks on the last letter belong to it
			}
			if !mark {
				letters++
			}
			if e += n2; boundary(text, e) {
				ends[m] = e
				m++
			}
		}
		end, to, ok := k, "", false
		for ; m > 0 && !ok; m-- {
			end = ends[m-1]
			to, ok = g.words[text[k:end]]
		}
		if !ok {
			if unknown < 0 {
				unknown = k
			}
			k += n
			continue
		}
		flush(k)
		made = append(made, glossed{text[k:end], to})
		piece(k, end, to)
		k = end
	}
	flush(len(text))
	if len(made) == 0 {
		return written, made
	}
	b.WriteString(text[last:])
	return b.String(), made
}

// other passes over what segmentRuns does not cut, from text[k:], and
// returns where it ends: a link to the next space, a tag or hashtag (as
// the tokenizer reads them: ASCII), a word in another script, glossed
// when the glossary lists it as written in lower case (zh yyds, ja w:
// "XS" is a size, not "xs", lol), or one character.
func (g *glossary) other(text string, k int, made *[]glossed, buf []byte, piece func(start, end int, to string)) int {
	r, n := utf8.DecodeRuneInString(text[k:])
	switch {
	case r == '@' || r == '#' || r == '＠' || r == '＃':
		k += n
		for k < len(text) && isHandleByte(text[k]) {
			k++
		}
		return k
	case !unicode.IsLetter(r) && !unicode.IsDigit(r):
		return k + n
	case linkAt(text[k:]):
		for k < len(text) && text[k] > ' ' {
			k++
		}
		return k
	}
	e := k
	for e < len(text) {
		r2, n2 := utf8.DecodeRuneInString(text[e:])
		if writtenTogether(r2) || !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
			break
		}
		e += n2
	}
	w := text[k:e]
	if len(w) <= cap(buf) {
		if lower := appendLower(buf, w); string(lower) == w {
			if to, ok := g.words[w]; ok {
				*made = append(*made, glossed{w, to})
				piece(k, e, to)
			}
		}
	}
	return e
}

// thaiSpaceStops writes a comma for the spaces between two Thai letters:
// "ส่งของยังไม่ถึงเลยค่ะ ขอบคุณค่ะ" is two clauses ("the parcel has not
// arrived" and "thank you"), and read without the stop the thanks was
// negated.
func thaiSpaceStops(text string) string {
	var b []byte
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) && i > 0 && unicode.Is(unicode.Thai, lastRune(text[:i])) {
			j := i + n
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if !unicode.IsSpace(r2) {
					break
				}
				j += n2
			}
			if next, _ := utf8.DecodeRuneInString(text[j:]); unicode.Is(unicode.Thai, next) {
				if b == nil {
					b = append(make([]byte, 0, len(text)+8), text[:i]...)
				}
				b = append(b, ", "...)
				i = j
				continue
			}
		}
		if b != nil {
			b = append(b, text[i:i+n]...)
		}
		i += n
	}
	if b == nil {
		return text
	}
	return string(b)
}

// boundary reports whether a word may start at text[i:], or end before
// it, in a script written together: not at a Thai vowel sign or tone mark
// (ั ่ ์), a Thai vowel that follows its consonant (ะ า ำ), or after one
// that precedes it (เ แ โ ใ ไ); not at a small kana or the long-vowel
// mark, which belong to the letter before (ゃ of きゃ, ー of すごーい),
// but for っ, which also starts the particle って; and not inside a
// katakana word.
func boundary(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	switch {
	case r >= 0x0e30 && r <= 0x0e4e && (r <= 0x0e3a || r >= 0x0e45): // Thai ะ ั า ำ … ฺ, ๅ ๆ(no) ็ … ๎
		if r != 0x0e46 {
			return false
		}
	case r >= 0x3041 && r <= 0x30fc && strings.ContainsRune("ぁぃぅぇぉゃゅょゎァィゥェォャュョヮー", r):
		return false
	case i == 0:
		return true
	}
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	return (prev < 'เ' || prev > 'ไ') && !(katakana(prev) && katakana(r))
}

// isMark reports whether r is a mark written on the letter before it (Mn,
// Mc): an accent, a vowel sign, a tone mark.
func isMark(r rune) bool {
	switch {
	case r < 0x0300:
		return false
	case r >= 0x0e00 && r <= 0x0e7f: // Thai, the common case here
		return r == 0x0e31 || r >= 0x0e34 && r <= 0x0e3a || r >= 0x0e47 && r <= 0x0e4e
	}
	return unicode.In(r, unicode.Mn, unicode.Mc)
}

// letterCount counts the letters of w, without the marks (vowel signs,
// tone marks) written on them: ที่ is one letter.
func letterCount[T string | []byte](w T) int {
	n := 0
	for i := 0; i < len(w); {
		if w[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		// At most four bytes converted: no copy escapes.
		r, size := utf8.DecodeRuneInString(string(w[i:min(i+utf8.UTFMax, len(w))]))
		if !isMark(r) {
			n++
		}
		i += size
	}
	return n
}

// writtenTogether reports whether r is a letter of a script written
// without spaces between words: Han, kana (with the long-vowel mark ー)
// and Thai, its vowel signs included.
func writtenTogether(r rune) bool {
	switch {
	case r < 0x0e01:
		return false
	case r <= 0x0e5b: // Thai, but for ฿
		return r <= 0x0e3a || r >= 0x0e40
	case r < 0x2e80:
		return false
	case r >= 0x4e00 && r <= 0x9fff || r >= 0x3041 && r <= 0x3096: // the common Han, hiragana
		return true
	}
	return katakana(r) || unicode.In(r, unicode.Han, unicode.Hiragana)
}

// katakana reports whether r writes a Japanese loanword: katakana and
// the long-vowel mark.
func katakana(r rune) bool {
	return r >= 0x30a1 && r <= 0x30fc && r != 0x30fb || r > 0x30fc && unicode.Is(unicode.Katakana, r)
}

// lastRune returns the last rune of s.
func lastRune(s string) rune { r, _ := utf8.DecodeLastRuneInString(s); return r }

// appendKey appends w in lower case without accents: how expressions and
// their first words are keyed.
func appendKey(dst []byte, w string) []byte {
	n := len(dst)
	dst = appendLower(dst, w)
	if isASCII(dst[n:]) {
		return dst
	}
	// In place: a letter without its accent is never longer.
	return append(dst[:n], appendUnaccented(dst[n:n], dst[n:])...)
}

// appendLower appends w in lower case.
func appendLower(dst []byte, w string) []byte {
	for i := 0; i < len(w); {
		if c := w[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(w[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

// shouted reports whether the word at text[start:end] is written in
// capitals: two or more, or one elided before a word in capitals (C'EST).
func shouted(text string, start, end int) bool {
	if r, _ := utf8.DecodeRuneInString(text[start:]); !unicode.IsUpper(r) {
		return false // the common case, without allocating
	}
	w := text[start:end]
	if strings.ToUpper(w) != w {
		return false
	}
	if utf8.RuneCountInString(w) > 1 {
		return true
	}
	rest := strings.TrimLeft(text[end:], "'’")
	if len(rest) == len(text[end:]) || len(rest) < 2 {
		return false
	}
	// The next word only: splitting the whole rest of the message, for
	// every elided capital, grew with the square of its length.
	notLetter := func(r rune) bool { return !unicode.IsLetter(r) }
	rest = strings.TrimLeftFunc(rest, notLetter)
	next := rest
	if n := strings.IndexFunc(rest, notLetter); n >= 0 {
		next = rest[:n]
	}
	return len(next) > 1 && strings.ToUpper(next) == next
}

// joined reports whether consecutive words are one expression: nothing
// but spaces, apostrophes and hyphens between them.
func joined(text string, ws []wordSpan) bool {
	for j := 1; j < len(ws); j++ {
		if strings.Trim(text[ws[j-1].end:ws[j].start], " '’-") != "" {
			return false
		}
	}
	return true
}

// isASCII reports whether s has only ASCII bytes.
func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// unaccent removes the accents of the letters the glossed languages use
// (plainLetters).
func unaccent(s string) string {
	if isASCII(s) {
		return s
	}
	b := []byte(s)
	return string(appendUnaccented(b[:0], b)) // folds in place: no letter folds longer
}

// greekQuestions writes Greek's question mark, ";", as "?", but for the
// ";" that starts an emoticon (";)").
func greekQuestions(s string) string {
	if !strings.Contains(s, ";") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == ';' && !isEmoticon(s[i:]) {
			b[i] = '?'
		}
	}
	return string(b)
}

// nukta is the dot under a Devanagari letter (ज़), often left out.
const nukta = '\u093c'

// appendUnaccented appends s without accents; dst may be s[:0], as no
// letter grows: œ and æ (two bytes) become oe and ae, ß ss.
func appendUnaccented(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		i += n
		if plain, ok := plainLetters[r]; ok {
			dst = append(dst, plain...)
		} else if !unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Devanagari, r) && r != nukta {
			// An accent written as a mark of its own (NFD) goes, and
			// Arabic's short vowels; Devanagari's marks are vowels and
			// nasals that make the word (नहीं, में), all but the nukta (ज़ as ज).
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// plainLetters spells the accented letters of the glossed languages
// without their accents, as customers type them: Russian ё as е, Greek
// without its tonos and σ for ς, Arabic alef without its hamza or madda,
// ة as ه, ى as ي, and without the tatweel that stretches a word.
var plainLetters = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'œ': "oe", 'æ': "ae", 'ё': "е", 'ς': "σ", 'ة': "ه", 'ى': "ي", 'ـ': ""}
	for _, group := range []string{"aàáâãäåąăạảấầẩẫậắằẳẵặ", "cçć", "dđ", "eèéêëęẹẻẽếềểễệ", "gğ", "iìíîïıĩỉị", "lł", "nñń",
		"oòóôõöơọỏốồổỗộớờởỡợ", "sşś", "uùúûüũưụủứừửữự", "yÿýỳỵỷỹ", "zźż",
		"αά", "εέ", "ηή", "ιίϊΐ", "οό", "υύϋΰ", "ωώ", "اأإآ"} {
		plain, size := utf8.DecodeRuneInString(group)
		for _, r := range group[size:] {
			m[r] = string(plain)
		}
	}
	return m
}()

// newerLatin are the bits of tr, pl, id and vi in glossLangs: the
// Latin-script glossaries written after those of es, fr, de, pt, it and
// nl.
const newerLatin = 1<<langTR | 1<<langPL | 1<<langID | 1<<langVI

// glossVotes counts, once per distinct word, the words each language's
// glossary has (indexed as glossLangs), and the words of English: its
// function words, the words of the English word list (english) that no
// glossary has, and its short words that only the newer glossaries list
// (newerLatin: tr, pl, id, vi).
func (f *features) glossVotes(english wordSet) (hits [len(glossLangs)]int, known int) {
	index := glossaries().langs
	var buf [64]byte
	// The first voteToks tokens tell the language; looking further, the
	// check for a repeated word grows with the square of the message (a
	// 500 kB French line took 6 s).
	for i := range min(len(f.toks), voteToks) {
		w := f.word(i)
		if len(w) < 2 || w[0] == '<' || w[0] == '@' || f.seen(i) {
			continue
		}
		if f.toks[i].info.langs&(1<<langEN) != 0 {
			known++
			continue
		}
		langs, ok := index[string(w)]
		if !ok && !isASCII(w) {
			langs = index[string(appendUnaccented(buf[:0], w))]
		}
		if langs != 0 && langs&^newerLatin == 0 && len(w) <= 3 {
			// A short word only the newer glossaries list that English
			// uses too (pl "go", "ten"; tr "her", "son") is English: "no
			// go" is not Polish. Not for the six older glossaries: counted
			// so, their short words named 6 of the 300 messages of
			// foreign_dev.tsv und (de "aus", it "che", nl "dan"). Longer
			// ones (vi "them", "long", "shop", typed without marks) still
			// vote: counted as English, "Phí ship cao quá" stayed und.
			if _, ok := english[string(w)]; ok {
				known++
				continue
			}
		}
		if langs == 0 {
			if _, ok := english[string(w)]; ok {
				known++
			}
			continue
		}
		for l := range glossLangs {
			hits[l] += int(langs >> l & 1)
		}
	}
	return hits, known
}

// voteToks is how many tokens glossVotes reads.
const voteToks = 256

// seen reports whether token i repeats an earlier one.
func (f *features) seen(i int) bool {
	for j := range i {
		if bytes.Equal(f.word(j), f.word(i)) {
			return true
		}
	}
	return false
}

// glossLanguage names the language of a message the language guess left
// undecided ("und"; most are in Latin letters), when its words are in one
// glossary and not in English: "meu pedido tá parado no tracking há 12
// dias, alguém vai me responder?" has too few function words for the
// guess, but most of its words are Portuguese. Two such words at least,
// more than any other glossary finds and twice the words of English
// ("El Paso flight" stays und).
func glossLanguage(hits [len(glossLangs)]int, known int, marked func() bool) string {
	// Vietnamese typed without its marks only by four words or more: its
	// syllables (na, ti, gia) are found in any language, and "na
	// kleisoume edw gia Pasxa? ti les", Greek in Latin letters, was named
	// vi. With its marks (marked: vietnameseLetters, asked only then), as
	// any other ("Phí ship cao quá").
	if hits[langVI] > 0 && hits[langVI] < 4 && !marked() {
		hits[langVI] = 0
	}
	best, second := 0, 0
	for l := range hits {
		if hits[l] > hits[best] {
			best, second = l, hits[best]
		} else if l != best && hits[l] > second {
			second = hits[l]
		}
	}
	if hits[best] < 2 || hits[best] == second || hits[best] <= 2*known {
		return "und"
	}
	return glossLangs[best]
}
