package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
)

// One call is one group commit: threading, replies and redeliveries inside
// a single batch must come out as they do one message at a time, though the
// writer holds the batch's rows until the end.
func TestIngestOneBatchThreadsLikeOneAtATime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Now().Add(-2 * time.Hour)
		reply := tweet("b3", "joe", "same here", now.Add(2*time.Minute))
		reply.ReplyTo = "b1"
		dm := func(id string, at time.Time) ingest.Message {
			m := tweet(id, "maria", "dm "+id, at)
			m.Visibility = "private"
			return m
		}
		res, err := f.p.Ingest(ctx, f.x.ID,
			tweet("b1", "maria", "my bag never arrived", now),
			tweet("b2", "maria", "still nothing", now.Add(time.Minute)),
			reply,
			tweet("b1", "maria", "my bag never arrived", now), // redelivered in the same batch
			dm("b4", now.Add(3*time.Minute)),
			dm("b5", now.Add(4*time.Minute)),
		)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("item %d: %v", i, r.Err)
			}
		}
		first := res[0]
		if !first.NewConversation || res[1].ConversationID != first.ConversationID || res[2].ConversationID != first.ConversationID {
			t.Fatalf("follow-up and reply did not join the thread: %+v", res[:3])
		}
		if !res[3].Duplicate || res[3].MessageID != first.MessageID {
			t.Fatalf("redelivery in the same batch: %+v, want duplicate of %d", res[3], first.MessageID)
		}
		if res[4].ConversationID == first.ConversationID || res[5].ConversationID != res[4].ConversationID || !res[4].NewConversation {
			t.Fatalf("DMs: %+v", res[4:])
		}
		conv, err := f.convs.Get(ctx, first.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		// The thread's row is what three single commits would have left.
		if conv.MessageCount != 3 || conv.LastMessageAt != now.Add(2*time.Minute).UnixMilli() ||
			conv.WaitingSince != now.UnixMilli() || conv.ContactHandle != "maria" || conv.Preview != "same here" {
			t.Fatalf("conversation row: %+v", conv)
		}
		msgs, err := f.convs.Messages(ctx, first.ConversationID)
		if err != nil || len(msgs) != 3 {
			t.Fatalf("thread has %d messages (%v), want 3", len(msgs), err)
		}
		dmConv, _ := f.convs.Get(ctx, res[4].ConversationID)
		if dmConv.MessageCount != 2 || dmConv.Visibility != "private" {
			t.Fatalf("DM thread: %+v", dmConv)
		}
		// The next batch finds what this one stored.
		late := tweet("b6", "maria", "any news?", now.Add(10*time.Minute))
		r := one(t, f, f.x.ID, late)
		if r.ConversationID != first.ConversationID {
			t.Fatalf("follow-up in the next batch went to %d, want %d", r.ConversationID, first.ConversationID)
		}
		p, err := f.convs.List(ctx, conversationFilter(f, "arrived"))
		if err != nil || len(p.Conversations) != 1 || p.Conversations[0].ID != first.ConversationID {
			t.Fatalf("full-text search after a batch: %+v %v", p.Conversations, err)
		}
	})
}

func conversationFilter(f *fixture, q string) conversation.Filter {
	return conversation.Filter{WorkspaceID: f.ws.ID, Query: q}
}
