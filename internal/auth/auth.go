// Package auth decides who is calling: a signed-in browser (session cookie
// plus a CSRF token on every form) or a script (personal API token as a
// Bearer header). Handlers read the caller with From.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/user"
)

// CookieName is the session cookie.
const CookieName = "hark_session"

// CSRFField is the form field (and X-CSRF-Token header) carrying the token.
const CSRFField = "csrf_token"

type ctxKey struct{}

// Caller is who made a request.
type Caller struct {
	User user.User
	// CSRF is the session's token; empty for API-token callers, who are not
	// browsers and so cannot be tricked into cross-site requests.
	CSRF    string
	Session bool
}

// From returns the request's caller, if authenticated.
func From(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(ctxKey{}).(Caller)
	return c, ok
}

// With returns ctx carrying c (for tests and internal calls).
func With(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// Authenticator resolves callers from requests.
type Authenticator struct {
	Users *user.Store
	// Secure marks cookies Secure: hark serve sets it when the desk's
	// public address is https (or --secure-cookies says so).
	Secure bool
	// Proxies are the load balancers in front of the desk: the client's
	// address is read through them (ClientIP).
	Proxies Proxies
	Log     *slog.Logger
}

// Identify attaches the caller, if any, to the request context. It never
// rejects; Require does.
func (a *Authenticator) Identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := a.caller(r); ok {
			r = r.WithContext(With(r.Context(), c))
		}
		next.ServeHTTP(w, r)
	})
}

func (a *Authenticator) caller(r *http.Request) (Caller, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return Caller{}, false
		}
		u, err := a.Users.ByToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			if !errors.Is(err, hark.ErrNotFound) && a.Log != nil {
				a.Log.Error("api token lookup", "err", err)
			}
			return Caller{}, false
		}
		return Caller{User: u}, true
	}
	ck, err := r.Cookie(CookieName)
	if err != nil || ck.Value == "" {
		return Caller{}, false
	}
	s, err := a.Users.SessionByToken(r.Context(), ck.Value)
	if err != nil {
		return Caller{}, false
	}
	return Caller{User: s.User, CSRF: s.CSRF, Session: true}, true
}

// Still reports whether the request's credentials still name the caller
// they named when it began (a long-lived stream asks): false once the
// user is disabled, the session ended or the token revoked or expired.
func (a *Authenticator) Still(r *http.Request, c Caller) bool {
	now, ok := a.caller(r)
	return ok && now.User.ID == c.User.ID
}

// SetSession writes the session cookie.
func (a *Authenticator) SetSession(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: a.Secure, SameSite: http.SameSiteLaxMode})
}

// ClearSession removes the session cookie.
func (a *Authenticator) ClearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.Secure, SameSite: http.SameSiteLaxMode})
}

// CheckCSRF verifies the token of a state-changing browser request. Requests
// with an API token pass: no browser attaches one on its own.
func CheckCSRF(r *http.Request) bool {
	c, ok := From(r.Context())
	if !ok {
		return false
	}
	if !c.Session {
		return true
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.CSRF)) == 1
}

// Safe reports whether a method changes nothing.
func Safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// ClientIP is the address of the request's client, read through the
// trusted proxies.
func (a *Authenticator) ClientIP(r *http.Request) string { return a.Proxies.ClientIP(r) }
