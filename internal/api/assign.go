package api

import (
	"net/http"
	"strconv"
)

// assign gives a conversation to a user, or to nobody.
func (s *service) assign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		return err
	}
	var in struct {
		AssigneeID optionalID `json:"assignee_id"`
		Assignee   *string    `json:"assignee"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	var assignee int64
	switch {
	case in.AssigneeID.Set && in.Assignee != nil:
		return badRequest("invalid", `send "assignee_id" or "assignee", not both`)
	case in.AssigneeID.Set:
		assignee = in.AssigneeID.ID // zero when null: unassign
	case in.Assignee != nil:
		switch *in.Assignee {
		case "me":
			assignee = caller(r).ID
		case "none":
		default:
			if assignee, err = strconv.ParseInt(*in.Assignee, 10, 64); err != nil || assignee <= 0 {
				return badRequest("invalid", `"assignee" is "me", "none" or a user id`)
			}
		}
	default:
		return badRequest("invalid", `send {"assignee_id": ID}, {"assignee": "me"} or {"assignee_id": null} to unassign`)
	}
	if assignee != 0 {
		if err := s.a.CheckAssignee(r.Context(), assignee); err != nil {
			return err
		}
	}
	c, err := s.a.Conversations.Assign(r.Context(), id, caller(r).ID, assignee)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewConversation(c))
	return nil
}
