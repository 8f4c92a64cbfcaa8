package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
)

// PostgreSQL cannot store a NUL character or invalid UTF-8, and SQLite
// would keep text no other part of the desk expects, so the API refuses
// such input the same way on both: a body or a query value is bad input
// (400), and a path that names a workspace that way names none (404).
func TestTextNoDatabaseCanStoreIsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, conv := e.ingestOne("m1", "maria", "hello")
		e.vars["{conv}"] = conv
		for _, c := range []struct {
			method, url, body string
			status            int
		}{
			{"POST", "/api/v1/conversations/{conv}/replies", `{"text":"on it\u0000"}`, 400},
			{"POST", "/api/v1/conversations/{conv}/replies", "{\"text\":\"on it \xff\"}", 400},
			{"POST", "/api/v1/conversations/{conv}/notes", `{"body":"note\u0000"}`, 400},
			{"POST", "/api/v1/conversations/{conv}/tags", `{"add":["a\u0000"]}`, 400},
			{"POST", "/api/v1/workspaces", `{"slug":"beta","name":"Be\u0000ta"}`, 400},
			{"POST", "/api/v1/workspaces/acme/accounts", `{"channel":"sms","handle":"+1555\u0000"}`, 400},
			{"PUT", "/api/v1/accounts/{acct2}/config", "{\"address\":\"help@acme.test\xc3\"}", 400},
			{"GET", "/api/v1/workspaces/acme/contacts?q=ma%00", "", 400},
			{"GET", "/api/v1/workspaces/acme/contacts?q=%FF", "", 400},
			{"GET", "/api/v1/conversations?workspace=%00", "", 400},
			{"GET", "/api/v1/conversations?workspace=%FF", "", 400},
			{"GET", "/api/v1/conversations?q=%FF", "", 400},
			{"GET", "/api/v1/conversations?tag=%FF", "", 400},
			{"GET", "/api/v1/conversations?%FF=1", "", 400},
			{"GET", "/api/v1/workspaces/%FF/accounts", "", 404},
			{"GET", "/api/v1/workspaces/%00/accounts", "", 404},
			{"GET", "/api/v1/workspaces/%FF/contacts?q=a", "", 404},
			{"POST", "/api/v1/workspaces/%C3/accounts", `{"channel":"sms","handle":"+1555"}`, 404},
			{"GET", "/api/v1/conversations/{conv}?x=%00", "", 400},
			// An escaped backslash before "u0000" is text, not a NUL.
			{"POST", "/api/v1/conversations/{conv}/notes", `{"body":"C:\\u0000"}`, 201},
		} {
			r := e.do(c.method, c.url, c.body, "admin")
			if r.status != c.status {
				t.Errorf("%s %s %q: got %d, want %d\n%s", c.method, c.url, c.body, r.status, c.status, r.body)
			}
		}
		// Any route may answer so, so every one documents it.
		for k, op := range operations(loadDoc(t)) {
			if _, ok := op["responses"].(document)["400"]; !ok && strings.Contains(k, "/api/v1/") {
				t.Errorf("%s does not document 400", k)
			}
		}
	})
}

// A slug that is not UTF-8 names no workspace, whoever asks the store.
func TestASlugThatIsNotTextNamesNoWorkspace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, slug := range []string{"\xff", "ac\x00me"} {
			if _, err := e.a.Workspaces.BySlug(context.Background(), slug); !errors.Is(err, hark.ErrNotFound) {
				t.Errorf("slug %q: %v", slug, err)
			}
		}
	})
}
