package db

import "testing"

func TestMultiRow(t *testing.T) {
	q := "INSERT INTO t (a, b) VALUES (?, 'x', ?::bigint)"
	if got, want := MultiRow(SQLite, q, 3), "INSERT INTO t (a, b) VALUES (?, 'x', ?::bigint), (?, 'x', ?::bigint), (?, 'x', ?::bigint)"; got != want {
		t.Errorf("SQLite:\n got %s\nwant %s", got, want)
	}
	if got, want := MultiRow(Postgres, q, 2), "INSERT INTO t (a, b) VALUES ($1, 'x', $2::bigint), ($3, 'x', $4::bigint)"; got != want {
		t.Errorf("Postgres:\n got %s\nwant %s", got, want)
	}
	for n, want := range map[int]int{1: 1, 3: 2, 4: 4, 7: 4, 15: 8, 16: 16, 63: 32, 64: 64, 1000: 64} {
		if got := RowChunk(n); got != want {
			t.Errorf("RowChunk(%d) = %d, want %d", n, got, want)
		}
	}
}

// An UPDATE ... FROM a VALUES tuple keeps what follows the tuple, and a
// parenthesis in a literal does not end it.
func TestMultiRowKeepsTheRestOfTheStatement(t *testing.T) {
	q := "WITH v(a, b) AS (VALUES (?, '(')) UPDATE t SET b = v.b FROM v WHERE t.a = v.a"
	want := "WITH v(a, b) AS (VALUES (?, '('), (?, '(')) UPDATE t SET b = v.b FROM v WHERE t.a = v.a"
	if got := MultiRow(SQLite, q, 2); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestMultiUpdate(t *testing.T) {
	q := "UPDATE t SET b = $2, c = '$1' WHERE a = $1 AND b <> $2"
	if got := MultiUpdate(q, 1); got != q {
		t.Errorf("one row:\n got %s\nwant %s", got, q)
	}
	want := "WITH u0 AS (UPDATE t SET b = $2, c = '$1' WHERE a = $1 AND b <> $2), " +
		"u1 AS (UPDATE t SET b = $4, c = '$1' WHERE a = $3 AND b <> $4) " +
		"UPDATE t SET b = $6, c = '$1' WHERE a = $5 AND b <> $6"
	if got := MultiUpdate(q, 3); got != want {
		t.Errorf("three rows:\n got %s\nwant %s", got, want)
	}
}
