// Package api serves the JSON API under /api/v1: scripts and connectors that
// have none of their own yet read the desk and act on it with personal API
// tokens, and push inbound messages with a channel account's ingest token.
package api

import (
	"net/http"

	"github.com/harkdesk/hark/internal/app"
)

// Access says who may call a route.
type Access string

// Kinds of access, from the ingest token to the admin role.
const (
	Public      Access = "public"       // no credentials (the API description)
	IngestToken Access = "ingest-token" // a channel account's hki_ token
	Read        Access = "read"         // any desk user
	Work        Access = "work"         // agents and above: change conversations
	Manage      Access = "manage"       // supervisors and admins
	Admin       Access = "admin"        // admins: configure workspaces and accounts
)

// Route is one endpoint of the API.
type Route struct {
	Method string
	Path   string // a net/http pattern path, {name} for path values
	Access Access
}

type endpoint struct {
	Route
	handle handlerFunc
}

// handlerFunc is the shape of every handler: it writes a success or returns
// an error, which fail turns into the one JSON error form.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

type service struct {
	a      *app.App
	tokens tokenCache
}

// table is the single list of routes: Register mounts it, Routes reports it
// and the OpenAPI test compares it with openapi.json both ways.
func (s *service) table() []endpoint {
	return []endpoint{
		{Route{"GET", "/api/v1/openapi.json", Public}, s.openAPI},
		{Route{"POST", "/api/v1/ingest", IngestToken}, s.ingest},
		{Route{"GET", "/api/v1/me", Read}, s.me},
		{Route{"GET", "/api/v1/conversations", Read}, s.listConversations},
		{Route{"GET", "/api/v1/conversations/{id}", Read}, s.getConversation},
		{Route{"POST", "/api/v1/conversations/{id}/replies", Work}, s.reply},
		{Route{"POST", "/api/v1/conversations/{id}/assign", Work}, s.assign},
		{Route{"POST", "/api/v1/conversations/{id}/status", Work}, s.setStatus},
		{Route{"POST", "/api/v1/conversations/{id}/tags", Work}, s.tag},
		{Route{"POST", "/api/v1/conversations/{id}/notes", Work}, s.addNote},
		{Route{"POST", "/api/v1/messages/{id}/labels", Work}, s.correctLabels},
		{Route{"GET", "/api/v1/contacts/{id}", Read}, s.getContact},
		{Route{"GET", "/api/v1/contacts/{id}/suggestions", Read}, s.contactSuggestions},
		{Route{"POST", "/api/v1/contacts/{id}/merge", Work}, s.mergeContact},
		{Route{"POST", "/api/v1/contacts/{id}/unmerge", Work}, s.unmergeContact},
		{Route{"GET", "/api/v1/workspaces/{ws}/contacts", Read}, s.searchContacts},
		{Route{"GET", "/api/v1/workspaces", Read}, s.listWorkspaces},
		{Route{"POST", "/api/v1/workspaces", Admin}, s.createWorkspace},
		{Route{"GET", "/api/v1/workspaces/{ws}/accounts", Read}, s.listAccounts},
		{Route{"POST", "/api/v1/workspaces/{ws}/accounts", Admin}, s.addAccount},
		{Route{"GET", "/api/v1/accounts/{account}/health", Read}, s.getAccountHealth},
		{Route{"PUT", "/api/v1/accounts/{account}/config", Admin}, s.setAccountConfig},
		{Route{"GET", "/api/v1/users", Manage}, s.listUsers},
	}
}

// Routes lists the API's endpoints in the order they are mounted.
func Routes() []Route {
	var out []Route
	for _, e := range (*service)(nil).table() {
		out = append(out, e.Route)
	}
	return out
}

// Register mounts the API under /api/v1. The routes live on their own mux so
// that unknown paths and wrong methods get JSON errors like everything else.
func Register(mux *http.ServeMux, a *app.App) {
	s := &service{a: a}
	inner := http.NewServeMux()
	for _, e := range s.table() {
		inner.Handle(e.Method+" "+e.Path, s.guard(e))
	}
	mux.Handle("/api/v1/", s.routeErrors(inner))
}

// routeErrors answers requests no route matches with a JSON 404 or 405
// instead of the mux's plain-text ones.
func (s *service) routeErrors(inner *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, pattern := inner.Handler(r); pattern == "" {
			// The mux's own answer says which: a 405 carries the Allow header.
			probe := &statusProbe{header: http.Header{}}
			h.ServeHTTP(probe, r)
			if probe.status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", probe.header.Get("Allow"))
				writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path)
				return
			}
			writeError(w, http.StatusNotFound, "no_route", "no API endpoint at "+r.URL.Path)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// statusProbe records what the mux's not-found or not-allowed handler says.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *statusProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
