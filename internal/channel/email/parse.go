// Package email is the e-mail channel: messages read from a mailbox over
// IMAP (IDLE, with polling as the fallback) or pushed by Postmark, Mailgun
// and SendGrid, threaded by Message-ID, In-Reply-To and References, and
// replies sent over SMTP with proper threading headers.
package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode the legacy charsets customers still send
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/japanese"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
)

// Kind says whether a message came from a person or an automaton.
type Kind string

// Kinds of inbound mail. Only Customer mail becomes a conversation; the
// rest is recognised so that an out-of-office answering our reply does not
// answer back, and a bounce does not open a ticket from MAILER-DAEMON.
const (
	Customer  Kind = "customer"
	AutoReply Kind = "auto-reply"
	Bounce    Kind = "bounce"
	List      Kind = "list"
)

// Limits on what one inbound e-mail may bring in.
const (
	MaxMessageBytes    = 30 << 20
	MaxAttachmentBytes = 10 << 20
	MaxAttachmentTotal = 25 << 20
	maxKeptText        = 96 << 10
)

// File is an attachment's content, to be stored before the message is.
type File struct {
	Name string
	Type string
	Data []byte
}

// Parsed is one inbound e-mail read for the desk.
type Parsed struct {
	Msg    ingest.Message
	Kind   Kind
	Reason string // why Kind is not Customer
	Auth   AuthResults
	// Token is the plus-address (mailbox hash) the customer wrote to, which
	// names one of our replies when their mail client dropped the headers.
	Token string
	Files []File
	// Skipped lists attachments over the size limits.
	Skipped []string
	// Bounced is, for a bounce, the Message-ID of the mail that failed (one
	// of our replies), so the desk can mark it undelivered.
	Bounced string
	// Delayed marks a delivery report that only warns of a delay: the
	// server is still trying, so the reply has not failed.
	Delayed bool
}

// Raw is what the desk keeps of an e-mail beside its folded text: the
// headers that matter, the authentication verdicts and the unfolded text.
type Raw struct {
	MessageID  string      `json:"message_id"`
	From       string      `json:"from"`
	ReplyTo    string      `json:"reply_to,omitempty"`
	To         []string    `json:"to,omitempty"`
	Cc         []string    `json:"cc,omitempty"`
	Subject    string      `json:"subject,omitempty"`
	Date       string      `json:"date,omitempty"`
	InReplyTo  string      `json:"in_reply_to,omitempty"`
	References []string    `json:"references,omitempty"` // as in the header, oldest first
	Auth       AuthResults `json:"auth"`
	Kind       Kind        `json:"kind"`
	Reason     string      `json:"reason,omitempty"`
	FromHTML   bool        `json:"from_html,omitempty"`
	FullText   string      `json:"full_text,omitempty"`
	Skipped    []string    `json:"skipped_attachments,omitempty"`
	Source     string      `json:"source,omitempty"`   // imap, postmark, mailgun, sendgrid
	Original   string      `json:"original,omitempty"` // where the whole message is kept
}

// encodeRaw writes r as a message's raw payload, cutting the full text
// until it fits ingest.MaxRawBytes: ingest refuses a message whose raw is
// longer, and the folded text and headers matter more. HTML is not escaped,
// so pasted markup costs a byte a character, not six.
func encodeRaw(r Raw) json.RawMessage {
	for {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return nil
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		over := len(b) - ingest.MaxRawBytes
		if over <= 0 || r.FullText == "" {
			return b
		}
		// A byte of text takes at least a byte of JSON, so cutting as many
		// as are over fits unless the cut lands inside a character.
		r.FullText = conversation.Clip(r.FullText, max(len(r.FullText)-over, 0))
	}
}

// ParseOptions say how to read mail for one mailbox.
type ParseOptions struct {
	// Mailbox is the address customers write to (support@example.com); its
	// plus-addresses carry thread tokens.
	Mailbox string
	// TrustedAuthServ are the authserv-ids whose Authentication-Results are
	// believed; empty trusts the topmost header.
	TrustedAuthServ []string
	Source          string
}

// ParseMessage reads one RFC 5322 message.
func ParseMessage(raw []byte, o ParseOptions) (*Parsed, error) {
	if len(raw) > MaxMessageBytes {
		return nil, fmt.Errorf("message is %d bytes, over the %d limit", len(raw), MaxMessageBytes)
	}
	ent, readErr := message.Read(bytes.NewReader(raw))
	if readErr != nil && !readable(readErr) {
		return nil, fmt.Errorf("read message: %w", readErr)
	}
	h := mail.Header{Header: ent.Header}
	p := &Parsed{Kind: Customer}
	r := Raw{Source: o.Source}

	r.MessageID, _ = h.MessageID()
	if r.MessageID == "" {
		sum := sha256.Sum256(raw)
		r.MessageID = "sha256:" + hex.EncodeToString(sum[:])
	}
	from, _ := h.AddressList("From")
	if len(from) == 0 {
		if a, err := mail.ParseAddress(h.Get("Sender")); err == nil {
			from = []*mail.Address{a}
		}
	}
	if len(from) == 0 {
		return nil, errors.New("message has no From address")
	}
	r.From = strings.ToLower(from[0].Address)
	if rt, _ := h.AddressList("Reply-To"); len(rt) > 0 {
		r.ReplyTo = strings.ToLower(rt[0].Address)
	}
	r.To = addressStrings(h, "To")
	r.Cc = addressStrings(h, "Cc")
	r.Subject, _ = h.Subject()
	date, err := h.Date()
	if err == nil {
		r.Date = date.UTC().Format(time.RFC3339)
	}
	irt, _ := h.MsgIDList("In-Reply-To")
	if len(irt) > 0 {
		r.InReplyTo = irt[0]
	}
	r.References, _ = h.MsgIDList("References")
	r.Auth = ParseAuthResults(h.Values("Authentication-Results"), o.TrustedAuthServ)
	if r.Auth.SPF == "" {
		// Received-SPF (RFC 7208 §9.1) when no Authentication-Results names SPF.
		if f := strings.Fields(h.Get("Received-SPF")); len(f) > 0 {
			r.Auth.SPF = strings.ToLower(f[0])
		}
	}

	var plain, html string
	report := false
	total := 0
	multiparts := map[string]string{} // content type by path, for a part's parent
	walkErr := ent.Walk(func(path []int, e *message.Entity, err error) error {
		if len(path) == 0 {
			err = readErr // Walk does not pass on the top entity's error
		}
		if err != nil && (e == nil || !readable(err)) {
			return nil // one unreadable part must not lose the message
		}
		ct, params, _ := e.Header.ContentType()
		if message.IsUnknownCharset(err) {
			e.Body = undecoded(params["charset"], e.Body)
		}
		if strings.HasPrefix(ct, "multipart/") {
			multiparts[fmt.Sprint(path)] = ct
			if ct == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status") {
				report = true
			}
			return nil
		}
		disp, dparams, _ := e.Header.ContentDisposition()
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		isText := ct == "text/plain" || ct == "text/html" || ct == ""
		if disp != "attachment" && isText && name == "" {
			b, _ := io.ReadAll(io.LimitReader(e.Body, MaxHTMLBytes))
			switch {
			case ct == "text/html" && html == "":
				html = string(b)
			case ct != "text/html" && plain == "":
				plain = string(b)
			case ct != "text/html" && len(path) > 0 && multiparts[fmt.Sprint(path[:len(path)-1])] != "multipart/alternative" && len(plain) < MaxHTMLBytes:
				// More text after an inline image (Apple Mail), not
				// another version of the same text.
				plain = strings.TrimRight(plain, "\r\n") + "\n\n" + string(b)
			}
			return nil
		}
		b, _ := io.ReadAll(io.LimitReader(e.Body, MaxAttachmentBytes+1))
		if ct == "message/delivery-status" {
			report = true
			p.Delayed = onlyDelayed(b)
		}
		if ct == "message/rfc822" || ct == "text/rfc822-headers" || ct == "message/rfc822-headers" {
			// In a bounce, the returned message names the reply that failed.
			if inner, err := message.Read(bytes.NewReader(b)); inner != nil && (err == nil || message.IsUnknownCharset(err)) {
				ih := mail.Header{Header: inner.Header}
				if id, _ := ih.MessageID(); id != "" && p.Bounced == "" {
					p.Bounced = id
				}
			}
			// Outside a delivery report, a whole message is one the
			// customer forwarded as an attachment: the agent needs it.
			if ct != "message/rfc822" || report {
				return nil
			}
			if name == "" {
				name = "forwarded.eml"
			}
		}
		if name == "" {
			name = "attachment" + extensionFor(ct)
		}
		addFile(p, &total, File{Name: name, Type: ct, Data: b})
		return nil
	})
	if walkErr != nil {
		return nil, fmt.Errorf("read message parts: %w", walkErr)
	}
	full := plain
	if strings.TrimSpace(full) == "" && html != "" {
		full, r.FromHTML = HTMLToText(html), true
	}
	full = strings.TrimSpace(strings.ReplaceAll(full, "\r\n", "\n"))
	text := FoldQuotes(full)
	if text == "" {
		text = full // a bare forward is all quote: keep it rather than nothing
	}
	if text == "" && len(p.Files) == 0 {
		text = "(no text)"
	}
	if full != text {
		r.FullText = conversation.Clip(full, maxKeptText)
	}
	r.Skipped = p.Skipped
	p.Kind, p.Reason = classify(h, r.From, report)
	if p.Kind != Bounce {
		p.Bounced = ""
	}
	r.Kind, r.Reason = p.Kind, p.Reason
	p.Auth = r.Auth
	p.Token = plusToken(o.Mailbox, append(append(append([]string{}, r.To...), r.Cc...), h.Values("Delivered-To")...))

	m := &p.Msg
	m.ProviderID = r.MessageID
	m.Visibility = "private"
	m.Author = ingest.Author{ID: r.From, Email: r.From, Name: from[0].Name}
	m.Text = conversation.Clip(text, ingest.MaxTextBytes)
	m.Subject = r.Subject
	if !date.IsZero() {
		m.SentAt = date
	}
	m.ReplyTo = r.InReplyTo
	m.References = threadRefs(r.InReplyTo, r.References, p.Token, o.Mailbox)
	m.Raw = encodeRaw(r)
	return p, nil
}

// readable reports whether an entity go-message could not decode still has
// a body worth reading: an unknown charset or transfer encoding leaves the
// bytes as they came, and ingest repairs what is not UTF-8.
func readable(err error) bool {
	return message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)
}

// undecoded reads a text body in a charset go-message does not know, by the
// names mail clients use for ones it does.
func undecoded(charset string, body io.Reader) io.Reader {
	switch strings.ToLower(charset) {
	case "cp932": // Microsoft's Shift_JIS, known to go-message as windows-31j
		return japanese.ShiftJIS.NewDecoder().Reader(body)
	}
	return body
}

// threadRefs lists the ids a message may thread on, nearest first: the
// References header backwards (In-Reply-To is passed separately), then the
// reply of ours its plus-address names.
func threadRefs(inReplyTo string, refs []string, token, mailbox string) []string {
	var out []string
	for i := len(refs) - 1; i >= 0; i-- {
		if refs[i] != inReplyTo && refs[i] != "" {
			out = append(out, refs[i])
		}
	}
	if token != "" {
		if _, domain, ok := strings.Cut(mailbox, "@"); ok {
			out = append(out, token+"@"+strings.ToLower(domain))
		}
	}
	return out
}

// tokenRE keeps plus-address tokens to what our own replies use.
var tokenRE = regexp.MustCompile(`^hark\.[0-9a-f]{8,40}$`)

// plusToken finds mailbox+TOKEN@domain among the recipients.
func plusToken(mailbox string, rcpts []string) string {
	local, domain, ok := strings.Cut(strings.ToLower(mailbox), "@")
	if !ok {
		return ""
	}
	for _, a := range rcpts {
		a = strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>"))
		l, d, ok := strings.Cut(a, "@")
		if !ok || d != domain {
			continue
		}
		if base, tok, ok := strings.Cut(l, "+"); ok && base == local && tokenRE.MatchString(tok) {
			return tok
		}
	}
	return ""
}

// classify recognises mail that no person wrote (RFC 3834, RFC 2369, RFC
// 3464 and the de facto headers of common autoresponders).
// onlyDelayed reports whether a delivery-status report (RFC 3464) names
// actions and none of them failed: a warning that delivery is late.
func onlyDelayed(report []byte) bool {
	actions, failed := 0, false
	for line := range strings.Lines(string(report)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Action") {
			continue
		}
		actions++
		failed = failed || strings.EqualFold(strings.TrimSpace(v), "failed")
	}
	return actions > 0 && !failed
}

func classify(h mail.Header, from string, report bool) (Kind, string) {
	local, _, _ := strings.Cut(from, "@")
	switch {
	case report:
		return Bounce, "multipart/report delivery-status"
	case local == "mailer-daemon" || local == "postmaster":
		return Bounce, "sent by " + local
	case h.Get("X-Failed-Recipients") != "":
		return Bounce, "X-Failed-Recipients"
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return AutoReply, "Auto-Submitted: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if h.Get(k) != "" {
			return AutoReply, k
		}
	}
	if strings.EqualFold(h.Get("X-Auto-Response-Suppress"), "All") && strings.Contains(strings.ToLower(h.Get("X-MS-Exchange-Generated-Message-Source")), "auto") {
		return AutoReply, "Exchange automatic reply"
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk":
		return AutoReply, "Precedence: " + strings.ToLower(h.Get("Precedence"))
	case "list":
		return List, "Precedence: list"
	}
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" || h.Get("List-Post") != "" {
		return List, "mailing-list headers"
	}
	if local == "noreply" || local == "no-reply" || local == "donotreply" || local == "do-not-reply" {
		return AutoReply, "sent from " + local
	}
	return Customer, ""
}

func addressStrings(h mail.Header, key string) []string {
	l, _ := h.AddressList(key)
	var out []string
	for _, a := range l {
		out = append(out, strings.ToLower(a.Address))
	}
	return out
}

func extensionFor(ct string) string {
	if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// NormaliseSubject drops reply and forward prefixes and collapses space, so
// "RE: Fwd: Order  42" and "Order 42" compare equal.
func NormaliseSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for {
		t := subjectPrefixRE.ReplaceAllString(s, "")
		if t == s {
			return strings.ToLower(s)
		}
		s = t
	}
}

// IsReplySubject reports whether a subject says it answers something.
func IsReplySubject(s string) bool { return subjectPrefixRE.MatchString(strings.TrimSpace(s)) }

var subjectPrefixRE = regexp.MustCompile(`(?i)^((re|fw|fwd|aw|wg|sv|vs|antw|rif|r|tr|res|enc)(\[\d+\])?\s?:\s*|\[[^\]]{1,40}\]\s*)`)
