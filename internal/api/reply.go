package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

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
		// The newest message the caller has read: a reply someone else
		// made after it refuses this one (409 answered_since).
		IfLastMessageID optionalID `json:"if_last_message_id"`
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
	reply := conversation.ReplyInput{ConversationID: id, UserID: caller(r).ID, Text: in.Text, Key: key, SeenUpTo: in.IfLastMessageID.ID}
	if m, err := s.a.Conversations.Replayed(ctx, reply); errors.Is(err, conversation.ErrReplayed) {
		writeJSON(w, http.StatusOK, viewMessage(m))
		return nil
	} else if err != nil {
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
	reply.Author = conversation.Author{Name: acct.Name, Handle: acct.Handle}
	m, err := s.a.Conversations.Reply(ctx, reply)
	if errors.Is(err, conversation.ErrReplayed) {
		writeJSON(w, http.StatusOK, viewMessage(m))
		return nil
	}
	var answered *conversation.AnsweredError
	if errors.As(err, &answered) {
		return s.answeredSince(r, answered.Reply)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewMessage(m))
	return nil
}

// answeredSince is the 409 for a reply refused because other's reply came
// after if_last_message_id: who made it and when, for a script (or the
// person it asks) to read it before replying again.
func (s *service) answeredSince(r *http.Request, other conversation.Message) error {
	who := "an automation"
	if other.UserID != 0 {
		who = fmt.Sprintf("user %d", other.UserID)
		if u, err := s.a.Users.ByID(r.Context(), other.UserID); err == nil {
			who = u.Name
		}
	}
	return &requestError{status: http.StatusConflict, code: "answered_since", msg: fmt.Sprintf(
		"%s replied (message %d) at %s, after if_last_message_id: read it, then reply again with if_last_message_id %d to send yours",
		who, other.ID, time.UnixMilli(other.SentAt).UTC().Format(time.RFC3339), other.ID)}
}
