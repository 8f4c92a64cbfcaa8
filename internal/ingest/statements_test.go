package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
)

// A group commit sends the same few statements however many of its
// messages follow up a thread the store holds. Each such message used to
// cost a query for its author's latest thread and an UPDATE of it, a round
// trip each on PostgreSQL: 8 follow-ups took 21 statements, 2 took 9.
func TestGroupCommitStatementsDoNotGrowWithFollowUps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, base *db.DB) {
		d, sent := dbtest.Counted(t, base)
		f := setup(t, d)
		ctx := context.Background()
		now := time.Now().Add(-time.Hour)
		const authors = 13
		threads := make([]int64, authors)
		for i := range authors {
			threads[i] = one(t, f, f.x.ID, tweet(fmt.Sprintf("t%d", i), fmt.Sprintf("author%d", i), "my bag never arrived", now)).ConversationID
		}
		followUps := func(n, round int) int64 {
			batch := make([]ingest.Message, n)
			for i := range batch {
				batch[i] = tweet(fmt.Sprintf("f%d-%d", round, i), fmt.Sprintf("author%d", i), "any news?", now.Add(time.Duration(round)*time.Minute))
			}
			before := sent.Count()
			res, err := f.p.Ingest(ctx, f.x.ID, batch...)
			if err != nil {
				t.Fatal(err)
			}
			statements := sent.Count() - before
			for i, r := range res {
				if r.Err != nil || r.NewConversation || r.ConversationID != threads[i] {
					t.Fatalf("follow-up %d: %+v (%v), want conversation %d", i, r.Stored, r.Err, threads[i])
				}
			}
			return statements
		}
		// 2 and 8 rows are each one chunk of db.RowChunks and
		// db.UpdateChunks: every multi-row statement is one for either.
		few, many := followUps(2, 1), followUps(8, 2)
		t.Logf("a group commit of 2 follow-ups sent %d statements, one of 8 sent %d", few, many)
		if many != few {
			t.Errorf("a group commit of 8 follow-ups sent %d statements, one of 2 sent %d: statements grow with the batch", many, few)
		}
		// A batch of more threads than a statement updates (8, 4 and 1),
		// and every batch's updates reached their threads.
		followUps(authors, 3)
		for i, id := range threads {
			want := 2
			switch {
			case i < 2:
				want = 4
			case i < 8:
				want = 3
			}
			c, err := f.convs.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.MessageCount != want || c.Preview != "any news?" || c.LastMessageAt != now.Add(3*time.Minute).UnixMilli() {
				t.Fatalf("thread of author%d: %d messages, preview %q, last at %d; want %d", i, c.MessageCount, c.Preview, c.LastMessageAt, want)
			}
		}
	})
}
