package conversation

import (
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/db"
)

func TestSearchQueryKeepsOnlyWords(t *testing.T) {
	cases := []struct{ in, sqlite, pg string }{
		{"lost bag", `"lost" "bag"*`, "lost & bag:*"},
		{`"); DROP TABLE x; --`, `"drop" "table" "x"*`, "drop & table & x:*"},
		{"NEAR(a b)", `"near" "a" "b"*`, "near & a & b:*"},
		{"***", "", ""},
		{"Ünïcödé", `"ünïcödé"*`, "ünïcödé:*"},
		// Text written without spaces is matched as the index cuts it
		// (SearchText): pairs of letters in a row.
		{"包裹", `"包裹"`, "包裹"},
		{"包", `"包"*`, "包:*"},
		{"光回線 障害", `"光回 回線" "障害"`, "光回 <-> 回線 & 障害"},
		{"号SN00", `"号 sn00"*`, "号 <-> sn00:*"},
		{"契約番号SN0048812 refund", `"契約 約番 番号 号 sn0048812" "refund"*`, "契約 <-> 約番 <-> 番号 <-> 号 <-> sn0048812 & refund:*"},
		{"ได้รับ", `"ได ด้ รั บ"*`, "ได <-> ด้ <-> รั <-> บ:*"},
		{"่", "", ""},
	}
	for _, c := range cases {
		if got := searchQuery(db.SQLite, c.in); got != c.sqlite {
			t.Errorf("sqlite %q: %s, want %s", c.in, got, c.sqlite)
		}
		if got := searchQuery(db.Postgres, c.in); got != c.pg {
			t.Errorf("postgres %q: %s, want %s", c.in, got, c.pg)
		}
	}
}

func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor(1700000000000, 42))
	f.Add("")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, c string) {
		at, id, err := decodeCursor(c)
		if err == nil && encodeCursor(at, id) == "" {
			t.Fatal("decoded a cursor that does not encode")
		}
	})
}

func FuzzSearchQuery(f *testing.F) {
	f.Add(`lost "bag" OR *`)
	f.Fuzz(func(t *testing.T, q string) {
		for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
			out := searchQuery(d, q)
			if strings.ContainsAny(out, `();'\`) {
				t.Fatalf("%s query %q from %q has syntax characters", d, out, q)
			}
		}
	})
}

func TestSearchTextCutsOnlyTextWrittenWithoutSpaces(t *testing.T) {
	for in, want := range map[string]string{
		"where is my bag?": "",
		"包裹还":              " 包裹 裹还 还 ",
		"订单号AB-7731。":      " 订单 单号 号 AB 7731。",
		"ไม่ได้รับ":        " ไม ม่ ได ด้ รั บ ",
		"พัสดุTH1":         " พั สด ดุ TH1",
		"ラーメン":             " ラー ーメ メン ン ",
		"a\xff包":           "a\xff 包 ",
	} {
		if got := SearchText(in); got != want {
			t.Errorf("SearchText(%q) = %q, want %q", in, got, want)
		}
	}
}
