package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the dialect's migrations in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("db: migration %s must be named NNNN_what.sql", name)
		}
		b, err := fs.ReadFile(migrations, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("db: %s migrations skip from %d to %d", d, i, m.Version)
		}
	}
	return out, nil
}

// SchemaVersion returns the applied schema version (0 on an empty database).
// It only reads: a command that checks the version while a starting node
// migrates must not create the table under the migration's feet.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`
	if d.Dialect == Postgres {
		q = `SELECT COUNT(*) FROM (SELECT to_regclass('schema_version') AS t) r WHERE t IS NOT NULL`
	}
	var n int
	if err := d.W.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("db: look for schema_version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := d.W.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("db: read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// Migrate applies every pending migration, each in its own transaction that
// also records the new version. It refuses a database newer than this binary.
func (d *DB) Migrate(ctx context.Context) error {
	return d.MigrateTo(ctx, 0)
}

// MigrateTo applies the pending migrations up to version (every one when
// 0): a test of a migration's backfill stores rows in the schema before it.
func (d *DB) MigrateTo(ctx context.Context, version int) error {
	ms, err := Migrations(d.Dialect)
	if err != nil {
		return err
	}
	end := len(ms)
	if version > 0 && version < end {
		end = version
	}
	if d.Dialect == Postgres {
		// Several nodes may start at once: one migrates, the others wait.
		conn, err := d.W.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7249001)`); err != nil {
			return fmt.Errorf("db: migration lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7249001)`)
	}
	if _, err := d.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("db: schema_version: %w", err)
	}
	cur, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return newerSchema(cur, len(ms))
	}
	for _, m := range ms[min(cur, end):end] {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("db: migration %s: %w", m.Name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (`+strconv.Itoa(m.Version)+`)`)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckSchema fails when the database is not at exactly this binary's version.
func (d *DB) CheckSchema(ctx context.Context) error {
	ms, err := Migrations(d.Dialect)
	if err != nil {
		return err
	}
	cur, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		// hark migrate would refuse it too: only a newer hark reads it.
		return newerSchema(cur, len(ms))
	}
	if cur != len(ms) {
		return fmt.Errorf("db: schema version %d, this hark expects %d (run hark migrate)", cur, len(ms))
	}
	return nil
}

func newerSchema(cur, known int) error {
	return fmt.Errorf("db: this database was made by a newer hark: upgrade hark (it is at schema version %d; this hark knows %d)", cur, known)
}
