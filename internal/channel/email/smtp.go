package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/harkdesk/hark/internal/channel"
)

// Transport delivers a written message; SMTP in production, a recorder in
// tests that do not need the protocol.
type Transport interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// SMTPConfig is how to reach the submission server.
type SMTPConfig struct {
	Addr     string `json:"addr"` // host:port
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Security is "starttls" (the default, port 587), "tls" (port 465) or
	// "none" (a local relay or a test sink).
	Security string `json:"security,omitempty"`
	// InsecureSkipVerify accepts any certificate; for test servers only.
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty"`
}

// SMTP sends over SMTP submission.
type SMTP struct {
	Config  SMTPConfig
	Timeout time.Duration
}

// Check connects and authenticates without sending, for health reports.
func (s *SMTP) Check(ctx context.Context) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return classifySMTP(c.Quit())
}

// Send delivers msg. SMTP 4xx answers and network failures are temporary;
// 5xx answers are not.
func (s *SMTP) Send(ctx context.Context, from string, to []string, msg []byte) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := submit(ctx, c, from, to, msg); err != nil {
		return classifySMTP(err)
	}
	c.Quit()
	return nil
}

// submit is go-smtp's SendMail, telling the outbox when the message is
// handed over: up to DATA the server holds only a session, so a failure
// there sent nothing and is retried; from DATA on it may deliver what it
// got (channel.MarkReached).
func submit(ctx context.Context, c *smtp.Client, from string, to []string, msg []byte) error {
	var opts *smtp.MailOptions
	if !ascii(from) || slices.ContainsFunc(to, func(s string) bool { return !ascii(s) }) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(from, opts); err != nil {
		return err
	}
	for _, addr := range to {
		if err := c.Rcpt(addr, nil); err != nil {
			return err
		}
	}
	channel.MarkReached(ctx)
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, bytes.NewReader(msg)); err != nil {
		return err
	}
	return w.Close()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// connect dials, secures and authenticates a submission session.
func (s *SMTP) connect(ctx context.Context) (*smtp.Client, error) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	host, _, _ := net.SplitHostPort(s.Config.Addr)
	tc := &tls.Config{ServerName: host, InsecureSkipVerify: s.Config.InsecureSkipVerify}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Config.Addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.Config.Addr, err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	var c *smtp.Client
	switch s.Config.Security {
	case "tls":
		c = smtp.NewClient(tls.Client(conn, tc))
	case "none":
		c = smtp.NewClient(conn)
	default:
		c, err = smtp.NewClientStartTLS(conn, tc)
		if err != nil {
			conn.Close()
			return nil, classifySMTP(fmt.Errorf("starttls with %s: %w", s.Config.Addr, err))
		}
	}
	if s.Config.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Config.Username, s.Config.Password)); err != nil {
			c.Close()
			return nil, classifySMTP(err)
		}
	}
	return c, nil
}

// classifySMTP turns an SMTP reply into a SendError the outbox understands.
func classifySMTP(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &channel.SendError{Temporary: se.Code >= 400 && se.Code < 500, Status: se.Code, Message: se.Message}
	}
	return err
}
