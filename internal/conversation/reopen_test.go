package conversation_test

import (
	"context"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
)

// A thread resolved without a reply is reopened by a late-delivered
// "thanks" sent before the resolved request: it waits on the thanks alone,
// for ingest and for SettleLabels alike. Before, SettleLabels read every
// message sent since waiting_since, the old request too, and an agent's
// correction put the thread back in the needs-reply queue.
func TestAThreadReopenedByALateOlderMessageWaitsOnItAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.stubLabels()
		ctx := context.Background()
		at := time.Now().Add(-48 * time.Hour)
		res, err := w.pipeline.Ingest(ctx, w.fb.ID, ingest.Message{ProviderID: "d1", Visibility: "private",
			Author: ingest.Author{ID: "eve", Handle: "eve"}, Text: "req: my refund never came", SentAt: at})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
		conv := res[0].ConversationID
		if _, err := w.convs.SetStatus(ctx, conv, w.agent.ID, "resolved", time.Time{}); err != nil {
			t.Fatal(err)
		}
		// Sent a minute before the request, delivered only now.
		res, err = w.pipeline.Ingest(ctx, w.fb.ID, ingest.Message{ProviderID: "d0", Visibility: "private",
			Author: ingest.Author{ID: "eve", Handle: "eve"}, Text: "hello, lovely crew on my flight", SentAt: at.Add(-time.Minute)})
		if err != nil || res[0].Err != nil || res[0].ConversationID != conv {
			t.Fatal(err, res)
		}
		c, _ := w.convs.Get(ctx, conv)
		ingested := [2]any{c.Intent, c.NeedsReply}
		if _, err := w.convs.Correct(ctx, conversation.Correction{MessageID: res[0].MessageID, UserID: w.agent.ID, Intent: "praise"}); err != nil {
			t.Fatal(err)
		}
		c2, _ := w.convs.Get(ctx, conv)
		settled := [2]any{c2.Intent, c2.NeedsReply}
		if ingested != settled {
			t.Fatalf("status %s waiting_since %d: ingest left intent/needs_reply %v, settling the same thread (correcting the late message to what it is) gives %v",
				c.Status, c.WaitingSince, ingested, settled)
		}
	})
}
