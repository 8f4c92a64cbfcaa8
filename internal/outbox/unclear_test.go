package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/outbox"
	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/smtp/smtptest"
	"github.com/harkdesk/hark/internal/workspace"
)

// refused is what a send to a provider that is down returns: the
// connection was refused before anything was sent.
func refused(t *testing.T) error {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := http.Post(srv.URL, "text/plain", strings.NewReader("hi"))
	if err == nil {
		t.Fatal("a closed server answered")
	}
	return err
}

// post sends a request with the send's context, as a connector does, so
// the outbox's watch on the attempt sees what was written.
func post(ctx context.Context, client *http.Client, url string) error {
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader("hi"))
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		return errors.New("the provider answered")
	}
	return err
}

// dropped is a provider that reads the request and closes the connection
// without answering, as after a crash or a reset.
func dropped(t *testing.T) func(context.Context) error {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return func(ctx context.Context) error { return post(ctx, http.DefaultClient, srv.URL) }
}

// listen accepts connections and says nothing on them: it holds them
// open (hold) until the test ends, or closes each at once.
func listen(t *testing.T, hold bool) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !hold {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

// stalled is a provider that takes the connection and never speaks: the
// TLS handshake times out before the request is written.
func stalled(t *testing.T) func(context.Context) error {
	addr := listen(t, true)
	client := &http.Client{Transport: &http.Transport{TLSHandshakeTimeout: 100 * time.Millisecond}}
	return func(ctx context.Context) error { return post(ctx, client, "https://"+addr+"/") }
}

// greetless is a mail server that accepts the connection and closes it
// before its greeting (a connection limit, a restart): nothing was sent.
func greetless(t *testing.T) func(context.Context) error {
	return mailTo(listen(t, false))
}

// cutMail is a mail server that drops the connection at a point of the
// dialogue (smtptest.Server.Cut).
func cutMail(t *testing.T, at string) func(context.Context) error {
	srv := smtptest.Start(t, 0)
	srv.Cut(at)
	return mailTo(srv.Addr)
}

// mailTo sends a reply as the e-mail connector does.
func mailTo(addr string) func(context.Context) error {
	s := &email.SMTP{Config: smtp.Config{Addr: addr, Security: "none"}}
	return func(ctx context.Context) error {
		err := s.Send(ctx, "care@shop.test", []string{"ana@example.com"}, []byte("Subject: hi\r\n\r\nhi\r\n"))
		if err == nil {
			return errors.New("the mail server took the message")
		}
		return err
	}
}

// After a failure that may have posted (an answer lost: a 5xx from a
// gateway, a dropped connection), on a channel that cannot look a reply up
// (WhatsApp, e-mail), the reply is failed for the agent to check, as after
// a crash, rather than posted again. A provider that is down, or one that
// refuses for now, did not take the reply: that one is sent again later.
func TestAFailureThatMayHavePostedIsNotResentBlind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, c := range []struct {
			failure     error
			call        func(context.Context) error
			mayHavePost bool
		}{
			{&channel.SendError{Temporary: true, Status: 502, Message: "Bad Gateway"}, nil, true},
			{&channel.SendError{Temporary: true, Status: 504, Message: "Gateway Timeout"}, nil, true},
			{&channel.SendError{Temporary: true, Status: 500, Message: "Internal Server Error"}, nil, true},
			{nil, dropped(t), true},
			{nil, cutMail(t, "answer"), true}, // the whole mail went, the answer did not
			{refused(t), nil, false},
			{&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "graph.facebook.invalid", IsNotFound: true}}, nil, false},
			{&channel.SendError{Temporary: true, Status: 503, Message: "Service Unavailable"}, nil, false},
			{&channel.SendError{Temporary: true, Status: 429, Message: "Too Many Requests"}, nil, false},
			{&channel.SendError{Temporary: true, Status: 451, Message: "try again later"}, nil, false}, // SMTP
			// Failures before the request was written sent nothing, though
			// they are no dial error: before, they were failed as
			// "may have been delivered".
			{nil, stalled(t), false},
			{nil, greetless(t), false},
			// A mail server delivers only a message it got to its end: one
			// cut off at DATA sent nothing. Before, any failure after RCPT
			// was failed as "may have been delivered".
			{nil, cutMail(t, "data"), false},
		} {
			f := setup(t, dbtest.Open(t, d.Dialect), false)
			f.p.answers = []error{c.failure}
			if c.call != nil {
				f.p.answers, f.p.calls = nil, []func(context.Context) error{c.call}
			}
			m := f.reply(t, f.sms, "your refund of 40 EUR is on its way")
			f.w.Tick(ctx)
			f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET next_attempt_at = 0 WHERE message_id = ?"), m.ID)
			f.w.Tick(ctx)
			got, _ := f.convs.Message(ctx, m.ID)
			n := len(f.p.sent)
			switch {
			case c.mayHavePost && (n != 1 || got.SendStatus != "failed" || !strings.Contains(got.SendError, "may have been delivered")):
				t.Fatalf("after %v: offered %d times, %s %q; want once, failed as may have been delivered", c.failure, n, got.SendStatus, got.SendError)
			case !c.mayHavePost && (n != 2 || got.SendStatus != "sent"):
				t.Fatalf("after %v: offered %d times, %s %q; want sent by the retry", c.failure, n, got.SendStatus, got.SendError)
			}
		}
		// Nor is a reply an earlier version of Hark left unclear.
		f := setup(t, d, false)
		m := f.reply(t, f.sms, "left unclear")
		f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET unclear = 1 WHERE message_id = ?"), m.ID)
		f.w.Tick(ctx)
		if st, _, _ := f.state(t, m); st != "failed" || len(f.p.sent) != 0 {
			t.Fatalf("a reply left unclear: %s, offered %d times; want failed, unsent", st, len(f.p.sent))
		}
	})
}

// findsNoneOfThese can look up replies, but not these ones (a blog's
// private answers go by e-mail, which its WordPress look-up cannot see).
type findsNoneOfThese struct{ reconciling }

func (findsNoneOfThese) Finds(channel.Outgoing) bool { return false }

// A reply the connector cannot look up is treated as on a channel that
// cannot look at all: after an answer lost, it is failed for the agent to
// check, not posted again. Before, the blog's WordPress look-up said "not
// there" of the e-mail it had sent, and the commenter got it twice.
func TestAReplyTheConnectorCannotLookUpIsNotResentBlind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		conn := findsNoneOfThese{reconciling{f.p}}
		f.w.Registry = outbox.Registry{"sms": func(workspace.Account, json.RawMessage) (channel.Connector, error) { return conn, nil }}
		f.p.calls = []func(context.Context) error{dropped(t)}
		m := f.reply(t, f.sms, "here is your code")
		f.w.Tick(ctx)
		f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET next_attempt_at = 0 WHERE message_id = ?"), m.ID)
		f.w.Tick(ctx)
		got, _ := f.convs.Message(ctx, m.ID)
		if n := len(f.p.sent); n != 1 || got.SendStatus != "failed" || !strings.Contains(got.SendError, "may have been delivered") {
			t.Fatalf("offered %d times, %s %q; want once, failed as may have been delivered", n, got.SendStatus, got.SendError)
		}
	})
}
