package contact

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// mergeRecord is what a merge moved, kept in the activity log so the merge
// can be undone exactly.
type mergeRecord struct {
	Kept          int64   `json:"kept"`
	Merged        int64   `json:"merged"`
	Identities    []int64 `json:"identities"`
	Conversations []int64 `json:"conversations"`
}

// Merge folds contact other into keep: its identities and conversations move
// to keep, and keep fills its blanks from other. It returns the id of the
// activity entry that Unmerge takes to undo it.
func (s *Store) Merge(ctx context.Context, keep, other, byUser int64) (int64, error) {
	if keep == other {
		return 0, fmt.Errorf("%w: a contact cannot be merged into itself", hark.ErrInvalid)
	}
	k, err := s.Get(ctx, keep)
	if err != nil {
		return 0, err
	}
	o, err := s.Get(ctx, other)
	if err != nil {
		return 0, err
	}
	if k.WorkspaceID != o.WorkspaceID {
		return 0, fmt.Errorf("%w: contacts of different workspaces cannot be merged", hark.ErrInvalid)
	}
	rec := mergeRecord{Kept: keep, Merged: other}
	logID := db.NewID()
	q := func(name string) string { return queries.Get(s.db.Dialect, name) }
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if rec.Identities, err = ids(ctx, tx, q("IdentityIDsOf"), other); err != nil {
			return err
		}
		if rec.Conversations, err = ids(ctx, tx, q("ConversationIDsOf"), other); err != nil {
			return err
		}
		if len(rec.Identities) == 0 && len(rec.Conversations) == 0 {
			// Merged away already: another merge would move nothing and
			// only add an empty record to keep's history.
			return fmt.Errorf("%w: contact %d has no identities or conversations left to merge", hark.ErrConflict, other)
		}
		if _, err := tx.ExecContext(ctx, q("MoveIdentities"), keep, other); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q("MoveConversations"), keep, other); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q("FillContact"), o.Name, o.Email, o.Phone, o.Followers, o.Followers, db.Now(), keep); err != nil {
			return err
		}
		return logActivity(ctx, tx, q("LogContactActivity"), logID, k.WorkspaceID, keep, byUser, "contact_merged", rec)
	})
	if err != nil {
		return 0, fmt.Errorf("merge contact %d into %d: %w", other, keep, err)
	}
	return logID, nil
}

// Unmerge undoes a merge into contactID: the identities and conversations
// it moved go back to the contact they came from. Conversations started
// after the merge stay with the kept contact. A merge is undone only
// through the contact it kept, whose history shows it.
func (s *Store) Unmerge(ctx context.Context, contactID, mergeID, byUser int64) error {
	q := func(name string) string { return queries.Get(s.db.Dialect, name) }
	ws, rec, err := s.merge(ctx, mergeID)
	if err != nil {
		return err
	}
	if rec.Kept != contactID {
		return fmt.Errorf("merge %d into contact %d: %w", mergeID, contactID, hark.ErrNotFound)
	}
	history, err := s.Merges(ctx, Contact{ID: contactID})
	if err != nil {
		return err
	}
	for _, m := range history {
		if m.ID == mergeID && m.Undone {
			return fmt.Errorf("%w: merge %d was already undone", hark.ErrConflict, mergeID)
		}
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		// What the merge moved must still be with the kept contact: after
		// a later merge took it further, undoing this one would move
		// nothing and still be logged as done.
		for _, mv := range []struct {
			query string
			ids   []int64
		}{{"MoveIdentity", rec.Identities}, {"MoveConversation", rec.Conversations}} {
			for _, id := range mv.ids {
				res, err := tx.ExecContext(ctx, q(mv.query), rec.Merged, id, rec.Kept)
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil || n == 0 {
					return fmt.Errorf("%w: what merge %d moved is no longer with contact %d; undo the later merge first", hark.ErrConflict, mergeID, rec.Kept)
				}
			}
		}
		return logActivity(ctx, tx, q("LogContactActivity"), db.NewID(), ws, rec.Kept, byUser, "contact_unmerged", map[string]int64{"merge": mergeID, "kept": rec.Kept, "restored": rec.Merged})
	})
}

// merge reads a merge's record and its workspace.
func (s *Store) merge(ctx context.Context, mergeID int64) (int64, mergeRecord, error) {
	var ws int64
	var kind, detail string
	var rec mergeRecord
	err := s.db.W.QueryRowContext(ctx, queries.Get(s.db.Dialect, "ContactActivity"), mergeID).Scan(&ws, &kind, &detail)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "contact_merged") {
		return 0, rec, fmt.Errorf("merge %d: %w", mergeID, hark.ErrNotFound)
	}
	if err != nil {
		return 0, rec, err
	}
	if err := json.Unmarshal([]byte(detail), &rec); err != nil {
		return 0, rec, fmt.Errorf("merge %d: unreadable record: %w", mergeID, err)
	}
	return ws, rec, nil
}

// Suggestion is a contact that may be the same person.
type Suggestion struct {
	ContactID int64  `json:"contact_id"`
	Name      string `json:"name"`
	Because   string `json:"because"` // the identity that matched, e.g. "instagram:maria_k"
}

// Suggest lists contacts sharing a handle or display name with c on any
// channel: candidates for an agent to merge, never merged automatically.
func (s *Store) Suggest(ctx context.Context, c Contact) ([]Suggestion, error) {
	rows, err := s.db.R.QueryContext(ctx, queries.Get(s.db.Dialect, "SimilarContacts"), c.WorkspaceID, c.ID, Withheld+"%")
	if err != nil {
		return nil, fmt.Errorf("suggest matches for %d: %w", c.ID, err)
	}
	defer rows.Close()
	out := []Suggestion{}
	for rows.Next() {
		var sg Suggestion
		if err := rows.Scan(&sg.ContactID, &sg.Name, &sg.Because); err != nil {
			return nil, err
		}
		sg.Because = sg.Because[1:] // the rank the query sorted by
		out = append(out, sg)
	}
	return out, rows.Err()
}

func ids(ctx context.Context, tx *sql.Tx, q string, arg int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func logActivity(ctx context.Context, tx *sql.Tx, q string, id, ws, contactID, byUser int64, kind string, detail any) error {
	b, _ := json.Marshal(detail)
	var uid any
	if byUser != 0 {
		uid = byUser
	}
	_, err := tx.ExecContext(ctx, q, id, ws, contactID, uid, kind, string(b), db.Now())
	return err
}
