package poll_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/app/apptest"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/workspace"
)

// A node stopped in the middle of a poll (a rolling deploy) leaves the
// account free for another node's next tick: not parked for FailedBackoff,
// and not reported as failing.
func TestAPollCutShortByStoppingIsNoFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		entered := make(chan struct{}, 1)
		site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-r.Context().Done() // a slow site
		}))
		defer site.Close()
		ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
		acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "blog", Handle: "blog.shop.test", Name: "Blog"})
		cfg, _ := json.Marshal(map[string]any{"site": site.URL, "username": "editor", "app_password": "app pass word", "poll_interval_seconds": 10})
		a.Workspaces.SetConfig(ctx, acct.ID, cfg)
		tctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); a.Poller.Tick(tctx) }()
		<-entered
		stop()
		<-done
		h, err := a.Health.Of(ctx, acct, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if h.PollError != "" {
			t.Errorf("stopping recorded a poll failure: %q", h.PollError)
		}
		if _, ok, _ := a.Health.ClaimPoll(ctx, acct.ID, time.Minute); !ok {
			t.Error("another node could not take the account at its next tick")
		}
	})
}

// Presence probes are on the brand's API quota: several nodes probe an
// account once per interval between them, as they poll it.
func TestNodesProbeOncePerIntervalBetweenThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var calls atomic.Int64
		fake := meta.NewFake("s", "v", "tok")
		graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1); fake.ServeHTTP(w, r) }))
		defer graph.Close()
		var nodes []*app.App
		for range 3 {
			a := apptest.Node(t, d)
			nodes = append(nodes, a)
		}
		ws, _ := nodes[0].Workspaces.Create(ctx, "shop", "Shop")
		acct, _, _ := nodes[0].Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "facebook", Handle: "shop"})
		if err := nodes[0].ConfigureAccount(ctx, acct.ID, fake.Config(graph.URL)); err != nil {
			t.Fatal(err)
		}
		calls.Store(0)
		nodes[0].Poller.Tick(ctx)
		one := calls.Load()
		if one == 0 {
			t.Fatal("the first node did not probe")
		}
		for _, a := range nodes[1:] {
			a.Poller.Tick(ctx)
		}
		if n := calls.Load(); n != one {
			t.Fatalf("three nodes probed one account within the interval: %d calls, want %d", n, one)
		}
	})
}
