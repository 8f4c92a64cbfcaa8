package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/harkdesk/hark/internal/hark"
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
	// The store reports a taken slug only as a driver error; asking first
	// gives the caller a 409 in all but a simultaneous race.
	if _, err := s.a.Workspaces.BySlug(r.Context(), in.Slug); err == nil {
		return fmt.Errorf("%w: workspace %q exists", hark.ErrConflict, in.Slug)
	} else if !errors.Is(err, hark.ErrNotFound) {
		return err
	}
	ws, err := s.a.Workspaces.Create(r.Context(), in.Slug, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewWorkspace(ws))
	return nil
}
