package api

import "net/http"

// getContact returns a customer, how each channel knows them, and their
// conversations on every channel.
func (s *service) getContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		return err
	}
	c, err := s.a.Contacts.Get(r.Context(), id)
	if err != nil {
		return err
	}
	convs, err := s.a.Conversations.OfContact(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Contact       contactView        `json:"contact"`
		Conversations []conversationView `json:"conversations"`
	}{viewContact(c), viewConversations(convs)})
	return nil
}
