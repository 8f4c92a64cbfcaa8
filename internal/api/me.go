package api

import "net/http"

// me says who the token acts as and what that role may do.
func (s *service) me(w http.ResponseWriter, r *http.Request) error {
	u := caller(r)
	writeJSON(w, http.StatusOK, struct {
		User userView        `json:"user"`
		Can  map[string]bool `json:"can"`
	}{viewUser(u), map[string]bool{"work": u.Can("work"), "manage": u.Can("manage"), "admin": u.Can("admin")}})
	return nil
}
