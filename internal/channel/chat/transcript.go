package chat

import (
	"context"
	"fmt"
	"mime"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// transcript e-mails the conversation so far to the visitor.
func (ss *session) transcript(ctx context.Context, to string) error {
	if ss.cfg.SMTP == "" || ss.cfg.MailFrom == "" {
		return fmt.Errorf("%w: this chat cannot send e-mail", hark.ErrInvalid)
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(firstNonEmpty(to, ss.author.Email)))
	if err != nil {
		return fmt.Errorf("%w: that e-mail address does not look right", hark.ErrInvalid)
	}
	if ss.convID == 0 {
		return fmt.Errorf("%w: there is nothing to send yet", hark.ErrInvalid)
	}
	if !ss.s.limiter.Allow("transcript:" + ss.visitor) {
		return fmt.Errorf("%w: too many requests", hark.ErrInvalid)
	}
	msgs, err := ss.history(ctx)
	if err != nil {
		return err
	}
	body := Transcript(ss.acct.Name, msgs)
	return sendMail(ss.cfg.SMTP, ss.cfg.MailFrom, addr.Address, "Your chat with "+ss.acct.Name, body)
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

// sendMail sends a plain-text message with the headers mail servers expect.
func sendMail(server, from, to, subject, body string) error {
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <chat-%d@hark>\r\n",
		from, to, mimeHeader(subject), time.Now().Format(time.RFC1123Z), db.NewID())
	msg.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n")
	msg.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	if err := smtp.SendMail(server, nil, from, []string{to}, []byte(msg.String())); err != nil {
		return fmt.Errorf("send transcript: %w", err)
	}
	return nil
}

func mimeHeader(s string) string { return mime.QEncoding.Encode("utf-8", s) }
