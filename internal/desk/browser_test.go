package desk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/browsertest"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/desk"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/workspace"
)

func signIn(url, email, password string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(url + "/login"),
		chromedp.WaitVisible(`input[name=email]`),
		chromedp.SendKeys(`input[name=email]`, email),
		chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`.inbox`),
	}
}

// skywayDesk opens a desk on a fresh SQLite file, with options o, holding
// the workspace "skyway", its X account @SkywayAir and the agent
// ana@skyway.test (password "correct horse battery").
func skywayDesk(t *testing.T, o app.Options) (*app.App, workspace.Workspace, workspace.Account) {
	t.Helper()
	ctx := context.Background()
	o.DB, o.Migrate = filepath.Join(t.TempDir(), "hark.db"), true
	a, err := app.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ws, err := a.Workspaces.Create(ctx, "skyway", "Skyway Air")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "SkywayAir", Name: "Skyway Air", Purpose: "marketing"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Users.Add(ctx, "ana@skyway.test", "Ana", "agent", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return a, ws, acct
}

func TestBrowserAgentsWorkAConversationLive(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	a, ws, x := skywayDesk(t, app.Options{})
	fb, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "facebook", Handle: "skyway", Name: "Skyway on Facebook", Purpose: "service"})
	if _, err := a.Users.Add(ctx, "ben@skyway.test", "Ben", "agent", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(-time.Hour)
	for i, m := range []struct {
		acct      int64
		who, text string
	}{
		{x.ID, "maria", "@SkywayAir my bag never arrived in Lisbon, flight SK204 <script>alert(1)</script>"},
		{x.ID, "joe", "@SkywayAir best crew ever on SK11 today!"},
		{fb.ID, "li", "My refund for booking QX7 is three weeks late. https://example.com/receipt"},
		{fb.ID, "sam", "Can I bring a guitar as cabin baggage?"},
	} {
		res, err := a.Pipeline.Ingest(ctx, m.acct, ingest.Message{ProviderID: fmt.Sprint(i), Author: ingest.Author{ID: m.who, Handle: m.who, Name: strings.ToUpper(m.who[:1]) + m.who[1:], Followers: 120},
			Text: m.text, SentAt: now.Add(time.Duration(i) * time.Minute)})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
	}
	srv := httptest.NewServer(server.Handler(a))
	// Cleanups run last-first: the browsers (and their event streams) go
	// before the server closes.
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	ana, ben := browsertest.New(t), browsertest.New(t)
	var rows int
	err := chromedp.Run(ana, signIn(srv.URL, "ana@skyway.test", "correct horse battery"),
		chromedp.Evaluate(`document.querySelectorAll(".row").length`, &rows))
	if err != nil {
		t.Fatal(err)
	}
	if rows != 4 {
		t.Fatalf("inbox shows %d conversations, want 4", rows)
	}
	if path := os.Getenv("HARK_SCREENSHOT"); path != "" {
		var png []byte
		if err := chromedp.Run(ana, chromedp.FullScreenshot(&png, 100)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Filter to the Facebook account, then open Li's conversation.
	var href string
	err = chromedp.Run(ana,
		chromedp.Click(`.filters a[href*="account=`+fmt.Sprint(fb.ID)+`"]`),
		chromedp.WaitVisible(`.filters a.on .chan-facebook`),
		chromedp.Evaluate(`document.querySelectorAll(".row").length`, &rows),
		chromedp.Evaluate(`Array.from(document.querySelectorAll(".row")).find(r => r.textContent.includes("refund")).getAttribute("href")`, &href),
	)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 2 {
		t.Fatalf("Facebook filter shows %d conversations, want 2", rows)
	}
	// Ben has the same conversation open in his own browser.
	var inSize float64
	var inWeight string
	err = chromedp.Run(ben, signIn(srv.URL, "ben@skyway.test", "correct horse battery"),
		chromedp.Navigate(srv.URL+href), chromedp.WaitVisible(`#thread .msg.in`),
		chromedp.Evaluate(`parseFloat(getComputedStyle(document.querySelector("#thread .msg.in .text")).fontSize)`, &inSize),
		chromedp.Evaluate(`getComputedStyle(document.querySelector("#thread .msg.in .text")).fontWeight`, &inWeight))
	if err != nil {
		t.Fatal(err)
	}
	// The customer's message reads as text, not in the 10px bold of the
	// intent badge (class "in" too).
	if inSize < 12 || inWeight != "400" {
		t.Fatalf("an inbound message is set in %vpx, weight %s", inSize, inWeight)
	}
	time.Sleep(300 * time.Millisecond) // let Ben's event stream connect
	const answer = "So sorry, Li! Your refund left today; check your bank in 2 days."
	var status, linkRel string
	var hasRel bool
	err = chromedp.Run(ana,
		chromedp.Navigate(srv.URL+href),
		chromedp.WaitVisible(`#reply`),
		chromedp.AttributeValue(`.msg.in .text a`, "rel", &linkRel, &hasRel),
		chromedp.SendKeys(`#reply`, answer),
		chromedp.Click(`#replyform button.primary`),
		chromedp.WaitVisible(`.msg.out`),
		chromedp.Click(`#resolveform button[value=resolved]`),
		chromedp.WaitVisible(`#resolveform button[value=open]`),
		chromedp.Text(`#status`, &status),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(status, "resolved") || !strings.Contains(linkRel, "noopener") {
		t.Fatalf("after resolve: status %q, link rel %q", status, linkRel)
	}
	// Ben sees the reply and the resolution arrive without reloading.
	var benText, benStatus string
	err = chromedp.Run(ben,
		chromedp.WaitVisible(`#thread .msg.out`),
		chromedp.Text(`#thread .msg.out .text`, &benText),
		chromedp.Poll(`document.getElementById("status").textContent === "resolved"`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text(`#status`, &benStatus),
	)
	if err != nil {
		t.Fatalf("second agent's view did not update live: %v", err)
	}
	if benText != answer || !strings.EqualFold(benStatus, "resolved") {
		t.Fatalf("second agent sees %q / %q", benText, benStatus)
	}
	// Customer text never ran as script in either browser.
	var alerted bool
	chromedp.Run(ana, chromedp.Navigate(srv.URL+"/w/skyway?status=all"), chromedp.WaitVisible(`.row`),
		chromedp.Evaluate(`document.querySelectorAll("script:not([src])").length > 0`, &alerted))
	if alerted {
		t.Fatal("customer text became a script element")
	}
}

// An inbox page that did not wait for its status counts gets them from
// desk.js, and they follow what arrives, without a reload.
func TestBrowserCountsArriveAndFollow(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	post := func(id, who, text string) {
		t.Helper()
		res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: id, Author: ingest.Author{ID: who, Handle: who}, Text: text, SentAt: time.Now()})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
	}
	post("1", "maria", "@SkywayAir my bag never arrived in Lisbon")
	post("2", "joe", "@SkywayAir where is my refund?")
	restore := desk.SetCountBudget(0) // every page leaves its counts to desk.js
	t.Cleanup(restore)
	a.Conversations.CacheCountsAfter(-1) // and they are served from the cache, as at a large desk
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	ana := browsertest.New(t)
	open := `document.querySelector('#counts a[href*="status=open"] b').textContent`
	// The page comes without counts (TestLanguageBadgeInTheDesk checks
	// the markup); desk.js fetches them.
	err := chromedp.Run(ana, signIn(srv.URL, "ana@skyway.test", "correct horse battery"),
		chromedp.Poll(open+` === "2"`, nil, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("the open count never arrived: %v", err)
	}
	if err := chromedp.Run(ana, chromedp.WaitVisible(`#live.on`)); err != nil {
		t.Fatalf("no live updates: %v", err)
	}
	post("3", "li", "@SkywayAir my refund is three weeks late")
	if err := chromedp.Run(ana, chromedp.Poll(open+` === "3"`, nil, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the open count did not follow a new conversation: %v", err)
	}
}

// One agent corrects a message's labels, or the customer edits it: the
// other agents' open inboxes follow, as they follow a tag or a reply.
// Before, the desk listened for neither event, and the badge stayed old
// until a reload.
func TestBrowserCorrectionsAndEditsShowLive(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "joe", Handle: "joe"},
		Text: "@SkywayAir best crew ever on SK11 today!", SentAt: time.Now().Add(-time.Minute)})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	ben, err := a.Users.Add(ctx, "ben@skyway.test", "Ben", "agent", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	ana := browsertest.New(t)
	badge := `document.querySelector('.row .in').textContent`
	var before string
	if err := chromedp.Run(ana, signIn(srv.URL, "ana@skyway.test", "correct horse battery"),
		chromedp.WaitVisible(`#live.on`), chromedp.Evaluate(badge, &before)); err != nil {
		t.Fatal(err)
	}
	if before == "share" {
		t.Fatalf("the praise was read as a share already")
	}
	ms, _ := a.Conversations.Messages(ctx, res[0].ConversationID)
	if _, err := a.Conversations.Correct(ctx, conversation.Correction{MessageID: ms[0].ID, UserID: ben.ID, Intent: "share"}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ana, chromedp.Poll(badge+` === "share"`, nil, chromedp.WithPollingTimeout(8*time.Second))); err != nil {
		t.Fatalf("another agent's correction did not reach the open inbox: %v", err)
	}
	const edited = "@SkywayAir my bag never arrived in Denver, can you please tell me where it is?"
	if ok, err := a.Conversations.ApplyRevision(ctx, x.ID, "1", conversation.RevisionEdited, edited, time.Now().UnixMilli()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := chromedp.Run(ana, chromedp.Poll(badge+` === "request"`, nil, chromedp.WithPollingTimeout(8*time.Second))); err != nil {
		t.Fatalf("the customer's edit did not reach the open inbox: %v", err)
	}
}
