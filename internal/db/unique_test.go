package db_test

import (
	"context"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

// A taken key is told apart from other refusals on both drivers.
func TestIsUniqueViolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.W.ExecContext(ctx, "CREATE TABLE u (k TEXT PRIMARY KEY, s TEXT UNIQUE, n TEXT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		ins := db.Rebind(d.Dialect, "INSERT INTO u (k, s, n) VALUES (?, ?, ?)")
		if _, err := d.W.ExecContext(ctx, ins, "a", "x", "n"); err != nil {
			t.Fatal(err)
		}
		_, key := d.W.ExecContext(ctx, ins, "a", "y", "n")
		_, unique := d.W.ExecContext(ctx, ins, "b", "x", "n")
		_, null := d.W.ExecContext(ctx, ins, "c", "z", nil)
		if !db.IsUniqueViolation(key) || !db.IsUniqueViolation(unique) || db.IsUniqueViolation(null) || db.IsUniqueViolation(nil) {
			t.Fatalf("taken key %v, taken unique %v, NOT NULL %v", key, unique, null)
		}
	})
}
