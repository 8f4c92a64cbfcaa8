package api

import (
	"net/http"

	"github.com/harkdesk/hark/internal/workspace"
)

// listAccounts lists a workspace's channel accounts.
func (s *service) listAccounts(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.workspace(r, r.PathValue("ws"))
	if err != nil {
		return err
	}
	all, err := s.a.Workspaces.Accounts(r.Context(), ws.ID)
	if err != nil {
		return err
	}
	out := make([]accountView, len(all))
	for i, a := range all {
		out[i] = viewAccount(a)
	}
	writeJSON(w, http.StatusOK, map[string][]accountView{"accounts": out})
	return nil
}

// addAccount adds a channel account and returns its ingest token, the only
// time it is shown: the store keeps just its hash.
func (s *service) addAccount(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.workspace(r, r.PathValue("ws"))
	if err != nil {
		return err
	}
	var in struct {
		Channel string `json:"channel"`
		Handle  string `json:"handle"`
		Name    string `json:"name"`
		Purpose string `json:"purpose"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	a, token, err := s.a.Workspaces.AddAccount(r.Context(), workspace.Account{WorkspaceID: ws.ID,
		Channel: in.Channel, Handle: in.Handle, Name: in.Name, Purpose: in.Purpose})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		Account     accountView `json:"account"`
		IngestToken string      `json:"ingest_token"`
	}{viewAccount(a), token})
	return nil
}
