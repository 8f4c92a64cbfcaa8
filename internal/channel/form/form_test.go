package form_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	netsmtp "net/smtp"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/channel/form"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/workspace"
)

var quiet = slog.New(slog.DiscardHandler)

type rig struct {
	srv        *httptest.Server
	convs      *conversation.Store
	p          *ingest.Pipeline
	formAcct   workspace.Account
	mailAcct   workspace.Account
	emailStore *email.Store
	clock      *time.Time
}

func newRig(t *testing.T, d *db.DB, smtpAddr string) *rig {
	t.Helper()
	ctx := context.Background()
	wss := workspace.New(d)
	ws, _ := wss.Create(ctx, "shop", "Shop")
	cfg, _ := json.Marshal(form.Config{Title: "Write to Shop", ResponseTime: "within 4 business hours", ReplyFrom: "support@shop.test", ReplyName: "Shop",
		SMTP: smtp.Config{Addr: smtpAddr, Username: "support@shop.test", Password: "s3cret", Security: "none"}})
	fa, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "form", Handle: "contact", Purpose: "service", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	fa, _ = wss.Account(ctx, fa.ID)
	ma, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "email", Handle: "support@shop.test", Purpose: "service"})
	if err != nil {
		t.Fatal(err)
	}
	es := email.NewStore(d, "https://desk.shop.test")
	p := ingest.New(d, wss, nil, nil, quiet)
	p.Use(es.Stage(), "")
	p.Start()
	t.Cleanup(p.Stop)
	now := time.Now()
	r := &rig{convs: conversation.New(d), p: p, formAcct: fa, mailAcct: ma, emailStore: es, clock: &now}
	mux := http.NewServeMux()
	form.NewHandler(form.Deps{Workspaces: wss, Pipeline: p, Log: quiet, PerIP: auth.NewLimiter(6, time.Hour), Now: func() time.Time { return *r.clock }}).Register(mux)
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rig) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(r.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (r *rig) post(t *testing.T, v url.Values, ip string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/form/%d", r.srv.URL, r.formAcct.ID), strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var stampRE = regexp.MustCompile(`name="stamp" value="([^"]+)"`)

// fill loads the form page and returns its fields, filled in, as a person
// would send them some seconds later.
func (r *rig) fill(t *testing.T, name, addr, subject, text string) url.Values {
	t.Helper()
	code, page := r.get(t, fmt.Sprintf("/form/%d", r.formAcct.ID))
	m := stampRE.FindStringSubmatch(page)
	if code != 200 || m == nil {
		t.Fatalf("form page: %d %s", code, page)
	}
	*r.clock = r.clock.Add(5 * time.Second)
	return url.Values{"stamp": {m[1]}, "name": {name}, "email": {addr}, "subject": {subject}, "message": {text}, "website": {""}}
}

var refRE = regexp.MustCompile(`reference is <strong>#(\d+)</strong>`)

func TestFormSubmissionAndSpam(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d, "127.0.0.1:1")
		code, page := r.get(t, fmt.Sprintf("/form/%d", r.formAcct.ID))
		if code != 200 || !strings.Contains(page, "Write to Shop") || !strings.Contains(page, `name="website"`) || strings.Contains(page, "<script") {
			t.Fatalf("form page %d: %s", code, page)
		}
		code, js := r.get(t, fmt.Sprintf("/form/%d/embed.js", r.formAcct.ID))
		if code != 200 || !strings.Contains(js, fmt.Sprintf(`"action":"/form/%d"`, r.formAcct.ID)) || !strings.Contains(js, `"stamp":"`) {
			t.Errorf("embed.js %d: %s", code, js)
		}
		if code, _ := r.get(t, "/form/123"); code != 404 {
			t.Errorf("unknown form: %d", code)
		}
		if code, _ := r.get(t, fmt.Sprintf("/form/%d", r.mailAcct.ID)); code != 404 {
			t.Errorf("an e-mail account is not a form: %d", code)
		}

		v := r.fill(t, "Ada <b>L</b>", "Ada@Example.org", "Lost parcel", "My parcel <script>alert(1)</script> never came.")
		code, thanks := r.post(t, v, "")
		m := refRE.FindStringSubmatch(thanks)
		if code != 200 || m == nil || !strings.Contains(thanks, "within 4 business hours") || !strings.Contains(thanks, "ada@example.org") ||
			strings.Contains(thanks, "<b>L</b>") {
			t.Fatalf("confirmation %d: %s", code, thanks)
		}
		var convID int64
		fmt.Sscan(m[1], &convID)
		c, err := r.convs.Get(ctx, convID)
		if err != nil || c.Channel != "form" || c.Subject != "Lost parcel" {
			t.Fatalf("conversation %+v %v", c, err)
		}
		msgs, _ := r.convs.Messages(ctx, convID)
		if len(msgs) != 1 || msgs[0].Text != "My parcel <script>alert(1)</script> never came." {
			t.Errorf("messages %+v", msgs)
		}
		// A double click is one submission.
		if _, again := r.post(t, v, ""); !strings.Contains(again, "#"+m[1]) {
			t.Errorf("resubmission made another conversation: %s", again)
		}

		count := func() int {
			n, _ := r.convs.Count(ctx, conversation.Filter{WorkspaceID: c.WorkspaceID})
			total := 0
			for _, x := range n {
				total += int(x)
			}
			return total
		}
		before := count()
		// The honeypot and a form sent at once are dropped behind the same
		// confirmation.
		bot := r.fill(t, "Bot", "bot@example.com", "Buy", "cheap pills")
		bot.Set("website", "http://spam.example")
		if code, body := r.post(t, bot, ""); code != 200 || !strings.Contains(body, "We have your message") {
			t.Errorf("honeypot: %d", code)
		}
		fast := r.fill(t, "Bot", "bot@example.com", "Buy", "cheap pills 2")
		*r.clock = r.clock.Add(-4 * time.Second)
		r.post(t, fast, "")
		*r.clock = r.clock.Add(4 * time.Second)
		if after := count(); after != before {
			t.Errorf("spam stored: %d conversations, want %d", after, before)
		}
		// A stamp we did not sign is ignored, not held against the sender.
		forged := r.fill(t, "Di", "di@example.com", "Hello", "a real question")
		forged.Set("stamp", "1.abc")
		r.post(t, forged, "")
		if after := count(); after != before+1 {
			t.Errorf("unsigned stamp: %d conversations, want %d", after, before+1)
		}
		// Mistakes are shown, with what was typed, escaped.
		bad := r.fill(t, "<i>x</i>", "not-an-address", "", "")
		code, body := r.post(t, bad, "")
		if code != 422 || !strings.Contains(body, "e-mail address") || !strings.Contains(body, "&lt;i&gt;x&lt;/i&gt;") {
			t.Errorf("invalid form: %d %s", code, body)
		}
		// The per-IP limit (6 per hour in this rig; spam counts) has been spent.
		code, body = r.post(t, r.fill(t, "Cy", "cy@example.com", "", "hello"), "")
		if code != http.StatusTooManyRequests || !strings.Contains(body, "try again") {
			t.Errorf("rate limit: %d", code)
		}
	})
}

func TestFormAnsweredByEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, err := email.StartFake("support@shop.test", "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := newRig(t, d, f.SMTPAddr)
		_, thanks := r.post(t, r.fill(t, "Ada", "ada@example.org", "Lost parcel", "Where is it?"), "")
		m := refRE.FindStringSubmatch(thanks)
		if m == nil {
			t.Fatal(thanks)
		}
		var convID int64
		fmt.Sscan(m[1], &convID)

		// The agent's answer goes out by e-mail from the support mailbox.
		reply, err := r.convs.Reply(ctx, conversation.ReplyInput{ConversationID: convID, Text: "It is on its way."})
		if err != nil {
			t.Fatal(err)
		}
		fc, err := form.New(r.formAcct, r.formAcct.Config, email.Deps{Store: r.emailStore, Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		sent, err := fc.Send(ctx, channel.Outgoing{IdempotencyKey: fmt.Sprintf("hark-%d", reply.ID), Text: reply.Text, ReplyTo: reply.ReplyToProviderID})
		if err != nil {
			t.Fatal(err)
		}
		d.W.Exec(db.Rebind(d.Dialect, `UPDATE messages SET provider_id = ?, send_status = 'sent' WHERE id = ?`), sent.ProviderID, reply.ID)
		out := f.Sent()
		if len(out) != 1 || out[0].To[0] != "ada@example.org" || !strings.Contains(string(out[0].Data), "Subject: Re: Lost parcel") ||
			!strings.Contains(string(out[0].Data), "In-Reply-To: <"+reply.ReplyToProviderID+">") {
			t.Fatalf("sent %+v", out)
		}

		// Her answer arrives in the mailbox and joins the form's conversation.
		msg := "From: ada@example.org\r\nTo: support@shop.test\r\nSubject: Re: Lost parcel\r\nMessage-ID: <ada-9@example.org>\r\nIn-Reply-To: <" + sent.ProviderID + ">\r\n\r\nThanks!\r\n"
		if err := netsmtp.SendMail(f.SMTPAddr, nil, "ada@example.org", []string{"support@shop.test"}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		mc, err := email.New(r.mailAcct, mustJSON(f.Config()), email.Deps{Store: r.emailStore, Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		defer mc.Close()
		evs, _, err := mc.Poll(ctx, "")
		if err != nil || len(evs) != 1 {
			t.Fatalf("poll: %v %+v", err, evs)
		}
		res, err := r.p.Ingest(ctx, r.mailAcct.ID, evs[0].Msg)
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		if res[0].ConversationID != convID {
			t.Errorf("e-mail answer went to conversation %d, want the form's %d", res[0].ConversationID, convID)
		}
		// A new e-mail from her opens an e-mail conversation with the same contact.
		res, err = r.p.Ingest(ctx, r.mailAcct.ID, ingest.Message{ProviderID: "ada-10@example.org", Author: ingest.Author{ID: "ADA@example.org", Email: "ADA@example.org"}, Text: "New topic", Subject: "Other"})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		fc1, _ := r.convs.Get(ctx, convID)
		ec, _ := r.convs.Get(ctx, res[0].ConversationID)
		if ec.ID == fc1.ID || ec.Channel != "email" || ec.ContactID != fc1.ContactID {
			t.Errorf("form conversation %+v, e-mail conversation %+v", fc1, ec)
		}
	})
}

func mustJSON(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

// One IPv6 host holds a whole /64 at least: a bot that changes the low
// bits of its address for every post meets the per-address limit all the
// same. Before, each new address was a new client, and the limit stopped
// nobody who had IPv6.
func TestTheFormLimitCountsAnIPv6HostAsOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		wss := workspace.New(d)
		ws, _ := wss.Create(ctx, "shop", "Shop")
		cfg, _ := json.Marshal(form.Config{ReplyFrom: "support@shop.test"})
		fa, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "form", Handle: "contact", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		p := ingest.New(d, wss, nil, nil, quiet)
		p.Start()
		defer p.Stop()
		mux := http.NewServeMux()
		form.NewHandler(form.Deps{Workspaces: wss, Pipeline: p, Log: quiet}).Register(mux) // the default limit: 5, one more every 2 min
		for i := 1; i <= 30; i++ {
			v := url.Values{"name": {"Bot"}, "email": {fmt.Sprintf("bot%d@spam.example", i)}, "message": {fmt.Sprintf("cheap pills %d", i)}}
			req := httptest.NewRequest("POST", fmt.Sprintf("/form/%d", fa.ID), strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = fmt.Sprintf("[2001:db8:1:2::%x]:40000", i) // one /64
			mux.ServeHTTP(httptest.NewRecorder(), req)
		}
		counts, _ := conversation.New(d).Count(ctx, conversation.Filter{WorkspaceID: ws.ID})
		total := 0
		for _, n := range counts {
			total += n
		}
		if total > 5 {
			t.Fatalf("one /64 stored %d submissions in a moment; the per-IP limit allows 5", total)
		}
	})
}
