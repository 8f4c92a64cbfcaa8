// Package desk serves the web desk agents work in: server-rendered pages,
// live updates and keyboard shortcuts, with no JavaScript build step.
package desk

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/hark"
)

// desk holds what every handler needs.
type desk struct {
	a       *app.App
	pages   *pages
	byIP    *auth.Limiter
	byEmail *auth.Limiter
	log     *slog.Logger
}

// Register mounts the desk's pages on mux.
func Register(mux *http.ServeMux, a *app.App) {
	d := &desk{
		a:     a,
		pages: mustPages(),
		// Sign-in: a burst of 10 per address and per account, then one a minute.
		byIP:    auth.NewLimiter(10, time.Minute),
		byEmail: auth.NewLimiter(10, time.Minute),
		log:     a.Log,
	}
	mux.HandleFunc("GET /static/{file}", serveStatic)
	mux.HandleFunc("GET /login", d.loginPage)
	mux.HandleFunc("POST /login", d.login)
	for pattern, h := range map[string]handler{
		"GET /{$}":               d.home,
		"GET /w/{slug}":          d.inbox,
		"GET /w/{slug}/list":     d.inboxList,
		"GET /w/{slug}/accounts": d.accounts,
		"POST /w/{slug}/accounts/{account}/config": d.configureAccount,
		"GET /c/{id}":          d.conversation,
		"GET /c/{id}/thread":   d.thread,
		"POST /c/{id}/reply":   d.reply,
		"POST /c/{id}/assign":  d.assign,
		"POST /c/{id}/status":  d.status,
		"POST /c/{id}/tags":    d.tags,
		"POST /c/{id}/note":    d.note,
		"POST /m/{id}/labels":  d.correct,
		"GET /p/{id}":          d.customer,
		"POST /p/{id}/merge":   d.mergeCustomer,
		"POST /p/{id}/unmerge": d.unmergeCustomer,
		"POST /logout":         d.logout,
	} {
		mux.Handle(pattern, a.Auth.Identify(d.signedIn(h)))
	}
}

// handler is a desk handler that may fail; signedIn turns errors into pages.
type handler func(w http.ResponseWriter, r *http.Request, c auth.Caller) error

// signedIn sends strangers to the sign-in page, checks the CSRF token of
// every change and stops viewers from changing anything.
func (d *desk) signedIn(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := auth.From(r.Context())
		if !ok || !c.Session {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+safeNext(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		if !auth.Safe(r.Method) {
			if !auth.CheckCSRF(r) {
				http.Error(w, "this form has expired; reload the page and try again", http.StatusForbidden)
				return
			}
			if r.URL.Path != "/logout" && !c.User.Can("work") {
				http.Error(w, "your role can read conversations but not change them", http.StatusForbidden)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r, c); err != nil {
			d.fail(w, r, err)
		}
	})
}

func (d *desk) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, hark.ErrNotFound):
		http.Error(w, "not found", http.StatusNotFound)
	case errors.Is(err, hark.ErrInvalid):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case errors.Is(err, hark.ErrForbidden):
		http.Error(w, "forbidden", http.StatusForbidden)
	case errors.Is(err, hark.ErrConflict):
		http.Error(w, err.Error(), http.StatusConflict)
	default:
		d.log.Error("desk", "path", r.URL.Path, "err", err)
		http.Error(w, "something went wrong; it has been logged", http.StatusInternalServerError)
	}
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, hark.ErrNotFound
	}
	return id, nil
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(s string) string {
	if len(s) == 0 || s[0] != '/' || (len(s) > 1 && (s[1] == '/' || s[1] == '\\')) {
		return "/"
	}
	return s
}
