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

// SettleLabels sets, inside a transaction holding the conversation
// (ConversationForAction), the labels it shows and filters by from its
// customer's messages as they are labelled now: while it waits for our
// reply, from every message it waits on, as the ingest writer folds them
// in (TouchInbound); else from the latest. Deleted messages say nothing;
// when every one is deleted, the thread keeps the labels it had.
func SettleLabels(ctx context.Context, tx *sql.Tx, d db.Dialect, conv Conversation) error {
	query := "LatestLabels"
	if conv.WaitingSince > 0 && conv.Status != hark.StatusResolved {
		query = "WaitingLabels"
	}
	rows, err := tx.QueryContext(ctx, queries.Get(d, query), conv.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var l *ThreadLabels
	for rows.Next() { // newest first
		var labelsJSON string
		if err := rows.Scan(&labelsJSON); err != nil {
			return err
		}
		var m struct {
			L *struct {
				Intent     string `json:"intent"`
				Sentiment  string `json:"sentiment"`
				NeedsReply bool   `json:"needs_reply"`
			} `json:"classify"`
		}
		if json.Unmarshal([]byte(labelsJSON), &m) != nil || m.L == nil {
			continue // not labelled (stored before the classifiers ran)
		}
		if l == nil {
			l = &ThreadLabels{Intent: m.L.Intent, Sentiment: m.L.Sentiment, NeedsReply: m.L.NeedsReply}
			continue
		}
		l.fold(ThreadLabels{Intent: m.L.Intent, NeedsReply: m.L.NeedsReply})
	}
	if err := rows.Err(); err != nil || l == nil {
		return err
	}
	_, err = tx.ExecContext(ctx, queries.Get(d, "SetThreadLabels"), l.Intent, l.Sentiment, boolInt(l.NeedsReply), conv.ID)
	return err
}

// fold adds an older unanswered message's labels to a waiting thread's:
// the intent an agent most needs to know wins (hark.Intents' order), and
// the thread needs a reply if either does. The sentiment stays the newer.
func (l *ThreadLabels) fold(older ThreadLabels) {
	l.NeedsReply = l.NeedsReply || older.NeedsReply
	l.Intent = strongerIntent(l.Intent, older.Intent)
}

// strongerIntent is whichever of a and b comes first in hark.Intents; an
// unknown or empty intent is the weakest.
func strongerIntent(a, b string) string {
	rank := func(x string) int {
		if i := slices.Index(hark.Intents, x); i >= 0 {
			return i
		}
		return len(hark.Intents)
	}
	if rank(b) < rank(a) {
		return b
	}
	return a
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
// training run, relabels the message, and settles its conversation's
// labels again (SettleLabels).
func (s *Store) Correct(ctx context.Context, c Correction) (Message, error) {
	if !slices.Contains(hark.Intents, c.Intent) {
		return Message{}, fmt.Errorf("%w: unknown intent %q", hark.ErrInvalid, c.Intent)
	}
	m, err := s.Message(ctx, c.MessageID)
	if err != nil {
		return Message{}, err
	}
	convID := m.ConversationID
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The conversation first, as every action takes it: on PostgreSQL,
		// a message ingested meanwhile is then either settled below or
		// folded in after, never overwritten by an older one's labels.
		conv, err := scanConversation(tx.QueryRowContext(ctx, s.q("ConversationForAction"), convID))
		if err != nil {
			return err
		}
		var text, labelsJSON, direction, channel, handle, visibility, subject string
		var wsID, msgConv int64
		err = tx.QueryRowContext(ctx, s.q("MessageForCorrection"), c.MessageID).Scan(&text, &wsID, &msgConv, &labelsJSON, &direction, &channel, &handle, &visibility, &subject)
		if err == sql.ErrNoRows || (err == nil && msgConv != convID) {
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
		if err := SettleLabels(ctx, tx, s.db.Dialect, conv); err != nil {
			return err
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
