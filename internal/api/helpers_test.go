package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// env is a real desk behind the real HTTP handler: one workspace with two
// channel accounts, and one user of every role with an API token.
type env struct {
	t      testing.TB
	a      *app.App
	h      http.Handler
	ws     workspace.Workspace
	acct   workspace.Account // x
	acct2  workspace.Account // email
	tokens map[string]string // "admin", "agent", …, "ingest", "ingest2"
	users  map[string]user.User
	vars   map[string]string // replaced in scenario URLs and bodies: {conv}, {contact}, …
	logs   *syncBuffer
}

// syncBuffer collects the server log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	ctx := context.Background()
	logs := &syncBuffer{}
	a, err := app.Open(ctx, app.Options{DB: d.DSN, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e := &env{t: t, a: a, h: server.Handler(a), logs: logs, tokens: map[string]string{}, users: map[string]user.User{}, vars: map[string]string{}}
	if e.ws, err = a.Workspaces.Create(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	var tok string
	if e.acct, tok, err = a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: e.ws.ID, Channel: "x", Handle: "acme", Name: "Acme on X"}); err != nil {
		t.Fatal(err)
	}
	e.tokens["ingest"] = tok
	if e.acct2, tok, err = a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: e.ws.ID, Channel: "email", Handle: "help@acme.test"}); err != nil {
		t.Fatal(err)
	}
	e.tokens["ingest2"] = tok
	for _, role := range []string{"admin", "supervisor", "agent", "viewer"} {
		u, err := a.Users.Add(ctx, role+"@acme.test", strings.ToUpper(role[:1])+role[1:], role, "")
		if err != nil {
			t.Fatal(err)
		}
		if e.tokens[role], err = a.Users.CreateToken(ctx, u.ID, "test"); err != nil {
			t.Fatal(err)
		}
		e.users[role] = u
		e.vars["{"+role+"}"] = itoa(u.ID)
	}
	e.tokens["bogus"] = "hkp_not-a-real-token"
	e.tokens["bogus-ingest"] = "hki_not-a-real-token"
	e.vars["{ws}"] = itoa(e.ws.ID)
	e.vars["{acct}"] = itoa(e.acct.ID)
	e.vars["{acct2}"] = itoa(e.acct2.ID)
	return e
}

// response is what a request returned.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return v
}

// do sends a request as who ("" for nobody, a role, or an ingest token name).
func (e *env) do(method, url, body, who string, header ...string) response {
	e.t.Helper()
	url, body = e.expand(url), e.expand(body)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, url, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		tok, ok := e.tokens[who]
		if !ok {
			e.t.Fatalf("no token %q", who)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

func (e *env) expand(s string) string {
	for k, v := range e.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// mustJSON sends a request that must answer status and returns its body.
func (e *env) mustJSON(status int, method, url, body, who string) map[string]any {
	e.t.Helper()
	r := e.do(method, url, body, who)
	if r.status != status {
		e.t.Fatalf("%s %s: got %d, want %d\n%s", method, url, r.status, status, r.body)
	}
	return r.json(e.t)
}

// session signs role in as a browser and returns its cookie header and CSRF token.
func (e *env) session(role string) (cookie, csrf string) {
	e.t.Helper()
	tok, s, err := e.a.Users.StartSession(context.Background(), e.users[role])
	if err != nil {
		e.t.Fatal(err)
	}
	return auth.CookieName + "=" + tok, s.CSRF
}

// scenario is one HTTP exchange and what its answer must and must not hold.
type scenario struct {
	name   string
	method string
	url    string
	body   string
	who    string
	header []string
	status int
	want   []string
	forbid []string
}

func (e *env) run(t *testing.T, cases []scenario) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.method, c.url, c.body, c.who, c.header...)
			if r.status != c.status {
				t.Fatalf("%s %s: got %d, want %d\n%s", c.method, c.url, r.status, c.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
			if r.status >= 400 {
				var v struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.Error.Code == "" || v.Error.Message == "" {
					t.Errorf("error body is not {\"error\":{\"code\",\"message\"}}: %s", r.body)
				}
			}
			for _, w := range c.want {
				if w = e.expand(w); !strings.Contains(r.body, w) {
					t.Errorf("response lacks %q:\n%s", w, r.body)
				}
			}
			for _, f := range c.forbid {
				if f = e.expand(f); strings.Contains(r.body, f) {
					t.Errorf("response holds %q:\n%s", f, r.body)
				}
			}
		})
	}
}

// contactOf is the id of the contact a conversation is with.
func (e *env) contactOf(conv string) string {
	e.t.Helper()
	return e.mustJSON(200, "GET", "/api/v1/conversations/"+conv, "", "agent")["contact"].(map[string]any)["id"].(string)
}

// ingestOne posts one message with the x account's token and returns the result.
func (e *env) ingestOne(providerID, author, text string) (msgID, convID string) {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"provider_id": providerID, "author": map[string]any{"id": author, "handle": author, "name": author}, "text": text})
	v := e.mustJSON(200, "POST", "/api/v1/ingest", string(b), "ingest")
	return v["message_id"].(string), v["conversation_id"].(string)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
