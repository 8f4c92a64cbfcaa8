package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// LabelsKey is where the classifiers' labels live in a message's labels.
const LabelsKey = "classify"

// SetThreadLabels records, inside a transaction, what the
// classifiers made of a conversation's latest customer message, so the
// inbox filters and badges without reading messages.
func SetThreadLabels(ctx context.Context, tx *sql.Tx, d db.Dialect, convID int64, intent, sentiment string, needsReply bool) error {
	_, err := tx.ExecContext(ctx, queries.Get(d, "SetThreadLabels"), intent, sentiment, boolInt(needsReply), convID)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Correction is an agent's fix of a message's intent and needs_reply.
type Correction struct {
	MessageID  int64
	UserID     int64
	Intent     string
	NeedsReply bool
}

// Correct stores an agent's correction as a labelled example for the next
// training run, relabels the message, and the conversation too when the
// message is its customer's latest.
func (s *Store) Correct(ctx context.Context, c Correction) (Message, error) {
	if !slices.Contains(hark.Intents, c.Intent) {
		return Message{}, fmt.Errorf("%w: unknown intent %q", hark.ErrInvalid, c.Intent)
	}
	var convID int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var text, labelsJSON, direction, channel, handle, visibility, subject string
		var wsID int64
		err := tx.QueryRowContext(ctx, s.q("MessageForCorrection"), c.MessageID).Scan(&text, &wsID, &convID, &labelsJSON, &direction, &channel, &handle, &visibility, &subject)
		if err == sql.ErrNoRows {
			return fmt.Errorf("message %d: %w", c.MessageID, hark.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if direction != "in" {
			return fmt.Errorf("%w: only customers' messages are labelled", hark.ErrInvalid)
		}
		labels := map[string]any{}
		json.Unmarshal([]byte(labelsJSON), &labels)
		was, _ := labels[LabelsKey].(map[string]any)
		if was == nil {
			was = map[string]any{}
		}
		wasJSON, _ := json.Marshal(was)
		now := db.Now()
		// Stored as the classifier read it, so training reads it the same.
		channel = hark.ClassifierChannel(channel, visibility)
		// The thread keeps its first e-mail's subject: what the classifier
		// read before that message's body, and before a reply's with "Re: ".
		text = hark.ClassifierText(subject, text)
		if _, err := tx.ExecContext(ctx, s.q("InsertCorrection"), db.NewID(), wsID, c.MessageID, c.UserID, channel, handle, text,
			c.Intent, boolInt(c.NeedsReply), string(wasJSON), now); err != nil {
			return fmt.Errorf("store correction: %w", err)
		}
		fixed := map[string]any{}
		for k, v := range was {
			fixed[k] = v
		}
		fixed["intent"], fixed["needs_reply"], fixed["corrected_by"] = c.Intent, c.NeedsReply, c.UserID
		if c.NeedsReply {
			fixed["needs_reply_p"] = 1.0
		} else {
			fixed["needs_reply_p"] = 0.0
		}
		labels[LabelsKey] = fixed
		b, _ := json.Marshal(labels)
		if _, err := tx.ExecContext(ctx, s.q("SetMessageLabels"), string(b), c.MessageID); err != nil {
			return err
		}
		var latest int64
		if err := tx.QueryRowContext(ctx, s.q("LatestInboundID"), convID).Scan(&latest); err != nil {
			return err
		}
		if latest == c.MessageID {
			sentiment, _ := fixed["sentiment"].(string)
			if err := SetThreadLabels(ctx, tx, s.db.Dialect, convID, c.Intent, sentiment, c.NeedsReply); err != nil {
				return err
			}
		}
		detail, _ := json.Marshal(map[string]any{"message_id": c.MessageID, "intent": c.Intent, "needs_reply": c.NeedsReply, "was": was["intent"]})
		_, err = tx.ExecContext(ctx, s.q("InsertActivity"), db.NewID(), wsID, convID, c.UserID, "labelled", string(detail), now)
		return err
	})
	if err != nil {
		return Message{}, err
	}
	if conv, err := s.getW(ctx, convID); err == nil {
		s.notify(conv, "labelled", c.MessageID)
	}
	return s.Message(ctx, c.MessageID)
}

// ExportCorrections writes every correction as a tab-separated labelled
// set, in the columns of the project's own labelled data (text, intent,
// needs_reply, channel, to_handle), for the next training run.
func (s *Store) ExportCorrections(ctx context.Context, w io.Writer) (int, error) {
	if _, err := io.WriteString(w, "text\tintent\tneeds_reply\tchannel\tto_handle\n"); err != nil {
		return 0, err
	}
	clean := strings.NewReplacer("\t", " ", "\r", " ", "\n", " ")
	n := 0
	var after int64
	for {
		rows, err := s.db.R.QueryContext(ctx, s.q("Corrections"), after)
		if err != nil {
			return n, err
		}
		got := 0
		for rows.Next() {
			var id, at int64
			var text, intent, channel, handle, was string
			var needs int
			if err := rows.Scan(&id, &text, &intent, &needs, &channel, &handle, &was, &at); err != nil {
				rows.Close()
				return n, err
			}
			after, got = id, got+1
			yes := "no"
			if needs == 1 {
				yes = "yes"
			}
			if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", clean.Replace(text), intent, yes, channel, handle); err != nil {
				rows.Close()
				return n, err
			}
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		if got == 0 {
			return n, nil
		}
	}
}
