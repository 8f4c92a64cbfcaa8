package email_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

func startFake(t *testing.T) *email.Fake {
	t.Helper()
	f, err := email.StartFake("support@shop.test", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func connector(t *testing.T, k *desk, cfg email.Config, now func() time.Time) *email.Connector {
	t.Helper()
	c, err := email.New(k.acct, mustJSON(cfg), email.Deps{Store: k.store, Now: now, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestEmailThreadingFallbacks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := startFake(t)
		k := newDesk(t, d, f.Mailbox)
		c := connector(t, k, f.Config(), nil)
		sendMail(t, f.SMTPAddr, "bob@example.net", f.Mailbox, "From: bob@example.net\nTo: support@shop.test\nSubject: Where is order 77?\nMessage-ID: <bob-1@example.net>\n\nStill waiting.\n")
		res, cur := k.ingest(t, c, "")
		conv := res[0].ConversationID
		reply, err := k.convs.Reply(ctx, conversation.ReplyInput{ConversationID: conv, UserID: k.agent.ID, Text: "It ships Monday."})
		if err != nil {
			t.Fatal(err)
		}
		sent := k.deliver(t, c, reply)
		token, _, _ := strings.Cut(sent.ProviderID, "@")

		// A client that drops In-Reply-To and References still writes to the
		// plus-address it was given.
		sendMail(t, f.SMTPAddr, "bob@example.net", "support+"+token+"@shop.test", "From: bob@example.net\nTo: support+"+token+"@shop.test\nSubject: thanks\nMessage-ID: <bob-2@example.net>\n\nGreat.\n")
		res, cur = k.ingest(t, c, cur)
		if res[0].ConversationID != conv {
			t.Errorf("plus-address reply went to %d, want %d", res[0].ConversationID, conv)
		}
		// One that drops everything but the subject joins by "Re:" subject.
		sendMail(t, f.SMTPAddr, "bob@example.net", f.Mailbox, "From: Bob <BOB@example.net>\nTo: support@shop.test\nSubject: RE: Where is order 77?\nMessage-ID: <bob-3@example.net>\n\nAnd the invoice?\n")
		res, cur = k.ingest(t, c, cur)
		if res[0].ConversationID != conv {
			t.Errorf("subject reply went to %d, want %d", res[0].ConversationID, conv)
		}
		// The same subject from someone else, or without "Re:", is new.
		sendMail(t, f.SMTPAddr, "eve@example.net", f.Mailbox, "From: eve@example.net\nTo: support@shop.test\nSubject: Re: Where is order 77?\nMessage-ID: <eve-1@example.net>\n\nMe too.\n")
		sendMail(t, f.SMTPAddr, "bob@example.net", f.Mailbox, "From: bob@example.net\nTo: support@shop.test\nSubject: Where is order 77?\nMessage-ID: <bob-4@example.net>\n\nA new question.\n")
		res, _ = k.ingest(t, c, cur)
		if len(res) != 2 || !res[0].NewConversation || !res[1].NewConversation {
			t.Errorf("unrelated mail threaded: %+v", res)
		}
	})
}

// subject_thread_days in the account's config sets how old a conversation
// a reply may join by its subject alone.
func TestSubjectThreadDaysSetsTheSubjectWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := startFake(t)
		k := newDesk(t, d, f.Mailbox)
		cfg := f.Config()
		cfg.SubjectThreadDays = 30
		if err := workspace.New(d).SetConfig(ctx, k.acct.ID, mustJSON(cfg)); err != nil {
			t.Fatal(err)
		}
		c := connector(t, k, cfg, nil)
		var cur string
		for _, tc := range []struct {
			who  string
			days int
			join bool
		}{{"bob", 20, true}, {"cy", 40, false}} {
			sendMail(t, f.SMTPAddr, tc.who+"@example.net", f.Mailbox, "From: "+tc.who+"@example.net\nTo: support@shop.test\nSubject: Where is order 77?\nMessage-ID: <"+tc.who+"-1@example.net>\n\nStill waiting.\n")
			var res []ingest.Result
			res, cur = k.ingest(t, c, cur)
			conv := res[0].ConversationID
			old := time.Now().AddDate(0, 0, -tc.days).UnixMilli()
			if _, err := d.W.Exec(db.Rebind(d.Dialect, `UPDATE conversations SET last_message_at = ?, last_inbound_at = ? WHERE id = ?`), old, old, conv); err != nil {
				t.Fatal(err)
			}
			sendMail(t, f.SMTPAddr, tc.who+"@example.net", f.Mailbox, "From: "+tc.who+"@example.net\nTo: support@shop.test\nSubject: Re: Where is order 77?\nMessage-ID: <"+tc.who+"-2@example.net>\n\nAny news?\n")
			res, cur = k.ingest(t, c, cur)
			if joined := res[0].ConversationID == conv; joined != tc.join {
				t.Errorf("with subject_thread_days 30, a reply to a %d-day-old thread joined it: %v, want %v", tc.days, joined, tc.join)
			}
		}
	})
}

func TestEmailSkipsMailNoPersonWroteAndKeepsAttachments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := startFake(t)
		k := newDesk(t, d, f.Mailbox)
		c := connector(t, k, f.Config(), nil)
		for _, name := range []string{"autoreply.eml", "bounce.eml", "list.eml", "html-attachment.eml"} {
			raw, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Deliver(raw); err != nil {
				t.Fatal(err)
			}
		}
		all, _, err := c.Poll(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		// The bounce opens no conversation: it names the reply that failed.
		var evs, bounced []channel.Event
		for _, ev := range all {
			if ev.Kind == channel.Undelivered {
				bounced = append(bounced, ev)
			} else {
				evs = append(evs, ev)
			}
		}
		if len(evs) != 1 || evs[0].Msg.ProviderID != "bob-1@example.net" {
			t.Fatalf("events = %+v", evs)
		}
		if len(bounced) != 1 || bounced[0].Msg.ProviderID != "hark.aaaabbbbccccddddeeeeffff@shop.test" {
			t.Fatalf("bounces = %+v", bounced)
		}
		att := evs[0].Msg.Attachments
		if len(att) != 1 || att[0].Type != "application/pdf" || !strings.HasPrefix(att[0].URL, "https://desk.shop.test/email/attachments/") {
			t.Fatalf("attachments = %+v", att)
		}
		var raw map[string]any
		json.Unmarshal(evs[0].Msg.Raw, &raw)
		original, _ := raw["original"].(string)
		if !strings.HasSuffix(original, "/message.eml") {
			t.Errorf("original message not kept: %v", raw["original"])
		}

		// Agents download it; anyone else is turned away.
		us := user.New(d)
		token, err := us.CreateToken(ctx, k.agent.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		k.store.Register(mux, &auth.Authenticator{Users: us})
		path := strings.TrimPrefix(att[0].URL, "https://desk.shop.test")
		for _, tc := range []struct {
			bearer string
			status int
		}{{"", 401}, {"nope", 401}, {token, 200}} {
			req := httptest.NewRequest("GET", path, nil)
			if tc.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tc.bearer)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("bearer %q: status %d, want %d", tc.bearer, rec.Code, tc.status)
			}
			if rec.Code == 200 && (!strings.HasPrefix(rec.Body.String(), "%PDF") || rec.Header().Get("X-Content-Type-Options") != "nosniff") {
				t.Errorf("download: %q %v", rec.Body.String(), rec.Header())
			}
		}
		req := httptest.NewRequest("GET", strings.TrimPrefix(original, "https://desk.shop.test"), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/octet-stream" || !strings.Contains(rec.Body.String(), "<script>alert(1)</script>") {
			t.Errorf("original download: %d %v", rec.Code, rec.Header())
		}

		// Stored, the auth verdicts become labels; a message whose text is
		// hostile HTML is stored as text.
		res, err := k.p.Ingest(ctx, k.acct.ID, evs[0].Msg)
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		msgs, _ := k.convs.Messages(ctx, res[0].ConversationID)
		if strings.Contains(msgs[0].Text, "<script") || len(msgs[0].Attachments) != 1 {
			t.Errorf("stored message = %+v", msgs[0])
		}
	})
}

func TestEmailSendFailuresAndCrashBetweenSendAndRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := startFake(t)
		k := newDesk(t, d, f.Mailbox)
		c := connector(t, k, f.Config(), nil)
		sendMail(t, f.SMTPAddr, "cy@example.com", f.Mailbox, "From: cy@example.com\nTo: support@shop.test\nSubject: hi\nMessage-ID: <cy-1@example.com>\nReferences: <old-0@example.com>\n\nHello\n")
		k.ingest(t, c, "")
		out := channel.Outgoing{IdempotencyKey: "hark-1", Text: "Hi Cy", ReplyTo: "cy-1@example.com"}

		f.FailNext(email.Temporary, email.Permanent)
		_, err := c.Send(ctx, out)
		var se *channel.SendError
		if !errors.As(err, &se) || !se.Temporary || se.Status != 451 {
			t.Errorf("451: %v", err)
		}
		_, err = c.Send(ctx, out)
		if !errors.As(err, &se) || se.Temporary || se.Status != 550 {
			t.Errorf("550: %v", err)
		}
		if len(f.Sent()) != 0 {
			t.Fatalf("failed sends delivered: %d", len(f.Sent()))
		}
		// The outbox sends, crashes before recording, and sends again: the
		// customer gets the same Message-ID twice, which mail clients and our
		// own dedupe collapse into one message.
		a, err := c.Send(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Send(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		sent := f.Sent()
		if a.ProviderID != b.ProviderID || len(sent) != 2 || !bytes.Contains(sent[1].Data, []byte("<"+a.ProviderID+">")) {
			t.Errorf("resend ids %q %q", a.ProviderID, b.ProviderID)
		}
		h, _ := readMail(t, sent[0].Data)
		if refs, _ := h.MsgIDList("References"); strings.Join(refs, " ") != "old-0@example.com cy-1@example.com" {
			t.Errorf("References = %q", refs)
		}
		// A different reply gets a different id; a reply with no address fails for good.
		if other, _ := c.Send(ctx, channel.Outgoing{IdempotencyKey: "hark-2", Text: "x", ReplyTo: "cy-1@example.com"}); other.ProviderID == a.ProviderID {
			t.Error("two replies share a Message-ID")
		}
		_, err = c.Send(ctx, channel.Outgoing{IdempotencyKey: "hark-3", Text: "x", ReplyTo: "unknown@x"})
		if !errors.As(err, &se) || se.Temporary {
			t.Errorf("reply to unknown parent without recipient: %v", err)
		}
		// Health: the mailbox and the SMTP server accept us; a wrong password shows.
		if err := c.Check(ctx); err != nil {
			t.Errorf("check: %v", err)
		}
		wrong := f.Config()
		wrong.IMAP.Password, wrong.SMTP.Password = "nope", "nope"
		if err := connector(t, k, wrong, nil).Check(ctx); err == nil || !strings.Contains(err.Error(), "imap") || !strings.Contains(err.Error(), "smtp") {
			t.Errorf("check with a wrong password: %v", err)
		}
		// The SMTP server being down is temporary.
		down := f.Config()
		down.SMTP.Addr = "127.0.0.1:1"
		_, err = connector(t, k, down, nil).Send(ctx, out)
		if err == nil || !channel.IsTemporary(err) {
			t.Errorf("server down: %v", err)
		}
	})
}

const mgKey = "key-mailgun-signing"

func TestEmailWebhooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := newDesk(t, d, "support@shop.test")
		now := time.Unix(1795000000, 0)
		clock := func() time.Time { return now }
		hook := email.HookSecrets{User: "hark", Password: "pw", MailgunSigningKey: mgKey}
		postmark := connector(t, k, email.Config{Address: "support@shop.test", Inbound: "postmark", Webhook: hook}, clock)
		mailgun := connector(t, k, email.Config{Address: "support@shop.test", Inbound: "mailgun", Webhook: hook}, clock)
		sendgrid := connector(t, k, email.Config{Address: "support@shop.test", Inbound: "sendgrid", Webhook: hook}, clock)
		imap := connector(t, k, email.Config{Address: "support@shop.test"}, clock)

		pm, _ := os.ReadFile("testdata/postmark.json")
		req := func(body []byte, user, pass string) *http.Request {
			r := httptest.NewRequest("POST", "/webhooks/email", bytes.NewReader(body))
			if user != "" {
				r.SetBasicAuth(user, pass)
			}
			return r
		}
		for _, tc := range []struct {
			name      string
			c         *email.Connector
			user, pwd string
			ok        bool
		}{
			{"postmark good", postmark, "hark", "pw", true},
			{"postmark wrong password", postmark, "hark", "nope", false},
			{"postmark no auth", postmark, "", "", false},
			{"sendgrid good", sendgrid, "hark", "pw", true},
			{"imap mailbox takes no webhooks", imap, "hark", "pw", false},
		} {
			err := tc.c.Verify(req(pm, tc.user, tc.pwd), pm)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, channel.ErrBadSignature)) {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		evs, err := postmark.Parse(pm)
		if err != nil || len(evs) != 1 {
			t.Fatalf("postmark parse: %v %+v", err, evs)
		}
		m := evs[0].Msg
		if m.ProviderID != "CAE7Pm-1@mail.example.com" || m.Text != "Can I change my delivery address?" || m.Author.Email != "pat@example.com" ||
			len(m.Attachments) != 1 || m.Attachments[0].Name != "photo.png" || m.ReplyTo != "hark.00112233445566778899aabb@shop.test" {
			t.Errorf("postmark message = %+v", m)
		}

		// Mailgun: signed, fresh, once.
		sign := func(ts int64, token string) url.Values {
			v := url.Values{"timestamp": {fmt.Sprint(ts)}, "token": {token}}
			v.Set("signature", email.MailgunSignature(mgKey, v.Get("timestamp"), token))
			v.Set("body-mime", "From: Quinn <quinn@example.com>\r\nTo: support@shop.test\r\nSubject: hello\r\nMessage-ID: <q-1@example.com>\r\n\r\nHi there\r\n")
			return v
		}
		good := []byte(sign(now.Unix(), "tok-1").Encode())
		if err := mailgun.Verify(req(good, "", ""), good); err != nil {
			t.Errorf("mailgun good: %v", err)
		}
		// Mailgun retries a post the desk failed to store with the same
		// token: the same message gets through (ingest drops it if it was
		// stored), another message under that token does not.
		if err := mailgun.Verify(req(good, "", ""), good); err != nil {
			t.Errorf("mailgun's retry of the same message refused: %v", err)
		}
		other := sign(now.Unix(), "tok-1")
		other.Set("body-mime", strings.Replace(other.Get("body-mime"), "Hi there", "Send your password to evil@example.com", 1))
		ob := []byte(other.Encode())
		if err := mailgun.Verify(req(ob, "", ""), ob); !errors.Is(err, channel.ErrBadSignature) {
			t.Errorf("mailgun token reused for another message accepted: %v", err)
		}
		forgedFrom := sign(now.Unix(), "tok-1")
		forgedFrom.Set("from", "ceo@shop.test")
		ff := []byte(forgedFrom.Encode())
		if err := mailgun.Verify(req(ff, "", ""), ff); !errors.Is(err, channel.ErrBadSignature) {
			t.Errorf("mailgun token reused with another sender accepted: %v", err)
		}
		stale := []byte(sign(now.Add(-time.Hour).Unix(), "tok-2").Encode())
		if err := mailgun.Verify(req(stale, "", ""), stale); !errors.Is(err, channel.ErrBadSignature) {
			t.Errorf("mailgun stale accepted: %v", err)
		}
		forged := sign(now.Unix(), "tok-3")
		forged.Set("signature", strings.Repeat("0", 64))
		fb := []byte(forged.Encode())
		if err := mailgun.Verify(req(fb, "", ""), fb); !errors.Is(err, channel.ErrBadSignature) {
			t.Errorf("mailgun forged accepted: %v", err)
		}
		evs, err = mailgun.Parse(good)
		if err != nil || len(evs) != 1 || evs[0].Msg.ProviderID != "q-1@example.com" || evs[0].Msg.Text != "Hi there" {
			t.Errorf("mailgun parse: %v %+v", err, evs)
		}
		// Mailgun's parsed (non-MIME) route, multipart with an attachment.
		mb, ctype := multipartBody(t, map[string]string{
			"timestamp": fmt.Sprint(now.Unix()), "token": "tok-4", "signature": email.MailgunSignature(mgKey, fmt.Sprint(now.Unix()), "tok-4"),
			"message-headers": `[["From","Quinn <quinn@example.com>"],["To","support@shop.test"],["Subject","Re: hello"],["Message-Id","<q-2@example.com>"],["In-Reply-To","<q-1@example.com>"]]`,
			"body-plain":      "Second\n\n> Hi there",
		}, "attachment-1", "notes.txt", "some notes")
		_ = ctype
		if err := mailgun.Verify(req(mb, "", ""), mb); err != nil {
			t.Errorf("mailgun multipart verify: %v", err)
		}
		evs, err = mailgun.Parse(mb)
		if err != nil || len(evs) != 1 || evs[0].Msg.ProviderID != "q-2@example.com" || evs[0].Msg.ReplyTo != "q-1@example.com" ||
			evs[0].Msg.Text != "Second" || len(evs[0].Msg.Attachments) != 1 {
			t.Errorf("mailgun multipart parse: %v %+v", err, evs)
		}

		// SendGrid Inbound Parse (default mode).
		sb, _ := multipartBody(t, map[string]string{
			"headers": "From: Rae <rae@example.org>\r\nTo: support@shop.test\r\nSubject: Broken link\r\nMessage-ID: <rae-1@example.org>\r\nDate: Mon, 16 Nov 2026 10:00:00 +0000\r\n",
			"text":    "", "html": "<p>The link on <b>your</b> page is broken</p><script>steal()</script>",
			"from": "Rae <rae@example.org>", "to": "support@shop.test", "subject": "Broken link",
			"dkim": "{@example.org : pass}", "SPF": "pass",
		}, "attachment1", "shot.png", "\x89PNG")
		evs, err = sendgrid.Parse(sb)
		if err != nil || len(evs) != 1 {
			t.Fatalf("sendgrid parse: %v %+v", err, evs)
		}
		m = evs[0].Msg
		if m.ProviderID != "rae-1@example.org" || m.Text != "The link on your page is broken" || len(m.Attachments) != 1 {
			t.Errorf("sendgrid message = %+v", m)
		}
		var raw email.Raw
		json.Unmarshal(m.Raw, &raw)
		if raw.Auth.DKIM != "pass" || raw.Auth.SPF != "pass" || !raw.FromHTML {
			t.Errorf("sendgrid raw = %+v", raw)
		}
		// An auto-reply pushed by webhook is recognised and not returned.
		ar, _ := os.ReadFile("testdata/autoreply.eml")
		v := sign(now.Unix(), "tok-5")
		v.Set("body-mime", string(ar))
		evs, err = mailgun.Parse([]byte(v.Encode()))
		if err != nil || len(evs) != 0 {
			t.Errorf("auto-reply by webhook: %v %+v", err, evs)
		}
		ps, _, err := mailgun.ParseDetailed([]byte(v.Encode()))
		if err != nil || len(ps) != 1 || ps[0].Kind != email.AutoReply {
			t.Errorf("ParseDetailed: %v %+v", err, ps)
		}
		// Garbage is an error, not a panic.
		if _, err := postmark.Parse([]byte("{not json")); err == nil {
			t.Error("postmark accepted garbage")
		}
	})
}

func multipartBody(t *testing.T, fields map[string]string, fileField, fileName, content string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile(fileField, fileName)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

var _ = base64.StdEncoding

// SendGrid posts text and html in the charsets its "charsets" field names.
func TestSendGridTextIsReadInItsCharset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := newDesk(t, d, "support@shop.test")
		hook := email.HookSecrets{User: "hark", Password: "pw"}
		sg := connector(t, k, email.Config{Address: "support@shop.test", Inbound: "sendgrid", Webhook: hook}, nil)
		for _, tc := range []struct{ field, value, charsets string }{
			{"text", "Ma cr\xe8me br\xfbl\xe9e est arriv\xe9e cass\xe9e.", `{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"iso-8859-1"}`},
			{"html", "<p>Ma cr\xe8me br\xfbl\xe9e est arriv\xe9e cass\xe9e.</p>", `{"html":"windows-1252","text":"UTF-8"}`},
			{"text", "Ma crème brûlée est arrivée cassée.", ``}, // no charsets field: UTF-8
		} {
			body, _ := multipartBody(t, map[string]string{
				"headers":  "From: Zoe <zoe@example.fr>\r\nTo: support@shop.test\r\nSubject: Commande\r\nMessage-ID: <z-1@example.fr>\r\n",
				tc.field:   tc.value,
				"charsets": tc.charsets,
			}, "attachment1", "x.txt", "x")
			evs, err := sg.Parse(body)
			if err != nil || len(evs) != 1 {
				t.Fatalf("%v %+v", err, evs)
			}
			if got := evs[0].Msg.Text; got != "Ma crème brûlée est arrivée cassée." {
				t.Errorf("%s in %s: text = %q", tc.field, tc.charsets, got)
			}
		}
	})
}
