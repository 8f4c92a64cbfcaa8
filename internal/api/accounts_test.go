package api_test

import (
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

// Admins configure an account's connector through the API: the connector
// checks the config, secrets never come back, other roles may only read.
func TestAccountConfigAndHealth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		path := "/api/v1/accounts/{acct2}/config"
		cfg := `{"address":"help@acme.test","imap":{"addr":"127.0.0.1:1143","username":"help","password":"hunter2"},"smtp":{"addr":"127.0.0.1:1025"},"poll_interval_seconds":30}`
		for _, tc := range []struct {
			body, who string
			status    int
		}{
			{cfg, "agent", 403},
			{`[1,2]`, "admin", 400},
			{`{"address":`, "admin", 400},
			{`{"inbound":"carrier-pigeon"}`, "admin", 400}, // refused by the e-mail connector
		} {
			if r := e.do("PUT", path, tc.body, tc.who); r.status != tc.status {
				t.Errorf("PUT %s as %s: %d, want %d: %s", tc.body, tc.who, r.status, tc.status, r.body)
			}
		}
		r := e.do("PUT", path, cfg, "admin")
		if r.status != 200 || strings.Contains(r.body, "hunter2") || !strings.Contains(r.body, `"name":"imap","secret":true`) || !strings.Contains(r.body, `"name":"address","value":"help@acme.test"`) {
			t.Fatalf("configure: %d %s", r.status, r.body)
		}
		got := e.mustJSON(200, "GET", "/api/v1/accounts/{acct2}/health", "", "viewer")
		if got["health"].(map[string]any)["status"] != "waiting" {
			t.Fatalf("health: %v", got)
		}
		if r := e.do("GET", "/api/v1/accounts/12345/health", "", "viewer"); r.status != 404 {
			t.Fatalf("unknown account: %d", r.status)
		}
	})
}

// Adding an account the workspace already has (same channel and handle) is a
// conflict the admin can act on, not a server error.
func TestAnAccountIsAddedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, body := range []string{`{"channel":"x","handle":"acme"}`, `{"channel":"x","handle":" acme ","name":"Again"}`} {
			r := e.do("POST", "/api/v1/workspaces/acme/accounts", body, "admin")
			if r.status != 409 || !strings.Contains(r.body, `"code":"conflict"`) {
				t.Errorf("%s: got %d, want 409\n%s", body, r.status, r.body)
			}
		}
		op := loadDoc(t)["paths"].(document)["/api/v1/workspaces/{ws}/accounts"].(document)["post"].(document)
		if op["responses"].(document)["409"] == nil {
			t.Error("openapi.json does not document the 409")
		}
		// The same handle on another channel is another account.
		e.mustJSON(201, "POST", "/api/v1/workspaces/acme/accounts", `{"channel":"instagram","handle":"acme"}`, "admin")
	})
}

// A Page another account already has is a conflict naming that account,
// documented as such.
func TestAPageIsConfiguredOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.mustJSON(201, "POST", "/api/v1/workspaces/acme/accounts", `{"channel":"facebook","handle":"acme-page"}`, "admin")
		b := e.mustJSON(201, "POST", "/api/v1/workspaces/acme/accounts", `{"channel":"facebook","handle":"acme-page-2"}`, "admin")
		id := func(v map[string]any) string { return v["account"].(map[string]any)["id"].(string) }
		cfg := `{"app_secret":"s","verify_token":"v","access_token":"t","page_id":"104000000000001"}`
		e.mustJSON(200, "PUT", "/api/v1/accounts/"+id(a)+"/config", cfg, "admin")
		if r := e.do("PUT", "/api/v1/accounts/"+id(b)+"/config", cfg, "admin"); r.status != 409 || !strings.Contains(r.body, id(a)) {
			t.Fatalf("a second account for the Page: %d %s", r.status, r.body)
		}
		op := loadDoc(t)["paths"].(document)["/api/v1/accounts/{account}/config"].(document)["put"].(document)
		if op["responses"].(document)["409"] == nil {
			t.Error("openapi.json does not document the 409")
		}
	})
}
