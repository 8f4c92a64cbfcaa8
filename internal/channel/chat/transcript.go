package chat

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/smtp"
)

// mailTimeout bounds one SMTP dialogue: a mail server that accepts the
// connection and then stalls must not hold anything for long.
const mailTimeout = 30 * time.Second

// transcript starts e-mailing the conversation so far to the visitor. The
// mail goes out beside the session, whose loop must keep answering
// messages, pings and agents' replies: the outcome comes back on
// ss.mailed, and the session answers with the transcript frame then.
func (ss *session) transcript(ctx context.Context, to string) error {
	if ss.cfg.SMTP == "" || ss.cfg.MailFrom == "" {
		return fmt.Errorf("%w: this chat cannot send e-mail", hark.ErrInvalid)
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(firstNonEmpty(ss.email, to)))
	if err != nil {
		return fmt.Errorf("%w: that e-mail address does not look right", hark.ErrInvalid)
	}
	// The transcript goes to the visitor's own address, the one they gave
	// when the chat began (or their signed identity's), never to one named
	// per request: that made the brand's mail server a relay for whatever
	// an anonymous visitor typed, to whomever they chose.
	if to = strings.TrimSpace(to); ss.email != "" && to != "" && !strings.EqualFold(to, ss.email) {
		return fmt.Errorf("%w: the transcript goes to the address you gave at the start, %s", hark.ErrInvalid, ss.email)
	}
	if ss.convID == 0 {
		return fmt.Errorf("%w: there is nothing to send yet", hark.ErrInvalid)
	}
	if ss.mailing {
		return fmt.Errorf("%w: a transcript is on its way already", hark.ErrInvalid)
	}
	// A handful per conversation and per client address is all a person
	// needs; a visitor id, free to renew, bounds nothing.
	if !ss.s.mailPerConversation.Allow(strconv.FormatInt(ss.convID, 10)) || !ss.s.mailPerIP.Allow(ss.ip) {
		return fmt.Errorf("%w: too many transcripts; try again later", hark.ErrInvalid)
	}
	ss.email = addr.Address
	msgs, err := ss.history(ctx)
	if err != nil {
		return err
	}
	body := Transcript(ss.acct.Name, msgs)
	ss.mailing = true
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailTimeout)
	go func() {
		defer cancel()
		ss.mailed <- sendMail(mctx, ss.cfg.SMTP, ss.cfg.MailFrom, addr.Address, "Your chat with "+ss.acct.Name, body)
	}()
	return nil
}

// Transcript renders a conversation as plain text.
func Transcript(brand string, msgs []chatMessage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Your conversation with %s\n\n", brand)
	for _, m := range msgs {
		who := "You"
		if m.From == "agent" {
			who = firstNonEmpty(m.Author, brand)
		}
		fmt.Fprintf(&b, "[%s] %s:\n%s\n\n", time.UnixMilli(m.At).UTC().Format("2006-01-02 15:04 MST"), who, m.Text)
	}
	return b.String()
}

// sendMail sends a plain-text message with the headers mail servers
// expect, within ctx's deadline (and never longer than mailTimeout): every
// read and write of the dialogue is under it, the greeting included. A
// failure after the whole message went is smtp.Unsure. From
// and to are addresses, with a display name or not; a name is encoded and
// an address checked, so neither can add a header.
func sendMail(ctx context.Context, server, from, to, subject, body string) error {
	fromAddr, err := headerAddress(from)
	if err != nil {
		return fmt.Errorf("send mail: from: %w", err)
	}
	toAddr, err := headerAddress(to)
	if err != nil {
		return fmt.Errorf("send mail: to: %w", err)
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <chat-%d@hark>\r\n",
		fromAddr.header, toAddr.header, mimeHeader(subject), time.Now().Format(time.RFC1123Z), db.NewID())
	msg.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\nAuto-Submitted: auto-generated\r\n\r\n")
	// Quoted-printable keeps every line short, whatever the text: a
	// server may refuse lines over 998 bytes.
	qp := quotedprintable.NewWriter(&msg)
	qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")))
	qp.Close()
	// STARTTLS when the server offers it, no login: a chat names only a
	// host:port, often a relay beside it.
	c := smtp.Client{Config: smtp.Config{Addr: server, Security: "opportunistic"}, Timeout: mailTimeout}
	if err := c.Send(ctx, fromAddr.bare, []string{toAddr.bare}, []byte(msg.String())); err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	return nil
}

// address is an e-mail address as the envelope and the headers write it.
type address struct{ bare, header string }

// headerAddress reads one address, "a@b.example" or "Name <a@b.example>".
func headerAddress(s string) (address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return address{}, err
	}
	if strings.ContainsFunc(a.Address, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return address{}, fmt.Errorf("a control character in %q", a.Address)
	}
	out := address{bare: a.Address, header: a.Address}
	if a.Name != "" {
		out.header = a.String() // the name quoted or encoded
	}
	return out, nil
}

// refused reports whether the mail server refused for good (a 5xx, such
// as no such mailbox): sending again would only be refused again.
func refused(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}

func mimeHeader(s string) string { return mime.QEncoding.Encode("utf-8", s) }
