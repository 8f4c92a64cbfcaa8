// Package ingest takes inbound messages from every channel through named
// stages (normalise, classify, store, route, prioritise, cluster, notify):
// each message is stored durably, de-duplicated, threaded and linked to a
// contact before its sender is acknowledged.
package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	if !utf8.ValidString(m.Text) {
		m.Text = strings.ToValidUTF8(m.Text, "\uFFFD")
	}
	m.Text = strings.TrimSpace(strings.ReplaceAll(m.Text, "\x00", ""))
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
	m.Author.Handle = strings.TrimPrefix(strings.TrimSpace(m.Author.Handle), "@")
	if m.Author.Followers < 0 {
		m.Author.Followers = 0
	}
	if m.SentAt.IsZero() || m.SentAt.After(now.Add(5*time.Minute)) {
		m.SentAt = now // a missing or future timestamp would mis-order the inbox
	}
	if len(m.Subject) > 998 {
		m.Subject = m.Subject[:998]
	}
	return nil
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
