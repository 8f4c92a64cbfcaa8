package desk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/browsertest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
)

// An agent scrolls down the inbox to read older conversations; a new
// message arrives elsewhere and the list is refreshed. The list must stay
// where the agent scrolled it: on a busy desk (one message a second) the
// refresh came faster than anyone can read, and each one scrolled the list
// back to the keyboard selection at the top.
func TestBrowserInboxKeepsItsScrollWhenSomethingArrives(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	start := time.Now().Add(-3 * time.Hour)
	for i := range 60 {
		who := fmt.Sprintf("cust%02d", i)
		res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: fmt.Sprint("old", i), Author: ingest.Author{ID: who, Handle: who},
			Text: "@SkywayAir where is my bag? " + who, SentAt: start.Add(time.Duration(i) * time.Minute)})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
	}
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	ana := browsertest.New(t)
	var scrolled float64
	err := chromedp.Run(ana, signIn(srv.URL, "ana@skyway.test", "correct horse battery"),
		chromedp.WaitVisible(`#live.on`),
		chromedp.Evaluate(`(function(){var l=document.getElementById("list"); l.scrollTop=l.scrollHeight; return l.scrollTop})()`, &scrolled))
	if err != nil {
		t.Fatal(err)
	}
	if scrolled < 200 {
		t.Fatalf("the list did not scroll (%v): the window is too tall for the test", scrolled)
	}
	res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "new", Author: ingest.Author{ID: "newbie", Handle: "newbie"},
		Text: "@SkywayAir my flight is cancelled", SentAt: time.Now()})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	var after float64
	err = chromedp.Run(ana,
		chromedp.Poll(fmt.Sprintf(`document.querySelector('.row[data-id="%d"]') !== null`, res[0].ConversationID), nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`document.getElementById("list").scrollTop`, &after))
	if err != nil {
		t.Fatalf("the new conversation never reached the list: %v", err)
	}
	if after < scrolled/2 {
		t.Fatalf("a live refresh moved the list the agent had scrolled to %v back to %v", scrolled, after)
	}
}

// An agent opens "correct labels" under a message and picks another
// intent; before they press Save, something happens on the conversation
// (the customer writes again, a reply's send status changes). The refresh
// must not throw away the half-made correction.
func TestBrowserLiveUpdateKeepsAnOpenLabelCorrection(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "maria", Handle: "maria"},
		Text: "@SkywayAir my bag never arrived in Lisbon", SentAt: time.Now().Add(-time.Minute)})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	ana := browsertest.New(t)
	err = chromedp.Run(ana, signIn(srv.URL, "ana@skyway.test", "correct horse battery"),
		chromedp.Navigate(fmt.Sprintf("%s/c/%d", srv.URL, res[0].ConversationID)),
		chromedp.WaitReady("body"), chromedp.WaitVisible(`#live.on`),
		chromedp.Click(`#thread details.fix summary`, chromedp.ByQuery),
		chromedp.SetValue(`#thread details.fix select`, "praise", chromedp.ByQuery))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "2", ReplyTo: "1", Author: ingest.Author{ID: "maria", Handle: "maria"},
		Text: "@SkywayAir hello??", SentAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var open bool
	var intent string
	err = chromedp.Run(ana,
		chromedp.Poll(`document.querySelectorAll("#thread .msg.in").length === 2`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`document.querySelector("#thread details.fix").open`, &open),
		chromedp.Evaluate(`document.querySelector("#thread details.fix select").value`, &intent))
	if err != nil {
		t.Fatalf("the customer's second message never reached the thread: %v", err)
	}
	if !open || intent != "praise" {
		t.Fatalf("after a live refresh the correction the agent was making is open=%v with intent %q, want open with praise", open, intent)
	}
}

// A customer's display name carries a right-to-left override it never
// closes ("\u202eAcme Support"): the override must stay inside the name.
// Before, it ran on into what the desk wrote after it, so the header and
// the inbox row showed the customer's handle backwards, left of the name
// ("foops@ troppuS emcA"): a handle chosen for it reads as another
// account's.
func TestBrowserACustomersBidiOverrideStaysInTheirName(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "s", Handle: "troppus_riayawks", Name: "\u202eSkyway Support"},
		Text: "@SkywayAir hi", SentAt: time.Now()})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	// handleRightOfName: the handle's box starts right of where the name's text starts.
	const handleRightOfName = `(function(sel){var e=document.querySelector(sel), h=e.querySelector("i"), name=null;
		for(var n=e.firstChild;n;n=n.nextSibling){if(n!==h&&n.textContent.trim()){name=n;break}}
		var nr=document.createRange();nr.selectNodeContents(name);
		return h.getBoundingClientRect().left>=nr.getBoundingClientRect().left})`
	ana := browsertest.New(t)
	var inRow, inHeader bool
	var title, placeholder string
	err = chromedp.Run(ana, signIn(srv.URL, "ana@skyway.test", "correct horse battery"),
		chromedp.Evaluate(handleRightOfName+`(".row .who")`, &inRow),
		chromedp.Navigate(fmt.Sprintf("%s/c/%d", srv.URL, res[0].ConversationID)), chromedp.WaitReady("body"),
		chromedp.Evaluate(handleRightOfName+`(".convhead h1")`, &inHeader),
		chromedp.Evaluate(`document.title`, &title),
		chromedp.Evaluate(`document.getElementById("reply").placeholder`, &placeholder))
	if err != nil {
		t.Fatal(err)
	}
	if !inRow || !inHeader {
		t.Fatalf("the customer's override reversed the handle after their name: inbox row ok=%v, header ok=%v", inRow, inHeader)
	}
	// A title and a placeholder cannot hold an isolating element: the
	// override is taken out of the name there.
	for _, s := range []string{title, placeholder} {
		if strings.ContainsRune(s, '\u202e') || !strings.Contains(s, "Skyway Support") {
			t.Errorf("%q: the name's override is still in it, or the name is not", s)
		}
	}
}
