package conversation_test

import (
	"context"
	"fmt"
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
		failed := dbtest.InTurn(t, d, holdConversation(conv), func() error {
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

// A delete can come before the message it deletes (a tweet_create replayed
// after its tweet_delete, a Page comment's add retried after its remove).
// The delete is remembered per account, applied once the message is
// stored, then forgotten; one older than EarlyDeleteTTL is let go.
func TestADeleteThatCameFirstIsAppliedWhenItsMessageComes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		at := time.Now().Add(-time.Minute).UnixMilli()
		for range 2 { // a redelivered delete is remembered once
			if found, err := w.convs.ApplyRevision(ctx, w.x.ID, "t1", conversation.RevisionDeleted, "", at); err != nil || found {
				t.Fatalf("delete of a message not stored: %v %v", found, err)
			}
		}
		// A delete remembered longer ago than EarlyDeleteTTL is let go at
		// the next one.
		old := time.Now().Add(-conversation.EarlyDeleteTTL - time.Hour).UnixMilli()
		if _, err := d.W.ExecContext(ctx, fmt.Sprintf("INSERT INTO early_deletes (account_id, provider_id, deleted_at, noted_at) VALUES (%d, 't0', %d, %d)", w.x.ID, old, old)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.convs.ApplyRevision(ctx, w.x.ID, "t2", conversation.RevisionDeleted, "", at); err != nil {
			t.Fatal(err)
		}

		conv := w.post(t, w.x, "t1", "dana", "@brand my card is 4111 1111 1111 1111", time.Now().Add(-2*time.Minute))
		w.post(t, w.x, "t0", "dana", "@brand deleted a week ago", time.Now().Add(-2*time.Minute))
		w.post(t, w.fb, "t2", "dana", "same id, another account", time.Now().Add(-2*time.Minute))
		if n, err := w.convs.ApplyEarlyDeletes(ctx, w.fb.ID, []string{"t2"}); err != nil || n != 0 {
			t.Fatalf("a delete on X deleted a Facebook message: %d %v", n, err)
		}
		if n, err := w.convs.ApplyEarlyDeletes(ctx, w.x.ID, []string{"t0", "t1", "t3"}); err != nil || n != 1 {
			t.Fatalf("deleted %d, %v; want t1 only", n, err)
		}
		msgs, _ := w.convs.Messages(ctx, conv)
		byID := map[string]conversation.Message{}
		for _, m := range msgs {
			byID[m.ProviderID] = m
		}
		if m := byID["t1"]; m.DeletedAt != at {
			t.Fatalf("the message deleted before it came is %+v", m)
		}
		if revs, _ := w.convs.Revisions(ctx, byID["t1"].ID); len(revs) != 1 || revs[0].Kind != conversation.RevisionDeleted {
			t.Fatalf("revisions: %+v", revs)
		}
		if m := byID["t0"]; m.ID == 0 || m.DeletedAt != 0 {
			t.Fatalf("a delete older than EarlyDeleteTTL was applied: %+v", m)
		}
		if n, err := w.convs.ApplyEarlyDeletes(ctx, w.x.ID, []string{"t1"}); err != nil || n != 0 {
			t.Fatalf("an applied delete is forgotten: %d %v", n, err)
		}
	})
}

// The inbox previews a thread's newest message: edited, the preview shows
// the new text; deleted, the newest message still there. Before, the list
// went on showing what the customer had changed or taken back (a card
// number posted by mistake) until the next message came.
func TestThePreviewFollowsEditsAndDeletes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.stubLabels()
		ctx := context.Background()
		conv := w.post(t, w.x, "p1", "dana", "@brand where is my bag", time.Now().Add(-2*time.Minute))
		w.post(t, w.x, "p2", "dana", "@brand my card is 4111 1111 1111 1111", time.Now().Add(-time.Minute))
		preview := func() string {
			c, err := w.convs.Get(ctx, conv)
			if err != nil {
				t.Fatal(err)
			}
			return c.Preview
		}
		if p := preview(); p != "@brand my card is 4111 1111 1111 1111" {
			t.Fatalf("preview %q", p)
		}
		if _, err := w.convs.ApplyRevision(ctx, w.x.ID, "p2", conversation.RevisionEdited, "@brand sorry, wrong   window", time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if p := preview(); p != "@brand sorry, wrong window" {
			t.Errorf("after the edit the preview is %q", p)
		}
		if _, err := w.convs.ApplyRevision(ctx, w.x.ID, "p2", conversation.RevisionDeleted, "", time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if p := preview(); p != "@brand where is my bag" {
			t.Errorf("after the delete the preview is %q, want the message still there", p)
		}
		if _, err := w.convs.ApplyRevision(ctx, w.x.ID, "p1", conversation.RevisionDeleted, "", time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if p := preview(); p != "" {
			t.Errorf("with every message deleted the preview is %q", p)
		}
	})
}
