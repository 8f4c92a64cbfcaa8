// Package apptest opens desks for tests.
package apptest

import (
	"context"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/live"
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

// Node opens one of several nodes serving d, as `hark serve --nats` runs
// them: with a bus of its own (live events are not under test), which is
// what lets a second process serve one SQLite file (db.HoldSQLite).
func Node(t testing.TB, d *db.DB) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{DB: d.DSN, PollEvery: -1, Bus: live.NewLocal()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
