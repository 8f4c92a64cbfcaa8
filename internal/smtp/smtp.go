// Package smtp hands mail to a submission server or relay. It is the one
// SMTP client of the e-mail connector (the blog and the form answer through
// it too) and of the chat, which mails transcripts and unseen replies, so
// that both read a failure the same way: a refusal is the server's answer,
// a *textproto.Error with its code (4xx for now, 5xx for good); a failure
// before the whole message went sent nothing, and may be sent again; a lost
// answer after it may have been delivered (Unsure), and must not be sent
// again blind.
package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"time"
)

// Config is how to reach the server.
type Config struct {
	Addr     string `json:"addr"` // host:port
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Security is "starttls" (the default, port 587), "tls" (port 465),
	// "opportunistic" (STARTTLS when the server offers it, as a relay may
	// not) or "none" (a local relay or a test sink).
	Security string `json:"security,omitempty"`
	// InsecureSkipVerify accepts any certificate; for test servers only.
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty"`
}

// DefaultTimeout bounds a dialogue when Client.Timeout is not set.
const DefaultTimeout = time.Minute

// Client sends mail to one server.
type Client struct {
	Config Config
	// Timeout bounds one dialogue, from the dial to the goodbye, within
	// the context's own deadline: a server that accepts and then stalls
	// must not hold a sender for long.
	Timeout time.Duration
}

// Send hands msg to the server for the recipients to.
func (c *Client) Send(ctx context.Context, from string, to []string, msg []byte) error {
	return c.session(ctx, func(sc *smtp.Client) error {
		if err := submit(sc, from, to, msg); err != nil {
			return err
		}
		sc.Quit() // taken: a lost goodbye changes nothing
		return nil
	})
}

// Check connects and authenticates without sending, for health reports.
func (c *Client) Check(ctx context.Context) error {
	return c.session(ctx, (*smtp.Client).Quit)
}

// session runs talk on a new session, all within the timeout.
func (c *Client) session(ctx context.Context, talk func(*smtp.Client) error) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sc, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	return talk(sc)
}

// connect dials, secures and authenticates a session whose every read and
// write, the greeting's included, ends when ctx does.
func (c *Client) connect(ctx context.Context) (*smtp.Client, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", c.Config.Addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", c.Config.Addr, err)
	}
	deadline, _ := ctx.Deadline()
	raw.SetDeadline(deadline)
	context.AfterFunc(ctx, func() { raw.SetDeadline(time.Now()) })
	host, _, _ := net.SplitHostPort(c.Config.Addr)
	tc := &tls.Config{ServerName: host, InsecureSkipVerify: c.Config.InsecureSkipVerify}
	conn := raw
	if c.Config.Security == "tls" {
		conn = tls.Client(conn, tc)
	}
	sc, err := smtp.NewClient(conn, host) // reads the greeting
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := sc.Hello("localhost"); err != nil {
		sc.Close()
		return nil, err
	}
	switch offered, _ := sc.Extension("STARTTLS"); {
	case c.Config.Security == "tls" || c.Config.Security == "none":
	case offered:
		if err := sc.StartTLS(tc); err != nil {
			sc.Close()
			return nil, fmt.Errorf("starttls with %s: %w", c.Config.Addr, err)
		}
	case c.Config.Security != "opportunistic":
		sc.Close()
		return nil, fmt.Errorf("starttls with %s: the server does not offer it", c.Config.Addr)
	}
	if c.Config.Username != "" {
		if err := sc.Auth(plainAuth{c.Config.Username, c.Config.Password}); err != nil {
			sc.Close()
			return nil, err
		}
	}
	return sc, nil
}

// submit sends one message. A server delivers only a message it got to
// its end (RFC 5321, 4.1.1.4): a failure before the end went out sent
// nothing. After it, a failure without an answer may have been delivered.
func submit(sc *smtp.Client, from string, to []string, msg []byte) error {
	if err := sc.Mail(from); err != nil {
		return err
	}
	for _, addr := range to {
		if err := sc.Rcpt(addr); err != nil {
			return err
		}
	}
	w, err := sc.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil { // the end of the message, then the answer
		var answer *textproto.Error
		if errors.As(err, &answer) {
			return err // the server said it did not take it
		}
		return unsureError{err}
	}
	return nil
}

// unsureError is a failure once the whole message had gone, before the
// server said whether it took it.
type unsureError struct{ err error }

func (e unsureError) Error() string {
	return "the mail server did not say whether it took the mail: " + e.err.Error()
}

func (e unsureError) Unwrap() error { return e.err }

// Unsure reports whether a failed Send may have delivered all the same:
// the whole message went and the server's answer was lost. Sent again, it
// may arrive twice.
func Unsure(err error) bool {
	var u unsureError
	return errors.As(err, &u)
}

// plainAuth is SASL PLAIN on whatever connection Security asks for.
// net/smtp's PlainAuth refuses a plain one to any host but this one, and a
// relay on a private network may take one ("none").
type plainAuth struct{ username, password string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("smtp: the server asked more of PLAIN than it takes")
	}
	return nil, nil
}
