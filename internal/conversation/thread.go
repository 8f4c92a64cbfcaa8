package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// Threading windows. A public follow-up by the same author soon after their
// last post belongs to the same thread; a private thread resolved recently is
// reopened rather than duplicated.
var (
	FollowUpWindow = time.Hour
	ReopenWindow   = 7 * 24 * time.Hour
)

// Inbound is a customer's message ready to be stored: normalised, with its
// author resolved to a contact.
type Inbound struct {
	WorkspaceID   int64
	AccountID     int64
	Channel       string
	Visibility    string // public or private
	ProviderID    string
	ReplyTo       []string // provider ids of the messages it answers, nearest first
	ByParticipant bool     // thread private messages by who sent them (DMs, chat, SMS)
	ContactID     int64
	ContactName   string
	ContactHandle string
	Author        Author
	Text          string
	Subject       string
	Attachments   []Attachment
	Labels        json.RawMessage
	SentAt        int64
	ReceivedAt    int64
	Raw           []byte
}

// Stored says where an inbound message went.
type Stored struct {
	MessageID       int64 `json:"message_id"`
	ConversationID  int64 `json:"conversation_id"`
	Duplicate       bool  `json:"duplicate"`
	NewConversation bool  `json:"new_conversation"`
	Reopened        bool  `json:"reopened"`
}

// Writer stores inbound messages inside one ingest transaction, with its
// statements prepared once per batch.
type Writer struct {
	stmts map[string]*sql.Stmt
}

var writerQueries = []string{"MessageByProvider", "LatestThread", "CreateConversation", "InsertMessage", "TouchInbound", "InsertActivity", "ConversationByID"}

// NewWriter prepares a Writer on tx.
func NewWriter(ctx context.Context, tx *sql.Tx, d db.Dialect) (*Writer, error) {
	w := &Writer{stmts: map[string]*sql.Stmt{}}
	for _, name := range writerQueries {
		st, err := tx.PrepareContext(ctx, queries.Get(d, name))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		w.stmts[name] = st
	}
	return w, nil
}

// Close releases the statements.
func (w *Writer) Close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// Existing finds a message already stored under a provider id.
func (w *Writer) Existing(ctx context.Context, accountID int64, providerID string) (msgID, convID int64, err error) {
	err = w.stmts["MessageByProvider"].QueryRowContext(ctx, accountID, providerID).Scan(&msgID, &convID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return msgID, convID, err
}

// AddInbound threads and stores one inbound message. The caller has checked
// for duplicates with Existing in the same transaction.
func (w *Writer) AddInbound(ctx context.Context, in *Inbound) (Stored, error) {
	var st Stored
	convID, reopened, err := w.thread(ctx, in)
	if err != nil {
		return st, err
	}
	now := db.Now()
	if convID == 0 {
		convID = db.NewID()
		_, err := w.stmts["CreateConversation"].ExecContext(ctx, convID, in.WorkspaceID, in.AccountID, in.Channel, in.ContactID,
			in.Visibility, in.Subject, in.ContactName, in.ContactHandle, Preview(in.Text), in.SentAt, now, now)
		if err != nil {
			return st, fmt.Errorf("create conversation: %w", err)
		}
		st.NewConversation = true
		if err := w.activity(ctx, in.WorkspaceID, convID, "created", map[string]any{"channel": in.Channel, "visibility": in.Visibility}); err != nil {
			return st, err
		}
	}
	if reopened {
		st.Reopened = true
		if err := w.activity(ctx, in.WorkspaceID, convID, "reopened", map[string]any{"by": "customer"}); err != nil {
			return st, err
		}
	}
	att, _ := json.Marshal(in.Attachments)
	if in.Attachments == nil {
		att = []byte("[]")
	}
	labels := string(in.Labels)
	if labels == "" {
		labels = "{}"
	}
	st.MessageID, st.ConversationID = db.NewID(), convID
	replyTo := ""
	if len(in.ReplyTo) > 0 {
		replyTo = in.ReplyTo[0]
	}
	_, err = w.stmts["InsertMessage"].ExecContext(ctx, st.MessageID, in.WorkspaceID, convID, in.AccountID, "in", in.ProviderID,
		in.Author.ExternalID, in.Author.Name, in.Author.Handle, in.Author.Followers, in.Author.Verified, nil, in.Text,
		string(att), replyTo, "", labels, in.SentAt, in.ReceivedAt, string(in.Raw))
	if err != nil {
		return st, fmt.Errorf("insert message %s: %w", in.ProviderID, err)
	}
	_, err = w.stmts["TouchInbound"].ExecContext(ctx, Preview(in.Text), in.ContactID, in.ContactName, in.ContactID, in.ContactHandle, in.SentAt, in.SentAt, in.SentAt, now, convID)
	if err != nil {
		return st, fmt.Errorf("update conversation %d: %w", convID, err)
	}
	return st, nil
}

// thread picks the conversation an inbound message belongs to: the thread of
// the message it replies to; else, for private channels, the customer's
// current thread on this account; else, in public, the same author's thread
// if they posted within the follow-up window. Zero means a new conversation.
func (w *Writer) thread(ctx context.Context, in *Inbound) (convID int64, reopened bool, err error) {
	for _, ref := range in.ReplyTo {
		if ref == "" {
			continue
		}
		_, convID, err = w.Existing(ctx, in.AccountID, ref)
		if err != nil {
			return 0, false, err
		}
		if convID != 0 {
			st, err := w.status(ctx, convID)
			return convID, st == hark.StatusResolved, err
		}
	}
	if in.Visibility == "private" && !in.ByParticipant {
		return 0, false, nil
	}
	var id, lastMsg, lastIn int64
	var status string
	err = w.stmts["LatestThread"].QueryRowContext(ctx, in.AccountID, in.ContactID, in.Visibility).Scan(&id, &status, &lastMsg, &lastIn)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find thread: %w", err)
	}
	if in.Visibility == "private" {
		if status != hark.StatusResolved {
			return id, false, nil
		}
		if in.SentAt-lastMsg <= ReopenWindow.Milliseconds() {
			return id, true, nil
		}
		return 0, false, nil
	}
	if status != hark.StatusResolved && in.SentAt-lastIn <= FollowUpWindow.Milliseconds() {
		return id, false, nil
	}
	return 0, false, nil
}

func (w *Writer) status(ctx context.Context, id int64) (string, error) {
	c, err := scanConversation(w.stmts["ConversationByID"].QueryRowContext(ctx, id))
	return c.Status, err
}

func (w *Writer) activity(ctx context.Context, workspaceID, convID int64, kind string, detail any) error {
	b, _ := json.Marshal(detail)
	_, err := w.stmts["InsertActivity"].ExecContext(ctx, db.NewID(), workspaceID, convID, nil, kind, string(b), db.Now())
	if err != nil {
		return fmt.Errorf("log %s: %w", kind, err)
	}
	return nil
}
