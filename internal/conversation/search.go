package conversation

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/db"
)

// Chinese, Japanese, Thai, Lao, Khmer and Burmese put no spaces between
// words, so the full-text tokenizers (FTS5's unicode61, PostgreSQL's
// parser) take a whole sentence, and a code glued to it, for one word:
// only its start could be found. The index reads such text as overlapping
// pairs of letters instead (SearchText), and a query is cut the same way
// (searchQuery), so a search finds any part of it on both databases.
//
// unspacedRanges are the letters and marks of those scripts, as inclusive
// ranges of code points; punctuation (、。・) stays a separator. The
// migration that backfilled the index (0019_search_unspaced) holds the same
// list as a character class (TestUnspacedClassMatchesTheMigrations).
var unspacedRanges = [][2]rune{
	{0x0E01, 0x0E3A}, {0x0E40, 0x0E4E}, // Thai
	{0x0E81, 0x0ECD}, {0x0EDC, 0x0EDF}, // Lao
	{0x1000, 0x103F}, {0x1050, 0x108F}, {0x109A, 0x109D}, // Myanmar
	{0x1780, 0x17D3}, {0x17D7, 0x17D7}, {0x17DC, 0x17DD}, // Khmer
	{0x3005, 0x3007}, {0x303B, 0x303B}, // 々 〆 〇 〻
	{0x3041, 0x3096}, {0x3099, 0x309A}, {0x309D, 0x309F}, // Hiragana
	{0x30A1, 0x30FA}, {0x30FC, 0x30FF}, {0x31F0, 0x31FF}, // Katakana
	{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}, // Han
	{0xFF66, 0xFF9F},   // halfwidth Katakana
	{0x20000, 0x3134F}, // Han, supplementary planes
}

// unspacedMarks are the combining marks among them (Thai vowels above
// and below a consonant, tone marks...). A mark only follows a letter:
// PostgreSQL's parser drops one that starts a word, so no word of the
// index starts with one.
var unspacedMarks = [][2]rune{
	{0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, // Thai
	{0x0EB1, 0x0EB1}, {0x0EB4, 0x0EBC}, {0x0EC8, 0x0ECD}, // Lao
	{0x102B, 0x103E}, {0x1056, 0x1059}, {0x105E, 0x1060}, {0x1062, 0x1064}, // Myanmar
	{0x1067, 0x106D}, {0x1071, 0x1074}, {0x1082, 0x108D}, {0x108F, 0x108F}, {0x109A, 0x109D},
	{0x17B4, 0x17D3}, {0x17DD, 0x17DD}, // Khmer
	{0x3099, 0x309A}, // combining (semi-)voiced sound marks
}

// unspaced reports whether r is a letter or mark of a script written
// without spaces.
func unspaced(r rune) bool { return inRanges(r, unspacedRanges) }

// unspacedMark reports whether r is one of their marks.
func unspacedMark(r rune) bool { return inRanges(r, unspacedMarks) }

func inRanges(r rune, ranges [][2]rune) bool {
	if r < 0x0E01 {
		return false // Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari...
	}
	for _, g := range ranges {
		if r < g[0] {
			return false
		}
		if r <= g[1] {
			return true
		}
	}
	return false
}

// unspacedClass and unspacedMarkClass are the ranges as bracket
// expressions, the same for SQLite's GLOB and PostgreSQL's regular
// expressions.
func unspacedClass() string     { return class(unspacedRanges) }
func unspacedMarkClass() string { return class(unspacedMarks) }

func class(ranges [][2]rune) string {
	var b strings.Builder
	b.WriteByte('[')
	for _, g := range ranges {
		b.WriteRune(g[0])
		if g[1] != g[0] {
			b.WriteByte('-')
			b.WriteRune(g[1])
		}
	}
	b.WriteByte(']')
	return b.String()
}

// SearchText is what the full-text index reads for a message instead of
// its text, or "" when it reads the text itself (no letter of a script
// written without spaces, as in most messages, which then cost nothing
// more). Each such letter becomes a word of itself and the next one when
// that is one too ("包裹还" → " 包裹 裹还 还 "), the last of a run a word
// alone, and a mark only the end of its letter's pair ("ไม่ได" → " ไม ม่
// ได ด "); everything else is kept as it is, so a code glued to such text
// ("号SN0048812") is a word of its own, and ASCII punctuation becomes a
// space. The migration search_unspaced computes the same in SQL for the
// messages stored before it.
func SearchText(text string) string {
	if strings.IndexFunc(text, unspaced) < 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(text) * 3)
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r < utf8.RuneSelf && !asciiAlnum(byte(r)):
			// PostgreSQL's parser reads "AB-12", "3.5" or "a@b.jp" as
			// words of their own, SQLite as two: a space makes them
			// the same two on both.
			b.WriteByte(' ')
		case unspaced(r):
			next, _ := utf8.DecodeRuneInString(text[i+n:])
			more := i+n < len(text) && unspaced(next)
			if !unspacedMark(r) {
				b.WriteByte(' ')
				b.WriteString(text[i : i+n])
				if more {
					b.WriteRune(next)
				}
			}
			if !more {
				b.WriteByte(' ')
			}
		default:
			b.WriteString(text[i : i+n]) // as stored, even a byte that is not UTF-8
		}
		i += n
	}
	return b.String()
}

func asciiAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// maxSearchRunes bounds one word of a query: a pasted paragraph of
// Chinese would otherwise be hundreds of pairs to match in a row.
const maxSearchRunes = 64

// searchQuery turns what a person typed into the dialect's full-text query:
// every word must match, the last one as a prefix (search as you type).
// Only letters, digits and their marks survive, so operators and quotes in
// the input are never query syntax. A word with letters of a script
// written without spaces is cut as SearchText cuts the index and matched
// as a phrase: its pairs in a row, wherever they are in the text.
func searchQuery(d db.Dialect, q string) string {
	var words []string
	for _, f := range strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	}) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) < 0 {
			continue // marks alone are no word (the index drops them)
		}
		if r := []rune(f); len(r) > maxSearchRunes {
			f = string(r[:maxSearchRunes])
		}
		words = append(words, strings.ToLower(f))
		if len(words) == 8 {
			break
		}
	}
	if len(words) == 0 {
		return ""
	}
	parts := make([]string, len(words))
	for i, w := range words {
		tokens, prefix := queryTokens(w, i == len(words)-1)
		if d == db.Postgres {
			parts[i] = strings.Join(tokens, " <-> ")
			if prefix {
				parts[i] += ":*"
			}
			continue
		}
		parts[i] = `"` + strings.Join(tokens, " ") + `"`
		if prefix {
			parts[i] += "*"
		}
	}
	if d == db.Postgres {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " ")
}

// queryTokens are the index's words one query word must match in a row,
// and whether the last is a prefix. A word without letters written
// without spaces is itself, a prefix when it is the last one typed. In
// one with them, each such letter not a mark is its pair with the next
// one, as in SearchText; the last of a run, when no pair ends with it, is
// a word alone, exact when something follows it in the word (the text has
// that word too) and a prefix of the pair it starts when the word ends
// with it. Anything between runs is a word.
func queryTokens(w string, last bool) ([]string, bool) {
	if strings.IndexFunc(w, unspaced) < 0 {
		return []string{w}, last
	}
	var tokens []string
	rs := []rune(w)
	prefix := false
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && unspaced(rs[j]) == unspaced(rs[i]) {
			j++
		}
		end := j == len(rs)
		if !unspaced(rs[i]) {
			tokens = append(tokens, string(rs[i:j]))
			prefix = end && last
			i = j
			continue
		}
		prefix = false
		for k := i; k < j; k++ {
			switch {
			case unspacedMark(rs[k]):
			case k+1 < j:
				tokens = append(tokens, string(rs[k:k+2]))
			case !end || k == i || unspacedMark(rs[k-1]):
				tokens = append(tokens, string(rs[k]))
				prefix = end
			}
		}
		i = j
	}
	return tokens, prefix
}
