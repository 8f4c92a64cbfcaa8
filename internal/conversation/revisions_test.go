package conversation_test

import (
	"context"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

// On PostgreSQL, two deliveries of an edit at once (a webhook retried) are
// one edit, and an older edit queued behind a newer one is left out.
// Before, ApplyRevision read the message before it held the conversation
// and not again: both passed the "already applied" check, the edit was
// recorded twice, and the older landed over the newer.
func TestConcurrentRedeliveriesOfAnEdit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Dialect != db.Postgres {
			t.Skip("row locks: PostgreSQL only")
		}
		w := newWorld(t, d)
		w.stubLabels()
		ctx := context.Background()
		conv := w.post(t, w.x, "r1", "dana", "@brand where is my bag", time.Now().Add(-time.Minute))
		msgs, _ := w.convs.Messages(ctx, conv)
		msg := msgs[0]
		newer, older := time.Now().UnixMilli(), time.Now().Add(-10*time.Second).UnixMilli()
		failed := inTurn(t, d, conv, func() error {
			_, err := w.convs.ApplyRevision(ctx, w.x.ID, "r1", conversation.RevisionEdited, "found it, thanks (newer edit)", newer)
			return err
		}, func() error {
			_, err := w.convs.ApplyRevision(ctx, w.x.ID, "r1", conversation.RevisionEdited, "still lost (older edit)", older)
			return err
		})
		if len(failed) > 0 {
			t.Fatal(failed)
		}
		got, _ := w.convs.Message(ctx, msg.ID)
		revs, _ := w.convs.Revisions(ctx, msg.ID)
		if got.Text != "found it, thanks (newer edit)" {
			t.Errorf("an older edit, delivered at once with a newer one, was applied over it: text %q, revisions %+v", got.Text, revs)
		}
	})
}
