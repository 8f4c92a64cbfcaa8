package api

import "net/http"

// tag adds and removes a conversation's tags in one change.
func (s *service) tag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		return err
	}
	var in struct {
		Add    []string `json:"add"`
		Remove []string `json:"remove"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	if len(in.Add) == 0 && len(in.Remove) == 0 {
		return badRequest("invalid", `send tags to "add", "remove" or both`)
	}
	c, err := s.a.Conversations.Tag(r.Context(), id, caller(r).ID, in.Add, in.Remove)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewConversation(c))
	return nil
}
