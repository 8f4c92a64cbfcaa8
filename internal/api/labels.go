package api

import (
	"net/http"
	"strconv"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
)

// correctLabels stores an agent's correction of a customer message's intent
// and needs_reply: a labelled example for the next training run.
func (s *service) correctLabels(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return hark.ErrNotFound
	}
	var in struct {
		Intent     string `json:"intent"`
		NeedsReply *bool  `json:"needs_reply"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	if in.NeedsReply == nil {
		return badRequest("invalid", "needs_reply is required (true or false)")
	}
	m, err := s.a.Conversations.Correct(r.Context(), conversation.Correction{MessageID: id, UserID: caller(r).ID, Intent: in.Intent, NeedsReply: *in.NeedsReply})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewMessage(m))
	return nil
}
