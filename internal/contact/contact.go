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

// resolverQueries are the statements a Resolver runs, in ResolverStatements order.
var resolverQueries = [...]string{"IdentityContact", "ContactByEmail", "ContactByPhone", "CreateContact", "CreateIdentity", "UpdateIdentityProfile", "UpdateContactReach"}

const (
	qIdentity = iota
	qByEmail
	qByPhone
	qCreate
	qCreateIdentity
	qUpdateIdentity
	qUpdateReach
)

// ResolverStatements are the resolver's statements prepared once on the
// store and shared by every ingest batch.
type ResolverStatements struct {
	stmts [len(resolverQueries)]*sql.Stmt
}

// PrepareResolver prepares the resolver's statements on d's write pool.
func PrepareResolver(ctx context.Context, d *db.DB) (*ResolverStatements, error) {
	s := &ResolverStatements{}
	for i, name := range resolverQueries {
		st, err := d.W.PrepareContext(ctx, queries.Get(d.Dialect, name))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		s.stmts[i] = st
	}
	return s, nil
}

// Close releases the statements.
func (s *ResolverStatements) Close() {
	for _, st := range s.stmts {
		if st != nil {
			st.Close()
		}
	}
}

// Resolver returns a Resolver for one batch on tx.
func (s *ResolverStatements) Resolver(ctx context.Context, tx *sql.Tx) *Resolver {
	r := newResolver()
	for i, st := range s.stmts {
		r.stmts[i] = tx.StmtContext(ctx, st)
	}
	return r
}

// Resolver links authors to contacts inside one ingest transaction. It
// remembers the identities it has seen, so an author who writes several
// messages in one batch is looked up once.
type Resolver struct {
	stmts [len(resolverQueries)]*sql.Stmt
	seen  map[identityKey]*seenIdentity
	reach map[int64]*contactReach
}

type identityKey struct {
	workspace      int64
	kind, external string
}

// seenIdentity is an identity as this transaction has left it.
type seenIdentity struct {
	contactID       int64
	handle, display string
}

// contactReach is a contact's audience as this transaction has left it.
type contactReach struct {
	followers int64
	verified  bool
}

func newResolver() *Resolver {
	return &Resolver{seen: map[identityKey]*seenIdentity{}, reach: map[int64]*contactReach{}}
}

// NewResolver prepares the resolver's statements on tx.
func NewResolver(ctx context.Context, tx *sql.Tx, d db.Dialect) (*Resolver, error) {
	r := newResolver()
	for i, name := range resolverQueries {
		st, err := tx.PrepareContext(ctx, queries.Get(d, name))
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		r.stmts[i] = st
	}
	return r, nil
}

// Close releases the statements bound to the transaction.
func (r *Resolver) Close() {
	for _, s := range r.stmts {
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
	key := identityKey{workspaceID, kind, ext}
	var res Resolved
	s, ok := r.seen[key]
	if !ok {
		s = &seenIdentity{}
		var c contactReach
		err := r.stmts[qIdentity].QueryRowContext(ctx, workspaceID, kind, ext).Scan(&s.contactID, &s.handle, &s.display, &c.followers, &c.verified)
		switch {
		case err == nil:
			r.seen[key] = s
			if _, known := r.reach[s.contactID]; !known {
				r.reach[s.contactID] = &c
			}
			ok = true
		case !errors.Is(err, sql.ErrNoRows):
			return res, fmt.Errorf("look up identity: %w", err)
		}
	}
	if ok {
		res.ContactID = s.contactID
		res.Name, res.Handle = firstNonEmpty(p.Name, s.display, name), firstNonEmpty(p.Handle, s.handle)
		if (p.Handle != "" && p.Handle != s.handle) || (p.Name != "" && p.Name != s.display) {
			if _, err := r.stmts[qUpdateIdentity].ExecContext(ctx, res.Handle, res.Name, workspaceID, kind, ext); err != nil {
				return res, fmt.Errorf("update identity: %w", err)
			}
			s.handle, s.display = res.Handle, res.Name
		}
		if c := r.reach[s.contactID]; (p.Followers > 0 && p.Followers != c.followers) || (p.Verified && !c.verified) {
			if _, err := r.stmts[qUpdateReach].ExecContext(ctx, p.Followers, p.Verified || c.verified, db.Now(), res.ContactID); err != nil {
				return res, fmt.Errorf("update contact reach: %w", err)
			}
			c.followers, c.verified = p.Followers, p.Verified || c.verified
		}
		return res, nil
	}
	now := db.Now()
	res = Resolved{Name: name, Handle: p.Handle}
	// An address or number we already know joins that customer.
	if p.Email != "" {
		r.stmts[qByEmail].QueryRowContext(ctx, workspaceID, p.Email).Scan(&res.ContactID)
	}
	if res.ContactID == 0 && p.Phone != "" {
		r.stmts[qByPhone].QueryRowContext(ctx, workspaceID, p.Phone).Scan(&res.ContactID)
	}
	if res.ContactID == 0 {
		res.ContactID, res.Created = db.NewID(), true
		if _, err := r.stmts[qCreate].ExecContext(ctx, res.ContactID, workspaceID, name, p.Email, p.Phone, p.Followers, p.Verified, now, now); err != nil {
			return res, fmt.Errorf("create contact: %w", err)
		}
	}
	if _, err := r.stmts[qCreateIdentity].ExecContext(ctx, db.NewID(), workspaceID, res.ContactID, kind, ext, p.Handle, name, now); err != nil {
		return res, fmt.Errorf("create identity: %w", err)
	}
	if res.Created {
		// A joined contact's reach is the store's to tell, so only a new one is remembered.
		r.seen[key] = &seenIdentity{contactID: res.ContactID, handle: p.Handle, display: name}
		r.reach[res.ContactID] = &contactReach{followers: p.Followers, verified: p.Verified}
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
