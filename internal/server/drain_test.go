package server_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/server"
)

// openStream signs in with an API token and opens the live stream.
func openStream(t *testing.T, a *app.App, addr, lastEventID string) (*http.Response, *bufio.Reader) {
	t.Helper()
	ctx := context.Background()
	u, err := a.Users.Add(ctx, "agent"+lastEventID+"@b.test", "Agent", "agent", "")
	if err != nil {
		t.Fatal(err)
	}
	token, err := a.Users.CreateToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/events: %s", resp.Status)
	}
	return resp, bufio.NewReader(resp.Body)
}

// The drain on shutdown serves requests under way to their end, but live
// streams never end by themselves: it ends them, so a node stops in well
// under its 10-second drain and the browsers reconnect elsewhere. A
// browser that reconnects is told to resync for what it missed.
func TestLiveStreamsEndWithTheDrainAndResyncOnReturn(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a, err := app.Open(ctx, app.Options{DB: filepath.Join(t.TempDir(), "hark.db"), Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- server.Serve(ctx, a, "127.0.0.1:0", func(addr net.Addr) { ready <- addr }) }()
	addr := (<-ready).String()

	resp, body := openStream(t, a, addr, "41")
	defer resp.Body.Close()
	var got strings.Builder
	for !strings.Contains(got.String(), "event: resync") {
		line, err := body.ReadString('\n')
		if err != nil {
			t.Fatalf("a returning stream was not told to resync: %q, %v", got.String(), err)
		}
		got.WriteString(line)
	}
	resp2, body2 := openStream(t, a, addr, "")
	defer resp2.Body.Close()
	// A first stream names an id at once, so that its reconnect, even
	// before any event, says it is one.
	if line, _ := body2.ReadString('\n'); !strings.HasPrefix(line, "id: ") {
		t.Errorf("a new stream opens with %q, want an id", line)
	}

	began := time.Now()
	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("the server was still draining after 8 s: its live streams held it")
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("stopping took %v with two live streams open", d)
	}
}

// A live stream ends once its caller may no longer read the desk (a user
// disabled, a session ended, a token revoked): before, a stream opened
// earlier went on delivering the desk's events to them.
func TestADisabledUsersOpenStreamEnds(t *testing.T) {
	defer func(d time.Duration) { server.RecheckCaller = d }(server.RecheckCaller)
	server.RecheckCaller = 0
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a, err := app.Open(ctx, app.Options{DB: filepath.Join(t.TempDir(), "hark.db"), Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ready := make(chan net.Addr, 1)
	go func() { server.Serve(ctx, a, "127.0.0.1:0", func(addr net.Addr) { ready <- addr }) }()
	resp, body := openStream(t, a, (<-ready).String(), "")
	defer resp.Body.Close()
	u, err := a.Users.ByEmail(ctx, "agent@b.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Users.Disable(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	a.Bus.Publish(live.Event{Kind: "message", WorkspaceID: 7, ConversationID: 4242})
	got := make(chan string, 1)
	go func() {
		var b strings.Builder
		for {
			line, err := body.ReadString('\n')
			b.WriteString(line)
			if err != nil || strings.Contains(b.String(), "4242") {
				got <- b.String()
				return
			}
		}
	}()
	select {
	case s := <-got:
		if strings.Contains(s, "4242") {
			t.Fatalf("a disabled user's open stream still delivered an event:\n%s", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream neither ended nor delivered")
	}
}
