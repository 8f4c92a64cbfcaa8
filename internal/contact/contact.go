// Package contact recognises customers: one contact per person, with one
// identity per way a channel knows them (a handle, a page-scoped id, an
// e-mail address, a phone number).
package contact

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

//go:embed sql
var sqlFS embed.FS

var queries = db.MustLoadQueries(sqlFS, "sql")

// Contact is a customer.
type Contact struct {
	ID          int64      `json:"id"`
	WorkspaceID int64      `json:"workspace_id"`
	Name        string     `json:"name"`
	Email       string     `json:"email,omitempty"`
	Phone       string     `json:"phone,omitempty"`
	Followers   int64      `json:"followers"`
	Verified    bool       `json:"verified"`
	CreatedAt   int64      `json:"created_at"`
	UpdatedAt   int64      `json:"updated_at"`
	Identities  []Identity `json:"identities,omitempty"`
}

// Identity is how one channel knows a contact.
type Identity struct {
	ID          int64  `json:"id"`
	ContactID   int64  `json:"contact_id"`
	Kind        string `json:"kind"`
	ExternalID  string `json:"external_id"`
	Handle      string `json:"handle,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	CreatedAt   int64  `json:"created_at"`
}

// Profile is what an inbound message says about its author.
type Profile struct {
	ExternalID string
	Handle     string
	Name       string
	Email      string
	Phone      string
	Followers  int64
	Verified   bool
}

// IdentityKind maps a channel to the namespace its author ids live in:
// SMS, voice and WhatsApp all know a customer by phone number, so one
// number is one identity across the three.
func IdentityKind(channel string) string {
	switch channel {
	case "sms", "phone", "whatsapp":
		return "phone"
	case "email", "form":
		return "email"
	}
	return channel
}

// NormalizeEmail lower-cases an address for matching.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Withheld begins the phone identity of a caller who withheld their number
// (the provider's call id follows): each such call is its own customer, with
// no number to call or text back. NormalizePhone would find digits in it.
const Withheld = "withheld:"

// IsWithheld reports whether a phone identity is a withheld number's.
func IsWithheld(externalID string) bool { return strings.HasPrefix(externalID, Withheld) }

// NormalizePhone keeps the digits and a + before them ("whatsapp:+1415…"
// is +1415…). A number with no digits, such as the "+" a form prefills,
// is no number: "".
func NormalizePhone(s string) string {
	var b strings.Builder
	digits := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits = true
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		}
	}
	if !digits {
		return ""
	}
	return b.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Store reads contacts.
type Store struct{ db *db.DB }

// New returns a Store over d.
func New(d *db.DB) *Store { return &Store{db: d} }

// Get returns a contact with its identities.
func (s *Store) Get(ctx context.Context, id int64) (Contact, error) {
	var c Contact
	err := s.db.R.QueryRowContext(ctx, queries.Get(s.db.Dialect, "ContactByID"), id).
		Scan(&c.ID, &c.WorkspaceID, &c.Name, &c.Email, &c.Phone, &c.Followers, &c.Verified, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("contact %d: %w", id, hark.ErrNotFound)
	}
	if err != nil {
		return c, err
	}
	rows, err := s.db.R.QueryContext(ctx, queries.Get(s.db.Dialect, "IdentitiesOf"), id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var i Identity
		if err := rows.Scan(&i.ID, &i.ContactID, &i.Kind, &i.ExternalID, &i.Handle, &i.DisplayName, &i.CreatedAt); err != nil {
			return c, err
		}
		c.Identities = append(c.Identities, i)
	}
	return c, rows.Err()
}
