package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// Revision is an earlier version of a message the customer edited or
// deleted at the provider. Agents may have answered what was first written,
// so nothing a customer posted is ever thrown away.
type Revision struct {
	ID         int64  `json:"id"`
	Text       string `json:"text"`
	ReplacedAt int64  `json:"replaced_at"`
	Kind       string `json:"kind"` // edited or deleted
}

// Change kinds applied to a stored message.
const (
	RevisionEdited  = "edited"
	RevisionDeleted = "deleted"
)

// EarlyDeleteTTL is how long a delete of a message not yet stored is kept
// for the message to arrive: past Meta's retries (about 36 hours) and X's
// replay window (5 days).
const EarlyDeleteTTL = 7 * 24 * time.Hour

// ApplyRevision records that the provider's message (accountID, providerID)
// was edited to text or deleted, keeping its previous text as a revision.
// It reports false when the message is not stored (the caller decides
// whether an edit of an unknown message is ingested as new); a delete of
// one is remembered, for ApplyEarlyDeletes. Repeating the same edit or
// delete changes nothing, and an edit older than the one applied is left
// out: providers redeliver, in any order.
func (s *Store) ApplyRevision(ctx context.Context, accountID int64, providerID, kind, text string, at int64) (bool, error) {
	if kind != RevisionEdited && kind != RevisionDeleted {
		return false, fmt.Errorf("revision kind %q: %w", kind, hark.ErrInvalid)
	}
	found, err := s.applyRevision(ctx, accountID, providerID, kind, text, at)
	if err != nil || found || kind != RevisionDeleted {
		return found, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		if _, err := tx.ExecContext(ctx, s.q("ExpireEarlyDeletes"), now-EarlyDeleteTTL.Milliseconds()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("RememberDelete"), accountID, providerID, at, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("remember the delete of %s: %w", providerID, err)
	}
	// The message may have been stored since it was looked for, by a push
	// on another node that found no delete yet: now the delete is
	// remembered, one of the two sees the other.
	if found, err = s.applyRevision(ctx, accountID, providerID, kind, text, at); found && err == nil {
		_, err = s.db.W.ExecContext(ctx, s.q("ForgetEarlyDelete"), accountID, providerID)
	}
	return found, err
}

// ApplyEarlyDeletes deletes those of the account's stored messages,
// named by providerIDs, whose delete came before them (a push retried
// after a later one went through), so they are not shown live. It reports
// how many it deleted.
func (s *Store) ApplyEarlyDeletes(ctx context.Context, accountID int64, providerIDs []string) (int, error) {
	var some int
	if err := s.db.R.QueryRowContext(ctx, s.q("HasEarlyDeletes"), accountID).Scan(&some); err != nil || some == 0 {
		return 0, err
	}
	n := 0
	for _, id := range providerIDs {
		var at int64
		err := s.db.R.QueryRowContext(ctx, s.q("EarlyDelete"), accountID, id).Scan(&at)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return n, err
		}
		found, err := s.applyRevision(ctx, accountID, id, RevisionDeleted, "", at)
		if err != nil {
			return n, err
		}
		if found {
			n++
			if _, err := s.db.W.ExecContext(ctx, s.q("ForgetEarlyDelete"), accountID, id); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (s *Store) applyRevision(ctx context.Context, accountID int64, providerID, kind, text string, at int64) (bool, error) {
	var (
		found              bool
		msgID, convID, wID int64
	)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var old, direction, labelsJSON string
		var deletedAt, editedAt int64
		var li LabelInput
		read := func() error {
			return tx.QueryRowContext(ctx, s.q("MessageForChange"), accountID, providerID).Scan(&msgID, &convID, &wID, &old, &deletedAt, &editedAt,
				&direction, &labelsJSON, &li.Followers, &li.Channel, &li.ToHandle, &li.Visibility, &li.Subject, &li.Attachments)
		}
		err := read()
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		// The conversation first, as every action takes it (a correction
		// of this message, taken the other way round, would deadlock);
		// then the message is read again, as the change before this one
		// left it: two redeliveries at once must not both apply, nor an
		// older edit land over a newer one.
		conv, err := scanConversation(tx.QueryRowContext(ctx, s.q("ConversationForAction"), convID))
		if err != nil {
			return err
		}
		if err := read(); err != nil {
			return err
		}
		if deletedAt != 0 || (kind == RevisionEdited && old == text) {
			return nil // already applied
		}
		if kind == RevisionEdited && at != 0 && at < editedAt {
			return nil // an earlier edit, redelivered after a later one
		}
		if _, err := tx.ExecContext(ctx, s.q("InsertRevision"), db.NewID(), msgID, old, at, kind); err != nil {
			return err
		}
		if kind == RevisionDeleted {
			if _, err := tx.ExecContext(ctx, s.q("DeleteMessage"), at, msgID); err != nil {
				return err
			}
			if err := s.refreshPreview(ctx, tx, convID); err != nil || direction != "in" {
				return err
			}
			// What the customer took back no longer says what the thread
			// waits for ("where is my bag?" deleted after "found it").
			return SettleLabels(ctx, tx, s.db.Dialect, conv)
		}
		if _, err := tx.ExecContext(ctx, s.q("EditMessage"), text, SearchText(text), at, msgID); err != nil {
			return err
		}
		if err := s.refreshPreview(ctx, tx, convID); err != nil {
			return err
		}
		if direction != "in" || s.labeller == nil {
			return nil
		}
		// The edit is read again, as ingest read the first text: a thanks
		// edited into a request must reach the needs-reply queue.
		li.Text = text
		labels := map[string]any{}
		json.Unmarshal([]byte(labelsJSON), &labels)
		labels[LabelsKey] = s.labeller(li)
		b, _ := json.Marshal(labels)
		if _, err := tx.ExecContext(ctx, s.q("SetMessageLabels"), string(b), msgID); err != nil {
			return err
		}
		return SettleLabels(ctx, tx, s.db.Dialect, conv)
	})
	if err != nil || !found {
		return found, err
	}
	s.notify(Conversation{ID: convID, WorkspaceID: wID}, "message_"+kind, msgID)
	return true, nil
}

// refreshPreview sets the inbox's preview of a conversation again after
// one of its messages was edited or deleted: the newest message still
// there, as ingest and replies set it, so the list does not go on showing
// what the customer took back ("" when nothing is left).
func (s *Store) refreshPreview(ctx context.Context, tx *sql.Tx, convID int64) error {
	var text string
	err := tx.QueryRowContext(ctx, s.q("NewestText"), convID).Scan(&text)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	_, err = tx.ExecContext(ctx, s.q("SetPreview"), Preview(text), convID)
	return err
}

// LabelInput is what the classifiers read of a customer's message.
type LabelInput struct {
	Text, Subject       string
	Channel, Visibility string // the account's channel; public or private
	ToHandle            string // the brand account's handle
	Followers           int64
	Attachments         int // how many files the message carries
}

// SetLabeller gives the store the classifiers, to read a message again
// when the customer edits it. Without one, an edit keeps its labels.
func (s *Store) SetLabeller(f func(LabelInput) any) { s.labeller = f }

// Revisions lists a message's earlier versions, oldest first.
func (s *Store) Revisions(ctx context.Context, messageID int64) ([]Revision, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("RevisionsOf"), messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var r Revision
		if err := rows.Scan(&r.ID, &r.Text, &r.ReplacedAt, &r.Kind); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
