// Package workspace keeps the brands (workspaces) a desk serves, their
// channel accounts (handles, pages, inboxes, numbers) and their teams.
package workspace

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

//go:embed sql
var sqlFS embed.FS

var queries = db.MustLoadQueries(sqlFS, "sql")

// Workspace is one brand or client served by the desk.
type Workspace struct {
	ID        int64  `json:"id"`
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	CreatedAt int64  `json:"created_at"`
}

// Account is one of a brand's handles, pages, inboxes or numbers on one
// channel. Purpose says whom it was opened for; customers ignore it, so
// routing must not rely on it alone.
type Account struct {
	ID          int64           `json:"id"`
	WorkspaceID int64           `json:"workspace_id"`
	Channel     string          `json:"channel"`
	Handle      string          `json:"handle"`
	Name        string          `json:"name"`
	Purpose     string          `json:"purpose"`
	Config      json.RawMessage `json:"-"`
	CreatedAt   int64           `json:"created_at"`
}

// Team is a group of agents that owns a kind of work.
type Team struct {
	ID          int64  `json:"id"`
	WorkspaceID int64  `json:"workspace_id"`
	Name        string `json:"name"`
}

// Store reads and writes workspaces, accounts and teams.
type Store struct{ db *db.DB }

// New returns a Store over d.
func New(d *db.DB) *Store { return &Store{db: d} }

func (s *Store) q(name string) string { return queries.Get(s.db.Dialect, name) }

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Create adds a workspace.
func (s *Store) Create(ctx context.Context, slug, name string) (Workspace, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	if !slugRE.MatchString(slug) {
		return Workspace{}, fmt.Errorf("%w: workspace slug %q: use lower-case letters, digits and dashes", hark.ErrInvalid, slug)
	}
	if strings.TrimSpace(name) == "" {
		return Workspace{}, fmt.Errorf("%w: workspace name is empty", hark.ErrInvalid)
	}
	if !hark.Storable(name) {
		return Workspace{}, fmt.Errorf("%w: the workspace name is not valid UTF-8 or holds a NUL character", hark.ErrInvalid)
	}
	w := Workspace{ID: db.NewID(), Slug: slug, Name: strings.TrimSpace(name), CreatedAt: db.Now()}
	if _, err := s.db.W.ExecContext(ctx, s.q("CreateWorkspace"), w.ID, w.Slug, w.Name, w.CreatedAt); err != nil {
		if db.IsUniqueViolation(err) {
			return Workspace{}, fmt.Errorf("%w: workspace %q exists", hark.ErrConflict, slug)
		}
		return Workspace{}, fmt.Errorf("create workspace %s: %w", slug, err)
	}
	return w, nil
}

// List returns every workspace by name.
func (s *Store) List(ctx context.Context) ([]Workspace, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("ListWorkspaces"))
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	defer rows.Close()
	var out []Workspace
	for rows.Next() {
		var w Workspace
		if err := rows.Scan(&w.ID, &w.Slug, &w.Name, &w.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// BySlug finds a workspace by its slug.
func (s *Store) BySlug(ctx context.Context, slug string) (Workspace, error) {
	if !hark.Storable(slug) {
		// PostgreSQL would refuse the query; no slug is anything but ASCII.
		return Workspace{}, fmt.Errorf("workspace %q: %w", slug, hark.ErrNotFound)
	}
	return s.one(ctx, "WorkspaceBySlug", slug)
}

// ByID finds a workspace by id.
func (s *Store) ByID(ctx context.Context, id int64) (Workspace, error) {
	return s.one(ctx, "WorkspaceByID", id)
}

func (s *Store) one(ctx context.Context, q string, arg any) (Workspace, error) {
	var w Workspace
	err := s.db.R.QueryRowContext(ctx, s.q(q), arg).Scan(&w.ID, &w.Slug, &w.Name, &w.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("workspace %v: %w", arg, hark.ErrNotFound)
	}
	return w, err
}

// AddAccount adds a channel account and returns it with a new ingest token,
// shown once: only its hash is kept.
func (s *Store) AddAccount(ctx context.Context, a Account) (Account, string, error) {
	if !hark.ValidChannel(a.Channel) {
		return a, "", fmt.Errorf("%w: unknown channel %q", hark.ErrInvalid, a.Channel)
	}
	if a.Purpose == "" {
		a.Purpose = "both"
	}
	if a.Purpose != "service" && a.Purpose != "marketing" && a.Purpose != "both" {
		return a, "", fmt.Errorf("%w: purpose must be service, marketing or both", hark.ErrInvalid)
	}
	a.Handle = strings.TrimSpace(a.Handle)
	if a.Handle == "" {
		return a, "", fmt.Errorf("%w: account handle is empty", hark.ErrInvalid)
	}
	if !hark.Storable(a.Handle) || !hark.Storable(a.Name) {
		return a, "", fmt.Errorf("%w: the account's handle or name is not valid UTF-8 or holds a NUL character", hark.ErrInvalid)
	}
	if a.Name == "" {
		a.Name = a.Handle
	}
	if len(a.Config) == 0 {
		a.Config = json.RawMessage("{}")
	}
	a.ID, a.CreatedAt = db.NewID(), db.Now()
	token := NewToken("hki_")
	_, err := s.db.W.ExecContext(ctx, s.q("CreateAccount"), a.ID, a.WorkspaceID, a.Channel, a.Handle, a.Name, a.Purpose, HashToken(token), string(a.Config), a.CreatedAt)
	if err != nil {
		if db.IsUniqueViolation(err) {
			return a, "", fmt.Errorf("%w: the workspace already has the %s account %s", hark.ErrConflict, a.Channel, a.Handle)
		}
		return a, "", fmt.Errorf("add %s account %s: %w", a.Channel, a.Handle, err)
	}
	return a, token, nil
}

// RotateIngestToken replaces an account's ingest token and returns the new one.
func (s *Store) RotateIngestToken(ctx context.Context, accountID int64) (string, error) {
	token := NewToken("hki_")
	res, err := s.db.W.ExecContext(ctx, s.q("SetAccountIngestToken"), HashToken(token), accountID)
	if err != nil {
		return "", fmt.Errorf("rotate ingest token of account %d: %w", accountID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", fmt.Errorf("account %d: %w", accountID, hark.ErrNotFound)
	}
	return token, nil
}

// SetConfig stores an account's connector settings.
func (s *Store) SetConfig(ctx context.Context, accountID int64, cfg json.RawMessage) error {
	if !json.Valid(cfg) {
		return fmt.Errorf("%w: account config is not JSON", hark.ErrInvalid)
	}
	_, err := s.db.W.ExecContext(ctx, s.q("SetAccountConfig"), string(cfg), accountID)
	return err
}

// Accounts lists a workspace's channel accounts.
func (s *Store) Accounts(ctx context.Context, workspaceID int64) ([]Account, error) {
	return s.accounts(ctx, s.q("ListAccounts"), workspaceID)
}

// AllAccounts lists every channel account of every workspace.
func (s *Store) AllAccounts(ctx context.Context) ([]Account, error) {
	return s.accounts(ctx, s.q("AllAccounts"))
}

// SetConfigIf stores an account's config once check has accepted it
// against every account (UpdateConfig).
func (s *Store) SetConfigIf(ctx context.Context, accountID int64, cfg json.RawMessage, check func(all []Account) error) error {
	return s.UpdateConfig(ctx, accountID, func(_ Account, all []Account) (json.RawMessage, error) {
		return cfg, check(all)
	})
}

// UpdateConfig stores the config make returns, given the account as stored
// and every account, in a transaction no other config change runs beside
// (SQLite has one writer; PostgreSQL takes a lock): two admins configuring
// the same Page at once cannot both pass a check, and a value the desk
// wrote into the config meanwhile (a signing secret) is not lost.
func (s *Store) UpdateConfig(ctx context.Context, accountID int64, make func(cur Account, all []Account) (json.RawMessage, error)) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("LockAccountConfigs")); err != nil {
			return err
		}
		all, err := s.accountsFrom(ctx, tx, s.q("AllAccounts"))
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(a Account) bool { return a.ID == accountID })
		if i < 0 {
			return fmt.Errorf("account %d: %w", accountID, hark.ErrNotFound)
		}
		cfg, err := make(all[i], all)
		if err != nil {
			return err
		}
		if !json.Valid(cfg) {
			return fmt.Errorf("%w: account config is not JSON", hark.ErrInvalid)
		}
		_, err = tx.ExecContext(ctx, s.q("SetAccountConfig"), string(cfg), accountID)
		return err
	})
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) accounts(ctx context.Context, q string, args ...any) ([]Account, error) {
	return s.accountsFrom(ctx, s.db.R, q, args...)
}

func (s *Store) accountsFrom(ctx context.Context, from querier, q string, args ...any) ([]Account, error) {
	rows, err := from.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Account finds a channel account by id.
func (s *Store) Account(ctx context.Context, id int64) (Account, error) {
	a, err := scanAccount(s.db.R.QueryRowContext(ctx, s.q("AccountByID"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("account %d: %w", id, hark.ErrNotFound)
	}
	return a, err
}

// AccountByIngestToken finds the account a raw ingest token belongs to.
func (s *Store) AccountByIngestToken(ctx context.Context, token string) (Account, error) {
	if token == "" {
		return Account{}, fmt.Errorf("ingest token: %w", hark.ErrNotFound)
	}
	a, err := scanAccount(s.db.R.QueryRowContext(ctx, s.q("AccountByIngestToken"), HashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("ingest token: %w", hark.ErrNotFound)
	}
	return a, err
}

type scanner interface{ Scan(...any) error }

func scanAccount(r scanner) (Account, error) {
	var a Account
	var cfg string
	err := r.Scan(&a.ID, &a.WorkspaceID, &a.Channel, &a.Handle, &a.Name, &a.Purpose, &cfg, &a.CreatedAt)
	a.Config = json.RawMessage(cfg)
	return a, err
}

// AddTeam creates a team in a workspace.
func (s *Store) AddTeam(ctx context.Context, workspaceID int64, name string) (Team, error) {
	t := Team{ID: db.NewID(), WorkspaceID: workspaceID, Name: strings.TrimSpace(name)}
	if t.Name == "" {
		return t, fmt.Errorf("%w: team name is empty", hark.ErrInvalid)
	}
	_, err := s.db.W.ExecContext(ctx, s.q("CreateTeam"), t.ID, t.WorkspaceID, t.Name)
	if err != nil {
		return t, fmt.Errorf("add team %s: %w", name, err)
	}
	return t, nil
}

// AddTeamMember puts a user in a team.
func (s *Store) AddTeamMember(ctx context.Context, teamID, userID int64) error {
	_, err := s.db.W.ExecContext(ctx, s.q("AddTeamMember"), teamID, userID)
	return err
}

// Teams lists a workspace's teams.
func (s *Store) Teams(ctx context.Context, workspaceID int64) ([]Team, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("ListTeams"), workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Team
	for rows.Next() {
		var t Team
		if err := rows.Scan(&t.ID, &t.WorkspaceID, &t.Name); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// NewToken returns a high-entropy secret with a readable prefix.
func NewToken(prefix string) string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is how secrets are stored: SHA-256 is enough for 192-bit random
// tokens and costs nanoseconds per request, unlike a password hash.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
