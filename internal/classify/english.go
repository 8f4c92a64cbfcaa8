package classify

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// englishName is the model file of English words that language reads.
const englishName = "english"

// englishMinTexts is how many training texts must use a word for it to
// count as English: fewer lets in the names, typos and the odd Spanish or
// Italian sentence of the English data sets.
const englishMinTexts = 5

// englishWords lists, one per line after a comment, the words that
// englishMinTexts or more of the English training texts use, as tokenize
// spells them: lower-case Latin letters only, no function word of any
// language (those count apart). The airline tweets are left out, so that
// they stay an unseen check of the language guess (MODELS.md).
func englishWords(sets ...[]Text) []byte {
	uses := map[string]int{}
	var f features
	seen := map[string]bool{}
	n := 0
	for _, texts := range sets {
		for _, t := range texts {
			n++
			f.tokenize(t.Text, "", false)
			clear(seen)
			for i := range f.toks {
				w := f.word(i)
				if len(w) < 2 || f.toks[i].info.langs != 0 || !lettersOnly(w) || seen[string(w)] {
					continue
				}
				seen[string(w)] = true
				uses[string(w)]++
			}
		}
	}
	var words []string
	for w, k := range uses {
		if k >= englishMinTexts {
			words = append(words, w)
		}
	}
	slices.Sort(words)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# English words: used by %d or more of %d training texts (hark train)\n", englishMinTexts, n)
	for _, w := range words {
		b.WriteString(w)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func lettersOnly(w []byte) bool {
	for _, c := range w {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// englishOf parses a word list file; a model set without one (from
// before it) reads languages by function words alone.
func englishOf(file []byte) wordSet {
	if file == nil {
		return nil
	}
	return parseWords(string(file))
}

func parseWords(s string) wordSet {
	set := wordSet{}
	for line := range strings.Lines(s) {
		if w := strings.TrimSpace(line); w != "" && w[0] != '#' {
			set[w] = struct{}{}
		}
	}
	return set
}
