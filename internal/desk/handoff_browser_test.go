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
	"github.com/harkdesk/hark/internal/channel/x"
	"github.com/harkdesk/hark/internal/server"
)

// An agent answers an X mention through the hand-off in a real browser: a
// public acknowledgement, then a DM, both sent to X's fake and both shown
// in one linked thread.
func TestBrowserHandsAnXMentionOffToADM(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	a, _, acct := skywayDesk(t, app.Options{PollEvery: -1})
	fake := x.NewFake("consumer-secret", "x-token")
	fake.UserID, fake.Handle = "4242", "SkywayAir"
	fake.AddUser(x.User{ID: "4242", Handle: "SkywayAir", Name: "Skyway Air"})
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	if err := a.ConfigureAccount(ctx, acct.ID, fake.Config(api.URL)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	hook := fmt.Sprintf("%s/webhooks/%d", srv.URL, acct.ID)
	if err := fake.Subscribe(ctx, hook); err != nil {
		t.Fatalf("CRC: %v", err)
	}
	maria := x.User{ID: "777", Handle: "maria_t", Name: "Maria T", Followers: 5400}
	body := fake.MentionBody(x.Post{ID: "1860000000000000001", Author: maria, Text: "@SkywayAir my bag never arrived in Lisbon, flight SK204", At: time.Now().Add(-time.Minute)})
	if codes, err := fake.Deliver(ctx, hook, x.DeliverOptions{}, body); err != nil || codes[0] != 200 {
		t.Fatalf("deliver: %v %v", codes, err)
	}

	b := browsertest.New(t)
	var publicURL, privateURL, thread string
	err := chromedp.Run(b, signIn(srv.URL, "ana@skyway.test", "correct horse battery"),
		chromedp.Click(`.row`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#replyform`),
		chromedp.Location(&publicURL),
		chromedp.SendKeys(`#reply`, "So sorry Maria, we've sent you a DM to sort this out."),
		chromedp.Click(`#handoff summary`),
		chromedp.WaitVisible(`#private`),
		chromedp.SendKeys(`#private`, "Hi Maria, could you share your bag tag number?"),
		chromedp.Click(`#handoffbtn`),
		chromedp.WaitVisible(`#linked`),
		chromedp.Location(&privateURL),
		chromedp.Text(`#thread`, &thread),
	)
	if err != nil {
		t.Fatal(err)
	}
	if privateURL == publicURL || !strings.Contains(thread, "bag tag number") {
		t.Fatalf("after the hand-off: at %s (from %s), thread %q", privateURL, publicURL, thread)
	}
	// The public thread links to the private one and shows the acknowledgement.
	var linkText, publicThread string
	err = chromedp.Run(b, chromedp.Navigate(publicURL), chromedp.WaitVisible(`#linked`),
		chromedp.Text(`#linked`, &linkText), chromedp.Text(`#thread`, &publicThread))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(linkText, "private") || !strings.Contains(publicThread, "sent you a DM") {
		t.Fatalf("public thread: link %q, thread %q", linkText, publicThread)
	}
	// Both arrive at X: a reply to the mention and a DM to Maria.
	deadline := time.Now().Add(15 * time.Second)
	for {
		sends := fmt.Sprint(fake.Sends())
		if strings.Contains(sends, "1860000000000000001") && strings.Contains(sends, "dm_conversations/with/777") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("X's fake received %s", sends)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
