package outbox_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/outbox"
	"github.com/harkdesk/hark/internal/workspace"
)

// blind holds its first send like held, but cannot look a reply up at the
// provider, as e-mail cannot.
type blind struct {
	*provider
	entered, release chan struct{}
	first            *atomic.Bool
	text             *string
}

func (h blind) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if h.first.CompareAndSwap(false, true) {
		*h.text = out.Text
		close(h.entered)
		<-h.release
	}
	return h.provider.Send(ctx, out)
}

func newBlind(f *fixture) (blind, outbox.Registry) {
	b := blind{f.p, make(chan struct{}), make(chan struct{}), &atomic.Bool{}, new(string)}
	return b, outbox.Registry{"sms": func(workspace.Account, json.RawMessage) (channel.Connector, error) { return b, nil }}
}

// posts counts what the provider received, by text.
func (f *fixture) posts() map[string]int {
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	n := map[string]int{}
	for _, o := range f.p.sent {
		n[o.Text]++
	}
	return n
}

// A node stopping in the middle of a batch finishes the reply under way
// and gives the rest back to the queue: they were never offered to the
// provider, so they are sent after the restart, not failed as "may have
// been delivered".
func TestStoppingMidBatchSendsTheRestLater(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, false)
		conn, reg := newBlind(f)
		f.w.Registry = reg
		ids := map[string]conversation.Message{}
		for _, text := range []string{"one", "two", "three"} {
			ids[text] = f.reply(t, f.sms, text)
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); f.w.Tick(ctx) }()
		<-conn.entered
		stop() // SIGTERM while the first is with the provider
		close(conn.release)
		<-done
		if got := f.posts(); got[*conn.text] != 1 || len(got) != 1 {
			t.Fatalf("while stopping: posted %v, want only %q, once", got, *conn.text)
		}
		next := &outbox.Worker{DB: d, Accounts: f.ws, Registry: reg, Log: slog.Default()}
		if err := next.Recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := next.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := f.posts()
		for text, m := range ids {
			if st, _, ob := f.state(t, m); got[text] != 1 || st != "sent" || ob != "sent" {
				t.Errorf("%q after the restart: %s / %s, posted %d times; want sent, once", text, st, ob, got[text])
			}
		}
	})
}

// Two live nodes: replies waiting behind a slow send on one outlive their
// lease, and the other node's Recover finds them. Never offered, they go
// back in the queue and are sent once, rather than failed as in doubt.
func TestAClaimNeverOfferedIsNotInDoubt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		conn, reg := newBlind(f)
		f.w.Registry = reg
		other := &outbox.Worker{DB: d, Accounts: f.ws, Registry: reg, Log: slog.Default()}
		ids := map[string]conversation.Message{}
		for _, text := range []string{"one", "two", "three"} {
			ids[text] = f.reply(t, f.sms, text)
		}
		done := make(chan struct{})
		go func() { defer close(done); f.w.Tick(ctx) }()
		<-conn.entered
		if _, err := d.W.Exec(db.Rebind(d.Dialect, "UPDATE outbox SET updated_at = 0 WHERE status = 'sending' AND message_id <> ?"), ids[*conn.text].ID); err != nil {
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
		got := f.posts()
		for text, m := range ids {
			if st, _, ob := f.state(t, m); got[text] != 1 || st != "sent" || ob != "sent" {
				t.Errorf("%q: %s / %s, posted %d times; want sent, once", text, st, ob, got[text])
			}
		}
	})
}
