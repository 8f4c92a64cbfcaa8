package desk

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// loginCSRFCookie carries the sign-in form's token before there is a
// session (double submit: the form field must equal the cookie).
const loginCSRFCookie = "hark_login_csrf"

type loginData struct {
	CSRF, Email, Next, Error string
}

func (d *desk) loginPage(w http.ResponseWriter, r *http.Request) {
	d.showLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (d *desk) showLogin(w http.ResponseWriter, r *http.Request, status int, data loginData) {
	token := workspace.NewToken("")
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/login", HttpOnly: true,
		Secure: d.a.Auth.Secure, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	data.CSRF = token
	w.Header().Set("Cache-Control", "no-store")
	d.pages.renderStatus(w, status, "login", "", map[string]any{"Login": data})
}

func (d *desk) login(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(loginCSRFCookie)
	form := r.PostFormValue(auth.CSRFField)
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(form)) != 1 {
		http.Error(w, "this sign-in form has expired; reload the page and try again", http.StatusForbidden)
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	next := safeNext(r.PostFormValue("next"))
	data := loginData{Email: email, Next: next}
	// Every attempt is spent before the password is checked, so guesses
	// sent in parallel are limited too; a good one is given back below.
	ip := auth.ClientNet(d.a.Auth.ClientIP(r))
	if !d.byIP.Allow(ip) || !d.byEmail.Allow(email) {
		data.Error = "Too many sign-in attempts. Wait a minute and try again."
		d.showLogin(w, r, http.StatusTooManyRequests, data)
		return
	}
	u, err := d.a.Users.Authenticate(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		if !errors.Is(err, user.ErrBadCredentials) {
			d.log.Error("sign-in", "err", err)
		}
		data.Error = "Wrong e-mail or password."
		d.showLogin(w, r, http.StatusUnauthorized, data)
		return
	}
	d.byIP.Refund(ip)
	d.byEmail.Refund(email)
	token, sess, err := d.a.Users.StartSession(r.Context(), u)
	if err != nil {
		d.log.Error("start session", "err", err)
		http.Error(w, "could not sign in; try again", http.StatusInternalServerError)
		return
	}
	d.a.Auth.SetSession(w, token, time.UnixMilli(sess.ExpiresAt))
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (d *desk) logout(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	if ck, err := r.Cookie(auth.CookieName); err == nil {
		d.a.Users.EndSession(r.Context(), ck.Value)
	}
	d.a.Auth.ClearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
