package api

import (
	"net/http"

	"github.com/harkdesk/hark/internal/contact"
)

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

type matchView struct {
	ID    int64  `json:"id,string"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

type suggestionView struct {
	ContactID int64  `json:"contact_id,string"`
	Name      string `json:"name"`
	Because   string `json:"because"`
}

type mergeView struct {
	ID            int64     `json:"id,string"`
	Merged        int64     `json:"merged,string"`
	ByUser        int64     `json:"by_user,string"`
	At            timestamp `json:"at"`
	Identities    int       `json:"identities"`
	Conversations int       `json:"conversations"`
	Undone        bool      `json:"undone"`
}

// searchContacts finds a workspace's customers by name, e-mail, phone or
// handle, for linking one person's identities explicitly.
func (s *service) searchContacts(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.workspace(r, r.PathValue("ws"))
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	if q == "" {
		return badRequest("invalid", `"q" is required: part of a name, e-mail, phone or handle`)
	}
	found, err := s.a.Contacts.Search(r.Context(), ws.ID, q)
	if err != nil {
		return err
	}
	out := []matchView{}
	for _, m := range found {
		out = append(out, matchView{m.ID, m.Name, m.Email, m.Phone})
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": out})
	return nil
}

// contactSuggestions lists customers that may be the same person: they share
// a handle or a display name on some channel. Nothing is merged by itself.
func (s *service) contactSuggestions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.contact(r)
	if err != nil {
		return err
	}
	sugg, err := s.a.Contacts.Suggest(r.Context(), c)
	if err != nil {
		return err
	}
	merges, err := s.a.Contacts.Merges(r.Context(), c)
	if err != nil {
		return err
	}
	out := struct {
		Suggestions []suggestionView `json:"suggestions"`
		Merges      []mergeView      `json:"merges"`
	}{[]suggestionView{}, []mergeView{}}
	for _, sg := range sugg {
		out.Suggestions = append(out.Suggestions, suggestionView{sg.ContactID, sg.Name, sg.Because})
	}
	for _, m := range merges {
		out.Merges = append(out.Merges, mergeView{m.ID, m.Merged, m.ByUser, timestamp(m.At), m.Identities, m.Conversations, m.Undone})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// mergeContact folds another contact into this one: their identities and
// conversations move here. The answer's merge_id undoes it.
func (s *service) mergeContact(w http.ResponseWriter, r *http.Request) error {
	c, err := s.contact(r)
	if err != nil {
		return err
	}
	var in struct {
		Other optionalID `json:"other"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	if !in.Other.Set || in.Other.Null {
		return badRequest("invalid", `send {"other": ID}: the contact to merge into this one`)
	}
	id, err := s.a.Contacts.Merge(r.Context(), c.ID, in.Other.ID, caller(r).ID)
	if err != nil {
		return err
	}
	merged, err := s.a.Contacts.Get(r.Context(), c.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		MergeID int64       `json:"merge_id,string"`
		Contact contactView `json:"contact"`
	}{id, viewContact(merged)})
	return nil
}

// unmergeContact undoes one merge into this contact.
func (s *service) unmergeContact(w http.ResponseWriter, r *http.Request) error {
	c, err := s.contact(r)
	if err != nil {
		return err
	}
	var in struct {
		Merge optionalID `json:"merge"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	if !in.Merge.Set || in.Merge.Null {
		return badRequest("invalid", `send {"merge": ID}: a merge_id from merging into this contact`)
	}
	if err := s.a.Contacts.Unmerge(r.Context(), c.ID, in.Merge.ID, caller(r).ID); err != nil {
		return err
	}
	after, err := s.a.Contacts.Get(r.Context(), c.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Contact contactView `json:"contact"`
	}{viewContact(after)})
	return nil
}

func (s *service) contact(r *http.Request) (contact.Contact, error) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		return contact.Contact{}, err
	}
	return s.a.Contacts.Get(r.Context(), id)
}
