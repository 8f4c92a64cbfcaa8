package email_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// desk is the part of a Hark process the e-mail channel talks to.
type desk struct {
	d     *db.DB
	acct  workspace.Account
	p     *ingest.Pipeline
	convs *conversation.Store
	store *email.Store
	agent user.User
}

func newDesk(t *testing.T, d *db.DB, address string) *desk {
	t.Helper()
	ctx := context.Background()
	wss := workspace.New(d)
	ws, err := wss.Create(ctx, "shop", "Shop")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "email", Handle: address, Purpose: "service"})
	if err != nil {
		t.Fatal(err)
	}
	agent, err := user.New(d).Add(ctx, "agent@shop.test", "Agnes", "agent", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	st := email.NewStore(d, "https://desk.shop.test")
	p := ingest.New(d, wss, nil, nil, nil)
	p.Use(st.Stage(), "")
	p.Start()
	t.Cleanup(p.Stop)
	return &desk{d: d, acct: acct, p: p, convs: conversation.New(d), store: st, agent: agent}
}

// ingest polls the connector and stores what it read.
func (k *desk) ingest(t *testing.T, c *email.Connector, cursor string) ([]ingest.Result, string) {
	t.Helper()
	ctx := context.Background()
	evs, next, err := c.Poll(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []ingest.Message
	for _, ev := range evs {
		msgs = append(msgs, ev.Msg)
	}
	if len(msgs) == 0 {
		return nil, next
	}
	res, err := k.p.Ingest(ctx, k.acct.ID, msgs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	return res, next
}

// deliver plays the outbox for one queued reply: send, then record the
// provider's id on the message.
func (k *desk) deliver(t *testing.T, c *email.Connector, m conversation.Message) channel.Sent {
	t.Helper()
	out := channel.Outgoing{IdempotencyKey: fmt.Sprintf("hark-%d", m.ID), Text: m.Text, ReplyTo: m.ReplyToProviderID}
	sent, err := c.Send(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	_, err = k.d.W.Exec(db.Rebind(k.d.Dialect, `UPDATE messages SET provider_id = ?, send_status = 'sent' WHERE id = ?`), sent.ProviderID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

// sendMail is the customer's mail client submitting through the MX.
func sendMail(t *testing.T, addr, from, to string, msg string) {
	t.Helper()
	msg = strings.ReplaceAll(msg, "\n", "\r\n")
	if err := smtp.SendMail(addr, nil, from, []string{to}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func TestEmailEndToEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fake, err := email.StartFake("support@shop.test", "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		defer fake.Close()
		k := newDesk(t, d, fake.Mailbox)
		cfg := fake.Config()
		c, err := email.New(k.acct, mustJSON(cfg), email.Deps{Store: k.store, Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()

		// The first poll finds an empty inbox; IDLE then wakes on delivery.
		_, cursor := k.ingest(t, c, "")
		woke := make(chan error, 1)
		go func() { woke <- c.Wait(ctx, 20*time.Second) }()
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		sendMail(t, fake.SMTPAddr, "ada@example.org", "support@shop.test", `From: Ada Lovelace <ada@example.org>
To: support@shop.test
Subject: Order 42 arrived broken
Date: `+time.Now().Format(time.RFC1123Z)+`
Message-ID: <ada-1@example.org>
Content-Type: text/plain; charset=utf-8

The box was crushed and the vase is in pieces.
`)
		if err := <-woke; err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited > 10*time.Second {
			t.Fatalf("IDLE did not wake on new mail (waited %s)", waited)
		}
		res, cursor := k.ingest(t, c, cursor)
		if len(res) != 1 || !res[0].NewConversation {
			t.Fatalf("first mail: %+v", res)
		}
		convID := res[0].ConversationID
		conv, err := k.convs.Get(ctx, convID)
		if err != nil {
			t.Fatal(err)
		}
		if conv.Subject != "Order 42 arrived broken" || conv.Channel != "email" {
			t.Errorf("conversation = %+v", conv)
		}

		// The agent answers; the reply leaves over SMTP with threading headers.
		reply, err := k.convs.Reply(ctx, conversation.ReplyInput{ConversationID: convID, UserID: k.agent.ID, Text: "So sorry! A new vase ships today.\nAgnes"})
		if err != nil {
			t.Fatal(err)
		}
		sent := k.deliver(t, c, reply)
		out := fake.Sent()
		if len(out) != 1 || !slices.Equal(out[0].To, []string{"ada@example.org"}) || out[0].From != "support@shop.test" {
			t.Fatalf("sent = %+v", out)
		}
		h, text := readMail(t, out[0].Data)
		if id, _ := h.MessageID(); id != sent.ProviderID || !strings.HasSuffix(id, "@shop.test") {
			t.Errorf("Message-ID %q, provider id %q", id, sent.ProviderID)
		}
		if irt, _ := h.MsgIDList("In-Reply-To"); !slices.Equal(irt, []string{"ada-1@example.org"}) {
			t.Errorf("In-Reply-To = %q", irt)
		}
		if refs, _ := h.MsgIDList("References"); !slices.Equal(refs, []string{"ada-1@example.org"}) {
			t.Errorf("References = %q", refs)
		}
		if s, _ := h.Subject(); s != "Re: Order 42 arrived broken" {
			t.Errorf("Subject = %q", s)
		}
		if d, err := h.Date(); err != nil || time.Since(d) > time.Minute {
			t.Errorf("Date = %v %v", d, err)
		}
		if text != "So sorry! A new vase ships today.\nAgnes" {
			t.Errorf("plain-text part = %q", text)
		}
		replyTo, _ := h.AddressList("Reply-To")
		if len(replyTo) != 1 || !strings.HasPrefix(replyTo[0].Address, "support+hark.") {
			t.Fatalf("Reply-To = %v", replyTo)
		}

		// The customer answers the answer: it threads into the same conversation.
		sendMail(t, fake.SMTPAddr, "ada@example.org", replyTo[0].Address, `From: Ada Lovelace <ada@example.org>
To: Support <`+replyTo[0].Address+`>
Subject: Re: Order 42 arrived broken
Date: `+time.Now().Format(time.RFC1123Z)+`
Message-ID: <ada-2@example.org>
In-Reply-To: <`+sent.ProviderID+`>
References: <ada-1@example.org> <`+sent.ProviderID+`>
Content-Type: text/plain; charset=utf-8

Thank you, that is kind.

On Mon, 16 Nov 2026 at 10:00, Support <support@shop.test> wrote:
> So sorry! A new vase ships today.
`)
		res, cursor = k.ingest(t, c, cursor)
		if len(res) != 1 || res[0].ConversationID != convID || res[0].NewConversation {
			t.Fatalf("second customer mail: %+v, want conversation %d", res, convID)
		}
		msgs, err := k.convs.Messages(ctx, convID)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 3 || !slices.ContainsFunc(msgs, func(m conversation.Message) bool {
			return m.ProviderID == "ada-2@example.org" && m.Text == "Thank you, that is kind."
		}) {
			t.Fatalf("messages = %+v", msgs)
		}

		// A redelivery (a poll from scratch) stores nothing twice.
		res, _ = k.ingest(t, c, "")
		for _, r := range res {
			if !r.Duplicate {
				t.Errorf("re-read mail stored again: %+v", r)
			}
		}
		_ = cursor
	})
}

func readMail(t *testing.T, raw []byte) (mail.Header, string) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, _ := io.ReadAll(p.Body)
				text = strings.ReplaceAll(string(b), "\r\n", "\n")
			}
		}
	}
	return r.Header, text
}
