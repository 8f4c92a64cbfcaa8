package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/conversation"
)

// A Messenger conversation end to end on Meta's wire format: the fake
// subscribes the desk's webhook, pushes signed events (twice, as Meta
// redelivers), the desk stores one message, an agent answers, and the
// answer arrives at the fake's Send API.
func TestMessengerThroughWebhookAndOutbox(t *testing.T) {
	ctx := context.Background()
	fake := meta.NewFake("app-secret", "verify-me", "page-token")
	a, desk := openDesk(t, app.Options{})
	ws, _, hook := connectMeta(t, a, desk, "shop", "facebook", fake)

	if err := fake.Subscribe(ctx, hook, "verify-me"); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if err := fake.Subscribe(ctx, hook, "wrong"); err == nil {
		t.Fatal("a handshake with the wrong verify token succeeded")
	}
	body := fake.MessengerBody("psid-42", "m_1", "Hi, my order #991 never came", time.Now().Add(-time.Minute))
	codes, err := fake.Deliver(ctx, hook, meta.DeliverOptions{BadSignature: true}, body)
	if err != nil || codes[0] != http.StatusUnauthorized {
		t.Fatalf("bad signature: %v %v", codes, err)
	}
	codes, err = fake.Deliver(ctx, hook, meta.DeliverOptions{Redeliver: true}, body)
	if err != nil || codes[0] != 200 || codes[1] != 200 {
		t.Fatalf("delivery: %v %v", codes, err)
	}
	resp, _ := http.Post(hook, "application/json", strings.NewReader("{not json"))
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("garbage: %d", resp.StatusCode)
	}
	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil || len(page.Conversations) != 1 || page.Conversations[0].MessageCount != 1 {
		t.Fatalf("stored: %+v %v", page.Conversations, err)
	}
	c := page.Conversations[0]
	if c.Visibility != "private" || !strings.Contains(c.Preview, "#991") {
		t.Fatalf("conversation %+v", c)
	}
	reply, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: c.ID, Text: "Sorry! Sending a new one today."})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, _ := a.Conversations.Message(ctx, reply.ID)
		if m.SendStatus == "sent" {
			break
		}
		if m.SendStatus == "failed" || time.Now().After(deadline) {
			t.Fatalf("reply %s: %s", m.SendStatus, m.SendError)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sends := fake.Sends()
	if len(sends) != 1 || !strings.Contains(fmt.Sprint(sends[0]), "Sending a new one today") {
		t.Fatalf("the fake received %+v", sends)
	}
}
