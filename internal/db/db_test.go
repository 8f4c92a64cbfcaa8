package db_test

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	s, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != len(p) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL", len(s), len(p))
	}
	for i := range s {
		if s[i].Name != p[i].Name {
			t.Errorf("migration %d: %s vs %s", i+1, s[i].Name, p[i].Name)
		}
	}
}

func TestMigrateIsIdempotentAndRefusesNewerSchemas(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if err := d.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (9999)"); err != nil {
			t.Fatal(err)
		}
		if err := d.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "upgrade hark") {
			t.Fatalf("migrate on a newer schema: %v, want a refusal", err)
		}
		// Not "run hark migrate", which refuses it as above.
		if err := d.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "made by a newer hark: upgrade hark") {
			t.Fatalf("CheckSchema on a newer schema: %v, want advice to upgrade hark", err)
		}
	})
}

// Checking the version (hark token create, corrections) only reads: it
// ran CREATE TABLE, which on PostgreSQL could collide with a node's first
// migration running at the same moment and fail it.
func TestCheckingTheSchemaWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.W.ExecContext(ctx, "DROP TABLE schema_version"); err != nil {
			t.Fatal(err)
		}
		if v, err := d.SchemaVersion(ctx); err != nil || v != 0 {
			t.Fatalf("version of a database without schema_version: %d, %v", v, err)
		}
		if err := d.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "run hark migrate") {
			t.Fatalf("CheckSchema on an unmigrated database: %v", err)
		}
		var n int
		if err := d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_version").Scan(&n); err == nil {
			t.Fatal("checking the schema created schema_version")
		}
	})
}

func TestQueriesMustExistInBothDialects(t *testing.T) {
	good := fstest.MapFS{
		"sqlite.sql":   {Data: []byte("-- name: A\nSELECT ?;\n-- name: B\nSELECT 2;")},
		"postgres.sql": {Data: []byte("-- name: A\nSELECT $1;\n-- name: B\nSELECT 2;")},
	}
	q, err := db.LoadQueries(good)
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Get(db.Postgres, "A"); got != "SELECT $1" {
		t.Fatalf("postgres A = %q", got)
	}
	bad := fstest.MapFS{
		"sqlite.sql":   {Data: []byte("-- name: A\nSELECT 1;\n-- name: OnlyHere\nSELECT 1;")},
		"postgres.sql": {Data: []byte("-- name: A\nSELECT 1;")},
	}
	if _, err := db.LoadQueries(bad); err == nil || !strings.Contains(err.Error(), "OnlyHere") {
		t.Fatalf("missing dialect query: %v", err)
	}
	dup := fstest.MapFS{
		"sqlite.sql":   {Data: []byte("-- name: A\nSELECT 1;\n-- name: A\nSELECT 1;")},
		"postgres.sql": {Data: []byte("-- name: A\nSELECT 1;")},
	}
	if _, err := db.LoadQueries(dup); err == nil {
		t.Fatal("a query defined twice was accepted")
	}
}

//go:embed migrations
var migrationFS embed.FS

func TestEveryMigrationIsNumbered(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		entries, err := fs.ReadDir(migrationFS, "migrations/"+d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".sql") || len(e.Name()) < 6 || e.Name()[4] != '_' {
				t.Errorf("%s/%s: want NNNN_name.sql", d, e.Name())
			}
		}
	}
}

func TestRebind(t *testing.T) {
	q := "a = ? AND (b, c) < (?, ?)"
	if got := db.Rebind(db.Postgres, q); got != "a = $1 AND (b, c) < ($2, $3)" {
		t.Fatalf("postgres: %s", got)
	}
	if got := db.Rebind(db.SQLite, q); got != q {
		t.Fatalf("sqlite: %s", got)
	}
}

func TestNewIDIsUniqueAndOrderedUnderConcurrency(t *testing.T) {
	const workers, each = 8, 20000
	var mu sync.Mutex
	seen := make(map[int64]bool, workers*each)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]int64, each)
			for i := range local {
				local[i] = db.NewID()
				if i > 0 && local[i] <= local[i-1] {
					t.Errorf("ids went backwards: %d after %d", local[i], local[i-1])
					return
				}
			}
			mu.Lock()
			for _, id := range local {
				if seen[id] {
					t.Errorf("duplicate id %d", id)
				}
				seen[id] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
}

// A DSN or server URL is printed with every secret in it hidden, wherever
// it is given; a SQLite path is printed as it is.
func TestRedactHidesEverySecretInADSN(t *testing.T) {
	for _, c := range []struct{ dsn, keep string }{
		{"postgres://hark:S3cretPW@127.0.0.1:5432/hark", "postgres://hark:xxxxx@127.0.0.1:5432/hark"},
		{"postgres://127.0.0.1:5432/hark?user=hark&password=S3cretPW&sslmode=disable", "sslmode=disable"},
		{"postgresql://hark@db/hark?sslpassword=S3cretPW", "postgresql://hark@db/hark"},
		{"postgres://hark:S3cret%PW@db/hark", "postgres://hark:xxxxx@db/hark"}, // would not parse
		// Not %-escaped, these read as a port and a path or fragment.
		{"postgres://hark:2024#S3cretPW@db.example/hark", "postgres://hark:xxxxx@db.example/hark"},
		{"postgres://hark:123/S3cretPW@db.example/hark", "postgres://hark:xxxxx@db.example/hark"},
		{"postgres://hark:9?S3cretPW=1@db.example/hark", "postgres://hark:xxxxx@db.example/hark"},
		{"nats://hark:S3cretPW@127.0.0.1:4222", "127.0.0.1:4222"},
		{"nats://S3cretPW@127.0.0.1:4222", "127.0.0.1:4222"}, // a token
		{"nats://a:S3cretPW@n1:4222,nats://a:S3cretPW@n2:4222", "n2:4222"},
		{"/var/lib/hark/hark.db", "/var/lib/hark/hark.db"},
		{"we?ird.db", "we?ird.db"},
	} {
		got := db.Redact(c.dsn)
		if strings.Contains(got, "S3cret") || !strings.Contains(got, c.keep) {
			t.Errorf("Redact(%q) = %q; want the secret hidden and %q kept", c.dsn, got, c.keep)
		}
	}
}

// A SQLite file name may hold the characters a file: URI gives meaning to
// ('?', '#', '%'): the store is that file, not one cut at the '?'.
func TestASQLiteFileNameWithURICharactersIsThatFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"we?ird.db", "hash#1.db", "100%25.db"} {
		p := filepath.Join(dir, name)
		d, err := db.Open(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		err = d.Migrate(ctx)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("no store at %s: %v", p, err)
		}
	}
	for _, wrong := range []string{"we", "hash", "100%.db"} {
		if _, err := os.Stat(filepath.Join(dir, wrong)); err == nil {
			t.Errorf("the store went to %s", wrong)
		}
	}
}
