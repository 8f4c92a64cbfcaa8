package api

import (
	"net/http"
)

// listWorkspaces lists the brands the desk serves.
func (s *service) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	all, err := s.a.Workspaces.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]workspaceView, len(all))
	for i, ws := range all {
		out[i] = viewWorkspace(ws)
	}
	writeJSON(w, http.StatusOK, map[string][]workspaceView{"workspaces": out})
	return nil
}

// createWorkspace adds a brand.
func (s *service) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	// The store normalises the slug and reports a taken one as a conflict,
	// even when two admins race for it.
	ws, err := s.a.Workspaces.Create(r.Context(), in.Slug, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewWorkspace(ws))
	return nil
}
