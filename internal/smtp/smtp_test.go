package smtp_test

import (
	"context"
	"errors"
	"net/textproto"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/smtp/smtptest"
)

var msg = []byte("Subject: hi\r\n\r\nYour parcel left today.\r\n")

// Each way a dialogue fails says whether the mail may have gone: only an
// answer lost after the whole message is Unsure, which its sender must not
// send again blind. A refusal, at any point, carries the server's code.
func TestWhatAFailedSendMeans(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		fail   func(*smtptest.Server)
		code   int // the server's refusal, or 0
		unsure bool
	}{
		{"down", func(s *smtptest.Server) { s.SetDown(true) }, 421, false},
		{"no such mailbox", func(s *smtptest.Server) { s.Refuse("RCPT", "550 5.1.1 no such mailbox") }, 550, false},
		{"cut at DATA", func(s *smtptest.Server) { s.Cut("data") }, 0, false},
		{"refused at the end", func(s *smtptest.Server) { s.Refuse(".", "554 5.7.1 looks like spam") }, 554, false},
		{"answer lost", func(s *smtptest.Server) { s.Cut("answer") }, 0, true},
	} {
		srv := smtptest.Start(t, 0)
		c.fail(srv)
		client := smtp.Client{Config: smtp.Config{Addr: srv.Addr, Security: "none"}}
		err := client.Send(ctx, "care@shop.test", []string{"ana@example.com"}, msg)
		var answer *textproto.Error
		code := 0
		if errors.As(err, &answer) {
			code = answer.Code
		}
		if err == nil || code != c.code || smtp.Unsure(err) != c.unsure {
			t.Errorf("%s: %v (code %d, unsure %v); want code %d, unsure %v", c.name, err, code, smtp.Unsure(err), c.code, c.unsure)
		}
	}
}

// A server that offers no STARTTLS gets the mail in the clear only where
// the config allows it: "opportunistic" (a chat's relay) and "none". The
// default and "starttls" refuse, before the message goes.
func TestNoMailInTheClearUnlessAllowed(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		security string
		sends    bool
	}{{"", false}, {"starttls", false}, {"opportunistic", true}, {"none", true}} {
		srv := smtptest.Start(t, 0)
		client := smtp.Client{Config: smtp.Config{Addr: srv.Addr, Security: c.security}}
		err := client.Send(ctx, "care@shop.test", []string{"ana@example.com"}, msg)
		switch {
		case c.sends && err != nil:
			t.Errorf("security %q: %v", c.security, err)
		case !c.sends && (err == nil || !strings.Contains(err.Error(), "does not offer")):
			t.Errorf("security %q: %v; want a refusal to send in the clear", c.security, err)
		}
		if got := len(srv.Mails(0)); c.sends != (got == 1) {
			t.Errorf("security %q: %d mails arrived", c.security, got)
		}
	}
}
