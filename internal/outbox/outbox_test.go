package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/outbox"
	"github.com/harkdesk/hark/internal/workspace"
)

// provider stands in for a channel's API: it answers sends as told and
// remembers what it was sent.
type provider struct {
	mu      sync.Mutex
	sent    []channel.Outgoing
	answers []error
	// calls, when set, answer before answers do: each is called with the
	// send's context, as a connector's requests are.
	calls     []func(context.Context) error
	delivered map[string]string // idempotency key -> provider id, for Find
}

func (p *provider) Provider() string { return "test" }

func (p *provider) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, out)
	if len(p.calls) > 0 {
		call := p.calls[0]
		p.calls = p.calls[1:]
		if err := call(ctx); err != nil {
			return channel.Sent{}, err
		}
	}
	if len(p.answers) > 0 {
		err := p.answers[0]
		p.answers = p.answers[1:]
		if err != nil {
			return channel.Sent{}, err
		}
	}
	id := "P-" + out.IdempotencyKey
	p.delivered[out.IdempotencyKey] = id
	return channel.Sent{ProviderID: id}, nil
}

type reconciling struct{ *provider }

func (r reconciling) Find(_ context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.delivered[out.IdempotencyKey]
	return channel.Sent{ProviderID: id}, ok, nil
}

type fixture struct {
	d     *db.DB
	w     *outbox.Worker
	p     *provider
	convs *conversation.Store
	sms   workspace.Account
	ws    *workspace.Store
	pipe  *ingest.Pipeline
}

func setup(t *testing.T, d *db.DB, reconcile bool) *fixture {
	ctx := context.Background()
	wss := workspace.New(d)
	w, _ := wss.Create(ctx, "shop", "Shop")
	sms, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: w.ID, Channel: "sms", Handle: "+15550100"})
	wss.SetConfig(ctx, sms.ID, json.RawMessage(`{"account_sid":"AC1"}`))
	p := &provider{delivered: map[string]string{}}
	reg := outbox.Registry{"sms": func(workspace.Account, json.RawMessage) (channel.Connector, error) {
		if reconcile {
			return reconciling{p}, nil
		}
		return p, nil
	}}
	pipe := ingest.New(d, wss, nil, nil, nil)
	pipe.Start()
	t.Cleanup(pipe.Stop)
	return &fixture{d: d, p: p, convs: conversation.New(d), sms: sms, ws: wss, pipe: pipe,
		w: &outbox.Worker{DB: d, Accounts: wss, Registry: reg, Log: slog.Default()}}
}

func (f *fixture) reply(t *testing.T, acct workspace.Account, text string) conversation.Message {
	ctx := context.Background()
	res, err := f.pipe.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "SM-in-" + text, Author: ingest.Author{ID: "+15557654321", Phone: "+15557654321"}, Text: "help " + text})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	m, err := f.convs.Reply(ctx, conversation.ReplyInput{ConversationID: res[0].ConversationID, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fixture) state(t *testing.T, m conversation.Message) (string, string, string) {
	got, err := f.convs.Message(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var outboxStatus string
	f.d.R.QueryRow(db.Rebind(f.d.Dialect, "SELECT status FROM outbox WHERE message_id = ?"), m.ID).Scan(&outboxStatus)
	return got.SendStatus, got.ProviderID, outboxStatus
}

func TestOutboxSendsRetriesAndFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		ok := f.reply(t, f.sms, "ok")
		if n, err := f.w.Tick(ctx); err != nil || n != 1 {
			t.Fatalf("tick: %d %v", n, err)
		}
		if st, pid, ob := f.state(t, ok); st != "sent" || pid == "" || ob != "sent" {
			t.Fatalf("after a good send: %s %q %s", st, pid, ob)
		}
		out := f.p.sent[0]
		if !out.Private || out.RecipientID != "+15557654321" || out.ReplyTo != "SM-in-ok" || out.Text != "ok" || out.IdempotencyKey == "" {
			t.Fatalf("connector was asked %+v", out)
		}
		// 429 with Retry-After: retried later, not now.
		f.p.answers = []error{&channel.SendError{Temporary: true, Status: 429, RetryAfter: time.Hour, Message: "slow down"}}
		busy := f.reply(t, f.sms, "busy")
		f.w.Tick(ctx)
		if st, _, ob := f.state(t, busy); st != "retrying" || ob != "retrying" {
			t.Fatalf("after a 429: %s %s", st, ob)
		}
		if n, _ := f.w.Tick(ctx); n != 0 {
			t.Fatal("a reply was retried before its Retry-After")
		}
		got, _ := f.convs.Message(ctx, busy.ID)
		if !strings.Contains(got.SendError, "429") {
			t.Fatalf("the agent does not see the provider's error: %q", got.SendError)
		}
		// A permanent error is not retried.
		f.p.answers = []error{&channel.SendError{Status: 400, Message: "number is not mobile"}}
		bad := f.reply(t, f.sms, "bad")
		f.w.Tick(ctx)
		if st, _, ob := f.state(t, bad); st != "failed" || ob != "failed" {
			t.Fatalf("after a 400: %s %s", st, ob)
		}
		// A provider that is down is retried.
		f.p.answers = []error{refused(t)}
		down := f.reply(t, f.sms, "down")
		f.w.Tick(ctx)
		if st, _, _ := f.state(t, down); st != "retrying" {
			t.Fatalf("after a network error: %s", st)
		}
		if sends := len(f.p.sent); sends != 4 {
			t.Fatalf("%d sends, want 4", sends)
		}
		// An account with no connector configured keeps its reply waiting.
		bare, _, _ := f.ws.AddAccount(ctx, workspace.Account{WorkspaceID: f.sms.WorkspaceID, Channel: "sms", Handle: "+15550199"})
		wait := f.reply(t, bare, "wait")
		f.w.Tick(ctx)
		if st, _, ob := f.state(t, wait); st != "queued" || ob != "queued" {
			t.Fatalf("unconfigured account: %s %s", st, ob)
		}
	})
}

// crash leaves a reply as a dead process would: claimed and "sending",
// its lease long expired, with or without the provider having posted it.
func crash(t *testing.T, f *fixture, m conversation.Message, posted bool) {
	var key string
	f.d.R.QueryRow(db.Rebind(f.d.Dialect, "SELECT idempotency_key FROM outbox WHERE message_id = ?"), m.ID).Scan(&key)
	if posted {
		f.p.delivered[key] = "P-" + key
	}
	old := time.Now().Add(-time.Hour).UnixMilli()
	if _, err := f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET status = 'sending', updated_at = ? WHERE message_id = ?"), old, m.ID); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxCrashBetweenSentAndRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, true)
		posted := f.reply(t, f.sms, "posted")
		crash(t, f, posted, true)
		lost := f.reply(t, f.sms, "lost")
		crash(t, f, lost, false)
		if err := f.w.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		if st, pid, _ := f.state(t, posted); st != "sent" || pid == "" {
			t.Fatalf("a reply the provider had: %s %q", st, pid)
		}
		if st, _, _ := f.state(t, lost); st != "sent" {
			t.Fatalf("a reply the provider never got: %s", st)
		}
		if len(f.p.sent) != 1 || f.p.sent[0].Text != "lost" {
			t.Fatalf("sends after recovery: %+v, want only the lost one", f.p.sent)
		}
		// Without a way to ask the provider, the desk says so instead of
		// posting twice.
		g := setup(t, dbtest.Open(t, d.Dialect), false)
		unsure := g.reply(t, g.sms, "unsure")
		crash(t, g, unsure, true)
		g.w.Recover(ctx)
		got, _ := g.convs.Message(ctx, unsure.ID)
		if got.SendStatus != "failed" || !strings.Contains(got.SendError, "may have been delivered") || len(g.p.sent) != 0 {
			t.Fatalf("no reconciler: %s %q, %d sends", got.SendStatus, got.SendError, len(g.p.sent))
		}
		// A fresh "sending" row belongs to a live sender and is left alone.
		busy := g.reply(t, g.sms, "in flight")
		g.d.W.Exec(db.Rebind(g.d.Dialect, "UPDATE outbox SET status = 'sending', updated_at = ? WHERE message_id = ?"), time.Now().UnixMilli(), busy.ID)
		g.w.Recover(ctx)
		if st, _, _ := g.state(t, busy); st != "queued" {
			t.Fatalf("a reply in flight was touched: %s", st)
		}
	})
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	prev := time.Duration(0)
	for a := 1; a <= 6; a++ {
		d := outbox.Backoff(a)
		base := outbox.BaseBackoff << (a - 1)
		if d < base*8/10 || d > base*12/10 {
			t.Fatalf("attempt %d: %v outside 80-120%% of %v", a, d, base)
		}
		if d < prev/2 {
			t.Fatalf("backoff shrank: %v after %v", d, prev)
		}
		prev = d
	}
	if outbox.Backoff(60) > outbox.MaxBackoff*12/10 {
		t.Fatal("backoff is not capped")
	}
}

// A provider's wait longer than any it documents (a Retry-After of years,
// a rate-limit reset from a clock gone wrong) is capped: the reply is tried
// again within MaxRetryAfter, not left "retrying" for years.
func TestAProvidersWaitIsCapped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, false)
		f.p.answers = []error{&channel.SendError{Temporary: true, Status: 429, RetryAfter: 10 * 365 * 24 * time.Hour, Message: "slow down"}}
		m := f.reply(t, f.sms, "soon")
		f.w.Tick(context.Background())
		var next int64
		f.d.R.QueryRow(db.Rebind(f.d.Dialect, "SELECT next_attempt_at FROM outbox WHERE message_id = ?"), m.ID).Scan(&next)
		if wait := time.Until(time.UnixMilli(next)); wait > outbox.MaxRetryAfter || wait < outbox.MaxRetryAfter-time.Minute {
			t.Fatalf("a Retry-After of ten years: next attempt in %v, want %v", wait, outbox.MaxRetryAfter)
		}
	})
}

// postedThenLost posts the first reply at the provider and then loses the
// answer (a client timeout, a reset connection, a 504 from a gateway).
type postedThenLost struct{ reconciling }

func (p postedThenLost) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	got, err := p.provider.Send(ctx, out)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sent) == 1 {
		return channel.Sent{}, &channel.SendError{Temporary: true, Status: 504, Message: "Gateway Timeout"}
	}
	return got, err
}

// A reply whose answer was lost may have been posted: the retry asks the
// provider first, where the connector can, instead of posting again.
func TestARetryLooksBeforeItPostsAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, true)
		conn := postedThenLost{reconciling{f.p}}
		f.w.Registry = outbox.Registry{"sms": func(workspace.Account, json.RawMessage) (channel.Connector, error) { return conn, nil }}
		m := f.reply(t, f.sms, "once")
		f.w.Tick(ctx)
		if st, _, _ := f.state(t, m); st != "retrying" {
			t.Fatalf("after the lost answer: %s, want retrying", st)
		}
		f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET next_attempt_at = 0 WHERE message_id = ?"), m.ID)
		f.w.Tick(ctx)
		if st, pid, _ := f.state(t, m); st != "sent" || pid != "P-"+f.p.sent[0].IdempotencyKey {
			t.Fatalf("after the retry: %s %q, want sent as the post the provider has", st, pid)
		}
		if n := len(f.p.sent); n != 1 {
			t.Fatalf("posted %d times", n)
		}
	})
}

// held blocks its first send until released, so a test can act while a
// worker is in the middle of its batch.
type held struct {
	reconciling
	entered, release chan struct{}
	first            *atomic.Bool
	text             *string // the held reply's, set before entered closes
}

func (h held) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if h.first.CompareAndSwap(false, true) {
		*h.text = out.Text
		close(h.entered)
		<-h.release
	}
	return h.provider.Send(ctx, out)
}

// With several nodes, rows waiting behind a slow send in one worker's
// batch may outlive their lease and be taken over by another node's
// Recover; the first worker must then leave them, or each is posted twice.
func TestAClaimTakenOverIsNotSentAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, true)
		conn := held{reconciling{f.p}, make(chan struct{}), make(chan struct{}), &atomic.Bool{}, new(string)}
		reg := outbox.Registry{"sms": func(workspace.Account, json.RawMessage) (channel.Connector, error) { return conn, nil }}
		f.w.Registry = reg
		other := &outbox.Worker{DB: d, Accounts: f.ws, Registry: reg, Log: slog.Default()}
		ids := map[string]int64{}
		for _, text := range []string{"one", "two", "three"} {
			ids[text] = f.reply(t, f.sms, text).ID
		}
		done := make(chan struct{})
		go func() { defer close(done); f.w.Tick(ctx) }()
		<-conn.entered
		// The rows behind the slow one (whichever the batch took first)
		// outlive their lease; the other node's Recover queues them again,
		// as they were never offered, and its next tick sends them.
		if _, err := d.W.Exec(db.Rebind(d.Dialect, "UPDATE outbox SET updated_at = 0 WHERE status = 'sending' AND message_id <> ?"), ids[*conn.text]); err != nil {
			t.Fatal(err)
		}
		if err := other.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		close(conn.release)
		<-done
		if _, err := other.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		f.p.mu.Lock()
		for _, o := range f.p.sent {
			count[o.Text]++
		}
		f.p.mu.Unlock()
		for _, text := range []string{"one", "two", "three"} {
			if count[text] != 1 {
				t.Errorf("%q posted %d times, want once", text, count[text])
			}
		}
	})
}

// A provider that answered 2xx took the reply, though its answer could not
// be read: the reply is sent (with no id), not failed for an agent to
// resend, nor retried.
func TestAnAcceptedReplyIsSentThoughItsAnswerIsUnreadable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		f.p.answers = []error{&channel.SendError{Status: 200, Accepted: true, Message: "unreadable JSON"}}
		m := f.reply(t, f.sms, "taken")
		f.w.Tick(ctx)
		if st, _, ob := f.state(t, m); st != "sent" || ob != "sent" || len(f.p.sent) != 1 {
			t.Fatalf("after a 2xx with an unreadable answer: %s / %s, %d posts; want sent, once", st, ob, len(f.p.sent))
		}
	})
}

// An SMS that came with the customer's number but no author id (as a
// message imported or sent through the ingest API may) is answered to that
// number (ingest takes it as the author id), not failed for want of one.
func TestAReplyFindsTheNumberOfACustomerWithoutAnID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		res, err := f.pipe.Ingest(ctx, f.sms.ID, ingest.Message{ProviderID: "SM-noid", Author: ingest.Author{Phone: "+1 (555) 765-4321"}, Text: "help"})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
		m, err := f.convs.Reply(ctx, conversation.ReplyInput{ConversationID: res[0].ConversationID, Text: "on it"})
		if err != nil {
			t.Fatal(err)
		}
		f.w.Tick(ctx)
		if st, _, _ := f.state(t, m); st != "sent" || len(f.p.sent) != 1 || f.p.sent[0].RecipientID != "+15557654321" {
			t.Fatalf("reply %s, sent to %+v; want sent to +15557654321", st, f.p.sent)
		}
	})
}

// byText finds a reply as Twilio's Find does: any earlier post to the same
// customer with the same text.
type byText struct{ *provider }

func (b byText) Find(_ context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for key, id := range b.delivered {
		for _, o := range b.sent {
			if o.IdempotencyKey == key && o.Text == out.Text && o.RecipientID == out.RecipientID {
				return channel.Sent{ProviderID: id}, true, nil
			}
		}
	}
	return channel.Sent{}, false, nil
}

// A second "Thanks!" to the same customer is a reply of its own: after a
// clear refusal (a 429) it is sent without looking, and after an unclear
// failure the earlier "Thanks!" that a look finds is not taken for it.
func TestALookAlikeEarlierReplyIsNotThisOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		conn := byText{f.p}
		f.w.Registry = outbox.Registry{"sms": func(workspace.Account, json.RawMessage) (channel.Connector, error) { return conn, nil }}
		first := f.reply(t, f.sms, "Thanks!")
		f.w.Tick(ctx)
		for _, failure := range []error{
			&channel.SendError{Temporary: true, Status: 429, Message: "slow down"},
			&channel.SendError{Temporary: true, Status: 504, Message: "Gateway Timeout"},
		} {
			res, err := f.pipe.Ingest(ctx, f.sms.ID, ingest.Message{ProviderID: fmt.Sprint("SM-again-", failure), Author: ingest.Author{ID: "+15557654321"}, Text: "thanks"})
			if err != nil || res[0].Err != nil {
				t.Fatal(err, res[0].Err)
			}
			again, err := f.convs.Reply(ctx, conversation.ReplyInput{ConversationID: res[0].ConversationID, Text: "Thanks!"})
			if err != nil {
				t.Fatal(err)
			}
			f.p.answers = []error{failure}
			f.w.Tick(ctx)
			f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET next_attempt_at = 0 WHERE message_id = ?"), again.ID)
			f.w.Tick(ctx)
			st, pid, _ := f.state(t, again)
			_, firstPID, _ := f.state(t, first)
			if st != "sent" || pid == "" || pid == firstPID {
				t.Fatalf("after a %v: the second Thanks! is %s as %q (the first is %q); want sent as its own post", failure, st, pid, firstPID)
			}
		}
	})
}

// findRefusedOnce refuses its first look-up (a rate limit), as a provider
// may between a lost answer and the retry.
type findRefusedOnce struct {
	postedThenLost
	refused *atomic.Bool
}

func (f findRefusedOnce) Find(ctx context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	if f.refused.CompareAndSwap(false, true) {
		return channel.Sent{}, false, &channel.SendError{Temporary: true, Status: 429, Message: "Too Many Requests"}
	}
	return f.postedThenLost.Find(ctx, out)
}

// A look-up that fails says nothing about whether the reply was posted:
// the next attempt still looks first, rather than posting again.
func TestAFailedLookUpStillLooksNextTime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, true)
		conn := findRefusedOnce{postedThenLost{reconciling{f.p}}, &atomic.Bool{}}
		f.w.Registry = outbox.Registry{"sms": func(workspace.Account, json.RawMessage) (channel.Connector, error) { return conn, nil }}
		m := f.reply(t, f.sms, "once")
		for range 3 { // the lost answer, the refused look-up, the look-up that finds it
			f.w.Tick(ctx)
			f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET next_attempt_at = 0 WHERE message_id = ?"), m.ID)
		}
		if st, _, _ := f.state(t, m); st != "sent" || len(f.p.sent) != 1 {
			t.Fatalf("%s, posted %d times; want sent, once", st, len(f.p.sent))
		}
	})
}
