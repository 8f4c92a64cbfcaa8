package classify

import "unicode"

// Scripts counted to name languages that function words cannot.
const (
	scriptLatin = iota
	scriptCyrillic
	scriptArabic
	scriptHan
	scriptKana
	scriptHangul
	scriptGreek
	scriptHebrew
	scriptThai
	scriptDevanagari
	nScripts
)

var scriptLang = [nScripts]string{"", "ru", "ar", "zh", "ja", "ko", "el", "he", "th", "hi"}

func (f *features) countScript(r rune) {
	switch {
	case r < 0x250:
		f.script[scriptLatin]++
	case unicode.Is(unicode.Cyrillic, r):
		f.script[scriptCyrillic]++
	case unicode.Is(unicode.Arabic, r):
		f.script[scriptArabic]++
	case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
		f.script[scriptKana]++
	case unicode.Is(unicode.Han, r):
		f.script[scriptHan]++
	case unicode.Is(unicode.Hangul, r):
		f.script[scriptHangul]++
	case unicode.Is(unicode.Greek, r):
		f.script[scriptGreek]++
	case unicode.Is(unicode.Hebrew, r):
		f.script[scriptHebrew]++
	case unicode.Is(unicode.Thai, r):
		f.script[scriptThai]++
	case unicode.Is(unicode.Devanagari, r):
		f.script[scriptDevanagari]++
	}
}

var latinLangs = [...]string{"en", "es", "fr", "de", "pt", "it", "nl"}

// stopwords are each Latin-script language's commonest function words.
var stopwords = [len(latinLangs)]string{
	"the and is are to of my you for it this that was with have not but on in your be at can we they just what will get how why been has its im dont know anyone any does me so all like from about would there their an or if i he she our out up new good " +
		// Words of customer messages that other Latin-script languages
		// rarely use, so a short "@brand thanks!" or "still waiting" is en.
		// Not "a", "no", "do", "problem", "service", "terrible", "bad" or
		// "want": other languages' own words.
		"did yes thanks thank thx please pls plz help hello hey hi still waiting when where who which than " +
		"then very really again now today need could should didnt cant wont ive youre thats here flight " +
		"customer order great awesome love hate worst amazing",
	"el la los las que de y en es un una por para con mi no se lo pero muy del al esta estoy como tengo hay porque ya le su",
	"le la les et est un une des du de pour pas que je vous mon ma avec sur ce qui dans tres mais il elle au sont cest jai",
	"der die das und ist nicht ich ein eine mit für auf den dem zu sie es wir bei von mein sehr auch noch aber wie habe",
	"o a os as que de e em um uma não para com meu minha por mas está muito do da você no na isso eu tem",
	"il la le che di e è un una non per con mio mia ma sono del della molto questo ho gli anche come",
	"de het een en is niet ik van voor met op dat zijn je mijn maar ook wel nog heb naar",
}

// stopIndex maps a function word to the set of languages (bits) using it.
var stopIndex = func() map[string]uint8 {
	m := map[string]uint8{}
	for lang, ws := range stopwords {
		start := -1
		for i := 0; i <= len(ws); i++ {
			if i == len(ws) || ws[i] == ' ' {
				if start >= 0 {
					m[ws[start:i]] |= 1 << lang
				}
				start = -1
			} else if start < 0 {
				start = i
			}
		}
	}
	return m
}()

// language guesses the language: by script for non-Latin writing, else by
// counting function words, and "und" when too few tell the languages
// apart. No multilingual training data ships with the project, so this is
// a heuristic, not a trained model (MODELS.md).
func (f *features) language() string {
	best, total := 0, 0
	for s, n := range f.script {
		total += n
		if n > f.script[best] {
			best = s
		}
	}
	if total == 0 {
		return "und"
	}
	if best != scriptLatin {
		if f.script[best]*2 >= total {
			return scriptLang[best]
		}
		return "und"
	}
	var counts [len(latinLangs)]int
	for i := range f.toks {
		bits := f.toks[i].info.langs
		for l := range latinLangs {
			if bits&(1<<l) != 0 {
				counts[l]++
			}
		}
	}
	first, second := 0, -1
	for l := 1; l < len(latinLangs); l++ {
		if counts[l] > counts[first] {
			first, second = l, first
		} else if second < 0 || counts[l] > counts[second] {
			second = l
		}
	}
	switch {
	case counts[first] == 0 || counts[first] == counts[second]:
		return "und"
	case counts[first] == 1 && counts[second] == 0 && len(f.toks) > 6:
		return "und" // one function word in a long message is weak evidence
	}
	return latinLangs[first]
}
