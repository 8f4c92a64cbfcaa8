package api

import "net/http"

// listUsers lists the desk's people, for assignment pickers and audits.
func (s *service) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.a.Users.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]userView, len(us))
	for i, u := range us {
		out[i] = viewUser(u)
	}
	writeJSON(w, http.StatusOK, map[string][]userView{"users": out})
	return nil
}
