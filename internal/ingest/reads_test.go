package ingest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
)

// On PostgreSQL a group commit reads rows for the messages it holds, not
// for the tables. The server keeps a plan per prepared statement, made
// from what it believes of the tables at the time; the batch lookups'
// plans made on a new desk's near-empty tables read every message and
// every identity of the account for each batch, long after the tables
// grew (3 ms a batch at 3,000 messages, 255 ms at 100,000), until the
// statistics were gathered again. force_generic_plan makes the server keep
// the first run's plan, which it would otherwise do from the sixth, so the
// test does not depend on when.
func TestGroupCommitReadsRowsForItsMessagesNotTheTables(t *testing.T) {
	if dbtest.PostgresDSN(t) == "" {
		t.Skip("no PostgreSQL server (set HARK_TEST_POSTGRES to require one)")
	}
	ctx := context.Background()
	base := dbtest.Open(t, db.Postgres)
	d, err := db.Open(ctx, base.DSN+"&plan_cache_mode=force_generic_plan")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	d.W.SetMaxOpenConns(1) // every batch on the connection that planned first
	f := setup(t, d)
	var measure atomic.Bool
	read := map[string]int64{} // table: rows the measured group commit read
	f.p.Use(ingest.Stage{Name: "rows read", Phase: ingest.InCommit, Run: func(ctx context.Context, b *ingest.Batch) error {
		if !measure.Load() {
			return nil
		}
		rows, err := b.Tx.QueryContext(ctx, `SELECT relname, seq_tup_read + coalesce(idx_tup_fetch, 0)
			FROM pg_stat_xact_user_tables WHERE schemaname = current_schema()`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var table string
			var n int64
			if err := rows.Scan(&table, &n); err != nil {
				return err
			}
			read[table] = n
		}
		return rows.Err()
	}}, "")
	now := time.Now().Add(-time.Hour)
	one(t, f, f.x.ID, tweet("t0", "author0", "my bag never arrived", now)) // planned here
	const stored, authors = 2000, 200
	for i := 1; i < stored; i += 100 {
		var batch []ingest.Message
		for j := i; j < min(i+100, stored); j++ {
			batch = append(batch, tweet(fmt.Sprintf("t%d", j), fmt.Sprintf("author%d", j%authors), "still nothing", now.Add(time.Duration(j)*time.Millisecond)))
		}
		if _, err := f.p.Ingest(ctx, f.x.ID, batch...); err != nil {
			t.Fatal(err)
		}
	}
	// The server counts what a connection reads until it next reports to
	// the shared statistics, at most once a second: report now, so that the
	// counts the stage reads are the measured group commit's alone.
	if _, err := d.W.ExecContext(ctx, "SELECT pg_stat_force_next_flush()"); err != nil {
		t.Fatal(err)
	}
	measure.Store(true)
	var batch []ingest.Message
	for i := range 10 {
		batch = append(batch, tweet(fmt.Sprintf("f%d", i), fmt.Sprintf("author%d", i), "any news?", now.Add(time.Minute)))
	}
	res, err := f.p.Ingest(ctx, f.x.ID, batch...)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.NewConversation {
			t.Fatalf("follow-up %d: %+v (%v)", i, r.Stored, r.Err)
		}
	}
	t.Logf("rows read by a group commit of %d follow-ups: %v", len(batch), read)
	if len(read) == 0 {
		t.Fatal("the stage saw no tables")
	}
	// A lookup, an update and a foreign-key check a message on a table are
	// a few rows each; the store holds 2,000 messages from 200 authors.
	for table, n := range read {
		if n > 4*int64(len(batch)) {
			t.Errorf("the group commit read %d rows of %s for %d messages", n, table, len(batch))
		}
	}
}
