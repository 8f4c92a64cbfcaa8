package bench

import (
	"context"
	"path/filepath"
	"testing"
)

// The desk's pages are timed over HTTP from a fixture a bench left behind
// in its --dir: a new fixture at the same path starts empty.
func TestDeskPagesOnAFixtureBuiltTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inbox.db")
	grownFixture(t, path, 500).Close()
	f := grownFixture(t, path, 3000) // holds 3,000, not 3,500
	ttl := deskCountTTL
	defer func() { deskCountTTL = ttl }()
	deskCountTTL = 0
	ts, err := f.DeskPages(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 6 {
		t.Fatalf("%d timings, want a page and its counts for each of three filters", len(ts))
	}
	for _, tm := range ts {
		if tm.Rows == 0 || tm.P50 <= 0 {
			t.Errorf("%s: %d rows in %s", tm.View, tm.Rows, tm.P50)
		}
	}
}
