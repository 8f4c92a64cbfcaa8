package desk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/server"
)

// Behind a load balancer every sign-in comes from its address: the limit
// per address must count the agents behind it apart, or a shift of agents
// signing in at nine locks itself out.
func TestSignInBehindAProxy(t *testing.T) {
	ctx := context.Background()
	proxies, _ := auth.ParseProxies("127.0.0.1")
	a, err := app.Open(ctx, app.Options{DB: filepath.Join(t.TempDir(), "hark.db"), Migrate: true, PollEvery: -1, Proxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for i := range 15 {
		a.Users.Add(ctx, fmt.Sprintf("agent%d@b.test", i), "Agent", "agent", "password1")
	}
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	for i := range 15 {
		c := newClient(t, srv.URL)
		c.http.Transport = addHeader{"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)}
		if code := c.login(fmt.Sprintf("agent%d@b.test", i), "password1"); code != http.StatusSeeOther {
			t.Fatalf("agent %d signing in through the proxy: %d", i, code)
		}
	}
	// A shift signing in from one office address is not locked out by its
	// own sign-ins: only failures count. Before, the eleventh agent at
	// nine was told to wait a minute, and the rest after them.
	for i := range 15 {
		c := newClient(t, srv.URL)
		c.http.Transport = addHeader{"X-Forwarded-For", "198.51.100.200"}
		if code := c.login(fmt.Sprintf("agent%d@b.test", i), "password1"); code != http.StatusSeeOther {
			t.Fatalf("agent %d of 15 signing in from one office: %d", i, code)
		}
	}
	// One client's guesses still count against its own address, whatever
	// it writes in the header itself.
	c := newClient(t, srv.URL)
	got := 0
	for i := range 12 {
		c.http.Transport = addHeader{"X-Forwarded-For", fmt.Sprintf("6.6.6.%d, 203.0.113.9", i)}
		got = c.login(fmt.Sprintf("agent%d@b.test", i), "wrong")
	}
	if got != http.StatusTooManyRequests {
		t.Fatalf("12 guesses from one address behind the proxy: last answer %d, want 429", got)
	}
}

// addHeader makes the test's client act as the proxy, which is at
// 127.0.0.1 like it.
type addHeader struct{ name, value string }

func (a addHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(a.name, a.value)
	return http.DefaultTransport.RoundTrip(r)
}
