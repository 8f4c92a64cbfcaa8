package chat_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/browsertest"
	"github.com/harkdesk/hark/internal/channel/chat"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/smtp/smtptest"
	"github.com/harkdesk/hark/internal/workspace"
)

// A visitor chats through the real widget in headless Chromium: they write,
// an agent answers, the widget shows it, and after a reload the
// conversation is still there.
func TestBrowserWidgetChat(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	w := widgetDesk(t, "")
	a, ws, bctx, page := w.a, w.ws, w.bctx, w.page
	var ok bool
	err := chromedp.Run(bctx,
		chromedp.Navigate(page),
		chromedp.Poll(`!!document.querySelector("[data-hark-chat]")`, nil),
		chromedp.Evaluate(shadow(`r.querySelector(".btn").click(); return true`), &ok),
		chromedp.Evaluate(shadow(`r.querySelector(".pre input").value = "Dana"; r.querySelector(".pre input[type=email]").value = "dana@example.com"; r.querySelector(".pre button").click(); return true`), &ok),
		chromedp.Poll(shadow(`return r.querySelector(".head small").textContent.indexOf("usually") >= 0`), nil),
		chromedp.Evaluate(shadow(`r.querySelector("textarea").value = "Is my parcel 77 on its way?"; r.querySelector("form:not(.pre) button").click(); return true`), &ok),
		chromedp.Poll(shadow(`return r.querySelectorAll(".m.visitor:not(.pending)").length === 1`), nil),
	)
	if err != nil {
		t.Fatalf("visitor could not write: %v", err)
	}
	page1, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil || len(page1.Conversations) != 1 {
		t.Fatalf("desk has %d conversations, %v", len(page1.Conversations), err)
	}
	c := page1.Conversations[0]
	if c.ContactName != "Dana" || !strings.Contains(c.Preview, "parcel 77") {
		t.Fatalf("conversation %+v", c)
	}
	start := time.Now()
	if _, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: c.ID, Text: "Yes! It arrives tomorrow.", Author: conversation.Author{Name: "Sam"}}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(bctx, chromedp.Poll(shadow(`return Array.from(r.querySelectorAll(".m.agent")).some(m => m.textContent.indexOf("arrives tomorrow") >= 0)`), nil, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("the agent's reply never reached the widget: %v", err)
	}
	t.Logf("agent reply shown in the widget after %v", time.Since(start).Round(time.Millisecond))
	var count int
	err = chromedp.Run(bctx,
		chromedp.Reload(),
		chromedp.Poll(`!!document.querySelector("[data-hark-chat]")`, nil),
		chromedp.Evaluate(shadow(`r.querySelector(".btn").click(); return true`), &ok),
		chromedp.Poll(shadow(`return r.querySelectorAll(".m").length >= 2`), nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(shadow(`return r.querySelectorAll(".m.visitor, .m.agent").length`), &count),
	)
	if err != nil || count != 2 {
		t.Fatalf("after reload the widget shows %d messages: %v", count, err)
	}
	if p2, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID}); len(p2.Conversations) != 1 {
		t.Fatal("the reload started a second conversation")
	}
}

// A chat that requires an e-mail address shows its pre-chat form again,
// the address now required, to a visitor who gave none; with one they
// write as usual. The widget ignored ask_email.
func TestBrowserWidgetAsksForTheRequiredEmail(t *testing.T) {
	browsertest.Require(t)
	bctx, page := widgetDemo(t, `{"require_email":true}`)
	var ok bool
	err := chromedp.Run(bctx,
		chromedp.Navigate(page),
		chromedp.Poll(`!!document.querySelector("[data-hark-chat]")`, nil),
		chromedp.Evaluate(shadow(`r.querySelector(".btn").click(); return true`), &ok),
		chromedp.Evaluate(shadow(`r.querySelector(".pre input").value = "Dana"; r.querySelector(".pre button").click(); return true`), &ok),
		chromedp.Poll(shadow(`const e = r.querySelector(".pre input[type=email]"); return r.querySelector(".pre").style.display === "flex" && e.required`), nil, chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Evaluate(shadow(`r.querySelector(".pre input[type=email]").value = "dana@example.com"; r.querySelector(".pre button").click(); return true`), &ok),
		chromedp.Poll(shadow(`return r.querySelector(".pre").style.display === "none" && r.querySelector(".head small").textContent.indexOf("usually") >= 0`), nil, chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Evaluate(shadow(`r.querySelector("textarea").value = "Is my parcel 77 on its way?"; r.querySelector("form:not(.pre) button").click(); return true`), &ok),
		chromedp.Poll(shadow(`return r.querySelectorAll(".m.visitor:not(.pending)").length === 1`), nil, chromedp.WithPollingTimeout(15*time.Second)),
	)
	if err != nil {
		t.Fatalf("the widget did not ask for the address, or took no message after it: %v", err)
	}
}

// closedHours are chat hours closed now and for a day either side: the
// whole of one day three days away.
var closedHours = `{"tz":"UTC","days":"` + strings.ToLower(time.Now().UTC().AddDate(0, 0, 3).Weekday().String()[:3]) + `"}`

// Outside its hours the widget promises what the desk does: an answer in
// the chat. It promised "we'll answer by e-mail", and no reply to a chat
// is ever e-mailed (the outbox counts it delivered when it is stored).
func TestBrowserWidgetPromisesNoEmailOutsideHours(t *testing.T) {
	browsertest.Require(t)
	bctx, page := widgetDemo(t, `{"hours":`+closedHours+`}`)
	var ok bool
	var note string
	err := chromedp.Run(bctx,
		chromedp.Navigate(page),
		chromedp.Poll(`!!document.querySelector("[data-hark-chat]")`, nil),
		chromedp.Evaluate(shadow(`r.querySelector(".btn").click(); return true`), &ok),
		chromedp.Evaluate(shadow(`r.querySelector(".pre input").value = "Dana"; r.querySelector(".pre button").click(); return true`), &ok),
		chromedp.Poll(shadow(`return r.querySelector(".head small").textContent.indexOf("away") >= 0`), nil, chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Evaluate(shadow(`return r.querySelector(".note").textContent`), &note),
	)
	if err != nil {
		t.Fatalf("the widget did not show the chat as away: %v", err)
	}
	if strings.Contains(strings.ToLower(note), "e-mail") || !strings.Contains(note, "answer here") {
		t.Fatalf("outside hours the widget says %q", note)
	}
}

// widgetSite is a desk with one chat account, served, and a browser.
type widgetSite struct {
	a    *app.App
	ws   workspace.Workspace
	bctx context.Context
	page string // the account's demo page
}

// widgetDesk serves a desk with one chat account configured with cfg
// (none when ""), and opens a browser.
func widgetDesk(t *testing.T, cfg string) widgetSite {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: filepath.Join(t.TempDir(), "hark.db"), Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
	acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "chat", Handle: "site", Name: "Shop support"})
	if cfg != "" {
		if err := a.Workspaces.SetConfig(ctx, acct.ID, []byte(cfg)); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return widgetSite{a, ws, browsertest.New(t), fmt.Sprintf("%s/chat/%d/demo", srv.URL, acct.ID)}
}

// widgetDemo is widgetDesk's browser and demo page.
func widgetDemo(t *testing.T, cfg string) (context.Context, string) {
	w := widgetDesk(t, cfg)
	return w.bctx, w.page
}

// shadow wraps js to run inside the widget's shadow root, as r.
func shadow(js string) string {
	return `(() => { const r = document.querySelector("[data-hark-chat]").shadowRoot; ` + js + ` })()`
}

// The real widget tells the desk which replies it showed: one shown in
// the open panel is not e-mailed, one that came while the panel was
// closed is. Outside hours, to a visitor who gave an address on a chat
// that can mail, it promises the e-mail.
func TestBrowserWidgetAcksWhatItShowsAndPromisesMail(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	mail := smtptest.Start(t, 0)
	w := widgetDesk(t, `{"hours":`+closedHours+`,"smtp":"`+mail.Addr+`","mail_from":"support@shop.test"}`)
	a, ws, bctx := w.a, w.ws, w.bctx
	var ok bool
	var note string
	err := chromedp.Run(bctx,
		chromedp.Navigate(w.page),
		chromedp.Poll(`!!document.querySelector("[data-hark-chat]")`, nil),
		chromedp.Evaluate(shadow(`r.querySelector(".btn").click(); return true`), &ok),
		chromedp.Evaluate(shadow(`r.querySelector(".pre input").value = "Dana"; r.querySelector(".pre input[type=email]").value = "dana@example.com"; r.querySelector(".pre button").click(); return true`), &ok),
		chromedp.Poll(shadow(`return r.querySelector(".note").textContent.indexOf("e-mail") >= 0`), nil, chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Evaluate(shadow(`return r.querySelector(".note").textContent`), &note),
		chromedp.Evaluate(shadow(`r.querySelector("textarea").value = "Is my parcel 77 on its way?"; r.querySelector("form:not(.pre) button").click(); return true`), &ok),
		chromedp.Poll(shadow(`return r.querySelectorAll(".m.visitor:not(.pending)").length === 1`), nil),
	)
	if err != nil {
		t.Fatalf("the widget did not promise the e-mail (%q), or took no message: %v", note, err)
	}
	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil || len(page.Conversations) != 1 {
		t.Fatalf("desk has %d conversations, %v", len(page.Conversations), err)
	}
	conv := page.Conversations[0].ID
	// state waits for a reply's state on the way to e-mail.
	state := func(id int64, want string) {
		t.Helper()
		var got string
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if a.DB.R.QueryRowContext(ctx, "SELECT state FROM chat_replies WHERE message_id = ?", id).Scan(&got); got == want {
				return
			}
		}
		t.Fatalf("reply %d is %q, want %q", id, got, want)
	}
	shown := answer(t, a, conv, "Yes! It arrives tomorrow.")
	state(shown, "seen")
	err = chromedp.Run(bctx, chromedp.Evaluate(shadow(`r.querySelector(".close").click(); return true`), &ok))
	if err != nil {
		t.Fatal(err)
	}
	missed := answer(t, a, conv, "PS: it needs a signature.")
	if err := chromedp.Run(bctx, chromedp.Poll(shadow(`return r.querySelector(".btn").textContent.indexOf("\u2022") >= 0`), nil, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the closed widget never got the reply: %v", err)
	}
	state(missed, "unseen")
	if n := tick(t, a.ChatMail, time.Now().Add(chat.DefaultMailUnseenAfter+time.Second)); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
	got := mail.Mails(300 * time.Millisecond)
	if len(got) != 1 {
		t.Fatalf("%d mails arrived", len(got))
	}
	if _, body := split(t, got[0]); !strings.Contains(body, "signature") || strings.Contains(body, "arrives tomorrow") {
		t.Fatalf("the mail:\n%s", body)
	}
}
