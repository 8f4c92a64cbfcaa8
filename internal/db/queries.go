package db

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Queries holds the named SQL of one package in both dialects. A package keeps
// sqlite.sql and postgres.sql side by side; each block starts with a line
// "-- name: Name".
type Queries struct {
	byDialect map[Dialect]map[string]string
}

// LoadQueries parses sqlite.sql and postgres.sql from fsys and fails when a
// name exists in one dialect and not the other.
func LoadQueries(fsys fs.FS) (*Queries, error) {
	q := &Queries{byDialect: map[Dialect]map[string]string{}}
	for _, d := range []Dialect{SQLite, Postgres} {
		b, err := fs.ReadFile(fsys, string(d)+".sql")
		if err != nil {
			return nil, fmt.Errorf("db: read %s queries: %w", d, err)
		}
		m, err := parseQueries(b)
		if err != nil {
			return nil, fmt.Errorf("db: %s.sql: %w", d, err)
		}
		q.byDialect[d] = m
	}
	for name := range q.byDialect[SQLite] {
		if _, ok := q.byDialect[Postgres][name]; !ok {
			return nil, fmt.Errorf("db: query %q is in sqlite.sql but not postgres.sql", name)
		}
	}
	for name := range q.byDialect[Postgres] {
		if _, ok := q.byDialect[SQLite][name]; !ok {
			return nil, fmt.Errorf("db: query %q is in postgres.sql but not sqlite.sql", name)
		}
	}
	return q, nil
}

// MustLoadQueries is LoadQueries for a package's embedded folder dir; the
// files are fixed at build time and every package's tests load them.
func MustLoadQueries(fsys fs.FS, dir string) *Queries {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	q, err := LoadQueries(sub)
	if err != nil {
		panic(err)
	}
	return q
}

// Get returns the named query in dialect d; a missing name is a programming
// error and panics.
func (q *Queries) Get(d Dialect, name string) string {
	s, ok := q.byDialect[d][name]
	if !ok {
		panic(fmt.Sprintf("db: no query %q for %s", name, d))
	}
	return s
}

// Names lists the query names, sorted.
func (q *Queries) Names() []string {
	var names []string
	for n := range q.byDialect[SQLite] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func parseQueries(b []byte) (map[string]string, error) {
	out := map[string]string{}
	var name string
	var buf strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		s := strings.TrimSpace(buf.String())
		s = strings.TrimSuffix(s, ";")
		if s == "" {
			return fmt.Errorf("query %q is empty", name)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("query %q defined twice", name)
		}
		out[name] = s
		buf.Reset()
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			name = strings.TrimSpace(rest)
			continue
		}
		// Comment lines document the query after them; kept in the text they
		// would make the driver re-parse the statement on every run.
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		if name != "" {
			buf.WriteString(line)
			buf.WriteByte('\n')
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, sc.Err()
}
