// Package ingest takes inbound messages from every channel through named
// stages (normalise, classify, store, notify; routing, priority and
// clustering are to plug in as stages too, and do not exist yet):
// each message is stored durably, de-duplicated, threaded and linked to a
// contact before its sender is acknowledged.
package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
)

// Limits on what one inbound message may carry.
const (
	MaxTextBytes  = 64 << 10
	MaxRawBytes   = 256 << 10
	MaxAttachment = 20
)

// Author is who wrote an inbound message, as the channel describes them.
type Author struct {
	ID        string `json:"id"`
	Handle    string `json:"handle,omitempty"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Followers int64  `json:"followers,omitempty"`
	Verified  bool   `json:"verified,omitempty"`
}

// Message is the canonical inbound message every connector produces and the
// ingest API accepts.
type Message struct {
	ProviderID  string                    `json:"provider_id"`
	Visibility  string                    `json:"visibility"` // public or private
	Author      Author                    `json:"author"`
	Text        string                    `json:"text"`
	Subject     string                    `json:"subject,omitempty"`
	Attachments []conversation.Attachment `json:"attachments,omitempty"`
	ReplyTo     string                    `json:"reply_to,omitempty"`   // provider id of the message it answers
	References  []string                  `json:"references,omitempty"` // further ancestors, nearest first
	SentAt      time.Time                 `json:"sent_at"`
	Raw         json.RawMessage           `json:"raw,omitempty"` // the provider's payload, verbatim
}

// Normalise checks a message and fills defaults. It is the first stage.
func (m *Message) Normalise(channel string, now time.Time) error {
	m.ProviderID = strings.TrimSpace(m.ProviderID)
	if m.ProviderID == "" {
		return fmt.Errorf("%w: provider_id is required (it is what makes a redelivery a duplicate)", hark.ErrInvalid)
	}
	if len(m.ProviderID) > 512 {
		return fmt.Errorf("%w: provider_id is longer than 512 bytes", hark.ErrInvalid)
	}
	switch m.Visibility {
	case "":
		m.Visibility = hark.DefaultVisibility(channel)
	case "public", "private":
	default:
		return fmt.Errorf("%w: visibility must be public or private", hark.ErrInvalid)
	}
	m.storable()
	m.Text = strings.TrimSpace(m.Text)
	if m.Text == "" && len(m.Attachments) == 0 {
		return fmt.Errorf("%w: message has no text and no attachments", hark.ErrInvalid)
	}
	if len(m.Text) > MaxTextBytes {
		return fmt.Errorf("%w: text is longer than %d bytes", hark.ErrInvalid, MaxTextBytes)
	}
	if len(m.Raw) > MaxRawBytes {
		return fmt.Errorf("%w: raw payload is longer than %d bytes", hark.ErrInvalid, MaxRawBytes)
	}
	if len(m.Attachments) > MaxAttachment {
		return fmt.Errorf("%w: more than %d attachments", hark.ErrInvalid, MaxAttachment)
	}
	for _, a := range m.Attachments {
		// A rooted path is a file this desk keeps (e-mail attachments when no
		// public URL is set); "//host" would leave the desk, so it is not one.
		local := strings.HasPrefix(a.URL, "/") && !strings.HasPrefix(a.URL, "//") && !strings.Contains(a.URL, "\\")
		if !local && !strings.HasPrefix(a.URL, "https://") && !strings.HasPrefix(a.URL, "http://") {
			return fmt.Errorf("%w: attachment url must be http(s) or a path on this desk", hark.ErrInvalid)
		}
	}
	if m.Author.ID == "" && m.Author.Handle == "" && m.Author.Email == "" && m.Author.Phone == "" {
		return fmt.Errorf("%w: author needs an id, handle, email or phone", hark.ErrInvalid)
	}
	if len(m.Author.ID) > 512 {
		return fmt.Errorf("%w: author id is longer than 512 bytes", hark.ErrInvalid)
	}
	if m.Author.ID == "" && contact.IdentityKind(channel) == "phone" {
		// A text that came with its number only: the number is who a
		// reply goes to, as the author id of every other text is.
		m.Author.ID = contact.NormalizePhone(m.Author.Phone)
	}
	m.Author.Handle = strings.TrimPrefix(strings.TrimSpace(m.Author.Handle), "@")
	if m.Author.Followers < 0 {
		m.Author.Followers = 0
	}
	if m.SentAt.IsZero() || m.SentAt.After(now.Add(5*time.Minute)) {
		m.SentAt = now // a missing or future timestamp would mis-order the inbox
	}
	return nil
}

// storable makes every text a message carries storable: PostgreSQL refuses
// a NUL byte or invalid UTF-8 anywhere, and would fail the whole request
// over one name. Ids are escaped rather than cleaned, so that two ids stay
// two; the rest loses the bad bytes and is cut, at a character, to a size
// an index takes.
func (m *Message) storable() {
	m.Text = clean(m.Text, math.MaxInt) // its own limit refuses it whole
	m.ProviderID, m.Author.ID, m.ReplyTo = storableID(m.ProviderID), storableID(m.Author.ID), storableID(m.ReplyTo)
	for i, r := range m.References {
		m.References[i] = storableID(r)
	}
	a := &m.Author
	a.Handle, a.Name, a.Email, a.Phone = clean(a.Handle, 512), clean(a.Name, 512), clean(a.Email, 320), clean(a.Phone, 64)
	m.Subject = clean(m.Subject, 998) // RFC 5322's line limit
	for i := range m.Attachments {
		at := &m.Attachments[i]
		at.URL, at.Type, at.Name = clean(at.URL, 4096), clean(at.Type, 255), clean(at.Name, 512)
	}
	if !utf8.Valid(m.Raw) {
		m.Raw = bytes.ToValidUTF8(m.Raw, []byte("\uFFFD"))
	}
}

// clean drops NUL bytes and invalid UTF-8 from s and cuts it to at most max
// bytes, at a character boundary.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return conversation.Clip(strings.ReplaceAll(s, "\x00", ""), max)
}

// storableID writes each byte of an id that is NUL or not UTF-8 as \xNN,
// and a backslash as \x5c, so the id stays distinct from any other (an id
// that needs none of this has no backslash) and a redelivery still matches.
func storableID(s string) string {
	if utf8.ValidString(s) && !strings.ContainsAny(s, "\x00\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 0 || r == '\\' || (r == utf8.RuneError && n == 1) {
			fmt.Fprintf(&b, `\x%02x`, s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// byParticipant reports whether a channel's private messages form one
// running thread per customer (DMs, chat, SMS) rather than threads by
// reference (e-mail, web forms).
func byParticipant(channel string) bool {
	switch channel {
	case "email", "form":
		return false
	}
	return true
}
