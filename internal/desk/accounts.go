package desk

import (
	"net/http"
	"strconv"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/workspace"
)

// accountRow is one channel account on the accounts page.
type accountRow struct {
	Account workspace.Account
	Config  []app.ConfigField
	Health  health.Report
	Webhook string
}

// accounts shows which of the brand's accounts are watched and how each
// is doing; admins configure their connectors here.
func (d *desk) accounts(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	ws, err := d.a.Workspaces.BySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	v, err := d.view(r, c, ws)
	if err != nil {
		return err
	}
	rows := make([]accountRow, 0, len(v.AccountList))
	now := time.Now()
	for _, a := range v.AccountList {
		rep, err := d.a.Health.Of(r.Context(), a, now)
		if err != nil {
			return err
		}
		rows = append(rows, accountRow{Account: a, Config: app.ConfigSummary(a.Config), Health: rep,
			Webhook: d.a.PublicURL + "/webhooks/" + strconv.FormatInt(a.ID, 10)})
	}
	return d.pages.render(w, "accounts", "", map[string]any{"View": v, "Rows": rows,
		"Admin": c.User.Can("admin"), "Saved": r.URL.Query().Get("saved")})
}

// configureAccount replaces an account's connector config (admins only).
func (d *desk) configureAccount(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	if !c.User.Can("admin") {
		return hark.ErrForbidden
	}
	ws, err := d.a.Workspaces.BySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil {
		return hark.ErrNotFound
	}
	acct, err := d.a.Workspaces.Account(r.Context(), id)
	if err != nil || acct.WorkspaceID != ws.ID {
		return hark.ErrNotFound
	}
	if err := d.a.ConfigureAccount(r.Context(), acct.ID, []byte(r.PostFormValue("config"))); err != nil {
		return err
	}
	http.Redirect(w, r, "/w/"+slugPath(ws.Slug)+"/accounts?saved="+strconv.FormatInt(acct.ID, 10)+"#a"+strconv.FormatInt(acct.ID, 10), http.StatusSeeOther)
	return nil
}
