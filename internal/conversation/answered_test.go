package conversation_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/user"
)

// Two agents have a customer's post open and both answer it. The second
// reply, written on a page whose newest message was the customer's, is
// refused with the first agent's answer, which it had not seen: the
// customer is not answered twice unawares. An agent's own answer since,
// a reply that failed, and a reply that names nothing it saw are not held
// back; a hand-off's public answer is a reply like any other.
func TestAReplySomeoneElseMadeSinceHoldsBackAnother(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		ben, err := user.New(d).Add(ctx, "ben@brand.test", "Ben", "agent", "")
		if err != nil {
			t.Fatal(err)
		}
		conv := w.comment(t, w.fb, "111_222", "", "900", "Maria", "my bag never arrived", time.Now().Add(-time.Minute))
		msgs, err := w.convs.Messages(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		seen := msgs[len(msgs)-1].ID // what both pages showed
		reply := func(by int64, upTo int64, text string) (conversation.Message, error) {
			return w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: conv, UserID: by, Text: text, SeenUpTo: upTo})
		}
		anas, err := reply(w.agent.ID, seen, "We found your bag")
		if err != nil {
			t.Fatal(err)
		}
		_, err = reply(ben.ID, seen, "Please DM us your tag number")
		var answered *conversation.AnsweredError
		if !errors.As(err, &answered) || !errors.Is(err, hark.ErrConflict) || answered.Reply.ID != anas.ID || answered.Reply.UserID != w.agent.ID {
			t.Fatalf("Ben's reply on a page older than Ana's: %v, want a conflict naming her reply %d", err, anas.ID)
		}
		_, _, err = w.convs.Handoff(ctx, conversation.HandoffInput{ConversationID: conv, UserID: ben.ID, SeenUpTo: seen,
			Public: "We'll DM you", Private: "Your tag number, please?"})
		if !errors.As(err, &answered) || answered.Reply.ID != anas.ID {
			t.Fatalf("Ben's hand-off on a page older than Ana's reply: %v, want a conflict", err)
		}
		if n := outbound(t, w, conv); n != 1 {
			t.Fatalf("after Ben was held back the customer has %d answers, want 1", n)
		}
		if _, err := reply(w.agent.ID, seen, "And a voucher"); err != nil {
			t.Errorf("Ana after her own reply: %v", err)
		}
		if _, err := reply(ben.ID, 0, "Ben, not saying what he saw"); err != nil {
			t.Errorf("a reply that names no message: %v", err)
		}
		latest, err := w.convs.Messages(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		upTo := latest[len(latest)-1].ID
		failed, err := reply(w.agent.ID, upTo, "this one fails")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.ExecContext(ctx, db.Rebind(d.Dialect, "UPDATE messages SET send_status = 'failed' WHERE id = ?"), failed.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := reply(ben.ID, upTo, "Ben after a reply that failed"); err != nil {
			t.Errorf("Ben after Ana's failed reply: %v, want it taken: the customer never got hers", err)
		}
	})
}

func outbound(t *testing.T, w *world, conv int64) int {
	t.Helper()
	msgs, err := w.convs.Messages(context.Background(), conv)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Direction == "out" {
			n++
		}
	}
	return n
}

// A script's reply is retried with its Idempotency-Key after someone else
// answered: the retry gets the first reply back, not a conflict inviting
// a second answer with a new key. Replayed says the same before Reply.
func TestARetriedReplyIsReplayedEvenAfterAnotherAnswer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		ben, err := user.New(d).Add(ctx, "ben@brand.test", "Ben", "agent", "")
		if err != nil {
			t.Fatal(err)
		}
		conv := w.comment(t, w.fb, "111_222", "", "900", "Maria", "my bag never arrived", time.Now().Add(-time.Minute))
		msgs, err := w.convs.Messages(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		in := conversation.ReplyInput{ConversationID: conv, UserID: ben.ID, Text: "Please DM us your tag number", Key: "k1", SeenUpTo: msgs[len(msgs)-1].ID}
		if m, err := w.convs.Replayed(ctx, in); err != nil || m.ID != 0 {
			t.Fatalf("Replayed before any reply: %+v %v", m, err)
		}
		first, err := w.convs.Reply(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: conv, UserID: w.agent.ID, Text: "We found your bag"}); err != nil {
			t.Fatal(err)
		}
		again, err := w.convs.Reply(ctx, in)
		if !errors.Is(err, conversation.ErrReplayed) || again.ID != first.ID {
			t.Fatalf("the retry after Ana's answer: %v (message %d), want the first reply %d replayed", err, again.ID, first.ID)
		}
		if m, err := w.convs.Replayed(ctx, in); !errors.Is(err, conversation.ErrReplayed) || m.ID != first.ID {
			t.Fatalf("Replayed: %v (message %d), want the first reply %d", err, m.ID, first.ID)
		}
		if n := outbound(t, w, conv); n != 2 {
			t.Fatalf("the customer has %d answers, want Ben's and Ana's", n)
		}
	})
}
