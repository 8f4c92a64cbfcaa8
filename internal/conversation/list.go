package conversation

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// Filter selects conversations for an inbox view.
type Filter struct {
	WorkspaceID int64
	Status      string // empty: any
	Channel     string
	AccountID   int64
	AssigneeID  int64 // -1: unassigned
	TeamID      int64
	Tag         string
	// NeedsReply keeps conversations whose latest customer message needs an
	// answer and has none yet.
	NeedsReply bool
	Intent     string // the latest customer message's intent
	Sentiment  string
	Language   string // the latest named language of the customer's messages (ISO 639-1)
	Query      string // full-text search over messages
	Cursor     string // from the previous page's NextCursor
	Limit      int
}

// Page is one page of an inbox view.
type Page struct {
	Conversations []Conversation `json:"conversations"`
	NextCursor    string         `json:"next_cursor,omitempty"`
}

// List returns a page of conversations, most recent activity first, using
// keyset pagination so every page costs the same however deep it is.
func (s *Store) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	query, args, err := s.ListQuery(f)
	if err != nil {
		return Page{}, err
	}
	rows, err := s.db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return Page{}, fmt.Errorf("list conversations: %w", err)
	}
	defer rows.Close()
	p := Page{Conversations: []Conversation{}}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return Page{}, err
		}
		p.Conversations = append(p.Conversations, c)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(p.Conversations) > f.Limit {
		last := p.Conversations[f.Limit-1]
		p.Conversations = p.Conversations[:f.Limit]
		p.NextCursor = encodeCursor(last.LastMessageAt, last.ID)
	}
	return p, nil
}

// ListQuery is the SQL List runs for f, in the store's dialect, and its
// arguments: what the plan tests explain, so a change here that makes a
// view sort fails them.
func (s *Store) ListQuery(f Filter) (string, []any, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	where, args, err := s.where(f, false)
	if err != nil {
		return "", nil, err
	}
	query := "SELECT " + conversationColumns + " FROM conversations WHERE " + strings.Join(where, " AND ") +
		" ORDER BY last_message_at DESC, id DESC LIMIT " + strconv.Itoa(f.Limit+1)
	return db.Rebind(s.db.Dialect, query), args, nil
}

// CountQuery is the SQL Count runs for f (its status and cursor ignored)
// when it counts rather than answers from its cache, and its arguments.
func (s *Store) CountQuery(f Filter) (string, []any, error) {
	f.Status, f.Cursor, f.Limit = "", "", 0
	where, args, err := s.where(f, true)
	if err != nil {
		return "", nil, err
	}
	return db.Rebind(s.db.Dialect, "SELECT status, COUNT(*) FROM conversations WHERE "+strings.Join(where, " AND ")+" GROUP BY status"), args, nil
}

// where is the filter as SQL conditions and their arguments, for a page
// or, counting, for every row the filter keeps.
func (s *Store) where(f Filter, counting bool) ([]string, []any, error) {
	var where []string
	var args []any
	add := func(clause string, a ...any) {
		where = append(where, clause)
		args = append(args, a...)
	}
	// Each filter's clause is shaped to match one of the composite indexes in
	// the schema, all ending in (last_message_at DESC, id DESC).
	if f.AssigneeID > 0 {
		add("assignee_id = ?", f.AssigneeID)
	}
	if f.AccountID != 0 {
		add("account_id = ?", f.AccountID)
	}
	if counting && s.db.Dialect == db.SQLite && (f.Tag != "" || searchQuery(s.db.Dialect, f.Query) != "") &&
		f.Channel == "" && f.Language == "" && !f.NeedsReply && f.Intent == "" && f.Sentiment == "" {
		// A count reads every row the filter keeps: from the tag's or the
		// search's conversations, by primary key, not the whole workspace
		// checked row by row (SQLite picks the workspace's index unless
		// the unary + hides it; BENCHMARKS.md). Not when an index narrows
		// the workspace first (channel, language, needs_reply, intent,
		// sentiment), which is quicker than a common tag's ids, those of
		// every workspace.
		add("+workspace_id = ?", f.WorkspaceID)
	} else {
		add("workspace_id = ?", f.WorkspaceID)
	}
	if f.NeedsReply {
		if s.db.Dialect == db.SQLite && (f.Intent != "" || f.Language != "") {
			// An intent or a language keeps fewer rows than needs_reply
			// (65% of threads at the bench's desk, an intent a fifth at
			// most): SQLite, which knows no frequencies, would walk every
			// thread waiting for a reply to find the few of a rare intent
			// unless + hides the needs_reply index.
			add("+needs_reply = 1 AND waiting_since > 0")
		} else {
			add("needs_reply = 1 AND waiting_since > 0")
		}
	}
	if f.Channel != "" {
		if !hark.ValidChannel(f.Channel) {
			return nil, nil, fmt.Errorf("%w: unknown channel %q", hark.ErrInvalid, f.Channel)
		}
		add("channel = ?", f.Channel)
	}
	if f.Status != "" {
		if !hark.ValidStatus(f.Status) {
			return nil, nil, fmt.Errorf("%w: unknown status %q", hark.ErrInvalid, f.Status)
		}
		add("status = ?", f.Status)
	}
	if f.Intent != "" {
		if !slices.Contains(hark.Intents, f.Intent) {
			return nil, nil, fmt.Errorf("%w: unknown intent %q", hark.ErrInvalid, f.Intent)
		}
		add("intent = ?", f.Intent)
	}
	if f.Sentiment != "" {
		if !slices.Contains(hark.Sentiments, f.Sentiment) {
			return nil, nil, fmt.Errorf("%w: unknown sentiment %q", hark.ErrInvalid, f.Sentiment)
		}
		add("sentiment = ?", f.Sentiment)
	}
	if f.Language != "" {
		f.Language = strings.ToLower(f.Language) // as the badge shows it: FR
		if !validLanguage(f.Language) {
			return nil, nil, fmt.Errorf("%w: language %q is no ISO 639-1 code", hark.ErrInvalid, f.Language)
		}
		add("language = ?", f.Language)
	}
	if f.AssigneeID < 0 {
		add("assignee_id IS NULL")
	}
	if f.TeamID != 0 {
		add("team_id = ?", f.TeamID)
	}
	if f.Tag != "" {
		t, err := NormalizeTag(f.Tag)
		if err != nil {
			return nil, nil, err
		}
		if counting {
			add("id IN (SELECT conversation_id FROM conversation_tags WHERE tag = ?)", t)
		} else {
			// A correlated EXISTS keeps the plan walking the inbox index in
			// order and probing the tag's primary key, instead of collecting
			// every tagged conversation and sorting them.
			add("EXISTS (SELECT 1 FROM conversation_tags t WHERE t.conversation_id = conversations.id AND t.tag = ?)", t)
		}
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if q = searchQuery(s.db.Dialect, q); q != "" {
			add(s.q("SearchFilter"), q, f.WorkspaceID)
		}
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, nil, err
		}
		add("(last_message_at, id) < (?, ?)", at, id)
	}
	return where, args, nil
}

func encodeCursor(at, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + "." + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (at, id int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		a, i, ok := strings.Cut(string(b), ".")
		if ok {
			at, err = strconv.ParseInt(a, 10, 64)
			if err == nil {
				id, err = strconv.ParseInt(i, 10, 64)
				if err == nil {
					return at, id, nil
				}
			}
		}
	}
	return 0, 0, fmt.Errorf("%w: bad cursor", hark.ErrInvalid)
}

// validLanguage reports whether s is shaped like an ISO 639-1 code.
func validLanguage(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}
