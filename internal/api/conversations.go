package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/workspace"
)

// MaxPageSize bounds limit on list endpoints.
const MaxPageSize = 200

// listConversations serves an inbox view: filters, then keyset pages.
func (s *service) listConversations(w http.ResponseWriter, r *http.Request) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest("invalid", "malformed query string: "+err.Error())
	}
	ws, err := s.workspace(r, q.Get("workspace"))
	if errors.Is(err, hark.ErrNotFound) && q.Get("workspace") == "" {
		writeJSON(w, http.StatusOK, map[string]any{"conversations": []conversationView{}})
		return nil // a desk with no workspace yet has an empty inbox
	}
	if err != nil {
		return err
	}
	f := conversation.Filter{WorkspaceID: ws.ID, Status: q.Get("status"), Channel: q.Get("channel"),
		Tag: q.Get("tag"), Query: q.Get("q"), Cursor: q.Get("cursor"), Intent: q.Get("intent"), Sentiment: q.Get("sentiment"),
		Language: q.Get("language")}
	switch q.Get("needs_reply") {
	case "", "false", "0":
	case "true", "1":
		f.NeedsReply = true
	default:
		return badRequest("invalid", "needs_reply must be true or false")
	}
	if f.AccountID, err = queryID(q.Get("account"), "account"); err != nil {
		return err
	}
	if f.TeamID, err = queryID(q.Get("team"), "team"); err != nil {
		return err
	}
	switch a := q.Get("assignee"); a {
	case "":
	case "me":
		f.AssigneeID = caller(r).ID
	case "none":
		f.AssigneeID = -1
	default:
		if f.AssigneeID, err = queryID(a, "assignee"); err != nil {
			return err
		}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > MaxPageSize {
			return badRequest("invalid", fmt.Sprintf("limit must be a number from 1 to %d", MaxPageSize))
		}
		f.Limit = n
	}
	page, err := s.a.Conversations.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Conversations []conversationView `json:"conversations"`
		NextCursor    string             `json:"next_cursor,omitempty"`
	}{viewConversations(page.Conversations), page.NextCursor})
	return nil
}

// getConversation returns a thread with everything an agent reads beside
// it: its newest messages, or with ?before=older_cursor the ones before.
func (s *service) getConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.a.Conversations.Get(ctx, id)
	if err != nil {
		return err
	}
	page, err := s.a.Conversations.MessagesBefore(ctx, id, r.URL.Query().Get("before"))
	if err != nil {
		return err
	}
	msgs := page.Messages
	notes, err := s.a.Conversations.Notes(ctx, id)
	if err != nil {
		return err
	}
	acts, err := s.a.Conversations.Activity(ctx, id)
	if err != nil {
		return err
	}
	who, err := s.a.Contacts.Get(ctx, c.ContactID)
	if err != nil {
		return fmt.Errorf("contact of conversation %d: %w", id, err)
	}
	out := struct {
		Conversation conversationView `json:"conversation"`
		Contact      contactView      `json:"contact"`
		Messages     []messageView    `json:"messages"`
		Notes        []noteView       `json:"notes"`
		Activity     []activityView   `json:"activity"`
		OlderCursor  string           `json:"older_cursor,omitempty"`
	}{Conversation: viewConversation(c), Contact: viewContact(who), OlderCursor: page.Older,
		Messages: make([]messageView, len(msgs)), Notes: make([]noteView, len(notes)), Activity: make([]activityView, len(acts))}
	for i, m := range msgs {
		out.Messages[i] = viewMessage(m)
	}
	for i, n := range notes {
		out.Notes[i] = viewNote(n)
	}
	for i, a := range acts {
		out.Activity[i] = viewActivity(a)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// workspace resolves a workspace by id or slug; empty means the first one.
func (s *service) workspace(r *http.Request, ref string) (workspace.Workspace, error) {
	ctx := r.Context()
	if ref == "" {
		all, err := s.a.Workspaces.List(ctx)
		if err != nil {
			return workspace.Workspace{}, err
		}
		if len(all) == 0 {
			return workspace.Workspace{}, fmt.Errorf("no workspace yet: %w", hark.ErrNotFound)
		}
		return all[0], nil
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		w, err := s.a.Workspaces.ByID(ctx, id)
		if !errors.Is(err, hark.ErrNotFound) {
			return w, err
		}
		// A slug may be all digits.
	}
	return s.a.Workspaces.BySlug(ctx, ref)
}

// queryID reads an optional id from a query parameter.
func queryID(v, name string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("invalid", fmt.Sprintf("%s must be an id, not %q", name, v))
	}
	return id, nil
}
