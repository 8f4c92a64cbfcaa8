package classify

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// glossCase is a text and what a glossary should make of it.
type glossCase struct{ in, want string }

// checkGloss glosses each case's text with g: the result must be the
// wanted one, and g must report the words it glossed exactly when the
// text changed.
func checkGloss(t *testing.T, g *glossary, cases []glossCase) {
	t.Helper()
	for _, tc := range cases {
		got, made := g.gloss(tc.in, nil)
		if got != tc.want {
			t.Errorf("gloss(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if (len(made) == 0) != (got == tc.in) {
			t.Errorf("gloss(%q) made %v", tc.in, made)
		}
	}
}

func TestGlossReplacesWordsAndKeepsTheRest(t *testing.T) {
	g := parseGlossary([]byte(strings.Join([]string{
		"nul\tterrible", "n\t", "est\tis", "jamais\tnever", "arrivé\tarrived", "mon\tmy",
		"c\tit", "s'il vous plaît\tplease", "si\tif", "sí\tyes", "est\twas", // a second "est" is ignored
		"no tab on this line", "à\tto", "a\thas",
	}, "\n")), glossSpec{})
	checkGloss(t, g, []glossCase{
		{"@nul_shop c'est nul, mon colis n'est jamais arrivé", "@nul_shop it is terrible, my colis is never arrived"},
		{"C'EST NUL!!", "IT IS TERRIBLE!!"},
		{"jamais arrive https://nul.example/est #nul", "never arrived https://nul.example/est #nul"}, // accents left out
		{"aidez-moi s'il vous plaît", "aidez-moi please"},
		{"si", "if"}, {"sí", "yes"}, // a word written without accents is not shadowed
		{"a", "has"}, {"à", "to"},
		{"bonjour tout le monde", "bonjour tout le monde"}, // nothing known: as written
	})
}

// TestSegmentRuns: a script written without spaces is cut into the
// glossary's words by longest match; what no word starts with stays as
// written, and everything else (handles, Latin words, punctuation) too.
func TestSegmentRuns(t *testing.T) {
	g := parseGlossary([]byte(strings.Join([]string{
		"我\ti", "的\t", "包裹\tparcel", "还\tstill", "没\tnot", "还没到\tstill not arrived", "到\tarrive",
		"订单\torder", "吗\t?", "アプリ\tapp", "使えない\tcannot use", "が\t", "まだ\tstill",
		"ยังไม่\tnot yet", "มา\tcome", "ถึง\treach", "有 空\tspaced", // a key with a space is dropped
		"ヤバい\tcrazy", "ヤバ\twow", "ติ\tcriticise", "ดี\tgood", "ดีเลย\tgreat", "って\t",
		"yyds\tthe best", "w\tlol", "公式サイト\tofficial site", "公式\tofficial",
	}, "\n")), glossSpec{kind: segmentGloss})
	if _, ok := g.words["有 空"]; ok {
		t.Error("a key with a space is kept")
	}
	checkGloss(t, g, []glossCase{
		{"我的包裹还没到", "i parcel still not arrived"},
		{"@shop_cn 我的订单号SN2024还没到吗", "@shop_cn i order 号 SN2024 still not arrived ?"},
		{"アプリが使えない。", "app cannot use 。"},
		{"アプリケーション まだ", "アプリケーション still"},      // a katakana run is looked up whole
		{"ヤバいアプリ", "crazy app"}, {"ヤバ", "wow"}, // or with its ending
		{"アプリってまだ", "app still"},
		{"เติมดีเลย์", "เติม good เลย์"}, // no word starts or ends inside a letter cluster
		{"พัสดุยังไม่มาถึง", "พัสดุ not yet come reach"},
		{"#包裹# https://t.cn/包裹", "# parcel # https://t.cn/包裹"}, // a link as written; a Weibo topic is words
		{"我的包裹还没到@kestrel_eu", "i parcel still not arrived @kestrel_eu"},
		{"包裹https://t.cn/包裹", "parcel https://t.cn/包裹"},
		{"包裹\ufe0e还没到", "parcel \ufe0e still not arrived"}, // a variation selector ends the word
		{"yyds XS w W", "the best XS lol W"},               // the slang as written, in lower case
		{"公式サイトが", "official site "},                       // into katakana, not inside it
		{"公式サイ", "official サイ"},
		{"有空", "有空"},
		{"hello world", "hello world"},
	})
}

// TestTonedGlossary: Vietnamese marks tell words apart; a word or
// expression typed with them is found as written only, one typed
// without any by its plain spelling.
func TestTonedGlossary(t *testing.T) {
	g := parseGlossary([]byte(strings.Join([]string{
		"đổi trả\treturn", "dối trá\tlying", "tối đa\tmaximum", "tôi\ti", "đã\talready", "muốn\twant", "mưa\train", "mua\tbuy",
	}, "\n")), glossSpec{kind: tonedGloss})
	checkGloss(t, g, []glossCase{
		{"tôi muốn đổi trả", "i want return"},
		{"tôi đã mua", "i already buy"},                 // not tối đa, "maximum"
		{"toi muon doi tra", "i want return"},           // without marks: the first listed
		{"mưa", "rain"}, {"mua", "buy"}, {"mứa", "mứa"}, // another word, not listed
	})
}

// TestLetterTables: the segmenter's letter tests, which check the common
// blocks before the Unicode tables (they ran per letter), agree with the
// tables for every rune of the first four planes.
func TestLetterTables(t *testing.T) {
	for r := rune(0); r < 0x40000; r++ {
		kana := r == 'ー' || unicode.Is(unicode.Katakana, r)
		if got := writtenTogether(r); got != (kana || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Thai)) {
			t.Errorf("writtenTogether(%U) = %v", r, got)
		}
		if got := isMark(r); got != unicode.In(r, unicode.Mn, unicode.Mc) {
			t.Errorf("isMark(%U) = %v", r, got)
		}
		if got := katakana(r); got != kana {
			t.Errorf("katakana(%U) = %v", r, got)
		}
	}
}

// FuzzGlossaries: no text makes a glossary or the classifier panic, and a
// text no glossary word is found in comes back as written.
func FuzzGlossaries(f *testing.F) {
	for _, s := range []string{"我的包裹还没到@kestrel_eu", "アプリが使えない。ヤバい", "พัสดุยังไม่มาถึง ขอบคุณค่ะ", "וההזמנה לא הגיעה",
		"đơn hàng chưa nhận được", "Ca\u0309m ơn", "か\u3099", "\xff\xfe", "#包裹# https://t.cn/包裹", "ー\u0e31"} {
		f.Add(s)
	}
	c := Default()
	f.Fuzz(func(t *testing.T, text string) {
		for _, lang := range []string{"zh", "ja", "th", "he", "vi", "fr"} {
			if got, made := glossaryFor(lang).gloss(text, nil); len(made) == 0 && got != text {
				t.Errorf("%s: nothing glossed, yet %q became %q", lang, text, got)
			}
		}
		c.Classify(Input{Text: text, Channel: "x", ToHandle: "acme"})
	})
}

// TestHebrewPrefixes: a Hebrew word not listed is found without the one
// or two one-letter words written onto it.
func TestHebrewPrefixes(t *testing.T) {
	g := parseGlossary([]byte("הזמנה\torder\nלא\tnot\nשלום\thello\nסביר\treasonable\nלח\tmoist\n"), glossSpec{prefixes: hebrewPrefixes})
	checkGloss(t, g, []glossCase{
		{"וההזמנה לא", "order not"},
		{"בהזמנה", "order"},
		{"ושלום", "hello"},
		{"ווההזמנה", "ווההזמנה"}, // three: not a word
		{"הלא", "הלא"},           // two letters left: too short to tell
		{"שלח", "שלח"},
		{"מסביר", "מסביר"}, // מ starts verbs
	})
}

func TestGlossariesLoad(t *testing.T) {
	if [len(latinLangs)]string(glossLangs[:len(latinLangs)]) != latinLangs || glossLangs[langRU] != "ru" || glossLangs[langUK] != "uk" ||
		newerLatin != 1<<slices.Index(glossLangs[:], "tr")|1<<slices.Index(glossLangs[:], "pl")|1<<slices.Index(glossLangs[:], "id")|1<<slices.Index(glossLangs[:], "vi") {
		t.Fatalf("glossLangs %v must start with latinLangs %v, and hold ru, uk, tr, pl, id and vi where langRU, langUK and newerLatin say", glossLangs, latinLangs)
	}
	for lang := range glossaries().byLang {
		// Every line is read: none is skipped for its shape.
		data, err := glossFS.ReadFile("gloss/" + lang + ".tsv")
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			from, _, ok := strings.Cut(line, "\t")
			if n := len(splitWords(from)); !ok || n == 0 || n > maxPhrase || strings.ToLower(from) != from ||
				glossaryFor(lang).kind == segmentGloss && strings.ContainsFunc(from, unicode.IsSpace) {
				t.Errorf("gloss/%s.tsv line %d: %q", lang, i+1, line)
			}
		}
		g := glossaryFor(lang)
		if g == nil || len(g.words) < 300 {
			t.Errorf("%s: no glossary or a small one", lang)
			continue
		}
		for w, to := range g.words {
			if strings.ToLower(w) != w || len(strings.Fields(to)) > 3 {
				t.Errorf("%s: entry %q → %q", lang, w, to)
			}
			// A word of a language written together is found alone, whole:
			// no key is dead (longer than maxLetters, or ending where no
			// word may).
			if _, made := g.gloss(w, nil); g.kind == segmentGloss && (len(made) != 1 || made[0].from != w) {
				t.Errorf("%s: %q is read as %v", lang, w, made)
			}
		}
	}
	if glossaryFor("en") != nil || glossaryFor("und") != nil || glossaryFor("fa") != nil {
		t.Error("a glossary for English, und or a language without a file")
	}
	// Every language the guess names has one, the desk's badge says so, and
	// a name for the badge, the inbox's filter and the guard's reasons.
	for _, lang := range Languages()[1:] {
		if glossaryFor(lang) == nil {
			t.Errorf("%s is named, and has no glossary", lang)
		}
	}
	for _, lang := range Languages() {
		if LanguageName(lang) == "" {
			t.Errorf("%s has no name", lang)
		}
	}
	if len(languageNames) != len(Languages()) {
		t.Errorf("%d language names for %d languages", len(languageNames), len(Languages()))
	}
	for lang := range glossSpecs {
		if glossaryFor(lang) == nil {
			t.Errorf("glossSpecs sets %s, which has no gloss/%s.tsv", lang, lang)
		}
	}
	for lang, want := range map[string][2]bool{"zh": {true, false}, "ja": {true, false}, "th": {true, false}, "he": {false, true}, "ar": {false, false}} {
		if g := glossaryFor(lang); (g.kind == segmentGloss) != want[0] || (g.prefixes != "") != want[1] {
			t.Errorf("%s: %+v; want segmented %v, prefixes %v", lang, g.glossSpec, want[0], want[1])
		}
	}
}

// TestGlossFolds: a word is found as customers type it, without the
// marks the glossary wrote, and no letter folds to a longer spelling (the
// look-up folds in place).
func TestGlossFolds(t *testing.T) {
	for r, plain := range plainLetters {
		if len(plain) > utf8.RuneLen(r) {
			t.Errorf("%q folds to the longer %q", r, plain)
		}
	}
	var buf [64]byte
	for _, tc := range []struct{ lang, typed, want string }{
		{"el", "παραγγελια", "order"},         // no tonos
		{"el", "ΑΠΑΡΑΔΕΚΤΟΣ", "unacceptable"}, // capitals: Σ lowers to σ, the glossary writes ς
		{"ar", "مشكله", "problem"},            // ة typed as ه
		{"ar", "اين", "where"},                // أ typed as ا
		{"ar", "مشكـــلة", "problem"},         // stretched with tatweel
		{"ar", "مُشْكِلَة", "problem"},        // with its short vowels
		{"ru", "еще", "still"},                // ё typed as е
		{"tr", "sifre", "password"},           // ş typed as s
		{"vi", "nghi", "think"},               // nghĩ typed without marks
	} {
		if got, ok := glossaryFor(tc.lang).lookup(tc.typed, buf[:0]); !ok || got != tc.want {
			t.Errorf("%s %q: %q, %v; want %q", tc.lang, tc.typed, got, ok, tc.want)
		}
	}
	if got, ok := glossaryFor("hi").lookup("नें", buf[:0]); ok {
		t.Errorf("hi नें reads %q: its anusvara folded away", got)
	}
}

// A message in another language is read through its glossary: what the
// customer feels and wants reaches the models, the explanation shows the
// customer's words, and the language stays the customer's.
func TestForeignMessagesReadThroughTheGlossary(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in        Input
		lang      string
		intent    []string
		reply     bool
		sentiment string
		why       string
	}{
		{Input{Text: "@acme c'est nul, mon colis n'est jamais arrivé", Channel: "x", ToHandle: "acme"}, "fr",
			[]string{"complaint", "request"}, true, "negative", `"nul" (`},
		{Input{Text: "Servicio pésimo, llevo dos semanas esperando el reembolso", Channel: "facebook", ToHandle: "acme"}, "es",
			[]string{"complaint", "request"}, true, "negative", ""},
		{Input{Text: "Adoro questo prodotto, bellissimo! Grazie mille", Channel: "instagram", ToHandle: "acme"}, "it",
			[]string{"praise"}, false, "positive", ""},
		{Input{Text: "Ich warte seit drei Wochen auf meine Rückerstattung, können Sie mir bitte helfen?", Channel: "email", ToHandle: "acme"}, "de",
			[]string{"request"}, true, "", ""},
		{Input{Text: "@acme моя посылка до сих пор не пришла, ужасный сервис", Channel: "x", ToHandle: "acme"}, "ru",
			[]string{"complaint", "request"}, true, "negative", `"ужасный" (`},
		{Input{Text: "дякую, все чудово працює!", Channel: "instagram", ToHandle: "acme"}, "uk",
			[]string{"praise"}, false, "positive", ""},
		{Input{Text: "@acme siparişim hala gelmedi, berbat bir hizmet", Channel: "x", ToHandle: "acme"}, "tr",
			[]string{"complaint", "request"}, true, "negative", ""},
		{Input{Text: "nie moge sie zalogowac do aplikacji, pomocy", Channel: "chat"}, "pl",
			[]string{"request"}, true, "", ""},
		{Input{Text: "Ευχαριστώ. Πότε θα έρθει η παραγγελία μου;", Channel: "chat"}, "el",
			[]string{"request"}, true, "", "a question to the brand"}, // Greek asks with ";", glossed or not
		{Input{Text: "@acme δεν δούλεψε ξανά η εφαρμογή", Channel: "x", ToHandle: "acme"}, "el",
			[]string{"complaint", "request"}, true, "", `"δεν δούλεψε" (didn't work)`},
		{Input{Text: "@acme الطلب وصل بارد والمندوب ما رد على التلفون. خدمة سيئة جدا", Channel: "x", ToHandle: "acme"}, "ar",
			[]string{"complaint", "request"}, true, "negative", ""},
		{Input{Text: "@acme मेरा ऑर्डर अभी तक नहीं आया, कृपया मदद करें", Channel: "x", ToHandle: "acme"}, "hi",
			[]string{"request"}, true, "", `"अभी तक नहीं आया" (still not arrived)`},
	} {
		l := c.Classify(tc.in)
		if l.Language != tc.lang {
			t.Errorf("%q: language %s, want %s", tc.in.Text, l.Language, tc.lang)
		}
		if !slices.Contains(tc.intent, l.Intent) || l.NeedsReply != tc.reply {
			t.Errorf("%q: %s (needs reply %v), want one of %v (%v); %v", tc.in.Text, l.Intent, l.NeedsReply, tc.intent, tc.reply, l.IntentProbs)
		}
		if tc.sentiment != "" && l.Sentiment != tc.sentiment {
			t.Errorf("%q: sentiment %s, want %s", tc.in.Text, l.Sentiment, tc.sentiment)
		}
		if tc.why != "" && !strings.Contains(strings.Join(l.Why, " "), tc.why) {
			t.Errorf("%q: why %q, want %s", tc.in.Text, l.Why, tc.why)
		}
	}
}

// BenchmarkClassifyForeign classifies the messages of foreign_dev.tsv,
// most of them read twice: once to name the language, once through its
// glossary. BenchmarkClassify, the English path, is its baseline.
func BenchmarkClassifyForeign(b *testing.B) { benchSet(b, "testdata/foreign_dev.tsv") }

// BenchmarkClassifyForeign2 classifies the messages of foreign2_dev.tsv
// (ru, uk, ar, zh, ja, ko, el, hi, tr, pl) through their glossaries.
func BenchmarkClassifyForeign2(b *testing.B) { benchSet(b, "testdata/foreign2_dev.tsv") }

// BenchmarkClassifyForeign3 classifies the messages of foreign3_dev.tsv:
// zh, ja and th cut into words by longest match (segmentRuns), he read
// with its prefixes.
func BenchmarkClassifyForeign3(b *testing.B) { benchSet(b, "testdata/foreign3_dev.tsv") }

// BenchmarkClassifyForeign4 classifies the messages of foreign4_dev.tsv
// (Indonesian and Vietnamese).
func BenchmarkClassifyForeign4(b *testing.B) { benchSet(b, "testdata/foreign4_dev.tsv") }

// BenchmarkClassifyLong classifies one message of about 100 kB: the
// French messages of foreign_dev.tsv over and over (fr), the Chinese ones
// of foreign3_dev.tsv (zh), and as its
// baseline the English ones of labelled.tsv (en). The work per message
// must grow with its length, not with its square (hark classify takes
// lines up to 1 MiB).
func BenchmarkClassifyLong(b *testing.B) {
	c := Default()
	for _, set := range []struct{ name, path, lang string }{
		{"en", "testdata/labelled.tsv", ""},
		{"fr", "testdata/foreign_dev.tsv", "fr"},
		{"zh", "testdata/foreign3_dev.tsv", "zh"},
	} {
		rows, err := LoadLabelled(set.path)
		if err != nil {
			b.Fatal(err)
		}
		var text strings.Builder
		for text.Len() < 100_000 {
			for _, r := range rows {
				if r.Language == set.lang && text.Len() < 100_000 {
					text.WriteString(r.Text + " ")
				}
			}
		}
		in := Input{Text: text.String(), Channel: "email"}
		b.Run(set.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Classify(in)
			}
		})
	}
}

// BenchmarkStartUp is what building a classifier costs: loading the
// embedded models (Load, the baseline), and reading the glossaries, which
// the first Load in a process does on top of it.
func BenchmarkStartUp(b *testing.B) {
	b.Run("models", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Load(func(name string) ([]byte, error) { return modelFS.ReadFile("models/" + name + ".bin") }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("glossaries", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			readGlossaries()
		}
	})
}

func benchSet(b *testing.B, path string) {
	rows, err := LoadLabelled(path)
	if err != nil {
		b.Fatal(err)
	}
	c := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Classify(input(rows[i%len(rows)]))
	}
}

// TestForeignPasses checks foreign_test.tsv and foreign2_test.tsv against
// the three passes that labelled each (testdata/FOREIGN.md): its writer
// and two blind passes, A and B. Each label is the majority's, the
// writer's where all three differ.
func TestForeignPasses(t *testing.T) {
	for _, set := range []string{"foreign", "foreign2", "foreign3", "foreign4"} {
		rows, err := LoadLabelled("testdata/" + set + "_test.tsv")
		if err != nil {
			t.Fatal(err)
		}
		recs := readAgreement(t, "testdata/"+set+"_passes.tsv", len(rows))
		var passes [3][3][]string // pass (writer, A, B), label (intent, needs_reply, sentiment)
		for i, rec := range recs[1:] {
			if len(rec) != 10 || rec[0] != strconv.Itoa(i+1) {
				t.Fatalf("%s: bad row %q", set, rec)
			}
			l := rows[i]
			got := [3]string{l.Intent, map[bool]string{true: "yes", false: "no"}[l.NeedsReply], l.Sentiment}
			for k := range 3 {
				w, a, b := rec[1+k], rec[4+k], rec[7+k]
				major := w
				if a == b {
					major = a
				}
				if got[k] != major {
					t.Errorf("%s row %d: %s, the passes' majority %s", set, i+1, got[k], major)
				}
				for p, v := range []string{w, a, b} {
					passes[p][k] = append(passes[p][k], v)
				}
			}
			if !slices.Contains(Languages(), l.Language) || l.Channel == "" {
				t.Errorf("%s row %d: language %q, channel %q", set, i+1, l.Language, l.Channel)
			}
		}
		for _, pair := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
			x, y := passes[pair[0]], passes[pair[1]]
			name := set + ": " + []string{"writer", "A", "B"}[pair[0]] + " vs " + []string{"writer", "A", "B"}[pair[1]]
			if agree := (annotatorPair{name, x[0], y[0], x[1], y[1]}).log(t); agree < 0.8 {
				t.Errorf("%s agree on %.3f only", name, agree)
			}
			agree, kappa := cohen(x[2], y[2])
			t.Logf("%s: sentiment agreement %.3f, kappa %.3f", name, agree, kappa)
		}
	}
}

// TestForeignSet scores the messages in other languages written blind to
// the glossaries (testdata/FOREIGN.md) as the desk sends them.
// foreign_test.tsv (fr es de it pt nl): read without the glossaries (the
// models of 700d343) they scored 0.403 intent, 0.747 needs_reply and
// 0.424 sentiment macro recall; through them 0.687, 0.867 and 0.683, and
// 0.363, 0.723, 0.424 with them switched off. foreign2_test.tsv (ru uk ar
// zh ja ko el hi tr pl): 0.246, 0.583, 0.384 before the glossaries of ru,
// uk, tr, pl, el, ar and hi and the guards for languages without one
// (d387e37), 0.400, 0.729, 0.384 with the guards alone (c875dd8's working
// tree), 0.487, 0.771, 0.517 with the first four glossaries (7364d6b),
// 0.588, 0.808, 0.610 with seven (8ef83b7), 0.608, 0.833, 0.636 with
// Korean's too, and 0.667, 0.858, 0.724 with zh ja th he glossed (79a6aed).
// foreign3_test.tsv (zh ja th he): 0.392, 0.725, 0.403 with the guards
// alone, 0.658, 0.833, 0.702 through the glossaries (79a6aed);
// foreign4_test.tsv (id vi): 0.283, 0.600, 0.496 read as English, 0.600,
// 0.833, 0.747 glossed (79a6aed). The refit on the ninth labelling round
// moved them (hark eval prints today's). The floors leave room for
// retrained models, not for losing the glossaries or the guards.
func TestForeignSet(t *testing.T) {
	for _, tc := range []struct {
		file                     string
		intent, reply, sentiment float64
	}{
		{"foreign_test.tsv", 0.6, 0.8, 0.6},
		{"foreign2_test.tsv", 0.6, 0.8, 0.65},
		{"foreign3_test.tsv", 0.58, 0.76, 0.62},
		{"foreign4_test.tsv", 0.5, 0.75, 0.62},
	} {
		rows, err := LoadLabelled("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		m := score(Default(), rows, all, nil)
		intent, reply, sentiment := accuracy(m.gi, m.pi), accuracy(m.gn, m.pn), macroRecall(m.gs, m.ps, 3)
		t.Logf("%s: intent %.3f, needs_reply %.3f, sentiment macro recall %.3f", tc.file, intent, reply, sentiment)
		if intent < tc.intent || reply < tc.reply || sentiment < tc.sentiment {
			t.Errorf("%s: intent %.3f, needs_reply %.3f, sentiment %.3f: under %.2f, %.2f, %.2f", tc.file, intent, reply, sentiment, tc.intent, tc.reply, tc.sentiment)
		}
	}
}

// A foreign set's sentiment and language columns are checked as read: a
// typo must not drop a row from the scores silently.
func TestForeignRowsChecked(t *testing.T) {
	dir := t.TempDir()
	for name, row := range map[string]string{
		"sentiment": "bonjour\trequest\tyes\tchat\t\tfr\tnegatif",
		"language":  "bonjour\trequest\tyes\tchat\t\t\tneutral",
	} {
		path := filepath.Join(dir, name+".tsv")
		data := "text\tintent\tneeds_reply\tchannel\tto_handle\tlanguage\tsentiment\n" + row + "\n"
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadLabelled(path); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("a bad %s: %v", name, err)
		}
	}
}

// TestGlossGuards: what the customer wrote decides the counts, English
// misnamed by the language guess is not glossed, and the hover quotes the
// customer's words once, with their negation.
func TestGlossGuards(t *testing.T) {
	c := Default()
	nfd := "Na\u0303o recebi o pedido, pe\u0301ssimo atendimento" // accents as marks of their own
	for _, tc := range []struct {
		in           Input
		lang, intent string // "" for any
		spam         bool
		why, notWhy  string // why must say the one once, never the other
	}{
		// Two words glossed to three are still two: no private-language guard.
		{Input{Text: "Hasta mañana", Channel: "chat"}, "es", "", false, `"Hasta mañana" (`, "written privately"},
		// Glossed to nothing: read as written, not as an empty message.
		{Input{Text: "doch doch", Channel: "chat"}, "", "", false, "", ""},
		// A gloss that shortens a message with a link does not make it spam.
		{Input{Text: "Mira esto por favor https://bit.ly/abc123", Channel: "x", ToHandle: "acme"}, "es", "", false, "", ""},
		{Input{Text: "El Paso flight", Channel: "x", ToHandle: "acme"}, "und", "", false, "", ""},
		// Marks typed apart are joined to their letters first (NFC), so the
		// explanation shows the word composed.
		{Input{Text: nfd, Channel: "x", ToHandle: "acme"}, "pt", "", false, "negative: \"péssimo\" (terrible)", "\u0301"},
		{Input{Text: "@acme franchement le service client n'est pas bon du tout", Channel: "x", ToHandle: "acme"}, "fr", "", false, `"bon" (not good)`, ""},
		{Input{Text: "écrivez à nul@example.fr", Channel: "email"}, "", "", false, "", "terrible"},
		// A Hindi danda ends the negation, as a full stop does.
		{Input{Text: "मेरा ऑर्डर नहीं आया। बहुत अच्छा है", Channel: "chat"}, "hi", "", false, `"बहुत अच्छा" (very good)`, "not very good"},
		// नें is not ने: Devanagari's marks are not accents.
		{Input{Text: "कंपनी नें मेरा पैसा वापस किया, बहुत अच्छी सर्विस", Channel: "instagram", ToHandle: "acme"}, "hi", "", false, "", "not money back"},
	} {
		l := c.Classify(tc.in)
		why := strings.Join(l.Why, " | ")
		switch {
		case tc.lang != "" && l.Language != tc.lang,
			tc.intent != "" && l.Intent != tc.intent,
			(l.Spam >= SpamThreshold) != tc.spam,
			tc.why != "" && strings.Count(why, tc.why) != 1,
			tc.notWhy != "" && strings.Contains(why, tc.notWhy):
			t.Errorf("%q: language %s, %s, spam %.2f, why %q", tc.in.Text, l.Language, l.Intent, l.Spam, l.Why)
		}
	}
	// More English than Portuguese: the guess names it pt, but it is
	// read as written, and stays a request.
	in := Input{Text: "Do you do business in the EU?", Channel: "x", ToHandle: "acme"}
	var f features
	if _, lang := c.read(&f, in); lang != "pt" || len(f.glossed) > 0 || c.Classify(in).Intent != "request" {
		t.Errorf("%q: language %s, glossed %v, %s", in.Text, lang, f.glossed, c.Classify(in).Intent)
	}
}
