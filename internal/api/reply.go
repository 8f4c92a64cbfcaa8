package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
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
	// A script that retries after a timeout sends the same key again and
	// gets the first reply back, rather than the customer getting two.
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 || !hark.Storable(key) {
		return fmt.Errorf("%w: Idempotency-Key must be text of at most 255 bytes", hark.ErrInvalid)
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
	if err := s.a.CheckReplyable(acct.Channel); err != nil {
		return err
	}
	var refused *app.RefusedError
	if err := s.a.CheckAdvice(acct, c, in.Text); errors.As(err, &refused) {
		return &requestError{status: http.StatusBadRequest, code: "channel_refuses", msg: refused.Reason}
	} else if err != nil {
		return err
	}
	m, err := s.a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: id, UserID: caller(r).ID, Text: in.Text,
		Author: conversation.Author{Name: acct.Name, Handle: acct.Handle}, Key: key})
	if errors.Is(err, conversation.ErrReplayed) {
		writeJSON(w, http.StatusOK, viewMessage(m))
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewMessage(m))
	return nil
}
