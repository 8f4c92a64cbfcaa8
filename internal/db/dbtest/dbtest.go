// Package dbtest gives tests real, migrated databases: a fresh SQLite file per
// test, and a fresh schema on the PostgreSQL server when one is available.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
)

// DefaultPostgres is the server the developers' machines and CI run.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	pgOnce sync.Once
	pgDSN  string
	pgErr  error
)

// PostgresDSN returns the server tests should use, or "" to skip PostgreSQL.
// HARK_TEST_POSTGRES names it; when set, an unreachable server fails the test
// instead of skipping it, which is how CI insists on PostgreSQL.
func PostgresDSN(t testing.TB) string {
	pgOnce.Do(func() {
		dsn := os.Getenv("HARK_TEST_POSTGRES")
		required := dsn != "" && dsn != "off"
		if dsn == "off" {
			return
		}
		if dsn == "" {
			dsn = DefaultPostgres
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		d, err := sql.Open("pgx", dsn)
		if err == nil {
			err = d.PingContext(ctx)
			d.Close()
		}
		switch {
		case err == nil:
			pgDSN = dsn
		case required:
			pgErr = fmt.Errorf("HARK_TEST_POSTGRES=%s is unreachable: %w", dsn, err)
		}
	})
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	return pgDSN
}

// Dialects lists the stores to run a suite against.
func Dialects(t testing.TB) []db.Dialect {
	ds := []db.Dialect{db.SQLite}
	if PostgresDSN(t) != "" {
		ds = append(ds, db.Postgres)
	}
	return ds
}

// Open returns a migrated, empty database of dialect d, removed after the test.
func Open(t testing.TB, d db.Dialect) *db.DB {
	t.Helper()
	return OpenAt(t, d, 0)
}

// OpenAt returns an empty database of dialect d migrated up to version
// only (every migration when 0), removed after the test.
func OpenAt(t testing.TB, d db.Dialect, version int) *db.DB {
	t.Helper()
	ctx := context.Background()
	var dsn string
	switch d {
	case db.SQLite:
		dsn = filepath.Join(t.TempDir(), "hark.db")
	case db.Postgres:
		base := PostgresDSN(t)
		if base == "" {
			t.Skip("no PostgreSQL server (set HARK_TEST_POSTGRES to require one)")
		}
		schema := fmt.Sprintf("t_%d", db.NewID())
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		})
		dsn = WithSchema(base, schema)
	}
	store, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.MigrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return store
}

// WithSchema points a PostgreSQL DSN at one schema.
func WithSchema(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs fn as a subtest on a fresh database of every available dialect.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	for _, dialect := range Dialects(t) {
		t.Run(strings.ToLower(string(dialect)), func(t *testing.T) {
			fn(t, Open(t, dialect))
		})
	}
}

// InTurn runs first, then second, on PostgreSQL against a row a third
// transaction holds (lock is the statement that takes it), each started
// once the one before waits behind that transaction, so that they queue
// in a known order; it lets the row go and returns the errors they ended
// with. Only the holder's own waiters are counted, not those of tests
// running beside it on the same server.
func InTurn(t *testing.T, d *db.DB, lock string, first, second func() error) []error {
	t.Helper()
	ctx := context.Background()
	hold, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var holder int
	if err := hold.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&holder); err != nil {
		t.Fatal(err)
	}
	if _, err := hold.ExecContext(ctx, lock); err != nil {
		t.Fatal(err)
	}
	waiting := func(n int) {
		t.Helper()
		for range 300 {
			var got int
			d.R.QueryRowContext(ctx, `WITH behind AS (SELECT pid FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid)))
				SELECT count(*) FROM pg_stat_activity WHERE pg_blocking_pids(pid) && (ARRAY(SELECT pid FROM behind) || $1::int)`, holder).Scan(&got)
			if got >= n {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("fewer than %d transactions waiting", n)
	}
	errs := make(chan error, 2)
	go func() { errs <- first() }()
	waiting(1)
	go func() { errs <- second() }()
	waiting(2)
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	return failed
}
