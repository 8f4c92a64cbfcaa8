package api_test

import (
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

// A slug that differs from a taken one only in case or spaces names the same
// workspace, so creating it is a conflict, not a server error.
func TestAWorkspaceSlugIsTakenWhateverItsCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, slug := range []string{"acme", "ACME", " acme ", "Acme\\t"} {
			r := e.do("POST", "/api/v1/workspaces", `{"slug":"`+slug+`","name":"Again"}`, "admin")
			if r.status != 409 {
				t.Errorf("slug %q: got %d, want 409\n%s", slug, r.status, r.body)
			}
		}
		e.mustJSON(201, "POST", "/api/v1/workspaces", `{"slug":" Beta ","name":"Beta"}`, "admin")
		e.mustJSON(200, "GET", "/api/v1/workspaces/beta/accounts", "", "admin")
	})
}
