// Package db opens Hark's store (embedded SQLite or PostgreSQL), applies the
// versioned migrations and loads the named SQL that domain packages run.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", pure Go
)

// Dialect names the SQL flavour a DB speaks.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. SQLite gets one writer connection beside a pool of readers
// so that writers queue in Go instead of spinning on SQLITE_BUSY; PostgreSQL
// uses one pool for both.
type DB struct {
	Dialect Dialect
	W       *sql.DB // writes and read-your-writes
	R       *sql.DB // reads
	DSN     string
}

// IsPostgres reports whether the DSN names a PostgreSQL server.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to dsn: a postgres:// URL, or else a SQLite file path.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return open(ctx, dsn, sql.Open)
}

// OpenWrapped is Open with every connection made through wrap(driver), so
// that a test can see what the store sends its database (dbtest.Counted).
func OpenWrapped(ctx context.Context, dsn string, wrap func(driver.Driver) driver.Driver) (*DB, error) {
	return open(ctx, dsn, func(name, dsn string) (*sql.DB, error) {
		registered, err := sql.Open(name, "")
		if err != nil {
			return nil, err
		}
		defer registered.Close()
		return sql.OpenDB(connector{wrap(registered.Driver()), dsn}), nil
	})
}

// connector opens dsn with a driver that is not registered by name.
type connector struct {
	d   driver.Driver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }

// opener opens a pool of a registered driver, as sql.Open does.
type opener func(driverName, dsn string) (*sql.DB, error)

func open(ctx context.Context, dsn string, o opener) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("db: empty database path or DSN")
	}
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn, o)
	}
	return openSQLite(ctx, dsn, o)
}

// ErrNoDatabase is OpenExisting's error for a SQLite file that is not there.
var ErrNoDatabase = errors.New("no database")

// OpenExisting is Open for a store that must be there already: a SQLite
// path naming no file is ErrNoDatabase, and nothing is created (a typo in
// the path would otherwise make a new, empty database).
func OpenExisting(ctx context.Context, dsn string) (*DB, error) {
	if dsn != "" && !IsPostgres(dsn) {
		path := strings.TrimPrefix(dsn, "sqlite://")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s", ErrNoDatabase, path)
		}
	}
	return Open(ctx, dsn)
}

func openPostgres(ctx context.Context, dsn string, open opener) (*DB, error) {
	p, err := open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	p.SetMaxOpenConns(16)
	p.SetMaxIdleConns(16)
	p.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.PingContext(pctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("db: reach postgres at %s: %w", Redact(dsn), err)
	}
	return &DB{Dialect: Postgres, W: p, R: p, DSN: dsn}, nil
}

func openSQLite(ctx context.Context, path string, open opener) (*DB, error) {
	path = strings.TrimPrefix(path, "sqlite://")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("db: create directory for %s: %w", path, err)
		}
	}
	// synchronous=NORMAL in WAL mode keeps every committed transaction across
	// a process crash (SIGKILL); only an OS crash may lose the last commits.
	// wal_autocheckpoint(8000) lets the WAL grow to about 32 MB between
	// checkpoints: a group commit rewrites the same hot pages (index tails,
	// full-text segments), so rarer checkpoints copy far fewer pages in all;
	// at the default of 1000 checkpoints took a third of the ingest commit time.
	params := "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)" +
		"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)" +
		"&_pragma=mmap_size(268435456)&_pragma=wal_autocheckpoint(8000)&_txlock=immediate"
	uri := "file:" + sqliteURIPath(path)
	w, err := open("sqlite", uri+params)
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	r, err := open("sqlite", uri+strings.Replace(params, "&_txlock=immediate", "", 1)+"&_pragma=query_only(ON)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open readers for %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	r.SetConnMaxIdleTime(0)
	return &DB{Dialect: SQLite, W: w, R: r, DSN: path}, nil
}

// sqliteURIPath escapes what a file: URI would read in a file name: '?'
// starts the parameters and '#' a fragment, so 'we?ird.db' opened a file
// named 'we'; SQLite decodes the %XX escapes back.
func sqliteURIPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Close closes every pool.
func (d *DB) Close() error {
	err := d.W.Close()
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	return err
}

// Tx runs fn in a write transaction and commits when fn returns nil.
func (d *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// Redact returns a DSN or server URL fit to print: a postgres:// or
// nats:// URL with the password hidden wherever it is given (after the user
// name, or as a query parameter such as ?password=, which pgx also reads),
// a NATS token given as the user hidden too, and a SQLite path as it is.
// A comma-separated list of URLs (NATS servers) has each one redacted.
func Redact(dsn string) string {
	if !strings.Contains(dsn, "://") {
		return dsn
	}
	parts := strings.Split(dsn, ",")
	for i, p := range parts {
		parts[i] = redactURL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

func redactURL(s string) string {
	scheme, rest, _ := strings.Cut(s, "://")
	// A password the writer did not %-escape may hold '#', '/' or '?', and
	// url.Parse would then read it as a port, path or fragment and find no
	// password at all: whatever stands before the last '@' and after the
	// user's ':' is hidden before parsing. (An '@' in the query makes this
	// hide more than it need, never less.)
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, ok := strings.Cut(rest[:at], ":"); ok {
			s = scheme + "://" + user + ":xxxxx" + rest[at:]
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		// Nothing of a URL that does not parse is shown: it may be the
		// password that breaks it.
		return scheme + "://…"
	}
	if _, has := u.User.Password(); u.User != nil && !has && !IsPostgres(s) {
		// nats://TOKEN@host: the lone user is the secret. (A password
		// was hidden above.)
		u.User = url.User("xxxxx")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretParam(k) {
				q[k] = []string{"xxxxx"}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// secretParam reports whether a DSN's query parameter may hold a secret
// (password, sslpassword, token, ...).
func secretParam(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"pass", "secret", "token"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Now is the store's clock: Unix milliseconds, the unit of every time column.
func Now() int64 { return time.Now().UnixMilli() }
