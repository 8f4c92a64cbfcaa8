package poll_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/app/apptest"
	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/blog"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/poll"
	"github.com/harkdesk/hark/internal/workspace"
)

func comment(name, text string, at time.Time) blog.Comment {
	var c blog.Comment
	c.Post, c.AuthorName, c.AuthorEmail, c.DateGMT = 12, name, strings.ToLower(name)+"@example.com", at.UTC().Format("2006-01-02T15:04:05")
	c.Content.Raw = text
	return c
}

// The runner polls a WordPress site on its own: new comments land in the
// inbox once, a failing site is reported in the account's health without
// losing the cursor, and the next good poll catches up.
func TestRunnerPollsRecordsHealthAndCatchesUp(t *testing.T) {
	defer func(min, back time.Duration) { poll.MinInterval, poll.FailedBackoff = min, back }(poll.MinInterval, poll.FailedBackoff)
	poll.MinInterval, poll.FailedBackoff = 0, 0
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		wp := blog.NewWordPress("editor", "app pass word")
		site := httptest.NewServer(wp)
		defer site.Close()
		ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
		acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "blog", Handle: "blog.shop.test", Name: "Blog"})
		cfg, _ := json.Marshal(map[string]any{"site": site.URL, "username": "editor", "app_password": "app pass word", "poll_interval_seconds": 0.001})
		if err := a.Workspaces.SetConfig(ctx, acct.ID, cfg); err != nil {
			t.Fatal(err)
		}
		acct, _ = a.Workspaces.Account(ctx, acct.ID)

		if r, _ := a.Health.Of(ctx, acct, time.Now()); r.Status != "waiting" {
			t.Fatalf("before any poll: %+v", r)
		}
		now := time.Now()
		wp.Add(comment("Mia", "Does the sale include shoes?", now.Add(-time.Hour)))
		if n, err := a.Poller.Tick(ctx); err != nil || n != 1 {
			t.Fatalf("first tick stored %d: %v", n, err)
		}
		time.Sleep(5 * time.Millisecond)
		if n, _ := a.Poller.Tick(ctx); n != 0 {
			t.Fatalf("a second tick stored %d again", n)
		}

		wp.FailNext(503, 503, 503)
		wp.Add(comment("Noor", "Is delivery free?", now.Add(-30*time.Minute)))
		time.Sleep(5 * time.Millisecond)
		if n, _ := a.Poller.Tick(ctx); n != 0 {
			t.Fatalf("a failing site stored %d", n)
		}
		a.Health.Flush(ctx)
		r, err := a.Health.Of(ctx, acct, time.Now())
		if err != nil || r.Status != "error" || r.PollError == "" || len(r.Errors) == 0 || r.Errors[0].Source != "poll" || r.LastEventAt == 0 {
			t.Fatalf("health after a failed poll: %+v %v", r, err)
		}
		for i := 0; i < 5; i++ {
			time.Sleep(5 * time.Millisecond)
			if n, _ := a.Poller.Tick(ctx); n == 1 {
				break
			}
		}
		page, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
		if len(page.Conversations) != 2 {
			t.Fatalf("after catching up: %d conversations, want 2", len(page.Conversations))
		}
		if r, _ := a.Health.Of(ctx, acct, time.Now()); r.Status != "ok" || r.PollError != "" || r.PollOKAt == 0 {
			t.Fatalf("health after recovery: %+v", r)
		}
	})
}

// Two processes sharing one database never poll the same account at once.
func TestLeaseKeepsOnePoller(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
		acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "blog", Handle: "b", Name: "Blog"})
		l1, ok1, err1 := a.Health.ClaimPoll(ctx, acct.ID, time.Minute)
		_, ok2, err2 := a.Health.ClaimPoll(ctx, acct.ID, time.Minute)
		if err1 != nil || err2 != nil || !ok1 || ok2 {
			t.Fatalf("claims: %v %v %v %v", ok1, err1, ok2, err2)
		}
		if err := a.Health.PollDone(ctx, l1, "c1", nil, 0); err != nil {
			t.Fatal(err)
		}
		l, ok, err := a.Health.ClaimPoll(ctx, acct.ID, time.Minute)
		if err != nil || !ok || l.Cursor != "c1" {
			t.Fatalf("claim after release: %q %v %v", l.Cursor, ok, err)
		}
	})
}

// A poll that outlives its lease (a slow store, a paused node) ends only
// its own lease: the node that took the account over keeps its lease, so
// no third node polls beside it, and its cursor is not rewound.
func TestAPollPastItsLeaseLeavesTheNextOneAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
		acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "blog", Handle: "b", Name: "Blog"})
		slow, ok, err := a.Health.ClaimPoll(ctx, acct.ID, time.Millisecond)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		time.Sleep(5 * time.Millisecond)
		next, ok, err := a.Health.ClaimPoll(ctx, acct.ID, time.Minute)
		if err != nil || !ok {
			t.Fatalf("the expired lease was not taken over: %v %v", ok, err)
		}
		if err := a.Health.PollDone(ctx, next, "c2", nil, 0); err != nil {
			t.Fatal(err)
		}
		again, ok, err := a.Health.ClaimPoll(ctx, acct.ID, time.Minute)
		if err != nil || !ok || again.Cursor != "c2" {
			t.Fatalf("claim: %q %v %v", again.Cursor, ok, err)
		}
		if err := a.Health.PollDone(ctx, slow, "c1", nil, 0); !errors.Is(err, health.ErrLeaseLost) {
			t.Errorf("the late poll's outcome: %v, want ErrLeaseLost", err)
		}
		if err := a.Health.ReleasePoll(ctx, slow); !errors.Is(err, health.ErrLeaseLost) {
			t.Errorf("the late poll's release: %v, want ErrLeaseLost", err)
		}
		if _, ok, _ := a.Health.ClaimPoll(ctx, acct.ID, time.Minute); ok {
			t.Error("a late poll ended another node's lease: a third poll could start beside it")
		}
		if err := a.Health.ReleasePoll(ctx, again); err != nil {
			t.Fatal(err)
		}
		if l, _, _ := a.Health.ClaimPoll(ctx, acct.ID, time.Minute); l.Cursor != "c2" {
			t.Errorf("cursor %q, want c2: the late poll rewound it", l.Cursor)
		}
	})
}

// The runner checks that each brand profile is live and records it.
func TestRunnerProbesPresence(t *testing.T) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: t.TempDir() + "/h.db", Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	fake := meta.NewFake("s", "v", "tok")
	graph := httptest.NewServer(fake)
	defer graph.Close()
	ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
	good, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "facebook", Handle: "shop"})
	bad, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "instagram", Handle: "shop"})
	a.ConfigureAccount(ctx, good.ID, fake.Config(graph.URL))
	wrong := meta.NewFake("s", "v", "expired-token")
	a.ConfigureAccount(ctx, bad.ID, wrong.Config(graph.URL))
	if _, err := a.Poller.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id int64
		ok bool
	}{{good.ID, true}, {bad.ID, false}} {
		acct, _ := a.Workspaces.Account(ctx, tc.id)
		r, _ := a.Health.Of(ctx, acct, time.Now())
		if r.PresenceCheckedAt == 0 || r.PresenceOK != tc.ok || (tc.ok != (r.Status != "error")) {
			t.Errorf("%s: %+v", acct.Channel, r)
		}
	}
}

// A mailbox read over IMAP is watched with IDLE between polls: mail lands
// in the inbox within seconds although the schedule would next poll in an
// hour, and closing the desk closes the watcher's connection.
func TestIMAPIdleWakesThePoller(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, fake, ws, _ := mailDesk(t, func(cfg map[string]any) { cfg["poll_interval_seconds"] = 3600 })
	done := make(chan struct{})
	go func() { defer close(done); a.Poller.Run(ctx, time.Hour) }()

	time.Sleep(300 * time.Millisecond) // the first poll ran and IDLE began
	msg := "From: Ada <ada@example.org>\r\nTo: support@shop.test\r\nSubject: Where is order 42?\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <ada-idle@example.org>\r\n\r\nIt has been a week.\r\n"
	if err := smtp.SendMail(fake.SMTPAddr, nil, "ada@example.org", []string{"support@shop.test"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
		if len(page.Conversations) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("IDLE did not bring the mail in within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the runner did not stop its watcher")
	}
}

// A provider's wait after a failed poll is obeyed up to an hour: a reset
// a year away stopped polling the account for a year. Before, any
// Retry-After was taken as it came.
func TestAFailedPollWaitsWhatTheProviderAsksUpToAnHour(t *testing.T) {
	for _, tc := range []struct {
		retryAfter, want time.Duration
	}{
		{0, poll.FailedBackoff},
		{time.Second, poll.FailedBackoff},
		{20 * time.Minute, 20 * time.Minute},
		{365 * 24 * time.Hour, poll.MaxRetryAfter},
	} {
		err := fmt.Errorf("poll: %w", &channel.SendError{Status: 429, RetryAfter: tc.retryAfter})
		if got := poll.FailedWait(time.Minute, err); got != tc.want {
			t.Errorf("Retry-After %v: waits %v, want %v", tc.retryAfter, got, tc.want)
		}
	}
}
