package contact

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/harkdesk/hark/internal/hark"
)

// Match is a contact found by Search.
type Match struct {
	ID        int64  `json:"id,string"`
	Name      string `json:"name"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	UpdatedAt int64  `json:"updated_at"`
}

// MaxSearch bounds how many contacts a search returns.
const MaxSearch = 20

// Search finds a workspace's contacts whose name, e-mail, phone or any
// channel handle contains q, most recently active first: how an agent finds
// the same person under another name to link them explicitly.
func (s *Store) Search(ctx context.Context, workspaceID int64, q string) ([]Match, error) {
	q = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(q), "@")))
	out := []Match{}
	if q == "" || !hark.Storable(q) {
		return out, nil // no contact's name or address holds such text
	}
	pattern := "%" + likeEscaper.Replace(q) + "%"
	rows, err := s.db.R.QueryContext(ctx, queries.Get(s.db.Dialect, "SearchContacts"), workspaceID, pattern, MaxSearch)
	if err != nil {
		return nil, fmt.Errorf("search contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Match
		if err := rows.Scan(&m.ID, &m.Name, &m.Email, &m.Phone, &m.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// likeEscaper keeps a customer's % and _ literal in a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// MergeEntry is one merge into a contact, for its page's history.
type MergeEntry struct {
	ID            int64 `json:"id,string"` // what Unmerge takes
	Merged        int64 `json:"merged,string"`
	ByUser        int64 `json:"by_user,string,omitempty"`
	At            int64 `json:"at"`
	Identities    int   `json:"identities"`
	Conversations int   `json:"conversations"`
	Undone        bool  `json:"undone"`
}

// Merges lists the merges into contact c, newest first, each marked when it
// has been undone.
func (s *Store) Merges(ctx context.Context, c Contact) ([]MergeEntry, error) {
	rows, err := s.db.R.QueryContext(ctx, queries.Get(s.db.Dialect, "MergeActivity"), c.ID)
	if err != nil {
		return nil, fmt.Errorf("merges of %d: %w", c.ID, err)
	}
	defer rows.Close()
	out := []MergeEntry{}
	undone := map[int64]bool{}
	for rows.Next() {
		var (
			id, at     int64
			user       sql.NullInt64
			kind, text string
		)
		if err := rows.Scan(&id, &user, &kind, &text, &at); err != nil {
			return nil, err
		}
		if kind == "contact_unmerged" {
			var u struct{ Merge int64 }
			if json.Unmarshal([]byte(text), &u) == nil {
				undone[u.Merge] = true
			}
			continue
		}
		var rec mergeRecord
		if json.Unmarshal([]byte(text), &rec) != nil {
			continue
		}
		out = append(out, MergeEntry{ID: id, Merged: rec.Merged, ByUser: user.Int64, At: at,
			Identities: len(rec.Identities), Conversations: len(rec.Conversations)})
	}
	for i := range out {
		out[i].Undone = undone[out[i].ID]
	}
	return out, rows.Err()
}
