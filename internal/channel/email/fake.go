package email

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/harkdesk/hark/internal/smtp"
)

// Fake is a mail provider in one process for tests and demos: an IMAP
// server holding the support mailbox, and an SMTP server that delivers mail
// for the mailbox (and its plus-addresses) into that IMAP inbox, as an MX
// would, and keeps everything else as sent mail. It fails on cue.
type Fake struct {
	// Mailbox is the support address; Password logs in to IMAP and SMTP.
	Mailbox, Password  string
	IMAPAddr, SMTPAddr string

	imap  *imapserver.Server
	smtp  *gosmtp.Server
	user  *imapmemserver.User
	mu    sync.Mutex
	sent  []Delivered
	fails []error
}

// Delivered is one message the fake's SMTP server accepted for elsewhere.
type Delivered struct {
	From string
	To   []string
	Data []byte
}

// StartFake runs the fake on loopback ports until Close.
func StartFake(mailbox, password string) (*Fake, error) {
	f := &Fake{Mailbox: strings.ToLower(mailbox), Password: password}
	mem := imapmemserver.New()
	f.user = imapmemserver.NewUser(f.Mailbox, password)
	if err := f.user.Create("INBOX", nil); err != nil {
		return nil, err
	}
	mem.AddUser(f.user)
	f.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	il, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go f.imap.Serve(il)
	f.IMAPAddr = il.Addr().String()

	f.smtp = gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &fakeSession{f: f}, nil }))
	f.smtp.Domain = "localhost"
	f.smtp.AllowInsecureAuth = true
	f.smtp.MaxMessageBytes = MaxMessageBytes
	f.smtp.ReadTimeout = 30 * time.Second
	f.smtp.WriteTimeout = 30 * time.Second
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.imap.Close()
		return nil, err
	}
	go f.smtp.Serve(sl)
	f.SMTPAddr = sl.Addr().String()
	return f, nil
}

// Close stops both servers.
func (f *Fake) Close() error {
	return errors.Join(f.smtp.Close(), f.imap.Close())
}

// Config returns an account config that reads and sends through the fake.
func (f *Fake) Config() Config {
	return Config{
		Address: f.Mailbox, Name: "Support",
		IMAP: IMAPConfig{Addr: f.IMAPAddr, Username: f.Mailbox, Password: f.Password, Security: "none"},
		SMTP: smtp.Config{Addr: f.SMTPAddr, Username: f.Mailbox, Password: f.Password, Security: "none"},
	}
}

// Deliver puts a message straight into the inbox (what an MX does).
func (f *Fake) Deliver(raw []byte) error {
	_, err := f.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()})
	return err
}

// FailNext makes the next SMTP submissions fail with the given errors in
// turn: a *gosmtp.SMTPError with a 4xx code is temporary, 5xx permanent.
func (f *Fake) FailNext(errs ...error) {
	f.mu.Lock()
	f.fails = append(f.fails, errs...)
	f.mu.Unlock()
}

// Temporary and Permanent are the SMTP answers FailNext is usually given.
var (
	Temporary = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	Permanent = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
)

// Sent returns the messages accepted for other addresses.
func (f *Fake) Sent() []Delivered {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Delivered(nil), f.sent...)
}

func (f *Fake) nextFailure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.fails) == 0 {
		return nil
	}
	err := f.fails[0]
	f.fails = f.fails[1:]
	return err
}

// ours reports whether addr is the mailbox or one of its plus-addresses.
func (f *Fake) ours(addr string) bool {
	local, domain, _ := strings.Cut(strings.ToLower(addr), "@")
	base, _, _ := strings.Cut(local, "+")
	mlocal, mdomain, _ := strings.Cut(f.Mailbox, "@")
	return base == mlocal && domain == mdomain
}

type fakeSession struct {
	f    *Fake
	from string
	to   []string
}

func (s *fakeSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *fakeSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if !strings.EqualFold(user, s.f.Mailbox) || pass != s.f.Password {
			return errors.New("invalid credentials")
		}
		return nil
	}), nil
}

func (s *fakeSession) Mail(from string, _ *gosmtp.MailOptions) error { s.from = from; return nil }
func (s *fakeSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *fakeSession) Data(r io.Reader) error {
	if err := s.f.nextFailure(); err != nil {
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	var others []string
	for _, to := range s.to {
		if s.f.ours(to) {
			stamped := append([]byte(fmt.Sprintf("Delivered-To: %s\r\n", to)), b...)
			if err := s.f.Deliver(stamped); err != nil {
				return err
			}
		} else {
			others = append(others, to)
		}
	}
	if len(others) > 0 {
		s.f.mu.Lock()
		s.f.sent = append(s.f.sent, Delivered{From: s.from, To: others, Data: b})
		s.f.mu.Unlock()
	}
	return nil
}

func (s *fakeSession) Reset()        { s.from, s.to = "", nil }
func (s *fakeSession) Logout() error { return nil }

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
