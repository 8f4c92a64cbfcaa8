// Package user keeps the desk's people: agents and admins, their password
// sign-ins, browser sessions and personal API tokens.
package user

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/workspace"
)

//go:embed sql
var sqlFS embed.FS

var queries = db.MustLoadQueries(sqlFS, "sql")

// SessionTTL is how long a browser session lasts without signing in again.
const SessionTTL = 14 * 24 * time.Hour

// User is a person who works in the desk.
type User struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	CreatedAt int64  `json:"created_at"`
	// DisabledAt is when an admin took the user's access away (0: never):
	// they cannot sign in or use their tokens, and their name stays on
	// what they did.
	DisabledAt   int64 `json:"disabled_at"`
	passwordHash string
}

// Can reports whether the user's role allows an action: viewers read,
// agents work conversations, supervisors and admins manage the desk.
func (u User) Can(action string) bool {
	if u.DisabledAt != 0 {
		return false // never signed in, but still listed: not assignable
	}
	switch action {
	case "read":
		return true
	case "work":
		return u.Role != "viewer"
	case "manage":
		return u.Role == "admin" || u.Role == "supervisor"
	case "admin":
		return u.Role == "admin"
	}
	return false
}

// Session is a signed-in browser.
type Session struct {
	User      User
	CSRF      string
	ExpiresAt int64
}

// Store reads and writes users, sessions and tokens.
type Store struct{ db *db.DB }

// New returns a Store over d.
func New(d *db.DB) *Store { return &Store{db: d} }

func (s *Store) q(name string) string { return queries.Get(s.db.Dialect, name) }

// Add creates a user. An empty password leaves the account unable to sign in
// with a password (API tokens still work).
func (s *Store) Add(ctx context.Context, email, name, role, password string) (User, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(email))
	if err != nil {
		return User{}, fmt.Errorf("%w: e-mail address %q", hark.ErrInvalid, email)
	}
	if role == "" {
		role = "agent"
	}
	ok := false
	for _, r := range hark.Roles {
		ok = ok || r == role
	}
	if !ok {
		return User{}, fmt.Errorf("%w: role must be one of %s", hark.ErrInvalid, strings.Join(hark.Roles, ", "))
	}
	if name == "" {
		name, _, _ = strings.Cut(addr.Address, "@")
	}
	hash := ""
	if password != "" {
		if len(password) < 8 {
			return User{}, fmt.Errorf("%w: password must have at least 8 characters", hark.ErrInvalid)
		}
		hash = HashPassword(password)
	}
	u := User{ID: db.NewID(), Email: strings.ToLower(addr.Address), Name: name, Role: role, CreatedAt: db.Now(), passwordHash: hash}
	_, err = s.db.W.ExecContext(ctx, s.q("CreateUser"), u.ID, u.Email, u.Name, u.Role, hash, u.CreatedAt)
	if err != nil {
		if db.IsUniqueViolation(err) {
			return User{}, fmt.Errorf("%w: a user with e-mail %s exists", hark.ErrConflict, u.Email)
		}
		return User{}, fmt.Errorf("add user %s: %w", u.Email, err)
	}
	return u, nil
}

// SetPassword replaces a user's password and signs them out everywhere: a
// password is reset because it may be known to someone else, who may be
// signed in with it.
func (s *Store) SetPassword(ctx context.Context, id int64, password string) error {
	if len(password) < 8 {
		return fmt.Errorf("%w: password must have at least 8 characters", hark.ErrInvalid)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("SetPassword"), HashPassword(password), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("EndSessionsOf"), id)
		return err
	})
}

// ByEmail finds a user by e-mail address.
func (s *Store) ByEmail(ctx context.Context, email string) (User, error) {
	return s.one(ctx, "UserByEmail", strings.ToLower(strings.TrimSpace(email)))
}

// ByID finds a user by id.
func (s *Store) ByID(ctx context.Context, id int64) (User, error) {
	return s.one(ctx, "UserByID", id)
}

func (s *Store) one(ctx context.Context, q string, arg any) (User, error) {
	var u User
	err := s.db.R.QueryRowContext(ctx, s.q(q), arg).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.passwordHash, &u.CreatedAt, &u.DisabledAt)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %v: %w", arg, hark.ErrNotFound)
	}
	return u, err
}

// List returns every user by name.
func (s *Store) List(ctx context.Context) ([]User, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("ListUsers"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.passwordHash, &u.CreatedAt, &u.DisabledAt); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ErrBadCredentials is returned for a wrong e-mail or password alike, so a
// caller cannot probe which accounts exist.
var ErrBadCredentials = errors.New("wrong e-mail or password")

// Authenticate checks a password and returns the user.
func (s *Store) Authenticate(ctx context.Context, email, password string) (User, error) {
	u, err := s.ByEmail(ctx, email)
	if err != nil {
		if errors.Is(err, hark.ErrNotFound) {
			CheckPassword(dummyHash, password) // spend the same time as a real check
			return User{}, ErrBadCredentials
		}
		return User{}, err
	}
	if u.passwordHash == "" || u.DisabledAt != 0 {
		CheckPassword(dummyHash, password) // an API-only or disabled user takes as long to refuse
		return User{}, ErrBadCredentials
	}
	if !CheckPassword(u.passwordHash, password) {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

var dummyHash = HashPassword("not a real password, only for timing")

// StartSession signs a user in and returns the raw session token for the
// cookie; only its hash is stored.
func (s *Store) StartSession(ctx context.Context, u User) (token string, sess Session, err error) {
	token = workspace.NewToken("hks_")
	sess = Session{User: u, CSRF: workspace.NewToken(""), ExpiresAt: time.Now().Add(SessionTTL).UnixMilli()}
	_, err = s.db.W.ExecContext(ctx, s.q("CreateSession"), workspace.HashToken(token), u.ID, sess.CSRF, db.Now(), sess.ExpiresAt)
	if err != nil {
		return "", Session{}, fmt.Errorf("start session: %w", err)
	}
	return token, sess, nil
}

// SessionByToken returns the live session for a raw cookie token.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	var ss Session
	u := &ss.User
	err := s.db.R.QueryRowContext(ctx, s.q("SessionUser"), workspace.HashToken(token), db.Now()).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.passwordHash, &u.CreatedAt, &u.DisabledAt, &ss.CSRF, &ss.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, fmt.Errorf("session: %w", hark.ErrNotFound)
	}
	return ss, err
}

// EndSession signs a browser out.
func (s *Store) EndSession(ctx context.Context, token string) error {
	_, err := s.db.W.ExecContext(ctx, s.q("DeleteSession"), workspace.HashToken(token))
	return err
}

// PruneSessions deletes expired sessions.
func (s *Store) PruneSessions(ctx context.Context) error {
	_, err := s.db.W.ExecContext(ctx, s.q("DeleteExpiredSessions"), db.Now())
	return err
}

// CreateToken makes a personal API token for a user that lasts until it
// is revoked, and returns it; only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, userID int64, name string) (string, error) {
	return s.CreateTokenFor(ctx, userID, name, 0)
}

// CreateTokenFor makes a personal API token that ends after ttl (0: when
// revoked).
func (s *Store) CreateTokenFor(ctx context.Context, userID int64, name string, ttl time.Duration) (string, error) {
	if ttl < 0 {
		return "", fmt.Errorf("%w: a token cannot end before it is made", hark.ErrInvalid)
	}
	token := workspace.NewToken("hkp_")
	if name == "" {
		name = "token"
	}
	now, expires := db.Now(), int64(0)
	if ttl > 0 {
		expires = now + ttl.Milliseconds()
	}
	_, err := s.db.W.ExecContext(ctx, s.q("CreateAPIToken"), workspace.HashToken(token), userID, name, now, expires)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return token, nil
}

// Token describes a personal API token, never the token itself.
type Token struct {
	ID         string // the start of its hash: enough to revoke it by
	Name       string
	CreatedAt  int64
	LastUsedAt int64 // to the minute; 0: never used
	ExpiresAt  int64 // 0: until revoked
}

const tokenIDLen = 12

// Tokens lists a user's personal API tokens, oldest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("TokensOf"), userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt); err != nil {
			return nil, err
		}
		t.ID = t.ID[:min(len(t.ID), tokenIDLen)]
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken ends one of a user's tokens at once, named by the id Tokens
// gives.
func (s *Store) RevokeToken(ctx context.Context, userID int64, id string) error {
	ts, err := s.db.R.QueryContext(ctx, s.q("TokensOf"), userID)
	if err != nil {
		return err
	}
	var hashes []string
	for ts.Next() {
		var h, name string
		var a, b, c int64
		if err := ts.Scan(&h, &name, &a, &b, &c); err != nil {
			ts.Close()
			return err
		}
		if id != "" && strings.HasPrefix(h, strings.ToLower(id)) {
			hashes = append(hashes, h)
		}
	}
	ts.Close()
	if err := ts.Err(); err != nil {
		return err
	}
	switch len(hashes) {
	case 0:
		return fmt.Errorf("token %q: %w", id, hark.ErrNotFound)
	case 1:
		_, err = s.db.W.ExecContext(ctx, s.q("RevokeToken"), userID, hashes[0])
		return err
	}
	return fmt.Errorf("%w: %d tokens start with %q; give more of the id", hark.ErrConflict, len(hashes), id)
}

// SetRole changes what a user may do, from their next request on.
func (s *Store) SetRole(ctx context.Context, id int64, role string) error {
	if !slices.Contains(hark.Roles, role) {
		return fmt.Errorf("%w: role must be one of %s", hark.ErrInvalid, strings.Join(hark.Roles, ", "))
	}
	return s.update(ctx, id, "SetRole", role)
}

// Disable takes a user's access away: they are signed out everywhere, and
// cannot sign in or use their API tokens until enabled again. What they
// did keeps their name.
func (s *Store) Disable(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := updated(tx.ExecContext(ctx, s.q("SetDisabled"), db.Now(), id)); err != nil {
			return fmt.Errorf("user %d: %w", id, err)
		}
		_, err := tx.ExecContext(ctx, s.q("EndSessionsOf"), id)
		return err
	})
}

// Enable gives a disabled user their access back.
func (s *Store) Enable(ctx context.Context, id int64) error {
	return s.update(ctx, id, "SetDisabled", 0)
}

func (s *Store) update(ctx context.Context, id int64, q string, v any) error {
	if err := updated(s.db.W.ExecContext(ctx, s.q(q), v, id)); err != nil {
		return fmt.Errorf("user %d: %w", id, err)
	}
	return nil
}

// updated reads the result of an update of one user.
func updated(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, hark.ErrNotFound)
	}
	return nil
}

// ByToken returns the user a raw API token belongs to.
func (s *Store) ByToken(ctx context.Context, token string) (User, error) {
	var u User
	h := workspace.HashToken(token)
	err := s.db.R.QueryRowContext(ctx, s.q("APITokenUser"), h, db.Now()).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.passwordHash, &u.CreatedAt, &u.DisabledAt)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("api token: %w", hark.ErrNotFound)
	}
	if err != nil {
		return u, err
	}
	// Record use at most once a minute so reads do not become writes.
	now := db.Now()
	s.db.W.ExecContext(ctx, s.q("TouchAPIToken"), now, h, now-60_000)
	return u, nil
}
