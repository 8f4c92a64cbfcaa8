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
