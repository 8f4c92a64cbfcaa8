package db

import (
	"context"
	"database/sql"
	"strings"
)

// RowChunks are the row counts multi-row inserts are prepared for: a
// batch's rows go in the fewest statements these sizes allow.
var RowChunks = []int{64, 16, 4, 1}

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

// InsertRows writes n rows with a multi-row insert prepared for each of
// RowChunks, in the fewest statements: stmt is the statement for k rows,
// row appends the i-th row's values to args.
func InsertRows(ctx context.Context, n int, stmt func(k int) *sql.Stmt, row func(i int, args []any) []any) error {
	var args []any
	for done := 0; done < n; {
		k := RowChunk(n - done)
		args = args[:0]
		for i := done; i < done+k; i++ {
			args = row(i, args)
		}
		if _, err := stmt(k).ExecContext(ctx, args...); err != nil {
			return err
		}
		done += k
	}
	return nil
}
