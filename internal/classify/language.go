package classify

import (
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"
)

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
	case r < 0x250 || r >= 0x1e00 && r <= 0x1eff: // and Vietnamese's toned vowels
		f.script[scriptLatin]++
	case unicode.Is(unicode.Cyrillic, r):
		f.script[scriptCyrillic]++
		switch unicode.ToLower(r) {
		case 'ы', 'э', 'ъ', 'ё':
			f.cyrillic[0]++
		case 'і', 'ї', 'є', 'ґ':
			f.cyrillic[1]++
		}
	case unicode.Is(unicode.Arabic, r):
		f.script[scriptArabic]++
	case unicode.Is(unicode.Hiragana, r):
		f.script[scriptKana]++
		f.hiragana++
	case unicode.Is(unicode.Katakana, r):
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

// Places in latinLangs and glossLangs.
const (
	langEN = iota
	langES
	langFR
	langDE
	langPT
	langIT
	langNL
	langTR
	langPL
	langID
	langVI
	nLatin
	langRU = nLatin // Russian and Ukrainian follow the Latin-script languages in glossLangs
	langUK = nLatin + 1
)

var latinLangs = [nLatin]string{langEN: "en", langES: "es", langFR: "fr", langDE: "de", langPT: "pt", langIT: "it",
	langNL: "nl", langTR: "tr", langPL: "pl", langID: "id", langVI: "vi"}

// glossLangs are the languages whose glossaries (gloss.go) vote on a
// message's language (glossVotes): the Latin-script ones, then Russian,
// Ukrainian, Greek, Arabic, Hindi and Korean. Chinese, Japanese, Thai and
// Hebrew have glossaries too, read without a vote.
var glossLangs = func() (langs [len(latinLangs) + len(glossedScripts)]string) {
	copy(langs[copy(langs[:], latinLangs[:]):], glossedScripts[:])
	return langs
}()

// glossedScripts are the languages of other scripts whose glossaries
// vote, in their places after latinLangs (langRU, langUK first).
var glossedScripts = [...]string{"ru", "uk", "el", "ar", "hi", "ko"}

// stopwords are each Latin-script language's commonest function words,
// greetings, thanks and short words of customer messages. A word several
// languages share is listed under each (in, an, of, me, la, que, a, mal)
// and counts less for each (language).
var stopwords = [len(latinLangs)]string{
	"the a as and is are to of my you for it this that was with have not but on in your be at can we they just what will get how why " +
		"been has its im dont know anyone any does me so all like from about would there their an or if i he she our out up new good " +
		// Words of customer messages that other Latin-script languages
		// rarely use, so a short "@brand thanks!" or "still waiting" is en.
		// Not "no", "do", "problem", "service", "terrible", "bad" or
		// "want": other languages' own words, as "a" and "as" are too.
		"did yes thanks thank thx please pls plz help hello hey hi still waiting when where who which than " +
		"then very really again now today need could should didnt cant wont ive youre thats here flight " +
		"customer order great awesome love hate worst amazing",
	"el la los las que de y en es un una por para con mi me no se lo pero muy del al esta estoy como tengo hay porque ya le su a " +
		"hola gracias nunca cuando donde dónde qué cómo también tiene tienen puedo pueden hace ni sus este esto eso nos " +
		"buenas buenos días dias quiero necesito todo nada vez veces otra otro hoy ayer mañana algo alguien alguna están estan " +
		"fue ser hacer cuanto cuánto porfa sigue sigo llevo bien mal",
	"le la les et est un une des du de en pour pas que je me vous mon ma avec sur ce qui dans tres mais il elle au sont cest jai a " +
		"bonjour bonsoir merci nous votre vos depuis toujours rien aucun chez été cette ces leur où très aux " +
		"sous devant avant après apres aussi encore jamais déjà deja moins peut pouvez faire fait être etre avoir suis était " +
		"ça quel quelle quelquun trop bien nul franchement mal",
	"der die das und ist nicht ich ein eine mit für auf den dem zu sie es wir bei von mein sehr auch noch aber wie habe in an " +
		"hallo danke bitte kein keine nie wieder seit schon warum wann wird werden haben sind ihr euch uns unser meine mir mich dich dir " +
		"jetzt echt heute gestern morgen mehr immer nur kann können muss soll möchte gibt geht leider hier oder dass weil wenn doch " +
		"einfach vielen als mal",
	"o a os as que de e em um uma não para com meu minha me por mas está muito do da você no na isso eu tem " +
		"obrigado obrigada olá ola voce vocês nao estou pelo pela já também tambem quando onde ainda " +
		"estão estao são sao foi ser fazer tudo nada vez hoje ontem amanhã agora sempre nunca preciso quero aqui até ate depois " +
		"antes pra pq vc vcs algo mal",
	"il la le che di e è un una in non per con mio mia mi ma sono del della molto questo ho gli anche come a " +
		"grazie ciao buongiorno salve perché perche quando ancora niente nessun dello alla questa " +
		"siete stato stata fatto sempre mai oggi ieri domani qualcuno qualche nulla troppo tutto tutti voglio vorrei posso " +
		"potete avete abbiamo dopo senza sotto",
	"de het een en is niet ik van voor met op dat zijn je mijn maar ook wel nog heb naar in of " +
		"bedankt hallo hoi goedemorgen geen nooit waarom wanneer kan kunnen jullie " +
		"heel echt al niks niets hebben heeft wordt worden moet wil waar omdat als dit deze die graag gisteren vandaag morgen " +
		"sinds weer alleen",
	// Turkish and Polish: words no other language here uses but "nie" and
	// "sie" (German too, and Polish typed without its letters), none an
	// English word or name (not ben, sen, ama, size; not to, co, po, ale,
	// jest), with and without their letters, as typed on phones.
	"ve bir bu için icin çok cok var yok değil degil mı mü neden nasıl nasil hala hâlâ daha gibi kadar sonra şimdi simdi " +
		"bugün bugun dün yarın yarin merhaba teşekkürler tesekkurler teşekkür lütfen lutfen hiç hic hep artık artik olarak " +
		"olan oldu ile veya diye şu beni bana sana bize benim sizin bizim niye hiçbir hicbir iyi günler gunler",
	"się sie że już juz czy mnie mam jestem bardzo dzięki dzieki dziękuję dziekuje proszę prosze dzień dzien dobry " +
		"tylko jeszcze nigdy zawsze kiedy gdzie dlaczego czemu teraz dzisiaj dziś dzis wczoraj jutro mój moj moja moje " +
		"może moze można mozna będzie bedzie było bylo był byl była byla nic nikt też tez tak bo przez dla żeby zeby " +
		"nie",
	// Indonesian and Vietnamese: not English words, names or acronyms
	// (min, a tag of minutes; dan, cara, ada, anh, names; apa, roi, ada
	// as ADA; dong, a currency and a name; thong; the short forms English
	// tweets use too: sm, ga, tp, dr, dc, ko, dang; ban, co, nay, qua,
	// hang, which Vietnamese typed without its marks shares with
	// English), nor other languages' (dia, Portuguese "day"; em, a
	// Portuguese one; voi, Italian; toi, French; paket, Turkish; doi,
	// cho). What the English word list (english.bin) loses to them: aja,
	// yang.
	"yang ini itu tidak gak nggak enggak gk tdk saya aku kamu sudah udah udh sdh belum blm untuk utk dengan dgn dari " +
		"juga jg tapi kalau kalo karena krn bisa mau akan sama lagi aja saja sih deh kok nih banget bgt kak mohon tolong " +
		"terima kasih makasih mksh gimana bagaimana kenapa knp kapan dimana apakah harus masih sangat sekali lebih kami kita " +
		"mereka punya jadi sampai sampe pesanan yg tuh buat tiap gini gitu terus doang mulu makin cuma semua tadi kemarin " +
		"besok hari bikin kah deket rumah ganti",
	"không khong của cua và là được duoc đc tôi mình bạn chị đã chưa chua rồi nhé nhe ạ ơi này thì mà với " +
		"những nhung các một có bị gì đâu lắm quá rất nhưng cảm ơn cám giúp sao hàng đơn muon phai nha giup giao thieu",
}

// stopIndex maps a function word to the set of languages (bits) using it.
var stopIndex = func() map[string]uint32 {
	m := map[string]uint32{}
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
// counting function words (those several languages share count less for
// each) and spelling cues (ñ, ß, ã), and "und" when too few tell the
// languages apart. english, the words of the English training texts (englishWords;
// nil for a model set without it), counts for English at half a function
// word's weight, so a short or slangy English message that has one
// function word or none ("wow @acme is slow", "contact agent") is read as
// English, and one whose words are mostly unknown to English is not. No
// multilingual training data ships with the project, so this is a
// heuristic, not a trained model (MODELS.md).
func (f *features) language(english wordSet) string {
	best, total := 0, 0
	script := f.script
	if kana, han := script[scriptKana], script[scriptHan]; kana > 0 {
		// Japanese writes its words in kanji (Han) and its endings in
		// hiragana: "注文番号の商品が届かない" has more of the one, and is
		// not Chinese, which writes no kana but for a Japanese name in
		// katakana ("我在ユニクロ买的衣服还没到") or a stylish の. Without
		// hiragana, more katakana than kanji is Japanese ("ログイン不可").
		if f.hiragana >= 2 || f.hiragana == 1 && han <= 4 || kana-f.hiragana > han {
			script[scriptKana], script[scriptHan] = kana+han, 0
		} else {
			script[scriptKana], script[scriptHan] = 0, kana+han
		}
	}
	for s, n := range script {
		total += n
		if n > script[best] {
			best = s
		}
	}
	if total == 0 {
		return "und"
	}
	if best != scriptLatin {
		switch {
		case script[best]*2 < total:
			return "und"
		case best == scriptCyrillic && f.cyrillic[1] > f.cyrillic[0]:
			return "uk" // і, ї, є and ґ are Ukrainian; without either kind, Russian is likelier
		}
		return scriptLang[best]
	}
	// A function word counts 12 shared by no other language, 6 by two,
	// 4 by three; a spelling cue 6, shared the same way; an English word 6.
	var stops, hits, score [len(latinLangs)]int
	words := f.words()
	for i := range f.toks {
		w := f.word(i)
		langs, weight := f.toks[i].info.langs, 12
		if langs == 0 {
			langs, weight = accents(w), 6
		} else {
			for l := range latinLangs {
				stops[l] += int(langs >> l & 1)
			}
		}
		if langs == 0 {
			continue
		}
		share := weight / bits.OnesCount32(langs)
		for l := range latinLangs {
			if langs&(1<<l) != 0 {
				hits[l]++
				score[l] += share
			}
		}
	}
	// Look English words up only when the function words leave a doubt:
	// most English messages have two or more and no other language's.
	known := 0
	if english != nil && (stops[langEN] <= 1 || slices.Max(stops[langEN+1:]) >= stops[langEN]) {
		for i := range f.toks {
			if f.toks[i].info.langs == 0 {
				if _, ok := english[string(f.word(i))]; ok {
					known++
				}
			}
		}
	}
	if stops[langEN] == 0 && known == 1 {
		known = 0 // a lone "ok", "lol" or "Samsung" is no sentence
	}
	score[langEN] += 6 * known
	hits[langEN] += known
	first, second := 0, -1
	for l := 1; l < len(latinLangs); l++ {
		if score[l] > score[first] {
			first, second = l, first
		} else if second < 0 || score[l] > score[second] {
			second = l
		}
	}
	switch {
	case score[first] == 0 || score[first] == score[second]:
		return "und"
	case first == langEN && english != nil && stops[langEN] <= 1 && 2*hits[langEN] < words:
		return "und" // mostly words English does not use: a language we do not list
	case hits[first] == 1 && stops[first] == 0 && first != langEN:
		return "und" // a lone spelling cue: "Jalapeño poppers cold", "Müller yogurt"
	case hits[first] == 1 && score[second] == 0 && len(f.toks) > 6:
		return "und" // one word of evidence in a long message is weak
	}
	return latinLangs[first]
}

// words counts the tokens that are words, not handles, links, numbers,
// emoji, the variation selector an emoji leaves ("✔️") or punctuation.
func (f *features) words() int {
	n := 0
	for i := range f.toks {
		c := f.buf[f.toks[i].start]
		if c >= utf8.RuneSelf {
			r, _ := utf8.DecodeRune(f.buf[f.toks[i].start:f.toks[i].end])
			n += b2i(unicode.IsLetter(r))
		} else if c >= 'a' && c <= 'z' {
			n++
		}
	}
	return n
}

// Languages lists the codes language can name: English first, then the
// other Latin-script languages, then those told by their script.
func Languages() []string {
	out := append([]string{}, latinLangs[:]...)
	for _, l := range scriptLang {
		if l != "" {
			out = append(out, l)
		}
		if l == "ru" {
			out = append(out, "uk") // Cyrillic too, told by its letters
		}
	}
	return out
}

// LanguageName is the English name of a language Languages lists ("fr":
// French), or "" for a code it does not.
func LanguageName(code string) string { return languageNames[code] }

var languageNames = map[string]string{"en": "English", "es": "Spanish", "fr": "French", "de": "German",
	"pt": "Portuguese", "it": "Italian", "nl": "Dutch", "tr": "Turkish", "pl": "Polish", "ru": "Russian", "uk": "Ukrainian",
	"id": "Indonesian", "vi": "Vietnamese", "ar": "Arabic", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "el": "Greek", "he": "Hebrew",
	"th": "Thai", "hi": "Hindi"}

// wordSet is a set of normalised words (as tokenize spells them).
type wordSet map[string]struct{}

// vietnameseLetters reports whether the message writes Vietnamese with
// its marks: a letter only Vietnamese writes (accents), or one of its
// function words spelt with marks (quá, của).
func (f *features) vietnameseLetters() bool {
	for i := range f.toks {
		w := f.word(i)
		if accents(w)&(1<<langVI) != 0 || f.toks[i].info.langs&(1<<langVI) != 0 && !isASCII(w) {
			return true
		}
	}
	return false
}

// accents returns the languages (bits of latinLangs) whose spelling has a
// letter of w that English does not use: ñ is Spanish, ã Portuguese, ß
// German, è French or Italian. A word votes once for each.
func accents(w []byte) uint32 {
	const es, fr, de, pt, it, nl, tr, pl, vi = 1 << langES, 1 << langFR, 1 << langDE, 1 << langPT, 1 << langIT, 1 << langNL, 1 << langTR, 1 << langPL, 1 << langVI
	var bits uint32
	for i := 0; i < len(w); {
		if w[i] < 0xc3 {
			i++ // ASCII, or not the first byte of a letter below
			continue
		}
		r, n := utf8.DecodeRune(w[i:])
		i += n
		switch r {
		case 'ñ':
			bits |= es
		case 'á', 'í', 'ú':
			bits |= es | pt
		case 'ó':
			bits |= es | pt | pl
		case 'ã', 'õ':
			bits |= pt
		case 'ç':
			bits |= fr | pt | tr
		case 'â', 'ê', 'ô':
			bits |= fr | pt
		case 'î', 'û', 'œ':
			bits |= fr
		case 'ë', 'ï':
			bits |= fr | nl
		case 'à':
			bits |= fr | it | pt
		case 'è', 'ù':
			bits |= fr | it
		case 'ì', 'ò':
			bits |= it
		case 'é':
			bits |= es | fr | pt | it
		case 'ä', 'ß':
			bits |= de
		case 'ö', 'ü':
			bits |= de | tr
		case 'ş', 'ğ', 'ı':
			bits |= tr
		case 'ł', 'ą', 'ę', 'ś', 'ź', 'ż', 'ń', 'ć':
			bits |= pl
		case 'đ', 'ơ', 'ư', 'ĩ', 'ũ': // not ă, which Romanian writes too
			bits |= vi
		default:
			if r >= 0x1ea0 && r <= 0x1ef9 { // ạ ả ấ … ỹ: vowels with Vietnamese tones
				bits |= vi
			}
		}
	}
	return bits
}
