package email_test

import (
	"context"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/smtp/smtptest"
)

// A mail server that greets and then answers nothing is given up on at
// the transport's timeout, and the failure is one to retry. The client
// before (go-smtp) set a five-minute deadline on each command and cleared
// it after, so the timeout held for the dial alone: a stalled server kept
// the outbox's send well past its two-minute lease, for another node to
// take as one cut off by a crash.
func TestAStalledMailServerIsGivenUpOnAtTheTimeout(t *testing.T) {
	srv := smtptest.Start(t, 0)
	srv.Hold(true)
	s := &email.SMTP{Config: smtp.Config{Addr: srv.Addr, Security: "none"}, Timeout: 200 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		done <- s.Send(context.Background(), "care@shop.test", []string{"ana@example.com"}, []byte("Subject: hi\r\n\r\nhi\r\n"))
	}()
	select {
	case err := <-done:
		if err == nil || !channel.IsTemporary(err) {
			t.Fatalf("a stalled server: %v; want a failure to retry", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still in the dialogue 30 s into a 200 ms timeout")
	}
}
