package api

import "net/http"

// addNote leaves an internal note customers never see.
func (s *service) addNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	me := caller(r)
	n, err := s.a.Conversations.AddNote(r.Context(), id, me.ID, in.Body)
	if err != nil {
		return err
	}
	n.UserName = me.Name
	writeJSON(w, http.StatusCreated, viewNote(n))
	return nil
}
