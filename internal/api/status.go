package api

import (
	"net/http"
	"time"

	"github.com/harkdesk/hark/internal/hark"
)

// setStatus moves a conversation to open, pending, snoozed or resolved.
func (s *service) setStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		return err
	}
	var in struct {
		Status      string     `json:"status"`
		SnoozeUntil *time.Time `json:"snooze_until"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	var until time.Time
	if in.SnoozeUntil != nil {
		if in.Status != hark.StatusSnoozed {
			return badRequest("invalid", `"snooze_until" goes only with "status": "snoozed"`)
		}
		until = *in.SnoozeUntil
	}
	c, err := s.a.Conversations.SetStatus(r.Context(), id, caller(r).ID, in.Status, until)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewConversation(c))
	return nil
}
