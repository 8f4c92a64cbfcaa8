package poll_test

import (
	"context"
	"encoding/json"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// End to end: an agent's e-mail reply leaves over SMTP, the customer's
// server bounces it into the mailbox, and the next poll fails the reply
// with the server's reason, instead of leaving it shown as sent.
func TestABouncedEmailReplyIsShownFailed(t *testing.T) {
	ctx := context.Background()
	a, fake, ws, acct := mailDesk(t, nil)
	res, err := a.Pipeline.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "ada-1@example.org", Visibility: "private",
		Author: ingest.Author{ID: "ada@example.org", Email: "ada@example.org"}, Text: "Where is order 42?", Subject: "Order 42"})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	reply, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: res[0].ConversationID, Text: "It ships today."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Outbox.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	sent, err := a.Conversations.Message(ctx, reply.ID)
	if err != nil || sent.SendStatus != "sent" || sent.ProviderID == "" {
		t.Fatalf("the reply: %+v, %v", sent, err)
	}
	bounce := "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: support@shop.test\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-9@mx.example.org>\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\n<ada@example.org>: host mx.example.org said: 550 5.1.1 mailbox unavailable\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n" +
		"Final-Recipient: rfc822; ada@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@shop.test\r\nTo: ada@example.org\r\n" +
		"Message-ID: <" + sent.ProviderID + ">\r\nSubject: Re: Order 42\r\n\r\n--B--\r\n"
	if err := smtp.SendMail(fake.SMTPAddr, nil, "", []string{"support@shop.test"}, []byte(bounce)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Poller.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := a.Conversations.Message(ctx, reply.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SendStatus != "failed" || !strings.Contains(got.SendError, "mailbox unavailable") {
		t.Fatalf("after the bounce: %s %q, want failed with the server's reason", got.SendStatus, got.SendError)
	}
	page, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if len(page.Conversations) != 1 {
		t.Fatalf("the bounce opened a conversation: %d", len(page.Conversations))
	}
}

// mailDesk opens a desk with a mailbox "shop" on a fake IMAP and SMTP
// server, its config changed by adjust (when given) before it is stored.
func mailDesk(t *testing.T, adjust func(map[string]any)) (*app.App, *email.Fake, workspace.Workspace, workspace.Account) {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: t.TempDir() + "/h.db", Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	fake, err := email.StartFake("support@shop.test", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
	acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "email", Handle: fake.Mailbox})
	cfg, _ := json.Marshal(fake.Config())
	if adjust != nil {
		var m map[string]any
		json.Unmarshal(cfg, &m)
		adjust(m)
		cfg, _ = json.Marshal(m)
	}
	if err := a.Workspaces.SetConfig(ctx, acct.ID, cfg); err != nil {
		t.Fatal(err)
	}
	return a, fake, ws, acct
}
