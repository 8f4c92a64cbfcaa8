package db

import (
	"context"
	"database/sql"
	"strings"
)

// RowChunks are the row counts multi-row statements are prepared for: a
// batch's rows go in the fewest statements these sizes allow, one per bit
// of the count below 128. On PostgreSQL every statement is a round trip,
// and a group commit of 7 rows was four (4, 1, 1, 1) when the sizes were
// 64, 16, 4 and 1.
var RowChunks = []int{64, 32, 16, 8, 4, 2, 1}

// RowChunk is the largest of RowChunks that n rows fill.
func RowChunk(n int) int {
	for _, c := range RowChunks {
		if c <= n {
			return c
		}
	}
	return 1
}

// MultiRow repeats a one-row INSERT's VALUES tuple n times and rebinds it,
// so that n rows cost one statement. Written with ? placeholders in both
// dialects; PostgreSQL's tuples carry casts, since it infers no types for
// the rows of a multi-row VALUES.
func MultiRow(d Dialect, q string, n int) string {
	i := strings.LastIndex(q, "VALUES")
	head, tuple := q[:i+len("VALUES")], strings.TrimSpace(q[i+len("VALUES"):])
	return Rebind(d, head+" "+strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", "))
}

// Inserts is a one-row INSERT prepared once, on a store's write pool, for
// each of RowChunks: a batch's rows go in the fewest statements.
type Inserts map[int]*sql.Stmt

// PrepareInserts prepares q, a one-row INSERT as MultiRow takes it.
func PrepareInserts(ctx context.Context, d *DB, q string) (Inserts, error) {
	in := Inserts{}
	for _, n := range RowChunks {
		st, err := d.W.PrepareContext(ctx, MultiRow(d.Dialect, q, n))
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
		k := RowChunk(n - done)
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
