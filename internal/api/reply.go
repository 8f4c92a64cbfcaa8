package api

import (
	"fmt"
	"net/http"

	"github.com/harkdesk/hark/internal/conversation"
)

// reply records an agent's answer; it waits in the outbox, send_status
// "queued", until the account's connector sends it.
func (s *service) reply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		return err
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.a.Conversations.Get(ctx, id)
	if err != nil {
		return err
	}
	acct, err := s.a.Workspaces.Account(ctx, c.AccountID)
	if err != nil {
		return fmt.Errorf("account of conversation %d: %w", id, err)
	}
	m, err := s.a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: id, UserID: caller(r).ID, Text: in.Text,
		Author: conversation.Author{Name: acct.Name, Handle: acct.Handle}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewMessage(m))
	return nil
}
