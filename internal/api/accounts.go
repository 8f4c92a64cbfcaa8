package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/health"
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

// account reads the {account} path value.
func (s *service) account(r *http.Request) (workspace.Account, error) {
	id, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil {
		return workspace.Account{}, fmt.Errorf("account %q: %w", r.PathValue("account"), hark.ErrNotFound)
	}
	return s.a.Workspaces.Account(r.Context(), id)
}

type accountHealthView struct {
	Account accountView       `json:"account"`
	Config  []app.ConfigField `json:"config"`
	Health  healthView        `json:"health"`
}

type healthView struct {
	Status            string            `json:"status"`
	Warnings          []string          `json:"warnings"`
	LastEventAt       timestamp         `json:"last_event_at"`
	LastWebhookAt     timestamp         `json:"last_webhook_at"`
	EventsTotal       int64             `json:"events_total"`
	RhythmSeconds     float64           `json:"rhythm_seconds"`
	Quiet             bool              `json:"quiet"`
	LastPollAt        timestamp         `json:"last_poll_at"`
	PollOKAt          timestamp         `json:"poll_ok_at"`
	PollError         string            `json:"poll_error"`
	RateRemaining     *int64            `json:"rate_remaining"`
	RateResetAt       timestamp         `json:"rate_reset_at"`
	RateDetail        string            `json:"rate_detail"`
	TokenExpiresAt    timestamp         `json:"token_expires_at"`
	PresenceCheckedAt timestamp         `json:"presence_checked_at"`
	PresenceOK        bool              `json:"presence_ok"`
	PresenceDetail    string            `json:"presence_detail"`
	Errors            []healthErrorView `json:"errors"`
}

type healthErrorView struct {
	At      timestamp `json:"at"`
	Source  string    `json:"source"`
	Message string    `json:"message"`
}

func viewHealth(h health.Report) healthView {
	v := healthView{Status: h.Status, Warnings: h.Warnings, LastEventAt: timestamp(h.LastEventAt), LastWebhookAt: timestamp(h.LastWebhookAt),
		EventsTotal: h.EventsTotal, RhythmSeconds: float64(h.RhythmMS) / 1000, Quiet: h.Quiet, LastPollAt: timestamp(h.LastPollAt),
		PollOKAt: timestamp(h.PollOKAt), PollError: h.PollError, RateResetAt: timestamp(h.RateResetAt), RateDetail: h.RateDetail,
		TokenExpiresAt: timestamp(h.TokenExpiresAt), PresenceCheckedAt: timestamp(h.PresenceCheckedAt), PresenceOK: h.PresenceOK,
		PresenceDetail: h.PresenceDetail, Errors: make([]healthErrorView, len(h.Errors))}
	if h.RateRemaining >= 0 {
		v.RateRemaining = &h.RateRemaining
	}
	for i, e := range h.Errors {
		v.Errors[i] = healthErrorView{timestamp(e.At), e.Source, e.Message}
	}
	return v
}

func (s *service) accountHealth(w http.ResponseWriter, a workspace.Account, r *http.Request, status int) error {
	rep, err := s.a.Health.Of(r.Context(), a, time.Now())
	if err != nil {
		return err
	}
	writeJSON(w, status, AccountHealthView(a, rep))
	return nil
}

// AccountHealthView is an account's health as the API shows it (and hark
// account health prints it): its credentials masked, ids as strings.
func AccountHealthView(a workspace.Account, rep health.Report) any {
	return accountHealthView{viewAccount(a), app.ConfigSummary(a.Config), viewHealth(rep)}
}

// getAccountHealth reports a channel account's health and its config with
// the credentials masked.
func (s *service) getAccountHealth(w http.ResponseWriter, r *http.Request) error {
	a, err := s.account(r)
	if err != nil {
		return err
	}
	return s.accountHealth(w, a, r, http.StatusOK)
}

// setAccountConfig replaces a channel account's connector config.
func (s *service) setAccountConfig(w http.ResponseWriter, r *http.Request) error {
	a, err := s.account(r)
	if err != nil {
		return err
	}
	body, err := readText(w, r)
	if err != nil {
		return err
	}
	if err := s.a.ConfigureAccount(r.Context(), a.ID, body); err != nil {
		return err
	}
	if a, err = s.a.Workspaces.Account(r.Context(), a.ID); err != nil {
		return err
	}
	return s.accountHealth(w, a, r, http.StatusOK)
}
