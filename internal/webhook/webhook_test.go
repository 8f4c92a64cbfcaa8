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

// WhatsApp answers a send with a wamid and reports only later, by a
// "failed" status webhook, that the reply never arrived (131026
// undeliverable, 131047 the 24-hour window closed). The desk shows such a
// reply failed, with WhatsApp's reason, as it does an e-mail bounce;
// delivered and read reports leave it sent.
func TestAWhatsAppReplyReportedFailedShowsFailed(t *testing.T) {
	ctx := context.Background()
	fake := meta.NewFake("app-secret", "verify-me", "page-token")
	a, desk := openDesk(t, app.Options{PollEvery: -1})
	ws, _, hook := connectMeta(t, a, desk, "shop", "whatsapp", fake)
	deliver := func(body []byte) {
		t.Helper()
		if codes, err := fake.Deliver(ctx, hook, meta.DeliverOptions{Redeliver: true}, body); err != nil || codes[0] != 200 || codes[1] != 200 {
			t.Fatalf("push: %v %v", codes, err)
		}
	}
	deliver(fake.WhatsAppTextBody("16505551234", "Sheena", "wamid.IN1", "Is my order shipped?", time.Now().Add(-time.Minute)))
	page, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if len(page.Conversations) != 1 {
		t.Fatalf("conversations: %+v", page.Conversations)
	}
	send := func(text string) conversation.Message {
		t.Helper()
		reply, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: page.Conversations[0].ID, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Outbox.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		m, _ := a.Conversations.Message(ctx, reply.ID)
		if m.SendStatus != "sent" || m.ProviderID == "" {
			t.Fatalf("reply not sent: %+v", m)
		}
		return m
	}
	ok, lost := send("Yes, today."), send("Tracking: 1Z999.")

	for _, status := range []string{"sent", "delivered", "read"} {
		deliver(fake.WhatsAppStatusBody(ok.ProviderID, "16505551234", status, time.Now()))
	}
	deliver(fake.WhatsAppStatusBody(lost.ProviderID, "16505551234", "failed", time.Now()))

	if m, _ := a.Conversations.Message(ctx, ok.ID); m.SendStatus != "sent" {
		t.Fatalf("a reply WhatsApp delivered and the customer read shows %q (%s)", m.SendStatus, m.SendError)
	}
	m, _ := a.Conversations.Message(ctx, lost.ID)
	if m.SendStatus != "failed" || !strings.Contains(m.SendError, "131026 Message undeliverable") {
		t.Fatalf("WhatsApp reported the reply undeliverable, but the desk shows it %q, error %q", m.SendStatus, m.SendError)
	}
	page, _ = a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if page.Conversations[0].MessageCount != 3 {
		t.Fatalf("statuses must not become messages: %d messages", page.Conversations[0].MessageCount)
	}
}
