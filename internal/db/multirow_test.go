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
