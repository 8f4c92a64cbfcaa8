// Package apptest opens desks for tests.
package apptest

import (
	"context"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/db"
)

// Open opens a desk on d, a test database (dbtest), without the poller's
// loop, and closes it when the test ends.
func Open(t testing.TB, d *db.DB) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{DB: d.DSN, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
