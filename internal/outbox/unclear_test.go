package outbox_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
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

// dropped is what a send returns when the provider read the request and
// closed the connection without answering, as after a crash or a reset.
func dropped(t *testing.T) error {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	_, err := http.Post(srv.URL, "text/plain", strings.NewReader("hi"))
	if err == nil {
		t.Fatal("a dropped connection answered")
	}
	return err
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
			mayHavePost bool
		}{
			{&channel.SendError{Temporary: true, Status: 502, Message: "Bad Gateway"}, true},
			{&channel.SendError{Temporary: true, Status: 504, Message: "Gateway Timeout"}, true},
			{&channel.SendError{Temporary: true, Status: 500, Message: "Internal Server Error"}, true},
			{dropped(t), true},
			{refused(t), false},
			{&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "graph.facebook.invalid", IsNotFound: true}}, false},
			{&channel.SendError{Temporary: true, Status: 503, Message: "Service Unavailable"}, false},
			{&channel.SendError{Temporary: true, Status: 429, Message: "Too Many Requests"}, false},
			{&channel.SendError{Temporary: true, Status: 451, Message: "try again later"}, false}, // SMTP
		} {
			f := setup(t, dbtest.Open(t, d.Dialect), false)
			f.p.answers = []error{c.failure}
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
