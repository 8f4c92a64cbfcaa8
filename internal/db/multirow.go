package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// RowChunks are the row counts multi-row statements are prepared for: a
// batch's rows go in the fewest statements these sizes allow, one per bit
// of the count below 128. On PostgreSQL every statement is a round trip,
// and a group commit of 7 rows was four (4, 1, 1, 1) when the sizes were
// 64, 16, 4 and 1.
var RowChunks = []int{64, 32, 16, 8, 4, 2, 1}

// UpdateChunks are the row counts multi-row updates are prepared for. On
// PostgreSQL each row is a copy of the one-row UPDATE (MultiUpdate), whose
// cached plan the server keeps for each connection the statement is
// prepared on, some 100 kB a copy (6.5 MB for 64); past 8 rows the round
// trip a row saves is less than the row's own work on the server.
var UpdateChunks = []int{8, 4, 2, 1}

// RowChunk is the largest of RowChunks that n rows fill.
func RowChunk(n int) int {
	for _, c := range RowChunks {
		if c <= n {
			return c
		}
	}
	return 1
}

// MultiRow repeats a one-row statement's VALUES tuple n times and rebinds
// it, so that n rows cost one statement. Written with ? placeholders in
// both dialects; PostgreSQL's tuples carry casts, since it infers no types
// for the rows of a multi-row VALUES. Whatever follows the tuple (the rest
// of an UPDATE ... FROM) is kept after the last copy.
func MultiRow(d Dialect, q string, n int) string {
	i := strings.LastIndex(q, "VALUES")
	head, rest := q[:i+len("VALUES")], strings.TrimSpace(q[i+len("VALUES"):])
	end := tupleEnd(rest)
	tuple, tail := rest[:end], rest[end:]
	return Rebind(d, head+" "+strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")+tail)
}

// tupleEnd is where the parenthesised tuple s starts with ends (past its
// closing parenthesis), skipping parentheses in quoted literals.
func tupleEnd(s string) int {
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// MultiUpdate makes n copies of a one-row PostgreSQL UPDATE (written with
// $1…$k) one statement: each copy but the last a WITH query, their
// placeholders numbered on, so the i-th row's values follow the (i-1)-th's.
// Each copy keeps the one-row statement's plan (a primary-key lookup),
// where an UPDATE ... FROM (VALUES ...) is a join that PostgreSQL plans by
// what it believes of the table's size, and a plan cached while the table
// was small scans all of it. The rows must be distinct: a statement
// updates a row once.
func MultiUpdate(q string, n int) string {
	k := maxParam(q)
	last := shiftParams(q, (n-1)*k)
	if n == 1 {
		return last
	}
	with := make([]string, n-1)
	for i := range with {
		with[i] = fmt.Sprintf("u%d AS (%s)", i, shiftParams(q, i*k))
	}
	return "WITH " + strings.Join(with, ", ") + " " + last
}

// forEachParam calls fn with the offset and number of each $N placeholder
// of q outside quoted literals.
func forEachParam(q string, fn func(at, end, n int)) {
	quoted := false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted || c != '$':
		default:
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j > i+1 {
				n, _ := strconv.Atoi(q[i+1 : j])
				fn(i, j, n)
				i = j - 1
			}
		}
	}
}

func maxParam(q string) int {
	k := 0
	forEachParam(q, func(_, _, n int) { k = max(k, n) })
	return k
}

func shiftParams(q string, by int) string {
	var b strings.Builder
	last := 0
	forEachParam(q, func(at, end, n int) {
		b.WriteString(q[last:at])
		b.WriteString("$" + strconv.Itoa(n+by))
		last = end
	})
	b.WriteString(q[last:])
	return b.String()
}

// Inserts is a one-row statement prepared once, on a store's write pool,
// for each of RowChunks (UpdateChunks for an update): a batch's rows go in
// the fewest statements.
type Inserts map[int]*sql.Stmt

// PrepareInserts prepares q, a one-row INSERT as MultiRow takes it.
func PrepareInserts(ctx context.Context, d *DB, q string) (Inserts, error) {
	return prepareChunks(ctx, d, RowChunks, func(n int) string { return MultiRow(d.Dialect, q, n) })
}

// PrepareUpdates prepares q, a one-row UPDATE by primary key, for a batch
// of distinct rows: on PostgreSQL as MultiUpdate composes it, on SQLite as
// MultiRow does (there q is an UPDATE ... FROM a VALUES tuple: SQLite
// plans the join as lookups by primary key whatever the table's size).
func PrepareUpdates(ctx context.Context, d *DB, q string) (Inserts, error) {
	if d.Dialect == Postgres {
		return prepareChunks(ctx, d, UpdateChunks, func(n int) string { return MultiUpdate(q, n) })
	}
	return prepareChunks(ctx, d, UpdateChunks, func(n int) string { return MultiRow(d.Dialect, q, n) })
}

func prepareChunks(ctx context.Context, d *DB, sizes []int, compose func(n int) string) (Inserts, error) {
	in := Inserts{}
	for _, n := range sizes {
		st, err := d.W.PrepareContext(ctx, compose(n))
		if err != nil {
			in.Close()
			return nil, err
		}
		in[n] = st
	}
	return in, nil
}

// Close releases the statements.
func (in Inserts) Close() {
	for _, st := range in {
		st.Close()
	}
}

// chunk is the largest prepared row count that n rows fill.
func (in Inserts) chunk(n int) int {
	for _, c := range RowChunks {
		if c <= n && in[c] != nil {
			return c
		}
	}
	return 1
}

// Exec writes n rows in tx; row appends the i-th row's values to args.
func (in Inserts) Exec(ctx context.Context, tx *sql.Tx, n int, row func(i int, args []any) []any) error {
	bound := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range bound {
			st.Close()
		}
	}()
	var args []any
	for done := 0; done < n; {
		k := in.chunk(n - done)
		st := bound[k]
		if st == nil {
			st = tx.StmtContext(ctx, in[k])
			bound[k] = st
		}
		args = args[:0]
		for i := done; i < done+k; i++ {
			args = row(i, args)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
		done += k
	}
	return nil
}
