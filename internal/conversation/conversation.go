// Package conversation keeps threads with customers: their messages, notes,
// tags, assignment and status, and the append-only log of who did what.
package conversation

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

//go:embed sql
var sqlFS embed.FS

var queries = db.MustLoadQueries(sqlFS, "sql")

// Conversation is a thread with one customer on one channel account. The row
// carries what the inbox shows so that listing never joins.
type Conversation struct {
	ID            int64    `json:"id"`
	WorkspaceID   int64    `json:"workspace_id"`
	AccountID     int64    `json:"account_id"`
	Channel       string   `json:"channel"`
	ContactID     int64    `json:"contact_id"`
	Visibility    string   `json:"visibility"`
	Status        string   `json:"status"`
	AssigneeID    int64    `json:"assignee_id,omitempty"`
	TeamID        int64    `json:"team_id,omitempty"`
	Priority      int      `json:"priority"`
	Subject       string   `json:"subject,omitempty"`
	Tags          []string `json:"tags"`
	ContactName   string   `json:"contact_name"`
	ContactHandle string   `json:"contact_handle,omitempty"`
	Preview       string   `json:"preview"`
	MessageCount  int      `json:"message_count"`
	LastMessageAt int64    `json:"last_message_at"`
	LastInboundAt int64    `json:"last_inbound_at"`
	WaitingSince  int64    `json:"waiting_since"`
	SnoozedUntil  int64    `json:"snoozed_until,omitempty"`
	LinkedID      int64    `json:"linked_id,omitempty"`
	CreatedAt     int64    `json:"created_at"`
	UpdatedAt     int64    `json:"updated_at"`
	// What the classifiers made of the customer's latest message.
	Intent     string `json:"intent,omitempty"`
	Sentiment  string `json:"sentiment,omitempty"`
	NeedsReply bool   `json:"needs_reply"`
	// The language the customer last wrote in, where the classifier could
	// name it (ISO 639-1).
	Language string `json:"language,omitempty"`
}

// Author is a snapshot of who wrote a message, as the channel showed them then.
type Author struct {
	ExternalID string `json:"external_id,omitempty"`
	Name       string `json:"name"`
	Handle     string `json:"handle,omitempty"`
	Followers  int64  `json:"followers"`
	Verified   bool   `json:"verified"`
}

// Attachment is a reference to a file kept by the provider or a blob store.
type Attachment struct {
	URL  string `json:"url"`
	Type string `json:"type,omitempty"`
	Name string `json:"name,omitempty"`
	Size int64  `json:"size,omitempty"`
}

// Message is one inbound or outbound message.
type Message struct {
	ID                int64           `json:"id"`
	WorkspaceID       int64           `json:"workspace_id"`
	ConversationID    int64           `json:"conversation_id"`
	AccountID         int64           `json:"account_id"`
	Direction         string          `json:"direction"`
	ProviderID        string          `json:"provider_id,omitempty"`
	Author            Author          `json:"author"`
	UserID            int64           `json:"user_id,omitempty"`
	Text              string          `json:"text"`
	Attachments       []Attachment    `json:"attachments"`
	ReplyToProviderID string          `json:"reply_to_provider_id,omitempty"`
	SendStatus        string          `json:"send_status,omitempty"`
	SendError         string          `json:"send_error,omitempty"`
	Labels            json.RawMessage `json:"labels,omitempty"`
	SentAt            int64           `json:"sent_at"`
	ReceivedAt        int64           `json:"received_at"`
	EditedAt          int64           `json:"edited_at,omitempty"`
	DeletedAt         int64           `json:"deleted_at,omitempty"`
}

// Note is an internal note agents leave on a conversation; customers never see it.
type Note struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	UserID         int64  `json:"user_id"`
	UserName       string `json:"user_name"`
	Body           string `json:"body"`
	CreatedAt      int64  `json:"created_at"`
}

// Activity is one line of the append-only log.
type Activity struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	UserID         int64           `json:"user_id,omitempty"`
	UserName       string          `json:"user_name,omitempty"`
	Kind           string          `json:"kind"`
	Detail         json.RawMessage `json:"detail"`
	CreatedAt      int64           `json:"created_at"`
}

// Store reads and changes conversations.
type Store struct {
	db       *db.DB
	changed  func(Change)
	labeller func(LabelInput) any // SetLabeller

	countMu   sync.Mutex
	counts    map[Filter]cachedCounts // slow counts (Filter is comparable: keep it so)
	slowCount time.Duration           // a count slower than this is cached (CacheCountsAfter)
	flights   map[Filter]*countFlight // counts under way
	onCount   func(context.Context)   // tests: called as each count's query starts
}

// New returns a Store over d.
func New(d *db.DB) *Store { return &Store{db: d, slowCount: slowCount} }

func (s *Store) q(name string) string { return queries.Get(s.db.Dialect, name) }

const conversationColumns = `id, workspace_id, account_id, channel, contact_id, visibility, status, assignee_id, team_id, priority,
       subject, tags, contact_name, contact_handle, preview, message_count, last_message_at, last_inbound_at,
       waiting_since, snoozed_until, linked_id, created_at, updated_at, intent, sentiment, needs_reply, language`

type scanner interface{ Scan(...any) error }

func scanConversation(r scanner) (Conversation, error) {
	var c Conversation
	var assignee, team, linked sql.NullInt64
	var tags string
	err := r.Scan(&c.ID, &c.WorkspaceID, &c.AccountID, &c.Channel, &c.ContactID, &c.Visibility, &c.Status, &assignee, &team,
		&c.Priority, &c.Subject, &tags, &c.ContactName, &c.ContactHandle, &c.Preview, &c.MessageCount, &c.LastMessageAt,
		&c.LastInboundAt, &c.WaitingSince, &c.SnoozedUntil, &linked, &c.CreatedAt, &c.UpdatedAt, &c.Intent, &c.Sentiment, &c.NeedsReply,
		&c.Language)
	c.AssigneeID, c.TeamID, c.LinkedID = assignee.Int64, team.Int64, linked.Int64
	c.Tags = splitTags(tags)
	return c, err
}

func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, " ")
}

func scanMessage(r scanner) (Message, error) {
	var m Message
	var att, labels string
	err := r.Scan(&m.ID, &m.WorkspaceID, &m.ConversationID, &m.AccountID, &m.Direction, &m.ProviderID, &m.Author.ExternalID,
		&m.Author.Name, &m.Author.Handle, &m.Author.Followers, &m.Author.Verified, &m.UserID, &m.Text, &att,
		&m.ReplyToProviderID, &m.SendStatus, &m.SendError, &labels, &m.SentAt, &m.ReceivedAt, &m.EditedAt, &m.DeletedAt)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(att), &m.Attachments); err != nil || m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	if labels != "" && labels != "{}" {
		m.Labels = json.RawMessage(labels)
	}
	return m, nil
}

// Get returns one conversation.
func (s *Store) Get(ctx context.Context, id int64) (Conversation, error) {
	c, err := scanConversation(s.db.R.QueryRowContext(ctx, s.q("ConversationByID"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("conversation %d: %w", id, hark.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("conversation %d: %w", id, err)
	}
	return c, nil
}

// getW reads through the writer so a caller sees its own just-committed change.
func (s *Store) getW(ctx context.Context, id int64) (Conversation, error) {
	c, err := scanConversation(s.db.W.QueryRowContext(ctx, s.q("ConversationByID"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("conversation %d: %w", id, hark.ErrNotFound)
	}
	return c, err
}

// OfContact lists a customer's conversations on every channel, newest first.
func (s *Store) OfContact(ctx context.Context, contactID int64) ([]Conversation, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("ConversationsOfContact"), contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MessagesShown is how many of a conversation's messages a page of them
// holds: the newest, since a DM thread lasts as long as the customer
// writes, and the ones before them a page at a time (MessagesBefore).
const MessagesShown = 1000

// Messages returns a conversation's messages in order, its newest
// MessagesShown if it has more.
func (s *Store) Messages(ctx context.Context, conversationID int64) ([]Message, error) {
	p, err := s.MessagesBefore(ctx, conversationID, "")
	return p.Messages, err
}

// MessagePage is a stretch of a conversation's messages, in order.
type MessagePage struct {
	Messages []Message
	// Older is the cursor of the messages before these, for
	// MessagesBefore; "" when these begin the conversation.
	Older string
}

// MessagesBefore returns the MessagesShown messages before cursor (a
// page's Older), or with cursor "" the newest: keyset pages, so the start
// of a thread of any length costs what its end does.
func (s *Store) MessagesBefore(ctx context.Context, conversationID int64, cursor string) (MessagePage, error) {
	query, args := s.q("MessagesOf"), []any{conversationID, MessagesShown + 1}
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil {
			return MessagePage{}, err
		}
		query, args = s.q("MessagesBefore"), []any{conversationID, at, id, MessagesShown + 1}
	}
	rows, err := s.db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return MessagePage{}, fmt.Errorf("messages of %d: %w", conversationID, err)
	}
	defer rows.Close()
	p := MessagePage{Messages: []Message{}}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return MessagePage{}, err
		}
		p.Messages = append(p.Messages, m)
	}
	if err := rows.Err(); err != nil {
		return MessagePage{}, fmt.Errorf("messages of %d: %w", conversationID, err)
	}
	if len(p.Messages) > MessagesShown { // one more than a page: there are older ones
		p.Messages = p.Messages[:MessagesShown]
		first := p.Messages[MessagesShown-1]
		p.Older = encodeCursor(first.SentAt, first.ID)
	}
	slices.Reverse(p.Messages)
	return p, nil
}

// Message returns one message.
func (s *Store) Message(ctx context.Context, id int64) (Message, error) {
	m, err := scanMessage(s.db.R.QueryRowContext(ctx, s.q("MessageByID"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("message %d: %w", id, hark.ErrNotFound)
	}
	return m, err
}

// Raw returns the provider's payload of a message, verbatim.
func (s *Store) Raw(ctx context.Context, id int64) (string, error) {
	var raw string
	err := s.db.R.QueryRowContext(ctx, s.q("MessageRaw"), id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("message %d: %w", id, hark.ErrNotFound)
	}
	return raw, err
}

// Notes returns a conversation's internal notes.
func (s *Store) Notes(ctx context.Context, conversationID int64) ([]Note, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("NotesOf"), conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Note{}
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.ConversationID, &n.UserID, &n.UserName, &n.Body, &n.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Activity returns a conversation's log.
func (s *Store) Activity(ctx context.Context, conversationID int64) ([]Activity, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q("ActivityOf"), conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Activity{}
	for rows.Next() {
		var a Activity
		var detail string
		if err := rows.Scan(&a.ID, &a.ConversationID, &a.UserID, &a.UserName, &a.Kind, &detail, &a.CreatedAt); err != nil {
			return nil, err
		}
		a.Detail = json.RawMessage(detail)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Count counts the conversations the filter keeps, whatever their status
// (f.Status, f.Cursor and f.Limit are ignored), in each state: the inbox's
// status counts under its other filters. Counting reads every row the
// filter keeps, so when it has become slow (a large desk) a result up to
// countTTL old is served instead; small desks always see exact counts.
// Callers asking for the same filter while it is being counted wait for
// that count rather than start another: an inbox page and its counts
// fragment, or every agent's page after a live change, read it once.
func (s *Store) Count(ctx context.Context, f Filter) (map[string]int, error) {
	f.Status, f.Cursor, f.Limit = "", "", 0
	query, args, err := s.CountQuery(f) // first: a bad filter is an error, cached or not
	if err != nil {
		return nil, err
	}
	for {
		s.countMu.Lock()
		if c, ok := s.counts[f]; ok && time.Since(c.at) < countTTL {
			s.countMu.Unlock()
			return c.byStatus, nil
		}
		fl, waiting := s.flights[f]
		if waiting {
			fl.waiters++
		} else {
			fl = &countFlight{done: make(chan struct{})}
			if s.flights == nil {
				s.flights = map[Filter]*countFlight{}
			}
			s.flights[f] = fl
		}
		s.countMu.Unlock()
		if !waiting {
			return s.countOnce(ctx, f, fl, query, args)
		}
		select {
		case <-fl.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if !isCancel(fl.err) {
			return fl.byStatus, fl.err
		}
		// The caller who counted went away mid-count; this one is still
		// here, so it counts (or joins whoever started again).
	}
}

// countOnce runs the count fl stands for, caches it when it was slow, and
// hands it to whoever waited, even if the count panicked (a flight left
// open would hold every later caller of the filter until its deadline).
func (s *Store) countOnce(ctx context.Context, f Filter, fl *countFlight, query string, args []any) (map[string]int, error) {
	start := time.Now()
	defer func() {
		s.countMu.Lock()
		delete(s.flights, f)
		if fl.err == nil && time.Since(start) > s.slowCount {
			if s.counts == nil || len(s.counts) >= maxCachedCounts {
				s.counts = map[Filter]cachedCounts{} // filters are what agents type: keep few
			}
			s.counts[f] = cachedCounts{byStatus: fl.byStatus, at: time.Now()}
		}
		s.countMu.Unlock()
		close(fl.done)
	}()
	fl.err = errCountPanicked // until countRows returns
	fl.byStatus, fl.err = s.countRows(ctx, query, args)
	return fl.byStatus, fl.err
}

var errCountPanicked = errors.New("count conversations: the count failed")

// CacheCountsAfter sets how long a count may take before Count serves it
// from a cache for countTTL (10 ms unless set): below it, counting is
// cheap enough to be exact. A negative d caches every count, for tests of
// what an agent sees at a desk large enough to be cached.
func (s *Store) CacheCountsAfter(d time.Duration) { s.slowCount = d }

func (s *Store) countRows(ctx context.Context, query string, args []any) (map[string]int, error) {
	if s.onCount != nil {
		s.onCount(ctx)
	}
	rows, err := s.db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count conversations: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count conversations: %w", err)
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count conversations: %w", err)
	}
	return out, nil
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

const (
	countTTL        = 5 * time.Second
	slowCount       = 10 * time.Millisecond
	maxCachedCounts = 256
)

type cachedCounts struct {
	byStatus map[string]int
	at       time.Time
}

// countFlight is a count under way; done closes when byStatus or err is set.
type countFlight struct {
	done     chan struct{}
	byStatus map[string]int
	err      error
	waiters  int // callers who found it under way (tests wait for them)
}

// Preview shortens text for the inbox list on a rune boundary.
func Preview(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if cut := Clip(text, 160); cut != text {
		return cut + "…"
	}
	return text
}

// Clip cuts s to at most n bytes without splitting a character.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
