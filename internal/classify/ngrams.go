package classify

// hashFeatures turns the tokens into bucket indices: word unigrams (with
// their negation mark) and bigrams, character 3- and 4-grams of the
// normalised text, sentiment-lexicon hits and a few shape signals. Every
// model reads the same features, so one pass serves them all.
func (f *features) hashFeatures() {
	const mask = Dim - 1
	notH := hashString(family('w'), "not_")
	prev := hashString(family('b'), "<s>")
	for i, t := range f.toks {
		w := f.buf[t.start:t.end]
		h := family('w')
		if t.neg {
			h = notH
		}
		f.idx = append(f.idx, hashBytes(h, w)&mask)
		cur := hashBytes((prev^' ')*fnvPrime, w)
		f.idx = append(f.idx, cur&mask)
		prev = hashBytes(family('b'), w)
		if p := t.info.lex; p != 0 {
			if (p > 0) != t.neg {
				f.lexPos = append(f.lexPos, int32(i))
				f.idx = append(f.idx, hash('l', "+"))
			} else {
				f.lexNeg = append(f.lexNeg, int32(i))
				f.idx = append(f.idx, hash('l', "-"))
			}
		}
	}
	f.idx = append(f.idx, hashString((prev^' ')*fnvPrime, "</s>")&mask)
	sig := func(name string) { f.idx = append(f.idx, hash('s', name)) }
	if f.question {
		sig("question")
	}
	if f.exclaim > 1 {
		sig("exclaims")
	}
	if f.elongated {
		sig("elongated")
	}
	if f.upperWords > 0 {
		sig("shouting")
	}
	switch {
	case f.leadMention:
		sig("lead-mention")
	case f.mentions > 0:
		sig("mention")
	default:
		sig("no-mention")
	}
	if f.urls > 0 {
		sig("url")
	}
	// The lexicon's net score, clamped to ±3, as one feature per value:
	// the models learn how much two praising words outweigh one complaint.
	switch d := len(f.lexPos) - len(f.lexNeg); {
	case d >= 3:
		sig("lex+3")
	case d <= -3:
		sig("lex-3")
	case d > 0:
		sig(lexNet[d+3])
		sig("lex-pos-wins")
	case d < 0:
		sig(lexNet[d+3])
		sig("lex-neg-wins")
	case len(f.lexPos) > 0:
		sig("lex-mixed")
	}
	sig("bias")
	f.split = len(f.idx)
	// Character n-grams catch misspellings, morphology and hashtags made of
	// several words, which word features miss.
	s := f.buf
	for n := 3; n <= maxCharN; n++ {
		fam := family(byte('0' + n))
		for i := 0; i+n <= len(s); i++ {
			f.idx = append(f.idx, hashBytes(fam, s[i:i+n])&mask)
		}
	}
}

// maxCharN is the longest character n-gram: 5-grams cost a third more time
// and scored no better (MODELS.md).
const maxCharN = 4

var lexNet = [...]string{"lex-3", "lex-2", "lex-1", "lex0", "lex+1", "lex+2", "lex+3"}
