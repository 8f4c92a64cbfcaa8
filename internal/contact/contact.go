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

// NormalizePhone keeps a leading + and the digits.
func NormalizePhone(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Resolved is the contact an inbound author resolved to.
type Resolved struct {
	ContactID int64
	Name      string
	Handle    string
	Created   bool
}

// Resolver links authors to contacts inside one ingest transaction.
type Resolver struct {
	tx                                          *sql.Tx
	identity, byEmail, byPhone, create, createI *sql.Stmt
	updI, updReach                              *sql.Stmt
}

// NewResolver prepares the resolver's statements on tx.
func NewResolver(ctx context.Context, tx *sql.Tx, d db.Dialect) (*Resolver, error) {
	r := &Resolver{tx: tx}
	for _, p := range []struct {
		s    **sql.Stmt
		name string
	}{{&r.identity, "IdentityContact"}, {&r.byEmail, "ContactByEmail"}, {&r.byPhone, "ContactByPhone"},
		{&r.create, "CreateContact"}, {&r.createI, "CreateIdentity"}, {&r.updI, "UpdateIdentityProfile"}, {&r.updReach, "UpdateContactReach"}} {
		st, err := tx.PrepareContext(ctx, queries.Get(d, p.name))
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("prepare %s: %w", p.name, err)
		}
		*p.s = st
	}
	return r, nil
}

// Close releases the prepared statements.
func (r *Resolver) Close() {
	for _, s := range []*sql.Stmt{r.identity, r.byEmail, r.byPhone, r.create, r.createI, r.updI, r.updReach} {
		if s != nil {
			s.Close()
		}
	}
}

// Resolve finds or creates the contact behind an author on a channel. A new
// e-mail address or phone number joins the contact that already has it.
func (r *Resolver) Resolve(ctx context.Context, workspaceID int64, channel string, p Profile) (Resolved, error) {
	kind := IdentityKind(channel)
	ext := p.ExternalID
	switch kind {
	case "email":
		p.Email = NormalizeEmail(firstNonEmpty(p.Email, ext))
		ext = p.Email
	case "phone":
		p.Phone = NormalizePhone(firstNonEmpty(p.Phone, ext))
		ext = p.Phone
	}
	if ext == "" {
		ext = strings.ToLower(p.Handle)
	}
	if ext == "" {
		return Resolved{}, fmt.Errorf("%w: message author has no id, handle, e-mail or phone", hark.ErrInvalid)
	}
	name := firstNonEmpty(p.Name, p.Handle, ext)
	var res Resolved
	var handle, display string
	var followers int64
	var verified bool
	err := r.identity.QueryRowContext(ctx, workspaceID, kind, ext).Scan(&res.ContactID, &handle, &display, &followers, &verified)
	switch {
	case err == nil:
		res.Name, res.Handle = firstNonEmpty(p.Name, display, name), firstNonEmpty(p.Handle, handle)
		if (p.Handle != "" && p.Handle != handle) || (p.Name != "" && p.Name != display) {
			if _, err := r.updI.ExecContext(ctx, res.Handle, res.Name, workspaceID, kind, ext); err != nil {
				return res, fmt.Errorf("update identity: %w", err)
			}
		}
		if (p.Followers > 0 && p.Followers != followers) || (p.Verified && !verified) {
			if _, err := r.updReach.ExecContext(ctx, p.Followers, p.Verified || verified, db.Now(), res.ContactID); err != nil {
				return res, fmt.Errorf("update contact reach: %w", err)
			}
		}
		return res, nil
	case !errors.Is(err, sql.ErrNoRows):
		return res, fmt.Errorf("look up identity: %w", err)
	}
	now := db.Now()
	res = Resolved{Name: name, Handle: p.Handle}
	// An address or number we already know joins that customer.
	if p.Email != "" {
		r.byEmail.QueryRowContext(ctx, workspaceID, p.Email).Scan(&res.ContactID)
	}
	if res.ContactID == 0 && p.Phone != "" {
		r.byPhone.QueryRowContext(ctx, workspaceID, p.Phone).Scan(&res.ContactID)
	}
	if res.ContactID == 0 {
		res.ContactID, res.Created = db.NewID(), true
		if _, err := r.create.ExecContext(ctx, res.ContactID, workspaceID, name, p.Email, p.Phone, p.Followers, p.Verified, now, now); err != nil {
			return res, fmt.Errorf("create contact: %w", err)
		}
	}
	if _, err := r.createI.ExecContext(ctx, db.NewID(), workspaceID, res.ContactID, kind, ext, p.Handle, name, now); err != nil {
		return res, fmt.Errorf("create identity: %w", err)
	}
	return res, nil
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
