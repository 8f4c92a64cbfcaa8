package contact

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// Resolved is the contact an inbound author resolved to.
type Resolved struct {
	ContactID int64
	Name      string
	Handle    string
	// New: the contact was made in this transaction, by this message or an
	// earlier one, so no stored conversation is theirs yet.
	New bool
}

// resolverQueries are the statements a Resolver runs, in ResolverStatements order.
var resolverQueries = [...]string{"IdentityContact", "IdentitiesContacts", "ContactByEmail", "ContactByPhone", "UpdateIdentityProfile", "UpdateContactReach"}

const (
	qIdentity = iota
	qIdentities
	qByEmail
	qByPhone
	qUpdateIdentity
	qUpdateReach
)

// ResolverStatements are the resolver's statements prepared once on the
// store and shared by every ingest batch.
type ResolverStatements struct {
	stmts                [len(resolverQueries)]*sql.Stmt
	contacts, identities db.Inserts // CreateContacts, CreateIdentities
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
	var err error
	if s.contacts, err = db.PrepareInserts(ctx, d, queries.Get(d.Dialect, "CreateContacts")); err == nil {
		s.identities, err = db.PrepareInserts(ctx, d, queries.Get(d.Dialect, "CreateIdentities"))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("prepare the contact inserts: %w", err)
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
	s.contacts.Close()
	s.identities.Close()
}

// Resolver returns a Resolver for one batch on tx.
func (s *ResolverStatements) Resolver(ctx context.Context, tx *sql.Tx) *Resolver {
	r := &Resolver{seen: map[identityKey]*seenIdentity{}, reach: map[int64]*contactReach{},
		made: map[int64]*newContact{}, madeBy: map[madeKey]int64{}, asked: map[identityKey]bool{},
		tx: tx, shared: s}
	for i, st := range s.stmts {
		r.stmts[i] = tx.StmtContext(ctx, st)
	}
	return r
}

// Resolver links authors to contacts inside one ingest transaction. It
// remembers the identities it has seen, so an author who writes several
// messages in one batch is looked up once, and holds the contacts and
// identities it makes until Flush writes them together.
type Resolver struct {
	stmts  [len(resolverQueries)]*sql.Stmt
	tx     *sql.Tx
	shared *ResolverStatements // for the inserts, which Flush binds to tx
	seen   map[identityKey]*seenIdentity
	reach  map[int64]*contactReach
	made   map[int64]*newContact // contacts made in this transaction
	madeBy map[madeKey]int64     // the same, by e-mail address and phone number
	// asked are the identities Lookup asked the store for: those it did
	// not find (not seen) Resolve makes without asking again.
	asked      map[identityKey]bool
	contacts   []*newContact  // for Flush to write
	identities []*newIdentity // for Flush to write
}

// madeKey is an address or number a contact made in the transaction has.
type madeKey struct {
	workspace   int64
	kind, value string
}

// newContact is a contact made in this transaction.
type newContact struct {
	id, workspaceID    int64
	name, email, phone string
	reach              contactReach
	at                 int64
	unwritten          bool // not yet flushed: changes go to this row
}

// newIdentity is an identity made in this transaction, as it has left it.
type newIdentity struct {
	id  int64
	key identityKey
	seenIdentity
	at int64
}

type identityKey struct {
	workspace      int64
	kind, external string
}

// seenIdentity is an identity as this transaction has left it.
type seenIdentity struct {
	contactID       int64
	handle, display string
	unwritten       bool // made in this transaction, not yet flushed
}

// contactReach is a contact's audience as this transaction has left it.
type contactReach struct {
	followers int64
	verified  bool
}

// Close releases the statements bound to the transaction.
func (r *Resolver) Close() {
	for _, s := range r.stmts {
		if s != nil {
			s.Close()
		}
	}
}

// identityOf is the identity an author has on a channel, with the
// profile's address or number normalised as the identity holds it.
func identityOf(workspaceID int64, channel string, p Profile) (identityKey, Profile, error) {
	kind := IdentityKind(channel)
	ext := p.ExternalID
	// Every channel's address and number are normalised, not only the
	// e-mail and phone channels' own: a chat visitor who gives
	// "+44 7700 900123" is the customer who texts from +447700900123.
	p.Email, p.Phone = NormalizeEmail(p.Email), NormalizePhone(p.Phone)
	switch kind {
	case "email":
		p.Email = firstNonEmpty(p.Email, NormalizeEmail(ext))
		ext = p.Email
	case "phone":
		if IsWithheld(ext) {
			break // no number: the call's digits are not one
		}
		p.Phone = firstNonEmpty(p.Phone, NormalizePhone(ext))
		ext = p.Phone
	}
	if ext == "" {
		ext = strings.ToLower(p.Handle)
	}
	if ext == "" {
		return identityKey{}, p, fmt.Errorf("%w: message author has no id, handle, e-mail or phone", hark.ErrInvalid)
	}
	return identityKey{workspaceID, kind, ext}, p, nil
}

// Author is a message's author as Lookup takes it.
type Author struct {
	WorkspaceID int64
	Channel     string
	Profile     Profile
}

// Lookup loads the identities of a batch's authors with one query per
// workspace and kind, so that Resolve asks the store about none of them
// again. An author Resolve would refuse is left for Resolve to refuse.
func (r *Resolver) Lookup(ctx context.Context, authors []Author) error {
	type group struct {
		workspace int64
		kind      string
	}
	ask := map[group][]string{}
	for _, a := range authors {
		k, _, err := identityOf(a.WorkspaceID, a.Channel, a.Profile)
		// An id that is not valid UTF-8 would not survive the JSON array
		// (it becomes U+FFFD), so Resolve asks for it alone.
		if err != nil || r.asked[k] || !utf8.ValidString(k.external) {
			continue
		}
		if _, ok := r.seen[k]; ok {
			continue
		}
		r.asked[k] = true
		g := group{k.workspace, k.kind}
		ask[g] = append(ask[g], k.external)
	}
	for g, ids := range ask {
		list, _ := json.Marshal(ids)
		if err := r.lookup(ctx, g.workspace, g.kind, string(list)); err != nil {
			return err
		}
	}
	return nil
}

func (r *Resolver) lookup(ctx context.Context, workspaceID int64, kind, list string) error {
	rows, err := r.stmts[qIdentities].QueryContext(ctx, workspaceID, kind, list)
	if err != nil {
		return fmt.Errorf("look up identities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ext string
		s, c := &seenIdentity{}, &contactReach{}
		if err := rows.Scan(&ext, &s.contactID, &s.handle, &s.display, &c.followers, &c.verified); err != nil {
			return fmt.Errorf("look up identities: %w", err)
		}
		r.seen[identityKey{workspaceID, kind, ext}] = s
		if _, known := r.reach[s.contactID]; !known {
			r.reach[s.contactID] = c
		}
	}
	return rows.Err()
}

// Known is the stored contact behind an author whose identity Lookup
// found: the contact Resolve will give them.
func (r *Resolver) Known(workspaceID int64, channel string, p Profile) (int64, bool) {
	key, _, err := identityOf(workspaceID, channel, p)
	if err != nil {
		return 0, false
	}
	s, ok := r.seen[key]
	if !ok || s.unwritten || r.made[s.contactID] != nil {
		return 0, false
	}
	return s.contactID, true
}

// lookupOne asks the store for one identity, unless this transaction has
// it or asked already (Lookup asks for a batch's authors at once).
func (r *Resolver) lookupOne(ctx context.Context, key identityKey) error {
	if _, ok := r.seen[key]; ok || r.asked[key] {
		return nil
	}
	r.asked[key] = true
	s, c := &seenIdentity{}, &contactReach{}
	err := r.stmts[qIdentity].QueryRowContext(ctx, key.workspace, key.kind, key.external).Scan(&s.contactID, &s.handle, &s.display, &c.followers, &c.verified)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("look up identity: %w", err)
	}
	r.seen[key] = s
	if _, known := r.reach[s.contactID]; !known {
		r.reach[s.contactID] = c
	}
	return nil
}

// Resolve finds or creates the contact behind an author on a channel. A new
// e-mail address or phone number joins the contact that already has it.
func (r *Resolver) Resolve(ctx context.Context, workspaceID int64, channel string, p Profile) (Resolved, error) {
	key, p, err := identityOf(workspaceID, channel, p)
	if err != nil {
		return Resolved{}, err
	}
	kind, ext := key.kind, key.external
	name := firstNonEmpty(p.Name, p.Handle, ext)
	var res Resolved
	if err := r.lookupOne(ctx, key); err != nil {
		return res, err
	}
	if s, ok := r.seen[key]; ok {
		// What this transaction made is still in memory: changes to it
		// are written with it.
		made := r.made[s.contactID]
		held := made != nil && made.unwritten
		res.ContactID, res.New = s.contactID, made != nil
		res.Name, res.Handle = firstNonEmpty(p.Name, s.display, name), firstNonEmpty(p.Handle, s.handle)
		if (p.Handle != "" && p.Handle != s.handle) || (p.Name != "" && p.Name != s.display) {
			if !s.unwritten {
				if _, err := r.stmts[qUpdateIdentity].ExecContext(ctx, res.Handle, res.Name, workspaceID, kind, ext); err != nil {
					return res, fmt.Errorf("update identity: %w", err)
				}
			}
			s.handle, s.display = res.Handle, res.Name
		}
		if c := r.reach[s.contactID]; (p.Followers > 0 && p.Followers != c.followers) || (p.Verified && !c.verified) {
			followers := c.followers // a profile that gives no count keeps the known one
			if p.Followers > 0 {
				followers = p.Followers
			}
			if !held {
				if _, err := r.stmts[qUpdateReach].ExecContext(ctx, followers, p.Verified || c.verified, db.Now(), res.ContactID); err != nil {
					return res, fmt.Errorf("update contact reach: %w", err)
				}
			}
			c.followers, c.verified = followers, p.Verified || c.verified
		}
		return res, nil
	}
	now := db.Now()
	res = Resolved{Name: name, Handle: p.Handle}
	// An address or number we already know joins that customer.
	if err := r.join(ctx, &res, workspaceID, p); err != nil {
		return res, err
	}
	if res.ContactID == 0 {
		res.ContactID = db.NewID()
		c := &newContact{id: res.ContactID, workspaceID: workspaceID, name: name, email: p.Email, phone: p.Phone,
			reach: contactReach{followers: p.Followers, verified: p.Verified}, at: now, unwritten: true}
		r.contacts = append(r.contacts, c)
		r.made[c.id] = c
		r.reach[c.id] = &c.reach
		if p.Email != "" {
			r.madeBy[madeKey{workspaceID, "email", p.Email}] = c.id
		}
		if p.Phone != "" {
			r.madeBy[madeKey{workspaceID, "phone", p.Phone}] = c.id
		}
	}
	res.New = r.made[res.ContactID] != nil
	id := &newIdentity{id: db.NewID(), key: key, at: now,
		seenIdentity: seenIdentity{contactID: res.ContactID, handle: p.Handle, display: name, unwritten: true}}
	r.identities = append(r.identities, id)
	r.seen[key] = &id.seenIdentity
	return res, nil
}

// join finds the contact a new identity's e-mail address or phone number
// already belongs to: the one with that address or number as an identity
// (which a merge moves with it), else a stored contact that gives it (the
// oldest), else one this transaction made. It leaves res.ContactID 0 if
// none.
func (r *Resolver) join(ctx context.Context, res *Resolved, workspaceID int64, p Profile) error {
	for _, by := range []struct {
		kind, value string
		q           int
	}{{"email", p.Email, qByEmail}, {"phone", p.Phone, qByPhone}} {
		if by.value == "" {
			continue
		}
		// The address as an identity (an e-mail's own author was asked
		// for already, with the batch).
		key := identityKey{workspaceID, by.kind, by.value}
		if err := r.lookupOne(ctx, key); err != nil {
			return err
		}
		if s, ok := r.seen[key]; ok {
			res.ContactID = s.contactID
			return nil
		}
		var c contactReach
		err := r.stmts[by.q].QueryRowContext(ctx, workspaceID, by.value).Scan(&res.ContactID, &c.followers, &c.verified)
		switch {
		case err == nil:
			if _, known := r.reach[res.ContactID]; !known {
				r.reach[res.ContactID] = &c
			}
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look up contact by %s: %w", by.kind, err)
		}
		if id := r.madeBy[madeKey{workspaceID, by.kind, by.value}]; id != 0 {
			res.ContactID = id
			return nil
		}
	}
	return nil
}

// Flush writes the contacts and identities the transaction made, a few
// multi-row statements for all of them. Run it before anything that
// refers to them is written.
func (r *Resolver) Flush(ctx context.Context) error {
	err := r.shared.contacts.Exec(ctx, r.tx, len(r.contacts), func(i int, args []any) []any {
		c := r.contacts[i]
		return append(args, c.id, c.workspaceID, c.name, c.email, c.phone, c.reach.followers, c.reach.verified, c.at, c.at)
	})
	if err != nil {
		return fmt.Errorf("create %d contacts: %w", len(r.contacts), err)
	}
	err = r.shared.identities.Exec(ctx, r.tx, len(r.identities), func(i int, args []any) []any {
		id := r.identities[i]
		return append(args, id.id, id.key.workspace, id.contactID, id.key.kind, id.key.external, id.handle, id.display, id.at)
	})
	if err != nil {
		return fmt.Errorf("create %d identities: %w", len(r.identities), err)
	}
	// Written: later changes to these rows are UPDATEs again.
	for _, c := range r.contacts {
		c.unwritten = false
	}
	for _, id := range r.identities {
		id.unwritten = false
	}
	r.contacts, r.identities = r.contacts[:0], r.identities[:0]
	return nil
}
