package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// Draft is an outgoing e-mail before it is written out.
type Draft struct {
	From      mail.Address
	ReplyTo   string // where the customer's answer should go (a plus-address)
	To        []string
	Subject   string
	Text      string
	MessageID string // without angle brackets
	InReplyTo string
	// References is the full chain, oldest first, ending with InReplyTo.
	References []string
	Date       time.Time
}

// ReplyMessageID is the Message-ID of the reply sent under an idempotency
// key: the same key always gives the same id, so a resend after a crash is
// recognised by the customer's mail client and by our own dedupe. The local
// part doubles as the plus-address token (support+TOKEN@domain).
func ReplyMessageID(mailbox, key string) (token, id string) {
	sum := sha256.Sum256([]byte("hark-email\x00" + strings.ToLower(mailbox) + "\x00" + key))
	token = "hark." + hex.EncodeToString(sum[:12])
	_, domain, _ := strings.Cut(strings.ToLower(mailbox), "@")
	return token, token + "@" + domain
}

// ReplyChain returns In-Reply-To and References for an answer to a parent
// (RFC 5322 §3.6.4): the parent's References plus its Message-ID.
func ReplyChain(parentID string, parentRefs []string, parentInReplyTo string) (string, []string) {
	refs := append([]string{}, parentRefs...)
	if len(refs) == 0 && parentInReplyTo != "" {
		refs = append(refs, parentInReplyTo)
	}
	if strings.Contains(parentID, "@") && !strings.HasPrefix(parentID, "sha256:") {
		refs = append(refs, parentID)
	} else {
		parentID = "" // a hash or another channel's id was never a Message-ID
	}
	if len(refs) > 20 { // keep the root and the nearest ancestors, as mail clients do
		refs = append(refs[:1], refs[len(refs)-19:]...)
	}
	return parentID, refs
}

// ReplySubject prefixes "Re: " unless the subject already has it.
func ReplySubject(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Re: your message"
	}
	if strings.HasPrefix(strings.ToLower(s), "re:") {
		return s
	}
	return "Re: " + s
}

// Compose writes a draft as a MIME message: multipart/alternative with the
// plain text first and a minimal HTML rendering of the same text.
func Compose(d Draft) ([]byte, error) {
	if len(d.To) == 0 {
		return nil, fmt.Errorf("reply has no recipient")
	}
	var h mail.Header
	if d.Date.IsZero() {
		d.Date = time.Now()
	}
	h.SetDate(d.Date)
	h.SetAddressList("From", []*mail.Address{&d.From})
	var to []*mail.Address
	for _, a := range d.To {
		to = append(to, &mail.Address{Address: a})
	}
	h.SetAddressList("To", to)
	if d.ReplyTo != "" {
		h.SetAddressList("Reply-To", []*mail.Address{{Name: d.From.Name, Address: d.ReplyTo}})
	}
	h.SetSubject(d.Subject)
	h.SetMessageID(d.MessageID)
	if d.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{d.InReplyTo})
	}
	if len(d.References) > 0 {
		h.SetMsgIDList("References", d.References)
	}
	h.Set("MIME-Version", "1.0")
	var buf bytes.Buffer
	w, err := mail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	text := strings.ReplaceAll(d.Text, "\r\n", "\n")
	if err := writePart(w, "text/plain", text); err != nil {
		return nil, err
	}
	if err := writePart(w, "text/html", textToHTML(text)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writePart(w *mail.InlineWriter, ct, body string) error {
	var ph mail.InlineHeader
	ph.SetContentType(ct, map[string]string{"charset": "utf-8"})
	ph.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := w.CreatePart(ph)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(pw, body); err != nil {
		return err
	}
	return pw.Close()
}

// textToHTML escapes the agent's text and keeps its line breaks.
func textToHTML(text string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body><div style=\"font-family:sans-serif\">")
	for i, l := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("<br>\n")
		}
		b.WriteString(html.EscapeString(l))
	}
	b.WriteString("</div></body></html>\n")
	return b.String()
}
