package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/outbox"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// label stands in for the classify stage: "req:" is a request that needs
// a reply, anything else praise that does not; corrections and edits are
// read the same way.
func (f *fixture) label() {
	read := func(text string) (map[string]any, *conversation.ThreadLabels) {
		if strings.HasPrefix(text, "req:") {
			return map[string]any{"intent": "request", "sentiment": "negative", "needs_reply": true},
				&conversation.ThreadLabels{Intent: "request", Sentiment: "negative", NeedsReply: true}
		}
		return map[string]any{"intent": "praise", "sentiment": "positive", "needs_reply": false},
			&conversation.ThreadLabels{Intent: "praise", Sentiment: "positive"}
	}
	f.pipe.Use(ingest.Stage{Name: "label", Phase: ingest.BeforeCommit, Run: func(ctx context.Context, b *ingest.Batch) error {
		for _, it := range b.Items {
			l, th := read(it.Msg.Text)
			it.Labels, it.Thread = map[string]any{conversation.LabelsKey: l}, th
		}
		return nil
	}}, "")
	f.convs.SetLabeller(func(in conversation.LabelInput) any { l, _ := read(in.Text); return l })
}

// customer sends the SMS customer's message text, sent at at.
func (f *fixture) customer(t *testing.T, id, text string, at time.Time) ingest.Result {
	t.Helper()
	res, err := f.pipe.Ingest(context.Background(), f.sms.ID, ingest.Message{ProviderID: id,
		Author: ingest.Author{ID: "+15557654321", Phone: "+15557654321"}, Text: text, SentAt: at})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	return res[0]
}

// answer queues an agent's reply to conv.
func (f *fixture) answer(t *testing.T, conv int64, text string) conversation.Message {
	t.Helper()
	m, err := f.convs.Reply(context.Background(), conversation.ReplyInput{ConversationID: conv, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// correct has an agent correct a customer's message to intent, which
// settles its thread's labels again (conversation.SettleLabels).
func (f *fixture) correct(t *testing.T, msgID int64, intent string) {
	t.Helper()
	ctx := context.Background()
	agent, err := user.New(f.d).Add(ctx, "ana@shop.test", "Ana", "agent", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.convs.Correct(ctx, conversation.Correction{MessageID: msgID, UserID: agent.ID, Intent: intent}); err != nil {
		t.Fatal(err)
	}
}

// waiting is what the inbox shows of conv's wait: since when, whether it
// needs a reply and with what intent, and whether the needs-reply queue
// lists it.
type waiting struct {
	Since      int64
	NeedsReply bool
	Intent     string
	Queued     bool
}

func (f *fixture) waiting(t *testing.T, conv int64) waiting {
	t.Helper()
	ctx := context.Background()
	c, err := f.convs.Get(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	page, err := f.convs.List(ctx, conversation.Filter{WorkspaceID: c.WorkspaceID, NeedsReply: true})
	if err != nil {
		t.Fatal(err)
	}
	w := waiting{Since: c.WaitingSince, NeedsReply: c.NeedsReply, Intent: c.Intent}
	for _, q := range page.Conversations {
		w.Queued = w.Queued || q.ID == conv
	}
	return w
}

// events are the live events published so far, by conversation.
func events(ch <-chan live.Event) map[int64][]string {
	got := map[int64][]string{}
	for {
		select {
		case e := <-ch:
			got[e.ConversationID] = append(got[e.ConversationID], e.Kind)
		default:
			return got
		}
	}
}

// A reply the provider refused never reached the customer: the
// conversation waits for an answer again, from the customer's message, in
// the needs-reply queue and labelled by what they asked, and open desks
// are told. Before, queueing the reply ended the wait and its failure
// never put it back: the thread left the queue for good, and only the
// conversation page showed the reply failed.
func TestAFailedReplyLeavesTheCustomerWaiting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		f.label()
		bus := live.NewLocal()
		f.w.Bus = bus
		asked := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		conv := f.customer(t, "SM-1", "req: my parcel never came", asked).ConversationID
		bad := f.answer(t, conv, "It's on its way")
		if w := f.waiting(t, conv); w.Since != 0 || w.Queued {
			t.Fatalf("a queued reply counts as an answer until it fails: %+v", w)
		}
		ch, stop := bus.Subscribe()
		defer stop()
		f.p.answers = []error{&channel.SendError{Status: 400, Message: "number is not mobile"}}
		f.w.Tick(ctx)
		if st, _, ob := f.state(t, bad); st != "failed" || ob != "failed" {
			t.Fatalf("after a 400: %s %s", st, ob)
		}
		if w := f.waiting(t, conv); w != (waiting{asked.UnixMilli(), true, "request", true}) {
			t.Fatalf("the only reply failed, yet the conversation shows %+v; want waiting since the customer asked (%d), in the needs-reply queue", w, asked.UnixMilli())
		}
		if got := events(ch)[conv]; len(got) == 0 {
			t.Fatal("open desks were not told")
		}
	})
}

// The same for a reply the provider took and later reported undelivered
// (an e-mail bounce, a WhatsApp "failed" status).
func TestABouncedReplyLeavesTheCustomerWaiting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		f.label()
		asked := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		conv := f.customer(t, "SM-1", "req: my parcel never came", asked).ConversationID
		m := f.answer(t, conv, "It's on its way")
		f.w.Tick(ctx)
		_, pid, _ := f.state(t, m)
		if w := f.waiting(t, conv); w.Since != 0 {
			t.Fatalf("sent: %+v", w)
		}
		if ok, err := f.w.Undelivered(ctx, f.sms.ID, pid, "undeliverable"); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if w := f.waiting(t, conv); w != (waiting{asked.UnixMilli(), true, "request", true}) {
			t.Fatalf("the reply was reported undelivered, yet the conversation shows %+v", w)
		}
	})
}

// A reply that failed answered nothing, so it is not where the messages a
// thread waits on begin: what the customer asked before it still counts
// when the thread's labels are settled again (a correction, an edit).
// Before, a "thanks" after a failed reply was all the thread waited on
// once settled, and it left the needs-reply queue.
func TestAFailedReplyDoesNotHideWhatTheCustomerAsked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		f.label()
		asked := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		conv := f.customer(t, "SM-1", "req: my parcel never came", asked).ConversationID
		f.answer(t, conv, "It's on its way")
		f.p.answers = []error{&channel.SendError{Status: 400, Message: "number is not mobile"}}
		f.w.Tick(ctx)
		thanks := f.customer(t, "SM-2", "ok thank you", asked.Add(time.Minute))
		f.correct(t, thanks.MessageID, "praise")
		if w := f.waiting(t, conv); w != (waiting{asked.UnixMilli(), true, "request", true}) {
			t.Fatalf("a thanks after a failed reply, settled: %+v; want the request still waiting", w)
		}
	})
}

// An agent who writes the failed reply again, and gets it through, ends
// the wait again; and a reply that fails after a later one was queued
// does not reopen what that one answered.
func TestAResentReplyEndsTheWaitAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		f.label()
		asked := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		conv := f.customer(t, "SM-1", "req: my parcel never came", asked).ConversationID
		f.answer(t, conv, "It's on its way")
		f.p.answers = []error{&channel.SendError{Status: 400, Message: "blocked"}}
		f.w.Tick(ctx)
		if w := f.waiting(t, conv); !w.Queued {
			t.Fatalf("failed: %+v", w)
		}
		again := f.answer(t, conv, "It's on its way, sorry for the silence")
		f.w.Tick(ctx)
		if st, _, _ := f.state(t, again); st != "sent" {
			t.Fatalf("the resend: %s", st)
		}
		if w := f.waiting(t, conv); w.Since != 0 || w.Queued {
			t.Fatalf("resent and sent: %+v", w)
		}
		// Two more go; the first of them bounces once the second was sent.
		third := f.answer(t, conv, "Tracking: 123")
		fourth := f.answer(t, conv, "And the courier's number: 555")
		f.w.Tick(ctx)
		_, pid3, _ := f.state(t, third)
		if ok, err := f.w.Undelivered(ctx, f.sms.ID, pid3, "bounced"); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if w := f.waiting(t, conv); w.Since != 0 || w.Queued {
			t.Fatalf("a reply failed after a later one was sent: %+v", w)
		}
		_, pid4, _ := f.state(t, fourth)
		_, pid2, _ := f.state(t, again)
		for _, pid := range []string{pid4, pid2} {
			if ok, err := f.w.Undelivered(ctx, f.sms.ID, pid, "bounced"); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		if w := f.waiting(t, conv); w != (waiting{asked.UnixMilli(), true, "request", true}) {
			t.Fatalf("every reply failed: %+v", w)
		}
	})
}

// refuser stands in for X: it posts what it is sent but what refuse
// answers with an error, as X refuses a DM to a customer who accepts none
// from the brand.
type refuser struct{ refuse func(channel.Outgoing) error }

func (p refuser) Provider() string { return "test" }

func (p refuser) Send(_ context.Context, out channel.Outgoing) (channel.Sent, error) {
	if err := p.refuse(out); err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: "tw-" + out.IdempotencyKey}, nil
}

var dmRefused = &channel.SendError{Status: 403, Message: "You cannot send messages to this user"}

// handedOff is a public post on X, at posted, that an agent continued in
// private (Handoff), and what the outbox made of it with refuse.
type handedOff struct {
	*fixture
	bus        *live.Local
	posted     time.Time
	pubID      int64
	ack, dm    conversation.Message
	deliveries map[int64][]string // live events of the delivery, by conversation
}

func handOff(t *testing.T, d *db.DB, refuse func(channel.Outgoing) error) handedOff {
	t.Helper()
	ctx := context.Background()
	wss := workspace.New(d)
	w, _ := wss.Create(ctx, "shop", "Shop")
	x, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: w.ID, Channel: "x", Handle: "shop"})
	wss.SetConfig(ctx, x.ID, json.RawMessage(`{"user_id":"1"}`))
	h := handedOff{bus: live.NewLocal(), posted: time.Now().Add(-time.Hour).Truncate(time.Millisecond)}
	worker := &outbox.Worker{DB: d, Accounts: wss, Log: slog.Default(), Bus: h.bus,
		Registry: outbox.Registry{"x": func(workspace.Account, json.RawMessage) (channel.Connector, error) { return refuser{refuse}, nil }}}
	h.fixture = &fixture{d: d, w: worker, convs: conversation.New(d), pipe: ingest.New(d, wss, nil, nil, nil)}
	h.pipe.Start()
	t.Cleanup(h.pipe.Stop)
	h.label()
	res, err := h.pipe.Ingest(ctx, x.ID, ingest.Message{ProviderID: "t1", Visibility: "public",
		Author: ingest.Author{ID: "42", Handle: "dana"}, Text: "req: @shop my order 5521 never arrived", SentAt: h.posted})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	h.pubID = res[0].ConversationID
	h.ack, h.dm, err = h.convs.Handoff(ctx, conversation.HandoffInput{ConversationID: h.pubID,
		Public: "Sorry Dana, we've sent you a DM", Private: "Hi Dana, can you confirm your address?"})
	if err != nil {
		t.Fatal(err)
	}
	ch, stop := h.bus.Subscribe()
	defer stop()
	worker.Tick(ctx)
	h.deliveries = events(ch)
	if m, _ := h.convs.Message(ctx, h.dm.ID); m.SendStatus != "failed" {
		t.Fatalf("the DM is %q, want failed", m.SendStatus)
	}
	if m, _ := h.convs.Message(ctx, h.ack.ID); m.SendStatus != "sent" {
		t.Fatalf("the acknowledgement is %q, want sent", m.SendStatus)
	}
	return h
}

// "Continue in private" answers a public post with "we'll DM you" and a
// DM. When X refuses the DM, the customer got a promise and nothing else:
// the public post waits again from the customer's message, its log says
// the private message failed, and open desks are told. A public reply
// written since that fails too leaves it waiting from the post still.
// Before, both threads read as answered: the public one by the
// acknowledgement, the private one with nothing to wait on.
func TestARefusedHandoffDMLeavesThePublicPostWaiting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := handOff(t, d, func(out channel.Outgoing) error {
			if out.Private || strings.HasPrefix(out.Text, "Follow") {
				return dmRefused
			}
			return nil
		})
		want := waiting{h.posted.UnixMilli(), true, "request", true}
		if got := h.waiting(t, h.pubID); got != want {
			t.Fatalf("the DM a public customer was promised was refused, yet the public post shows %+v; want %+v", got, want)
		}
		if got := h.waiting(t, h.dm.ConversationID); got.Since != 0 {
			t.Fatalf("the private thread, with nothing of the customer's, waits: %+v", got)
		}
		acts, _ := h.convs.Activity(ctx, h.pubID)
		if last := acts[len(acts)-1]; last.Kind != "private_failed" || !strings.Contains(string(last.Detail), `"message_id":`+itoa(h.dm.ID)) {
			t.Fatalf("the public post's log ends with %s %s; want the private message's failure", last.Kind, last.Detail)
		}
		if len(h.deliveries[h.pubID]) == 0 {
			t.Fatal("desks showing the public post were not told")
		}
		h.answer(t, h.pubID, "Follow us so that we can DM you")
		if got := h.waiting(t, h.pubID); got.Since != 0 {
			t.Fatalf("answered in public: %+v", got)
		}
		h.w.Tick(ctx)
		if got := h.waiting(t, h.pubID); got != want {
			t.Fatalf("the public answer failed too: %+v; want %+v, the acknowledgement answering nothing", got, want)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A reply whose provider's answer was lost, on a channel that cannot look
// it up, was failed for the agent to check ("may have been delivered"),
// but most such replies arrived: the thread stays answered, and a
// "thanks" after it is all it waits on, also when settled again; a
// hand-off's public post stays answered by a DM that may have arrived.
func TestAReplyThatMayHaveArrivedLeavesTheThreadAnswered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		f.label()
		asked := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		conv := f.customer(t, "SM-1", "req: my parcel never came", asked).ConversationID
		m := f.answer(t, conv, "It's on its way")
		f.p.answers = []error{&channel.SendError{Temporary: true, Status: 502, Message: "Bad Gateway"}}
		f.w.Tick(ctx)
		if got, _ := f.convs.Message(ctx, m.ID); got.SendStatus != "failed" || !strings.Contains(got.SendError, "may have been delivered") {
			t.Fatalf("after a 502: %s %q", got.SendStatus, got.SendError)
		}
		if w := f.waiting(t, conv); w.Since != 0 || w.Queued {
			t.Fatalf("a reply that may have arrived: %+v", w)
		}
		thanks := f.customer(t, "SM-2", "great, thanks", asked.Add(time.Minute))
		f.correct(t, thanks.MessageID, "praise")
		if w := f.waiting(t, conv); w != (waiting{asked.Add(time.Minute).UnixMilli(), false, "praise", false}) {
			t.Fatalf("a thanks after a reply that may have arrived: %+v", w)
		}
		// Nor does a hand-off's DM that may have arrived leave the public
		// post waiting.
		h := handOff(t, dbtest.Open(t, d.Dialect), func(out channel.Outgoing) error {
			if out.Private {
				return &channel.SendError{Temporary: true, Status: 504, Message: "Gateway Timeout"}
			}
			return nil
		})
		if w := h.waiting(t, h.pubID); w.Since != 0 || w.Queued {
			t.Fatalf("a hand-off whose DM may have arrived: the public post shows %+v", w)
		}
	})
}

// A customer who writes again while their answer fails waits from their
// first message, and what they asked then still counts, whichever of the
// two commits first. On PostgreSQL both wait on the conversation at once.
func TestACustomerWritingWhileTheReplyFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, failFirst := range []bool{true, false} {
			ctx := context.Background()
			f := setup(t, dbtest.Open(t, d.Dialect), false)
			f.label()
			asked := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
			conv := f.customer(t, "SM-1", "req: my parcel never came", asked).ConversationID
			f.answer(t, conv, "It's on its way")
			f.p.answers = []error{&channel.SendError{Status: 400, Message: "number is not mobile"}}
			fail := func() error {
				_, err := f.w.Tick(ctx)
				return err
			}
			write := func() error {
				res, err := f.pipe.Ingest(ctx, f.sms.ID, ingest.Message{ProviderID: "SM-2",
					Author: ingest.Author{ID: "+15557654321", Phone: "+15557654321"}, Text: "ok thanks", SentAt: asked.Add(time.Minute)})
				if err == nil {
					err = res[0].Err
				}
				return err
			}
			first, second := write, fail
			if failFirst {
				first, second = fail, write
			}
			if f.d.Dialect == db.Postgres {
				hold := fmt.Sprintf("SELECT id FROM conversations WHERE id = %d FOR NO KEY UPDATE", conv)
				if errs := dbtest.InTurn(t, f.d, hold, first, second); len(errs) > 0 {
					t.Fatal(errs)
				}
			} else if err := errors.Join(first(), second()); err != nil {
				t.Fatal(err)
			}
			if w := f.waiting(t, conv); w != (waiting{asked.UnixMilli(), true, "request", true}) {
				t.Fatalf("the reply failed (first: %v) as the customer wrote again: %+v; want waiting since they asked", failFirst, w)
			}
		}
	})
}

// "Send and resolve" (the desk queues the reply, then resolves) whose
// reply the provider then refuses: the customer got nothing, so the
// thread opens again and waits, logged as the system undoing the resolve.
// It stayed resolved, waiting on nothing and in no queue.
func TestAFailedReplySentWithResolveOpensTheThreadAgain(t *testing.T) {
	testFailedAfterStatus(t, hark.StatusResolved)
}

// The same with "pending" (waiting on the customer) set after the reply.
func TestAFailedReplySetPendingLeavesTheCustomerWaiting(t *testing.T) {
	testFailedAfterStatus(t, hark.StatusPending)
}

func testFailedAfterStatus(t *testing.T, status string) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		f.label()
		asked := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		conv := f.customer(t, "SM-1", "req: my parcel never came", asked).ConversationID
		bad := f.answer(t, conv, "It's on its way")
		if _, err := f.convs.SetStatus(ctx, conv, 0, status, time.Time{}); err != nil {
			t.Fatal(err)
		}
		f.p.answers = []error{&channel.SendError{Status: 400, Message: "number is not mobile"}}
		f.w.Tick(ctx)
		if st, _, _ := f.state(t, bad); st != "failed" {
			t.Fatalf("reply %s", st)
		}
		c, _ := f.convs.Get(ctx, conv)
		if status == hark.StatusResolved && c.Status != hark.StatusOpen {
			t.Fatalf("the only reply failed after Send and resolve; the thread is %s, want open", c.Status)
		}
		if w := f.waiting(t, conv); w.Since != asked.UnixMilli() || !w.Queued {
			t.Fatalf("the only reply failed after Send and resolve, yet the thread is %s and shows %+v; want waiting since %d and in the needs-reply queue", c.Status, w, asked.UnixMilli())
		}
	})
}
