package x_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/x"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/workspace"
)

// An X mention end to end on X's wire format: the fake passes the desk's
// CRC check, pushes a signed mention twice (as X does per subscription),
// the desk stores one message, an agent answers publicly and hands off to
// a DM, and both arrive at the fake through the outbox.
func TestMentionThroughWebhookAndOutbox(t *testing.T) {
	ctx := context.Background()
	fake := x.NewFake("consumer-secret", "user-token")
	api := httptest.NewServer(fake)
	defer api.Close()
	a, err := app.Open(ctx, app.Options{DB: filepath.Join(t.TempDir(), "hark.db"), Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
	acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: fake.Handle, Name: "Hark"})
	if err := a.Workspaces.SetConfig(ctx, acct.ID, fake.Config(api.URL)); err != nil {
		t.Fatal(err)
	}
	desk := httptest.NewServer(server.Handler(a))
	defer desk.Close()
	hook := fmt.Sprintf("%s/webhooks/%d", desk.URL, acct.ID)

	if err := fake.Subscribe(ctx, hook); err != nil {
		t.Fatalf("CRC: %v", err)
	}
	if err := x.NewFake("someone-elses-secret", "t").Subscribe(ctx, hook); err == nil {
		t.Fatal("a CRC answered for another app's secret")
	}
	body := fake.MentionBody(x.Post{ID: "1924484520617840732", Author: dana, Text: "@harkdesk my order #991 never came", At: time.Now().Add(-time.Minute)})
	codes, err := fake.Deliver(ctx, hook, x.DeliverOptions{BadSignature: true}, body)
	if err != nil || codes[0] != http.StatusUnauthorized {
		t.Fatalf("bad signature: %v %v", codes, err)
	}
	codes, err = fake.Deliver(ctx, hook, x.DeliverOptions{Redeliver: true}, body)
	if err != nil || codes[0] != 200 || codes[1] != 200 {
		t.Fatalf("delivery: %v %v", codes, err)
	}
	resp, err := http.Post(hook, "application/json", strings.NewReader("{not json"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an unsigned body: %d", resp.StatusCode)
	}
	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil || len(page.Conversations) != 1 || page.Conversations[0].MessageCount != 1 {
		t.Fatalf("stored: %+v %v", page.Conversations, err)
	}
	c := page.Conversations[0]
	if c.Visibility != "public" || !strings.Contains(c.Preview, "#991") {
		t.Fatalf("conversation %+v", c)
	}

	reply, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: c.ID, Text: "Sorry Dana! Looking into it now."})
	if err != nil {
		t.Fatal(err)
	}
	waitSent(t, a, reply.ID)
	pub, priv, err := a.Conversations.Handoff(ctx, conversation.HandoffInput{ConversationID: c.ID,
		Public: "We've sent you a DM.", Private: "Could you share your postcode?"})
	if err != nil {
		t.Fatal(err)
	}
	waitSent(t, a, pub.ID)
	waitSent(t, a, priv.ID)

	got := fake.Delivered()
	if len(got) != 3 {
		t.Fatalf("the fake received %+v", got)
	}
	if got[0].ReplyTo != "1924484520617840732" || got[0].Text != "Sorry Dana! Looking into it now." || got[0].Private {
		t.Fatalf("public reply %+v", got[0])
	}
	if !got[2].Private || got[2].RecipientID != dana.ID || got[2].Text != "Could you share your postcode?" {
		t.Fatalf("the hand-off DM %+v", got[2])
	}
	m, _ := a.Conversations.Message(ctx, reply.ID)
	if m.ProviderID != got[0].ID {
		t.Fatalf("the reply records X's post id: %q, want %q", m.ProviderID, got[0].ID)
	}
}

func waitSent(t *testing.T, a *app.App, id int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, _ := a.Conversations.Message(context.Background(), id)
		if m.SendStatus == "sent" {
			return
		}
		if m.SendStatus == "failed" || time.Now().After(deadline) {
			t.Fatalf("reply %d %s: %s", id, m.SendStatus, m.SendError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
