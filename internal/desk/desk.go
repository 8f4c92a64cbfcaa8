// Package desk serves the web desk agents work in: server-rendered pages,
// live updates and keyboard shortcuts, with no JavaScript build step.
package desk

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
		"GET /{$}":                                 d.home,
		"GET /w/{slug}":                            d.inbox,
		"GET /w/{slug}/list":                       d.inboxList,
		"GET /w/{slug}/counts":                     d.inboxCounts,
		"GET /w/{slug}/accounts":                   d.accounts,
		"POST /w/{slug}/accounts/{account}/config": d.configureAccount,
		"GET /c/{id}":                              d.conversation,
		"GET /c/{id}/thread":                       d.thread,
		"POST /c/{id}/reply":                       d.reply,
		"POST /c/{id}/assign":                      d.assign,
		"POST /c/{id}/status":                      d.status,
		"POST /c/{id}/tags":                        d.tags,
		"POST /c/{id}/note":                        d.note,
		"POST /m/{id}/labels":                      d.correct,
		"GET /p/{id}":                              d.customer,
		"POST /p/{id}/merge":                       d.mergeCustomer,
		"POST /p/{id}/unmerge":                     d.unmergeCustomer,
		"POST /logout":                             d.logout,
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
				d.failPage(w, r, http.StatusForbidden, "This form has expired", "Reload the page and try again.")
				return
			}
			if r.URL.Path != "/logout" && !c.User.Can("work") {
				d.failPage(w, r, http.StatusForbidden, "Not allowed", "Your role can read conversations but not change them.")
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r, c); err != nil {
			d.fail(w, r, err)
		}
	})
}

// fail answers a handler's error with a page that says what went wrong
// and the way back, under the desk's own header, and the status code the
// error calls for. A fragment's fetch reads the code alone.
func (d *desk) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, title, msg := http.StatusInternalServerError, "Something went wrong", "It has been logged."
	switch {
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the agent went away (a fragment fetch overtaken, a page left): no one reads an answer
	case errors.Is(err, hark.ErrNotFound):
		code, title, msg = http.StatusNotFound, "Not found", "There is nothing here, or it has gone."
	case errors.Is(err, hark.ErrInvalid):
		code, title, msg = http.StatusBadRequest, "That did not work", reason(err, hark.ErrInvalid)
	case errors.Is(err, hark.ErrForbidden):
		code, title, msg = http.StatusForbidden, "Not allowed", reason(err, hark.ErrForbidden)
	case errors.Is(err, hark.ErrConflict):
		code, title, msg = http.StatusConflict, "That did not work", reason(err, hark.ErrConflict)
	default:
		d.log.Error("desk", "path", r.URL.Path, "err", err)
	}
	d.failPage(w, r, code, title, msg)
}

// failPage writes an error page; the plain text of it if even that fails.
func (d *desk) failPage(w http.ResponseWriter, r *http.Request, code int, title, msg string) {
	c, _ := auth.From(r.Context())
	v := view{Me: c.User, CSRF: c.CSRF}
	if c.Session {
		v.Workspaces, _ = d.a.Workspaces.List(r.Context()) // the header's way out; none is no loss
	}
	back := "/"
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.RequestURI() != r.URL.RequestURI() {
		back = safeNext(ref.RequestURI()) // the page the agent came from, on this site
	}
	var buf bytes.Buffer
	if err := d.pages.byName["error"].ExecuteTemplate(&buf, "layout", map[string]any{"View": v, "Title": title, "Message": msg, "Back": back}); err != nil {
		http.Error(w, title+": "+msg, code)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // it carries the session's CSRF token
	w.WriteHeader(code)
	buf.WriteTo(w)
}

// reason is err's message from the kind it wraps on ("invalid: tag is too
// long" and "assign: invalid: tag is too long" read "Tag is too long.").
func reason(err, kind error) string {
	s := err.Error()
	if _, after, ok := strings.Cut(s, kind.Error()+": "); ok {
		s = after
	} else if strings.HasSuffix(s, kind.Error()) {
		s = "" // the kind alone says nothing
	}
	if s == "" {
		return "The desk refused it."
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, hark.ErrNotFound
	}
	return id, nil
}

// safeNext keeps a post-sign-in redirect on this site. Browsers drop tabs
// and line breaks from a Location and read a backslash as a slash, so
// "/\t/evil.example" would leave it: control characters are refused, and
// what is left must parse as a path with no scheme or host.
func safeNext(s string) string {
	if len(s) == 0 || s[0] != '/' || (len(s) > 1 && (s[1] == '/' || s[1] == '\\')) {
		return "/"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return "/"
		}
	}
	if u, err := url.Parse(s); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return s
}
