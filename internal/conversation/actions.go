package conversation

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// MaxReplyLength bounds a reply; channels have their own, smaller limits.
const MaxReplyLength = 20000

// Change describes what happened to a conversation, for live views.
type Change struct {
	WorkspaceID    int64  `json:"workspace_id"`
	ConversationID int64  `json:"conversation_id"`
	Kind           string `json:"kind"`
	MessageID      int64  `json:"message_id,omitempty"`
}

// OnChange, when set, is told of every change an action commits.
func (s *Store) OnChange(fn func(Change)) { s.changed = fn }

func (s *Store) notify(c Conversation, kind string, msgID int64) {
	if s.changed != nil {
		s.changed(Change{WorkspaceID: c.WorkspaceID, ConversationID: c.ID, Kind: kind, MessageID: msgID})
	}
}

// act runs fn in a transaction on a conversation, logs the activity, and
// returns the conversation as committed.
func (s *Store) act(ctx context.Context, convID, userID int64, kind string, detail any, fn func(tx *sql.Tx, c *Conversation) error) (Conversation, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := s.actIn(ctx, tx, convID, userID, kind, detail, fn)
		return err
	})
	if err != nil {
		return Conversation{}, err
	}
	c, err := s.getW(ctx, convID)
	if err == nil {
		s.notify(c, kind, 0)
	}
	return c, err
}

// actIn runs fn on a conversation inside tx and logs the activity, so
// that several actions (a hand-off's) commit together or not at all.
// Actions on one conversation take turns (see ConversationForAction), so
// fn sees what the one before wrote. detail is logged as fn leaves it.
func (s *Store) actIn(ctx context.Context, tx *sql.Tx, convID, userID int64, kind string, detail any, fn func(tx *sql.Tx, c *Conversation) error) (Conversation, error) {
	c, err := scanConversation(tx.QueryRowContext(ctx, s.q("ConversationForAction"), convID))
	if err == sql.ErrNoRows {
		return c, fmt.Errorf("conversation %d: %w", convID, hark.ErrNotFound)
	}
	if err != nil {
		return c, err
	}
	if err := fn(tx, &c); err != nil {
		return c, err
	}
	b, _ := json.Marshal(detail)
	var uid any
	if userID != 0 {
		uid = userID
	}
	_, err = tx.ExecContext(ctx, s.q("InsertActivity"), db.NewID(), c.WorkspaceID, c.ID, uid, kind, string(b), db.Now())
	return c, err
}

// ReplyInput is an agent's answer to a conversation.
type ReplyInput struct {
	ConversationID int64
	UserID         int64
	Text           string
	Author         Author // the brand account as the customer will see it
	// ReplyTo names the provider message answered; empty means the
	// customer's latest message in the conversation.
	ReplyTo string
	// Key is an API client's Idempotency-Key: the same user replying
	// again with the same key gets the first reply back (ErrReplayed)
	// instead of a second one sent to the customer.
	Key string
	// SeenUpTo, when set, is the newest message of the conversation the
	// agent had in front of them: a reply someone else made after it
	// refuses this one (*AnsweredError), so that two agents who both
	// answer do not both reach the customer unawares.
	SeenUpTo int64
}

// ErrReplayed is returned with the reply an Idempotency-Key already made.
var ErrReplayed = errors.New("this Idempotency-Key already made a reply")

// errKeyUsed is Reply finding its key's reply already made, for replayed.
var errKeyUsed = errors.New("the Idempotency-Key made a reply already")

// Replayed is the reply in's Idempotency-Key already made, with
// ErrReplayed, for a caller that checks more before Reply (the channel's
// rules): a retry is answered with what the first request did, whatever
// changed since. It returns nothing and no error when the key made none.
func (s *Store) Replayed(ctx context.Context, in ReplyInput) (Message, error) {
	if in.Key == "" {
		return Message{}, nil
	}
	key := outboxKey(Message{}, in)
	err := s.db.W.QueryRowContext(ctx, s.q("ReplyByKey"), key).Scan(new(int64))
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, nil
	}
	if err != nil {
		return Message{}, err
	}
	return s.replayed(ctx, in, key, ErrReplayed)
}

// outboxKey is the key the outbox and the providers know a reply by:
// its id, or a digest of the user's own key, so that a retried request
// collides with the first in the outbox's unique index.
func outboxKey(m Message, in ReplyInput) string {
	if in.Key == "" {
		return fmt.Sprintf("hark-%d", m.ID)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s", in.UserID, in.Key)))
	return "api-" + hex.EncodeToString(sum[:16])
}

// Reply records an agent's answer and queues it in the outbox in the same
// transaction, so it is durable before any connector tries to send it.
func (s *Store) Reply(ctx context.Context, in ReplyInput) (Message, error) {
	text, err := replyText(in.Text)
	if err != nil {
		return Message{}, err
	}
	if !hark.Storable(in.Key) {
		return Message{}, fmt.Errorf("%w: the reply is not valid UTF-8 or holds a NUL character", hark.ErrInvalid)
	}
	m := newReply(in, text)
	c, err := s.act(ctx, in.ConversationID, in.UserID, "replied", map[string]any{"message_id": m.ID}, func(tx *sql.Tx, c *Conversation) error {
		// A retry of a reply already made gets it back, before any check
		// that could refuse it: the answer the first one got since is the
		// retried reply's own, and a refusal would invite a second.
		if in.Key != "" {
			err := tx.QueryRowContext(ctx, s.q("ReplyByKey"), outboxKey(m, in)).Scan(new(int64))
			if err == nil {
				return errKeyUsed
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if err := s.checkUnanswered(ctx, tx, c.ID, in.UserID, in.SeenUpTo); err != nil {
			return err
		}
		return s.queueReply(ctx, tx, c, in, &m)
	})
	if err != nil && in.Key != "" && (errors.Is(err, errKeyUsed) || db.IsUniqueViolation(err)) {
		return s.replayed(ctx, in, outboxKey(m, in), err)
	}
	if err != nil {
		return Message{}, err
	}
	s.notify(c, "message", m.ID)
	return m, nil
}

// AnsweredError refuses a reply because someone else answered the
// customer after the newest message its writer had seen (SeenUpTo).
type AnsweredError struct {
	Reply Message // the answer they had not seen
}

func (e *AnsweredError) Error() string {
	return fmt.Sprintf("%v: the customer was answered (message %d, at %s) after the newest message you had seen",
		hark.ErrConflict, e.Reply.ID, time.UnixMilli(e.Reply.SentAt).UTC().Format(time.RFC3339))
}

// Unwrap makes it a hark.ErrConflict.
func (e *AnsweredError) Unwrap() error { return hark.ErrConflict }

// checkUnanswered refuses userID's reply to conversation convID with an
// *AnsweredError if someone else replied after message seenUpTo (0: the
// caller did not say what it had seen). It runs in the reply's own
// transaction, after ConversationForAction, so two replies racing each
// other are checked one after the other.
func (s *Store) checkUnanswered(ctx context.Context, tx *sql.Tx, convID, userID, seenUpTo int64) error {
	if seenUpTo == 0 {
		return nil
	}
	m, err := scanMessage(tx.QueryRowContext(ctx, s.q("AnsweredSince"), convID, seenUpTo, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("replies since message %d: %w", seenUpTo, err)
	}
	return &AnsweredError{Reply: m}
}

// replyText is a reply's text as it is sent, or why it cannot be.
func replyText(text string) (string, error) { return checkedText("reply", text) }

// checkedText is an agent's text of kind (a reply, a note) as it is
// stored, or why it cannot be: measured in characters, as the desk's
// form counts them.
func checkedText(kind, text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", fmt.Errorf("%w: %s is empty", hark.ErrInvalid, kind)
	}
	if !hark.Storable(text) {
		return "", fmt.Errorf("%w: the %s is not valid UTF-8 or holds a NUL character", hark.ErrInvalid, kind)
	}
	if utf8.RuneCountInString(text) > MaxReplyLength {
		return "", fmt.Errorf("%w: %s is longer than %d characters", hark.ErrInvalid, kind, MaxReplyLength)
	}
	return text, nil
}

// newReply is a reply of text (checked by replyText) before it is queued.
func newReply(in ReplyInput, text string) Message {
	return Message{ID: db.NewID(), Direction: "out", UserID: in.UserID, Text: text, Author: in.Author,
		Attachments: []Attachment{}, SendStatus: "queued"}
}

// queueReply stores m as c's reply and queues it in the outbox, in tx.
func (s *Store) queueReply(ctx context.Context, tx *sql.Tx, c *Conversation, in ReplyInput, m *Message) error {
	now := db.Now()
	m.WorkspaceID, m.ConversationID, m.AccountID, m.SentAt, m.ReceivedAt = c.WorkspaceID, c.ID, c.AccountID, now, now
	m.ReplyToProviderID = in.ReplyTo
	if m.ReplyToProviderID == "" {
		var err error
		if m.ReplyToProviderID, _, err = s.replyTarget(ctx, tx, *c); err != nil {
			return err
		}
	}
	var uid any // a reply sent by automation has no user
	if in.UserID != 0 {
		uid = in.UserID
	}
	_, err := tx.ExecContext(ctx, s.q("InsertMessage"), m.ID, m.WorkspaceID, m.ConversationID, m.AccountID, "out", nil,
		m.Author.ExternalID, m.Author.Name, m.Author.Handle, m.Author.Followers, m.Author.Verified, uid, m.Text,
		SearchText(m.Text), "[]", m.ReplyToProviderID, m.SendStatus, "{}", now, now, "")
	if err != nil {
		return fmt.Errorf("insert reply: %w", err)
	}
	_, err = tx.ExecContext(ctx, s.q("InsertOutbox"), db.NewID(), m.ID, m.AccountID, outboxKey(*m, in), now, now, now)
	if err != nil {
		return fmt.Errorf("queue reply: %w", err)
	}
	_, err = tx.ExecContext(ctx, s.q("TouchOutbound"), Preview(m.Text), now, now, c.ID)
	return err
}

// replayed returns the reply a retried request's key already made, or a
// conflict if the key made another reply than this one.
func (s *Store) replayed(ctx context.Context, in ReplyInput, key string, cause error) (Message, error) {
	var id int64
	if err := s.db.W.QueryRowContext(ctx, s.q("ReplyByKey"), key).Scan(&id); err != nil {
		return Message{}, fmt.Errorf("%w (and finding the reply it made: %v)", cause, err)
	}
	m, err := s.Message(ctx, id)
	if err != nil {
		return Message{}, err
	}
	if m.ConversationID != in.ConversationID || m.Text != strings.TrimSpace(in.Text) {
		return Message{}, fmt.Errorf("%w: this Idempotency-Key made another reply (message %d)", hark.ErrConflict, m.ID)
	}
	return m, ErrReplayed
}

// Assign gives a conversation to an agent; zero unassigns it.
func (s *Store) Assign(ctx context.Context, convID, byUser, assignee int64) (Conversation, error) {
	return s.act(ctx, convID, byUser, "assigned", map[string]any{"assignee_id": assignee}, func(tx *sql.Tx, c *Conversation) error {
		var a any
		if assignee != 0 {
			a = assignee
		}
		_, err := tx.ExecContext(ctx, s.q("SetAssignee"), a, db.Now(), c.ID)
		return err
	})
}

// Release gives back to the unassigned queue every conversation not yet
// resolved that is in userID's name, for someone who left or can no
// longer answer: the rest of the team skips a thread someone holds. Each
// is logged as assigned to nobody by the system, and counted.
func (s *Store) Release(ctx context.Context, userID int64) (int, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("AssignedTo"), userID)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	errTaken := errors.New("assigned to someone else meanwhile")
	n := 0
	for _, id := range ids {
		_, err := s.act(ctx, id, 0, "assigned", map[string]any{"assignee_id": 0, "released": userID}, func(tx *sql.Tx, c *Conversation) error {
			if c.AssigneeID != userID {
				return errTaken
			}
			_, err := tx.ExecContext(ctx, s.q("SetAssignee"), nil, db.Now(), c.ID)
			return err
		})
		if errors.Is(err, errTaken) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// SetTeam gives a conversation to a team; zero clears it.
func (s *Store) SetTeam(ctx context.Context, convID, byUser, teamID int64) (Conversation, error) {
	return s.act(ctx, convID, byUser, "team", map[string]any{"team_id": teamID}, func(tx *sql.Tx, c *Conversation) error {
		var t any
		if teamID != 0 {
			t = teamID
		}
		_, err := tx.ExecContext(ctx, s.q("SetTeam"), t, db.Now(), c.ID)
		return err
	})
}

// SetStatus moves a conversation through open, pending, snoozed and
// resolved. Snoozing needs a time to wake up.
func (s *Store) SetStatus(ctx context.Context, convID, byUser int64, status string, snoozeUntil time.Time) (Conversation, error) {
	if !hark.ValidStatus(status) {
		return Conversation{}, fmt.Errorf("%w: status must be one of %s", hark.ErrInvalid, strings.Join(hark.Statuses, ", "))
	}
	var until int64
	if status == hark.StatusSnoozed {
		if snoozeUntil.IsZero() || snoozeUntil.Before(time.Now()) {
			return Conversation{}, fmt.Errorf("%w: snooze needs a time in the future", hark.ErrInvalid)
		}
		until = snoozeUntil.UnixMilli()
	}
	return s.act(ctx, convID, byUser, "status", map[string]any{"status": status, "until": until}, func(tx *sql.Tx, c *Conversation) error {
		_, err := tx.ExecContext(ctx, s.q("SetStatus"), status, until, db.Now(), c.ID)
		return err
	})
}

// SetPriority sets a conversation's priority (higher is more urgent).
func (s *Store) SetPriority(ctx context.Context, convID, byUser int64, priority int) (Conversation, error) {
	return s.act(ctx, convID, byUser, "priority", map[string]any{"priority": priority}, func(tx *sql.Tx, c *Conversation) error {
		_, err := tx.ExecContext(ctx, s.q("SetPriority"), priority, db.Now(), c.ID)
		return err
	})
}

var tagRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_:.-]{0,39}$`)

// NormalizeTag lower-cases a tag and checks it is one short word.
func NormalizeTag(t string) (string, error) {
	t = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "#")))
	if !tagRE.MatchString(t) {
		return "", fmt.Errorf("%w: tag %q: one word of letters, digits, _ : . or -, at most 40 characters", hark.ErrInvalid, t)
	}
	return t, nil
}

// Tag adds and removes tags.
func (s *Store) Tag(ctx context.Context, convID, byUser int64, add, remove []string) (Conversation, error) {
	norm := func(in []string) ([]string, error) {
		var out []string
		for _, t := range in {
			n, err := NormalizeTag(t)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	}
	add, err := norm(add)
	if err != nil {
		return Conversation{}, err
	}
	remove, err = norm(remove)
	if err != nil {
		return Conversation{}, err
	}
	return s.act(ctx, convID, byUser, "tagged", map[string]any{"add": add, "remove": remove}, func(tx *sql.Tx, c *Conversation) error {
		for _, t := range add {
			if _, err := tx.ExecContext(ctx, s.q("AddTag"), c.ID, t); err != nil {
				return err
			}
		}
		for _, t := range remove {
			if _, err := tx.ExecContext(ctx, s.q("RemoveTag"), c.ID, t); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, s.q("TagsOf"), c.ID)
		if err != nil {
			return err
		}
		var tags []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			tags = append(tags, t)
		}
		rows.Close()
		if len(tags) > 30 {
			return fmt.Errorf("%w: at most 30 tags on a conversation", hark.ErrInvalid)
		}
		slices.Sort(tags)
		_, err = tx.ExecContext(ctx, s.q("SetTags"), strings.Join(tags, " "), db.Now(), c.ID)
		return err
	})
}

// AddNote leaves an internal note.
func (s *Store) AddNote(ctx context.Context, convID, userID int64, body string) (Note, error) {
	body, err := checkedText("note", body)
	if err != nil {
		return Note{}, err
	}
	n := Note{ID: db.NewID(), ConversationID: convID, UserID: userID, Body: body, CreatedAt: db.Now()}
	_, err = s.act(ctx, convID, userID, "note", map[string]any{"note_id": n.ID}, func(tx *sql.Tx, c *Conversation) error {
		_, err := tx.ExecContext(ctx, s.q("InsertNote"), n.ID, c.ID, userID, n.Body, n.CreatedAt)
		return err
	})
	return n, err
}

// Link joins two conversations of the same customer (a public post and its
// private follow-up) so each shows the other.
func (s *Store) Link(ctx context.Context, a, b, byUser int64) error {
	if a == b {
		return fmt.Errorf("%w: a conversation cannot be linked to itself", hark.ErrInvalid)
	}
	_, err := s.act(ctx, a, byUser, "linked", map[string]any{"linked_id": b}, func(tx *sql.Tx, c *Conversation) error {
		now := db.Now()
		if _, err := tx.ExecContext(ctx, s.q("LinkConversations"), b, now, a); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("LinkConversations"), a, now, b)
		return err
	})
	return err
}

// WakeSnoozed reopens snoozed conversations whose time has come.
func (s *Store) WakeSnoozed(ctx context.Context) (int64, error) {
	now := db.Now()
	res, err := s.db.W.ExecContext(ctx, s.q("WakeSnoozed"), now, now)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
