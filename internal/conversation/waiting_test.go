package conversation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
)

// stubLabels stands in for the classify stage: "req:" is a request that
// needs a reply, anything else is praise that does not.
func (w *world) stubLabels() {
	w.pipeline.Use(ingest.Stage{Name: "label", Phase: ingest.BeforeCommit, Run: func(ctx context.Context, b *ingest.Batch) error {
		for _, it := range b.Items {
			l := map[string]any{"intent": "praise", "sentiment": "positive", "needs_reply": false}
			th := &conversation.ThreadLabels{Intent: "praise", Sentiment: "positive"}
			if strings.HasPrefix(it.Msg.Text, "req:") {
				l = map[string]any{"intent": "request", "sentiment": "negative", "needs_reply": true}
				th = &conversation.ThreadLabels{Intent: "request", Sentiment: "negative", NeedsReply: true}
			}
			it.Labels = map[string]any{conversation.LabelsKey: l}
			it.Thread = th
		}
		return nil
	}}, "")
	w.convs.SetLabeller(func(in conversation.LabelInput) any {
		if strings.HasPrefix(in.Text, "req:") {
			return map[string]any{"intent": "request", "sentiment": "negative", "needs_reply": true}
		}
		return map[string]any{"intent": "praise", "sentiment": "positive", "needs_reply": false}
	})
}

// A customer's message sent before the latest one but delivered after our
// reply (a webhook retried, a poll out of order) is all the thread waits
// for: ingest and SettleLabels agree on it. Before, ingest kept the
// answered request's labels, and the answered thread was back in the
// needs-reply queue.
func TestALateMessageAfterOurReplyIsAllThatWaits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.stubLabels()
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		conv := w.post(t, w.x, "a2", "dana", "req: @brand my bag is lost, where is it?", at)
		if _, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: conv, Text: "We found it, it's on its way"}); err != nil {
			t.Fatal(err)
		}
		// Sent a minute before the request, delivered only now.
		if got := w.post(t, w.x, "a1", "dana", "@brand hi there, lovely crew on my flight", at.Add(-time.Minute)); got != conv {
			t.Fatalf("late message threaded elsewhere")
		}
		c, _ := w.convs.Get(ctx, conv)
		ingested := [2]any{c.Intent, c.NeedsReply}
		// Settle the thread again by "correcting" the late message to what it already is.
		msgs, _ := w.convs.Messages(ctx, conv)
		var late conversation.Message
		for _, m := range msgs {
			if strings.Contains(m.Text, "lovely crew") {
				late = m
			}
		}
		if _, err := w.convs.Correct(ctx, conversation.Correction{MessageID: late.ID, UserID: w.agent.ID, Intent: "praise"}); err != nil {
			t.Fatal(err)
		}
		c2, _ := w.convs.Get(ctx, conv)
		settled := [2]any{c2.Intent, c2.NeedsReply}
		if ingested != settled || c.NeedsReply {
			t.Fatalf("after our reply and a late-delivered thanks: ingest left intent/needs_reply %v (waiting_since %d), settling the same messages gives %v",
				ingested, c.WaitingSince, settled)
		}
	})
}

// A conversation an agent resolved without writing in it (handled by phone,
// another channel) is reopened by the customer's "thanks", sent now or
// sent before the request and delivered late: it waits on the thanks
// alone and needs no reply, for ingest and for SettleLabels alike. Before,
// the request from before the resolve was folded in; and when ingest no
// longer did so, SettleLabels (reading every message sent since
// waiting_since) still did, so an agent's correction put the thread back
// in the needs-reply queue.
func TestAThreadReopenedAfterAResolveWaitsOnTheReopeningMessage(t *testing.T) {
	at := time.Now().Add(-48 * time.Hour)
	for name, sent := range map[string]time.Time{"now": time.Now(), "late, sent before the request": at.Add(-time.Minute)} {
		t.Run(name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				w := newWorld(t, d)
				w.stubLabels()
				ctx := context.Background()
				res, err := w.pipeline.Ingest(ctx, w.fb.ID, ingest.Message{ProviderID: "d1", Visibility: "private",
					Author: ingest.Author{ID: "eve", Handle: "eve"}, Text: "req: my refund never came", SentAt: at})
				if err != nil || res[0].Err != nil {
					t.Fatal(err, res[0].Err)
				}
				conv := res[0].ConversationID
				if _, err := w.convs.SetStatus(ctx, conv, w.agent.ID, "resolved", time.Time{}); err != nil {
					t.Fatal(err)
				}
				res, err = w.pipeline.Ingest(ctx, w.fb.ID, ingest.Message{ProviderID: "d2", Visibility: "private",
					Author: ingest.Author{ID: "eve", Handle: "eve"}, Text: "got it, thank you so much!", SentAt: sent})
				if err != nil || res[0].Err != nil || res[0].ConversationID != conv {
					t.Fatal(err, res)
				}
				c, _ := w.convs.Get(ctx, conv)
				if c.Status != "open" {
					t.Fatalf("not reopened: %s", c.Status)
				}
				if c.NeedsReply || c.Intent != "praise" {
					t.Fatalf("reopened by a thanks: intent %q needs_reply %v (waiting_since %d kept through the resolve)", c.Intent, c.NeedsReply, c.WaitingSince)
				}
				// Settled again by correcting the thanks to what it is.
				if _, err := w.convs.Correct(ctx, conversation.Correction{MessageID: res[0].MessageID, UserID: w.agent.ID, Intent: "praise"}); err != nil {
					t.Fatal(err)
				}
				if c2, _ := w.convs.Get(ctx, conv); c2.Intent != c.Intent || c2.NeedsReply != c.NeedsReply {
					t.Fatalf("waiting_since %d: ingest left intent/needs_reply %q %v, settling the same thread gives %q %v",
						c.WaitingSince, c.Intent, c.NeedsReply, c2.Intent, c2.NeedsReply)
				}
			})
		})
	}
}

// On PostgreSQL, an agent's correction of a message and the customer's edit
// of it, at once, both succeed: both take the conversation before the
// message. Before, the edit took the message first, and PostgreSQL aborted
// one of them as a deadlock (40P01).
func TestACorrectionAndAnEditOfOneMessageAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Dialect != db.Postgres {
			t.Skip("row locks: PostgreSQL only")
		}
		w := newWorld(t, d)
		w.stubLabels()
		ctx := context.Background()
		conv := w.post(t, w.x, "e1", "dana", "req: @brand where is my bag", time.Now().Add(-time.Minute))
		msgs, _ := w.convs.Messages(ctx, conv)
		msg := msgs[0]

		failed := dbtest.InTurn(t, d, holdConversation(conv), func() error {
			_, err := w.convs.Correct(ctx, conversation.Correction{MessageID: msg.ID, UserID: w.agent.ID, Intent: "complaint", NeedsReply: true})
			return err
		}, func() error {
			_, err := w.convs.ApplyRevision(ctx, w.x.ID, "e1", conversation.RevisionEdited, "thanks, found it", time.Now().UnixMilli())
			return err
		})
		if len(failed) > 0 {
			t.Fatalf("a correction and the customer's edit of the same message: %v", failed)
		}
	})
}

// holdConversation is the statement that holds a conversation as its
// actions do (ConversationForAction), for dbtest.InTurn.
func holdConversation(id int64) string {
	return fmt.Sprintf("SELECT id FROM conversations WHERE id = %d FOR NO KEY UPDATE", id)
}
