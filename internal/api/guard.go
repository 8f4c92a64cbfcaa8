package api

import (
	"net/http"
	"strings"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/user"
)

// guard checks the caller a route needs, then runs the handler and turns
// its error into a response.
func (s *service) guard(e endpoint) http.Handler {
	names := pathNames(e.Path)
	run := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkRequestText(r, names); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := e.handle(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
	switch e.Access {
	case Public, IngestToken:
		// The ingest handler resolves its own token: it names an account, not a user.
		return run
	}
	checked := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := auth.From(r.Context())
		if !ok {
			if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer hki_") {
				writeError(w, http.StatusUnauthorized, "unauthorized", "an ingest token only works on POST /api/v1/ingest; use a personal API token (hark token create)")
				return
			}
			writeError(w, http.StatusUnauthorized, "unauthorized", "send a personal API token as Authorization: Bearer hkp_… (hark token create)")
			return
		}
		if c.Session && !auth.Safe(r.Method) && !auth.CheckCSRF(r) {
			writeError(w, http.StatusForbidden, "csrf", "a browser session must send its X-CSRF-Token header with every change")
			return
		}
		if !c.User.Can(string(e.Access)) {
			writeError(w, http.StatusForbidden, "forbidden", "the "+c.User.Role+" role may not do this")
			return
		}
		run(w, r)
	})
	return s.a.Auth.Identify(checked)
}

// caller returns the authenticated user; guard has made sure there is one.
func caller(r *http.Request) user.User {
	c, _ := auth.From(r.Context())
	return c.User
}
