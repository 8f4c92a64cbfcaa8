package chat_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/chat"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/smtp/smtptest"
	"github.com/harkdesk/hark/internal/workspace"
)

// split returns a mail's headers and its decoded body.
func split(t *testing.T, raw string) (string, string) {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\r\n\r\n")
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatalf("body: %v\n%s", err, raw)
	}
	return head, strings.ReplaceAll(string(b), "\r\n", "\n")
}

func mailConfig(s *smtptest.Server, extra string) string {
	return `{"smtp":"` + s.Addr + `","mail_from":"support@shop.test"` + extra + `}`
}

// chatWith starts a chat as hello and returns the conversation, the
// visitor still connected.
func chatWith(t *testing.T, url string, hello frame) (*visitor, int64) {
	t.Helper()
	v, _ := dial(t, url, hello)
	v.send(frame{"type": "message", "client_id": "c1", "text": "Is my order 1234 shipped?"})
	ack := v.next()
	id, err := strconv.ParseInt(ack.s("conversation_id"), 10, 64)
	if err != nil {
		t.Fatalf("ack %v", ack)
	}
	return v, id
}

// answer replies as an agent and waits until the outbox has delivered
// the reply to the widget's store.
func answer(t *testing.T, a *app.App, convID int64, text string) int64 {
	t.Helper()
	ctx := context.Background()
	m, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: convID, Text: text, Author: conversation.Author{Name: "Sam"}})
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if got, err := a.Conversations.Message(ctx, m.ID); err == nil && got.SendStatus == "sent" {
			return m.ID
		}
	}
	t.Fatalf("reply %d never counted delivered", m.ID)
	return 0
}

func tick(t *testing.T, m *chat.Mailer, at time.Time) int {
	t.Helper()
	n, err := m.Tick(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mailErrors(t *testing.T, a *app.App, acct workspace.Account) []string {
	t.Helper()
	r, err := a.Health.Of(context.Background(), acct, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range r.Errors {
		if e.Source == "mail" {
			out = append(out, e.Message)
		}
	}
	return out
}

// A visitor who gave an address and left gets the agent's replies by
// e-mail once they have gone unseen for the chat's delay: both replies of
// the burst in one plain-text mail, in order, and once. The outbox counted
// a chat reply delivered when it was stored, and nothing ever mailed it.
func TestAnUnseenReplyIsEmailedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := smtptest.Start(t, 0)
		a, _, url := setup(t, d, mailConfig(srv, ""))
		v, conv := chatWith(t, url, frame{"name": "Dana", "email": "dana@example.com", "acks": true})
		v.conn.CloseNow() // Dana leaves
		answer(t, a, conv, "Yes, it left today!")
		answer(t, a, conv, "Tracking: <b>123</b> = \"ok\"\r\nBcc: someone@else.example")
		now := time.Now()
		if n := tick(t, a.ChatMail, now); n != 0 {
			t.Fatalf("mailed %d at once, before the visitor could see the replies", n)
		}
		if n := tick(t, a.ChatMail, now.Add(chat.DefaultMailUnseenAfter+time.Second)); n != 1 {
			t.Fatalf("mailed %d after the delay, want 1", n)
		}
		mails := srv.Mails(300 * time.Millisecond)
		if len(mails) != 1 {
			t.Fatalf("%d mails arrived, want 1", len(mails))
		}
		head, body := split(t, mails[0])
		for _, want := range []string{"\r\nTo: dana@example.com", "Subject: Your chat with Shop support: 2 replies", "From: \"Shop support\" <support@shop.test>", "Content-Type: text/plain"} {
			if !strings.Contains("\r\n"+head, want) {
				t.Errorf("headers lack %q:\n%s", want, head)
			}
		}
		if strings.Contains(head, "Bcc") || strings.Contains(head, "someone@else") {
			t.Errorf("a reply's text reached the headers:\n%s", head)
		}
		first, second := strings.Index(body, "Yes, it left today!"), strings.Index(body, "Tracking: <b>123</b> = \"ok\"")
		if first < 0 || second < first || !strings.Contains(body, "Sam, ") || !strings.Contains(body, "Shop support") {
			t.Fatalf("body:\n%s", body)
		}
		if n := tick(t, a.ChatMail, now.Add(10*time.Minute)); n != 0 {
			t.Fatalf("mailed again: %d", n)
		}
		if len(srv.Mails(200*time.Millisecond)) != 0 {
			t.Fatal("a second mail arrived")
		}
	})
}

// A reply the widget showed is not mailed: one the widget acknowledged
// ("seen"), and one written to a widget from before "seen" existed, which
// cannot say more. A widget that got it with its panel closed and never
// showed it acknowledges nothing, and the visitor gets the mail.
func TestAReplySeenInTheWidgetIsNotEmailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := smtptest.Start(t, 0)
		a, _, url := setup(t, d, mailConfig(srv, ""))
		later := time.Now().Add(chat.DefaultMailUnseenAfter + time.Minute)
		// readReply waits for the reply's frame, and says seen when asked.
		readReply := func(v *visitor, ack bool) {
			for {
				f := v.next()
				if f.s("type") != "message" {
					continue
				}
				if ack {
					v.send(frame{"type": "seen", "message_id": f["message"].(map[string]any)["id"]})
				}
				// The session answers frames in order: when the pong
				// comes, the seen is recorded.
				v.send(frame{"type": "ping"})
				for v.next().s("type") != "pong" {
				}
				return
			}
		}
		for _, c := range []struct {
			name      string
			hello     frame
			ack, mail bool
		}{
			{"acknowledged", frame{"name": "Dana", "email": "dana@example.com", "acks": true}, true, false},
			{"old widget", frame{"name": "Olga", "email": "olga@example.com"}, false, false},
			{"panel closed", frame{"name": "Pat", "email": "pat@example.com", "acks": true}, false, true},
		} {
			v, conv := chatWith(t, url, c.hello)
			answer(t, a, conv, "Hello "+c.name)
			readReply(v, c.ack)
			n := tick(t, a.ChatMail, later)
			if got := srv.Mails(200 * time.Millisecond); (n == 1) != c.mail || len(got) != n {
				t.Errorf("%s: %d mailed, %d arrived, want mail %v", c.name, n, len(got), c.mail)
			}
		}
	})
}

// Two nodes whose mailing jobs run at once send one mail: each claims the
// conversation with a conditional update, and the replies are marked
// "sending" under the claim before the mail server is called.
func TestTwoNodesMailAnUnseenReplyOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := smtptest.Start(t, 200*time.Millisecond)
		a, _, url := setup(t, d, mailConfig(srv, ""))
		other, err := db.Open(context.Background(), d.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		second := &chat.Mailer{DB: other, Accounts: workspace.New(other), Conversations: conversation.New(other),
			Health: health.New(other, nil), Log: slog.Default()}
		var convs []int64
		for i := range 3 {
			v, conv := chatWith(t, url, frame{"name": "V", "email": "v" + strconv.Itoa(i) + "@example.com", "acks": true})
			v.conn.CloseNow()
			answer(t, a, conv, "Here is your answer")
			convs = append(convs, conv)
		}
		later := time.Now().Add(chat.DefaultMailUnseenAfter + time.Minute)
		var wg sync.WaitGroup
		var sent atomic.Int32
		for _, m := range []*chat.Mailer{a.ChatMail, second, a.ChatMail, second} {
			wg.Go(func() {
				n, err := m.Tick(context.Background(), later)
				if err != nil {
					t.Error(err)
				}
				sent.Add(int32(n))
			})
		}
		wg.Wait()
		if got := srv.Mails(300 * time.Millisecond); len(got) != len(convs) || int(sent.Load()) != len(convs) {
			t.Fatalf("%d mails arrived (%d reported sent) for %d conversations", len(got), sent.Load(), len(convs))
		}
	})
}

// A job that stopped with the mail on its way (its replies left "sending"
// past its lease) may have sent it: the replies are not mailed again, and
// the account's health says so.
func TestAMailCutOffByACrashIsNotSentAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := smtptest.Start(t, 0)
		a, acct, url := setup(t, d, mailConfig(srv, ""))
		v, conv := chatWith(t, url, frame{"name": "Dana", "email": "dana@example.com", "acks": true})
		v.conn.CloseNow()
		answer(t, a, conv, "Yes, it left today!")
		// What a job that died mid-send leaves: a lease run out on
		// replies marked sending.
		ctx := context.Background()
		for _, q := range []string{
			"UPDATE chat_replies SET state = 'sending' WHERE conversation_id = " + strconv.FormatInt(conv, 10),
			"UPDATE chat_mail SET lease_until = 1 WHERE conversation_id = " + strconv.FormatInt(conv, 10),
		} {
			if _, err := d.W.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if n := tick(t, a.ChatMail, time.Now().Add(time.Hour)); n != 0 || len(srv.Mails(200*time.Millisecond)) != 0 {
			t.Fatal("replies that may have been mailed were mailed again")
		}
		if errs := mailErrors(t, a, acct); len(errs) != 1 || !strings.Contains(errs[0], "may have been sent") {
			t.Fatalf("health errors %q", errs)
		}
	})
}

// A mail server that is down is tried again later, each failure in the
// account's health; after MailRetries the replies are given up on, said
// so, and not sent when the server comes back.
func TestADownMailServerIsRetriedAndReported(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := smtptest.Start(t, 0)
		srv.SetDown(true)
		a, acct, url := setup(t, d, mailConfig(srv, ""))
		v, conv := chatWith(t, url, frame{"name": "Dana", "email": "dana@example.com", "acks": true})
		v.conn.CloseNow()
		answer(t, a, conv, "Yes, it left today!")
		t0 := time.Now().Add(chat.DefaultMailUnseenAfter + time.Second)
		if n := tick(t, a.ChatMail, t0); n != 0 || srv.Tries() != 1 {
			t.Fatalf("a down server: %d mailed, %d tries", n, srv.Tries())
		}
		if errs := mailErrors(t, a, acct); len(errs) != 1 || !strings.Contains(errs[0], "attempt 1 of") || !strings.Contains(errs[0], "421") {
			t.Fatalf("health errors %q", errs)
		}
		// Not before its backoff.
		tick(t, a.ChatMail, t0.Add(time.Second))
		if srv.Tries() != 1 {
			t.Fatalf("tried again at once: %d tries", srv.Tries())
		}
		srv.SetDown(false)
		if n := tick(t, a.ChatMail, t0.Add(2*chat.MailBackoff)); n != 1 || len(srv.Mails(300*time.Millisecond)) != 1 {
			t.Fatalf("after the server came back: %d mailed", n)
		}

		// Given up on after MailRetries.
		defer func(n int) { chat.MailRetries = n }(chat.MailRetries)
		chat.MailRetries = 2
		srv.SetDown(true)
		answer(t, a, conv, "One more thing")
		t1 := t0.Add(time.Hour)
		tick(t, a.ChatMail, t1)
		tick(t, a.ChatMail, t1.Add(time.Hour))
		if errs := mailErrors(t, a, acct); len(errs) == 0 || !strings.Contains(errs[0], "gave up") {
			t.Fatalf("health errors %q", errs)
		}
		srv.SetDown(false)
		tries := srv.Tries()
		if n := tick(t, a.ChatMail, t1.Add(3*time.Hour)); n != 0 || srv.Tries() != tries {
			t.Fatalf("replies given up on were sent: %d", n)
		}
	})
}

// Replies go only to the address the visitor gave in the chat: not to the
// address of the customer a visitor without one was merged with, nor to a
// typed "address" carrying a header.
func TestNoMailToAnAddressTheVisitorDidNotGive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := smtptest.Start(t, 0)
		a, acct, url := setup(t, d, mailConfig(srv, `,"identity_secret":"s3cret"`))
		ctx := context.Background()
		mailAcct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: acct.WorkspaceID, Channel: "email", Handle: "support@shop.test"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.Pipeline.Ingest(ctx, mailAcct.ID, ingest.Message{ProviderID: "<1@mail>", Author: ingest.Author{ID: "jo@example.com", Email: "jo@example.com", Name: "Jo"}, Text: "my card", SentAt: time.Now()})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		byMail, _ := a.Conversations.Get(ctx, res[0].ConversationID)

		v, conv := chatWith(t, url, frame{"name": "Jo", "acks": true})
		v.conn.CloseNow()
		chatConv, _ := a.Conversations.Get(ctx, conv)
		if _, err := a.Contacts.Merge(ctx, byMail.ContactID, chatConv.ContactID, 0); err != nil {
			t.Fatal(err)
		}
		answer(t, a, conv, "We found your card")

		ts := time.Now().Unix()
		signed, signedConv := chatWith(t, url, frame{"identity": frame{"user_id": "42", "name": "Kim", "ts": ts, "sig": chat.SignIdentity("s3cret", "42", "", ts)}, "acks": true})
		signed.conn.CloseNow()
		answer(t, a, signedConv, "Hello Kim")

		forged, forgedConv := chatWith(t, url, frame{"name": "Mal", "email": "mal@example.com\r\nBcc: victim@example.com", "acks": true})
		forged.conn.CloseNow()
		answer(t, a, forgedConv, "Hello Mal")

		// Beside them, a visitor who gave an address gets the mail.
		ann, annConv := chatWith(t, url, frame{"name": "Ann", "email": "ann@example.com", "acks": true})
		ann.conn.CloseNow()
		answer(t, a, annConv, "Hello Ann")

		if n := tick(t, a.ChatMail, time.Now().Add(time.Hour)); n != 1 {
			t.Fatalf("%d mails, want Ann's alone", n)
		}
		got := srv.Mails(200 * time.Millisecond)
		if len(got) != 1 || !strings.Contains(got[0], "\r\nTo: ann@example.com\r\n") {
			t.Fatalf("mail arrived: %q", got)
		}
	})
}

// A conversation gets MailsPerHour mails an hour at most: replies beyond
// wait, and go together in the next hour's mail.
func TestAtMostAFewMailsAnHour(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	srv := smtptest.Start(t, 0)
	a, _, url := setup(t, d, mailConfig(srv, `,"mail_unseen_after":60`))
	v, conv := chatWith(t, url, frame{"name": "Dana", "email": "dana@example.com", "acks": true})
	v.conn.CloseNow()
	t0 := time.Now()
	sent := 0
	for i := range chat.MailsPerHour + 2 {
		answer(t, a, conv, "Reply "+strconv.Itoa(i))
		sent += tick(t, a.ChatMail, t0.Add(time.Duration(i+1)*5*time.Minute))
	}
	if sent != chat.MailsPerHour || len(srv.Mails(300*time.Millisecond)) != sent {
		t.Fatalf("%d mails within the hour, want %d", sent, chat.MailsPerHour)
	}
	if n := tick(t, a.ChatMail, t0.Add(2*time.Hour)); n != 1 {
		t.Fatalf("the held replies: %d mails, want 1", n)
	}
	held := srv.Mails(300 * time.Millisecond)
	if len(held) != 1 {
		t.Fatalf("%d held mails arrived", len(held))
	}
	_, body := split(t, held[0])
	if !strings.Contains(body, "Reply 3") || !strings.Contains(body, "Reply 4") || strings.Contains(body, "Reply 2") {
		t.Fatalf("the held mail:\n%s", body)
	}
}

// Config: mail_unseen_after is a key the chat knows, needs a mail server
// to mean anything, and is at most a day; 0 turns the mails off.
func TestChatConfigMailUnseenAfter(t *testing.T) {
	for cfg, ok := range map[string]bool{
		`{"smtp":"mail:25","mail_from":"s@shop.test","mail_unseen_after":300}`: true,
		`{"smtp":"mail:25","mail_from":"s@shop.test","mail_unseen_after":0}`:   true,
		`{"mail_unseen_after":0}`:   true,
		`{"mail_unseen_after":120}`: false,
		`{"smtp":"mail:25","mail_from":"s@shop.test","mail_unseen_after":120000}`: false,
		`{"smtp":"mail:25","mail_from":"s@shop.test","mail_unseen_after":"2m"}`:   false,
		`{"smtp":"mail:25","mail_from":"s@shop.test","mail_unseen_aftr":120}`:     false,
	} {
		if err := chat.CheckConfig(json.RawMessage(cfg)); (err == nil) != ok {
			t.Errorf("%s: %v", cfg, err)
		}
	}
	for cfg, want := range map[string]time.Duration{
		`{"smtp":"mail:25","mail_from":"s@shop.test"}`:                        chat.DefaultMailUnseenAfter,
		`{"smtp":"mail:25","mail_from":"s@shop.test","mail_unseen_after":30}`: 30 * time.Second,
		`{"smtp":"mail:25","mail_from":"s@shop.test","mail_unseen_after":0}`:  0,
		`{"smtp":"mail:25","mail_from":"s@shop.test","mail_unseen_after":-1}`: 0,
		`{"mail_unseen_after":30}`:                                            0,
	} {
		c, _ := chat.ParseConfig(json.RawMessage(cfg))
		if got := c.MailDelay(); got != want {
			t.Errorf("%s: MailDelay %v, want %v", cfg, got, want)
		}
	}
}

// A job's lease runs from its claim: before, it was counted from the
// tick's start, so after a few slow sends the lease taken on the next
// conversation had already run out, and another node took a mail in
// progress for one cut off by a crash and said so in the account's health.
// Every dialogue here (1 s) is well inside the lease (1.5 s).
func TestALeaseIsCountedFromTheClaimNotTheTick(t *testing.T) {
	defer func(l time.Duration) { chat.MailLease = l }(chat.MailLease)
	chat.MailLease = 1500 * time.Millisecond
	defer func(e time.Duration) { app.ChatMailEvery = e }(app.ChatMailEvery)
	app.ChatMailEvery = time.Hour // only the test's ticks
	d := dbtest.Open(t, db.SQLite)
	srv := smtptest.Start(t, time.Second)
	a, acct, url := setup(t, d, mailConfig(srv, `,"mail_unseen_after":1`))
	other, err := db.Open(context.Background(), d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	second := &chat.Mailer{DB: other, Accounts: workspace.New(other), Conversations: conversation.New(other),
		Health: health.New(other, nil), Log: slog.Default()}
	for i := range 3 {
		v, conv := chatWith(t, url, frame{"name": "V", "email": "v" + strconv.Itoa(i) + "@example.com", "acks": true})
		v.conn.CloseNow()
		answer(t, a, conv, "Here is your answer")
	}
	time.Sleep(1100 * time.Millisecond) // due
	var wg sync.WaitGroup
	var sent atomic.Int32
	wg.Go(func() {
		n, err := a.ChatMail.Tick(context.Background(), time.Now())
		if err != nil {
			t.Error(err)
		}
		sent.Add(int32(n))
	})
	time.Sleep(1700 * time.Millisecond) // the first node is in its second send
	n, err := second.Tick(context.Background(), time.Now())
	if err != nil {
		t.Error(err)
	}
	sent.Add(int32(n))
	wg.Wait()
	if got := srv.Mails(300 * time.Millisecond); len(got) != 3 {
		t.Fatalf("%d mails arrived for 3 conversations", len(got))
	}
	if errs := mailErrors(t, a, acct); len(errs) != 0 {
		t.Fatalf("every mail went, each within the lease, yet the health says: %q", errs)
	}
}

// A chat that waits a day (mail_unseen_after 86400) with a hundred unseen
// replies holds back no other chat's mail. Before, the job read the 100
// conversations whose newest unseen reply was oldest, due or not.
func TestAChatThatWaitsADayDoesNotHoldBackOthers(t *testing.T) {
	defer func(e time.Duration) { app.ChatMailEvery = e }(app.ChatMailEvery)
	app.ChatMailEvery = time.Hour
	d := dbtest.Open(t, db.SQLite)
	srv := smtptest.Start(t, 0)
	a, slow, url := setup(t, d, mailConfig(srv, `,"mail_unseen_after":86400`))
	ctx := context.Background()
	for i := range 100 {
		res, err := a.Pipeline.Ingest(ctx, slow.ID, ingest.Message{ProviderID: "chat:v" + strconv.Itoa(i) + ":c1", Visibility: "private",
			Author: ingest.Author{ID: "v:" + strconv.Itoa(i), Name: "V"}, Text: "hello?", SentAt: time.Now()})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		if err := a.ChatMail.SetAddress(ctx, res[0].ConversationID, slow.ID, "v"+strconv.Itoa(i)+"@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: res[0].ConversationID, Text: "We'll look into it", Author: conversation.Author{Name: "Sam"}}); err != nil {
			t.Fatal(err)
		}
	}
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var noted int
		d.R.QueryRow("SELECT COUNT(*) FROM chat_replies").Scan(&noted)
		if noted == 100 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("%d of 100 replies noted", noted)
		}
	}
	fast, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: slow.WorkspaceID, Channel: "chat", Handle: "other", Name: "Other brand"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Workspaces.SetConfig(ctx, fast.ID, json.RawMessage(mailConfig(srv, ""))); err != nil {
		t.Fatal(err)
	}
	url = strings.Replace(url, "/chat/"+strconv.FormatInt(slow.ID, 10)+"/", "/chat/"+strconv.FormatInt(fast.ID, 10)+"/", 1)
	v, conv := chatWith(t, url, frame{"name": "Dana", "email": "dana@example.com", "acks": true})
	v.conn.CloseNow()
	answer(t, a, conv, "Yes, it left today!")
	if n := tick(t, a.ChatMail, time.Now().Add(chat.DefaultMailUnseenAfter+time.Minute)); n != 1 {
		t.Fatalf("Dana's reply, due, mailed %d times; want 1", n)
	}
}

// A signed visitor whose identity carries no address is never asked for
// one (the widget shows no pre-chat form with an identity): the address a
// shared browser kept from an earlier pre-chat form, which old widgets
// send in every hello, is not where the signed user's replies go.
func TestASignedVisitorsRepliesDoNotGoToAStoredProfile(t *testing.T) {
	defer func(e time.Duration) { app.ChatMailEvery = e }(app.ChatMailEvery)
	app.ChatMailEvery = time.Hour
	d := dbtest.Open(t, db.SQLite)
	srv := smtptest.Start(t, 0)
	a, _, url := setup(t, d, mailConfig(srv, `,"identity_secret":"s3cret"`))
	ts := time.Now().Unix()
	v, conv := chatWith(t, url, frame{"identity": frame{"user_id": "42", "name": "Kim", "ts": ts, "sig": chat.SignIdentity("s3cret", "42", "", ts)},
		"name": "Lee", "email": "lee@example.com", "acks": true}) // Lee's profile, left in the shared browser
	v.conn.CloseNow()
	answer(t, a, conv, "Kim, your order 1234 ships to 5 Main St")
	tick(t, a.ChatMail, time.Now().Add(time.Hour))
	if got := srv.Mails(300 * time.Millisecond); len(got) != 0 {
		t.Fatalf("signed user 42's reply mailed to an address the identity never named: %q", got)
	}
}

// A mail server's permanent refusal (550, no such mailbox: a mistyped
// address) is not tried again: before, it was tried MailRetries times over
// an hour, each a health error, as if the server were down.
func TestAPermanentRefusalIsNotRetried(t *testing.T) {
	defer func(e time.Duration) { app.ChatMailEvery = e }(app.ChatMailEvery)
	app.ChatMailEvery = time.Hour
	d := dbtest.Open(t, db.SQLite)
	srv := smtptest.Start(t, 0)
	srv.Refuse("RCPT", "550 5.1.1 no such mailbox")
	a, acct, url := setup(t, d, mailConfig(srv, ""))
	v, conv := chatWith(t, url, frame{"name": "Dana", "email": "dana@typo.example", "acks": true})
	v.conn.CloseNow()
	answer(t, a, conv, "Yes, it left today!")
	t0 := time.Now().Add(chat.DefaultMailUnseenAfter + time.Second)
	for i := range chat.MailRetries {
		tick(t, a.ChatMail, t0.Add(time.Duration(i)*2*time.Hour))
	}
	if n := srv.Tries(); n != 1 {
		t.Errorf("a 550 was tried %d times; health: %q", n, mailErrors(t, a, acct))
	}
}

// A mail server that took the whole mail and was cut off before it
// answered may have delivered it: the replies are unsure, the account's
// health says so, and they are not sent again. One cut off at DATA got
// nothing, and the replies go at the next try.
func TestALostAnswerIsNotSentAgainButACutBeforeTheMailIs(t *testing.T) {
	defer func(e time.Duration) { app.ChatMailEvery = e }(app.ChatMailEvery)
	app.ChatMailEvery = time.Hour
	d := dbtest.Open(t, db.SQLite)
	srv := smtptest.Start(t, 0)
	a, acct, url := setup(t, d, mailConfig(srv, ""))
	t0 := time.Now().Add(chat.DefaultMailUnseenAfter + time.Second)

	srv.Cut("answer")
	v, conv := chatWith(t, url, frame{"name": "Dana", "email": "dana@example.com", "acks": true})
	v.conn.CloseNow()
	answer(t, a, conv, "Yes, it left today!")
	if n := tick(t, a.ChatMail, t0); n != 0 || srv.Tries() != 1 {
		t.Fatalf("an answer lost: %d mailed, %d tries", n, srv.Tries())
	}
	if errs := mailErrors(t, a, acct); len(errs) != 1 || !strings.Contains(errs[0], "may have been sent") {
		t.Fatalf("health errors %q", errs)
	}
	srv.Cut("")
	if n := tick(t, a.ChatMail, t0.Add(2*time.Hour)); n != 0 || srv.Tries() != 1 {
		t.Fatalf("replies that may have been mailed: %d mailed, %d tries", n, srv.Tries())
	}

	srv.Cut("data")
	v, conv = chatWith(t, url, frame{"name": "Eve", "email": "eve@example.com", "acks": true})
	v.conn.CloseNow()
	answer(t, a, conv, "Your refund is on its way")
	t1 := t0.Add(3 * time.Hour)
	if n := tick(t, a.ChatMail, t1); n != 0 || srv.Tries() != 2 {
		t.Fatalf("cut at DATA: %d mailed, %d tries", n, srv.Tries())
	}
	srv.Cut("")
	if n := tick(t, a.ChatMail, t1.Add(2*chat.MailBackoff)); n != 1 || len(srv.Mails(300*time.Millisecond)) != 1 {
		t.Fatalf("after a cut before the mail: %d mailed", n)
	}
}

// A chat that mails no replies notes none: one with mail_unseen_after 0,
// one with no mail server. Every agent's reply was written to
// chat_replies all the same, for the job to mark skipped. A chat that
// mails notes its reply.
func TestAChatThatMailsNoRepliesNotesNone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := smtptest.Start(t, 0)
		for cfg, want := range map[string]int{
			mailConfig(srv, `,"mail_unseen_after":0`): 0,
			`{"mail_from":"support@shop.test"}`:       0,
			mailConfig(srv, ""):                       1,
		} {
			d := dbtest.Open(t, d.Dialect)
			a, _, url := setup(t, d, cfg)
			v, conv := chatWith(t, url, frame{"name": "Dana", "email": "dana@example.com", "acks": true})
			v.conn.CloseNow()
			answer(t, a, conv, "Yes, it left today!")
			var noted int
			d.W.QueryRow("SELECT COUNT(*) FROM chat_replies").Scan(&noted)
			if noted != want {
				t.Errorf("%s: %d replies noted, want %d", cfg, noted, want)
			}
		}
	})
}
