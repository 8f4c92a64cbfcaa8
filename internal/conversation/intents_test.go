package conversation

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"github.com/harkdesk/hark/internal/hark"
)

// The thread keeps the intent an agent most needs to know, ranked in SQL
// by CASE expressions that spell out hark.Intents' order: a reordering
// in Go that the SQL missed would keep the wrong one on one database.
func TestSQLRanksIntentsInHarksOrder(t *testing.T) {
	caseRe := regexp.MustCompile(`CASE \S+((?: WHEN '\w+' THEN \d+)+) ELSE`)
	whenRe := regexp.MustCompile(`WHEN '(\w+)' THEN (\d+)`)
	found := 0
	err := fs.WalkDir(sqlFS, "sql", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		text, err := fs.ReadFile(sqlFS, path)
		if err != nil {
			return err
		}
		for _, m := range caseRe.FindAllStringSubmatch(string(text), -1) {
			var order []string
			for i, w := range whenRe.FindAllStringSubmatch(m[1], -1) {
				if w[2] != string(rune('0'+i)) {
					t.Errorf("%s: %s ranked %s, want %d", path, w[1], w[2], i)
				}
				order = append(order, w[1])
			}
			if !slices.Contains(hark.Intents, order[0]) {
				continue // a CASE over something else
			}
			found++
			if !slices.Equal(order, hark.Intents) {
				t.Errorf("%s ranks intents %v, hark.Intents is %v", path, order, hark.Intents)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 4 {
		t.Fatalf("found %d intent rankings in the SQL, want the 2 of each dialect", found)
	}
}
