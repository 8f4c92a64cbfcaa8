package meta_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// desk is the receiving end of a webhook, as thin as the desk's webhook
// edge: handshake, verify, parse, then the real ingest pipeline on a real
// database, so duplicates and ordering are judged by the store itself.
type desk struct {
	t    *testing.T
	a    *app.App
	acct workspace.Account
	conn channel.Connector
	srv  *httptest.Server

	mu     sync.Mutex
	events []channel.Event
	stored []ingest.Result
}

func newDesk(t *testing.T, d *db.DB, f *meta.Fake, channelName string, graph string) *desk {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: d.DSN})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ws, err := a.Workspaces.Create(ctx, "shop", "Shop")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: channelName, Handle: "shop", Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := meta.New(acct, f.Config(graph))
	if err != nil {
		t.Fatal(err)
	}
	dk := &desk{t: t, a: a, acct: acct, conn: conn}
	dk.srv = httptest.NewServer(http.HandlerFunc(dk.serve))
	t.Cleanup(dk.srv.Close)
	return dk
}

func (dk *desk) serve(w http.ResponseWriter, r *http.Request) {
	wh := dk.conn.(channel.Webhook)
	if wh.Handshake(w, r) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	if err := wh.Verify(r, body); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	evs, err := wh.Parse(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if g, ok := dk.conn.(*meta.Instagram); ok {
		if evs, err = g.Enrich(r.Context(), evs); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	var msgs []ingest.Message
	for _, e := range evs {
		if e.Kind == channel.Created {
			msgs = append(msgs, e.Msg)
		}
	}
	res, err := dk.a.Pipeline.Ingest(r.Context(), dk.acct.ID, msgs...)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	dk.mu.Lock()
	dk.events = append(dk.events, evs...)
	dk.stored = append(dk.stored, res...)
	dk.mu.Unlock()
}

func (dk *desk) results() ([]channel.Event, []ingest.Result) {
	dk.mu.Lock()
	defer dk.mu.Unlock()
	return append([]channel.Event(nil), dk.events...), append([]ingest.Result(nil), dk.stored...)
}
