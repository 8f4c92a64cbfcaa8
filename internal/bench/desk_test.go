package bench

import (
	"context"
	"path/filepath"
	"testing"
)

// The desk's pages are timed over HTTP from a fixture a bench left behind
// in its --dir: a new fixture at the same path starts empty.
func TestDeskPagesOnAFixtureBuiltTwice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "inbox.db")
	f, err := NewFixture(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Grow(ctx, 500); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if f, err = NewFixture(ctx, path); err != nil {
		t.Fatalf("a second fixture where the first was: %v", err)
	}
	defer f.Close()
	if err := f.Grow(ctx, 3000); err != nil {
		t.Fatal(err)
	}
	var n int
	f.DB.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM conversations").Scan(&n)
	if n != 3000 {
		t.Fatalf("the second fixture holds %d conversations, want 3000", n)
	}
	ttl := deskCountTTL
	defer func() { deskCountTTL = ttl }()
	deskCountTTL = 0
	ts, err := f.DeskPages(ctx, 2)
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
