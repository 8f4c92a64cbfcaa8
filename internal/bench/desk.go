package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/server"
)

// deskAgent signs in to the desk the bench serves over its fixture.
const (
	deskAgent    = "bench-agent@bench.test"
	deskPassword = "bench-password"
)

// DeskPages times the inbox page as an agent's browser gets it, over HTTP
// from the real desk, the first time in a while that anyone opens a
// filter: one desk process (app) throughout, its connections warmed by a
// first unmeasured round, and each round after the counts it cached have
// expired (conversation.Store caches a slow count for 5 s). Each filter
// gives two lines: the page, and the page followed by its counts fragment
// (what desk.js fetches when the page did not wait for the counts; with
// the counts in the page it is one more, quick, read).
func (f *Fixture) DeskPages(ctx context.Context, samples int) ([]Timing, error) {
	views := []struct{ name, query string }{
		{"a channel", "status=open&channel=" + f.Channels[0]},
		{"the commonest tag", "status=all&tag=" + url.QueryEscape(f.Tags[0])},
		{"a search", "status=all&q=" + url.QueryEscape(searches[0])},
	}
	a, err := app.Open(ctx, app.Options{DB: f.path, OneShot: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	c, err := signIn(ctx, a, srv.URL)
	if err != nil {
		return nil, err
	}
	page, counts := make([][]time.Duration, len(views)), make([][]time.Duration, len(views))
	rows := make([]int, len(views))
	for round := -1; round < samples; round++ {
		for i, v := range views {
			start := time.Now()
			body, err := fetch(c, srv.URL+"/w/ws0?"+v.query)
			took := time.Since(start)
			if err == nil && !strings.Contains(body, `id="counts"`) {
				err = errors.New("not the inbox")
			}
			if err == nil {
				_, err = fetch(c, srv.URL+"/w/ws0/counts?"+v.query)
			}
			if err != nil {
				return nil, fmt.Errorf("desk page under %s: %w", v.name, err)
			}
			if round >= 0 { // round -1 warms the connections
				page[i], counts[i] = append(page[i], took), append(counts[i], time.Since(start))
				rows[i] = strings.Count(body, `<a class="row `)
			}
		}
		select {
		case <-time.After(deskCountTTL):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var out []Timing
	for i, v := range views {
		p, c := percentiles("desk page, "+v.name+", first load", page[i]), percentiles("  and then its counts", counts[i])
		p.Rows, c.Rows = rows[i], rows[i]
		out = append(out, p, c)
	}
	return out, nil
}

// deskCountTTL outlasts the 5 s a slow count is served from the cache
// (a test, timing nothing, waits for nothing).
var deskCountTTL = 5*time.Second + 200*time.Millisecond

func percentiles(name string, lat []time.Duration) Timing {
	slices.Sort(lat)
	return Timing{View: name, P50: lat[len(lat)/2], P99: lat[min(len(lat)-1, len(lat)*99/100)]}
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signIn adds the bench's agent if the fixture lacks it and signs in.
func signIn(ctx context.Context, a *app.App, base string) (*http.Client, error) {
	if _, err := a.Users.Add(ctx, deskAgent, "Bench Agent", "agent", deskPassword); err != nil && !errors.Is(err, hark.ErrConflict) {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	body, err := fetch(c, base+"/login")
	if err != nil {
		return nil, err
	}
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		return nil, errors.New("no CSRF token on the sign-in page")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"csrf_token": {m[1]}, "email": {deskAgent}, "password": {deskPassword}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return c, nil
}

func fetch(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return string(b), err
}
