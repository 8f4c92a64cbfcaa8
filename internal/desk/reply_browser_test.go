package desk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/browsertest"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
)

// Ben has a conversation open when Ana answers it; his thread shows her
// answer live. His reply then goes out: he has seen hers. The newest
// message his reply says he saw follows the thread as it refreshes,
// where one fixed when the page loaded would hold him back for an answer
// on his screen.
func TestBrowserAReplyAfterALiveUpdateIsNotHeldBack(t *testing.T) {
	browsertest.Require(t)
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	if _, err := a.Users.Add(ctx, "ben@skyway.test", "Ben", "agent", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	ana, err := a.Users.ByEmail(ctx, "ana@skyway.test")
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "maria", Handle: "maria"},
		Text: "@SkywayAir my bag never arrived in Lisbon", SentAt: time.Now().Add(-time.Minute)})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	convID := res[0].ConversationID
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	ben := browsertest.New(t)
	err = chromedp.Run(ben, signIn(srv.URL, "ben@skyway.test", "correct horse battery"),
		chromedp.Navigate(fmt.Sprintf("%s/c/%d", srv.URL, convID)),
		chromedp.WaitReady("body"), chromedp.WaitVisible(`#live.on`))
	if err != nil {
		t.Fatal(err)
	}
	answer, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: convID, UserID: ana.ID,
		Text: "So sorry Maria, your bag arrives tomorrow.", Author: conversation.Author{Name: "Skyway Air"}})
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	var owned bool
	err = chromedp.Run(ben,
		chromedp.Poll(`document.querySelectorAll("#thread .msg.out").length === 1`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`document.querySelector('input[name="last_message_id"]').value`, &seen),
		chromedp.Evaluate(`document.querySelector('input[name="last_message_id"]').form === document.getElementById("replyform")`, &owned))
	if err != nil {
		t.Fatalf("Ana's answer never reached Ben's thread: %v", err)
	}
	if seen != itoa(answer.ID) || !owned {
		t.Fatalf("after the live refresh the reply form says Ben saw message %s (the form's own field: %v), want Ana's answer %d", seen, owned, answer.ID)
	}
	var outs int
	var held bool
	err = chromedp.Run(ben,
		chromedp.SendKeys(`#reply`, "And a voucher for the trouble."),
		chromedp.Click(`#replyform button.primary`),
		chromedp.WaitVisible(`#thread .msg.out ~ .msg.out, #answered`, chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById("answered") !== null`, &held),
		chromedp.Evaluate(`document.querySelectorAll("#thread .msg.out").length`, &outs))
	if err != nil {
		t.Fatal(err)
	}
	if held || outs != 2 {
		t.Fatalf("Ben's reply after seeing Ana's: held back %v, %d answers shown", held, outs)
	}
}
