package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/workspace"
)

// openDesk opens a desk on a fresh SQLite file (opts says the rest) and
// serves it until the test ends.
func openDesk(t *testing.T, opts app.Options) (*app.App, *httptest.Server) {
	t.Helper()
	opts.DB, opts.Migrate = filepath.Join(t.TempDir(), "hark.db"), true
	a, err := app.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	desk := httptest.NewServer(server.Handler(a))
	t.Cleanup(desk.Close)
	return a, desk
}

// connectMeta adds workspace slug with one account on channel (facebook,
// instagram, whatsapp), connected to fake's Graph API, which is served
// until the test ends; it returns the account's webhook URL too.
func connectMeta(t *testing.T, a *app.App, desk *httptest.Server, slug, channel string, fake *meta.Fake) (workspace.Workspace, workspace.Account, string) {
	t.Helper()
	ctx := context.Background()
	graph := httptest.NewServer(fake)
	t.Cleanup(graph.Close)
	ws, err := a.Workspaces.Create(ctx, slug, strings.ToUpper(slug[:1])+slug[1:])
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: channel, Handle: slug, Name: ws.Name})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Workspaces.SetConfig(ctx, acct.ID, fake.Config(graph.URL)); err != nil {
		t.Fatal(err)
	}
	return ws, acct, fmt.Sprintf("%s/webhooks/%d", desk.URL, acct.ID)
}

// connectPostmark adds a workspace "shop" with a Postmark mailbox whose
// webhook takes hark / pw.
func connectPostmark(t *testing.T, a *app.App) (workspace.Workspace, workspace.Account) {
	t.Helper()
	ctx := context.Background()
	ws, err := a.Workspaces.Create(ctx, "shop", "Shop")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "email", Handle: "support@shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := `{"address":"support@shop.test","inbound":"postmark","webhook":{"basic_user":"hark","basic_password":"pw"}}`
	if err := a.ConfigureAccount(ctx, acct.ID, []byte(cfg)); err != nil {
		t.Fatal(err)
	}
	return ws, acct
}

// postmarkWith is Postmark's sample inbound post carrying attachments
// (Name, ContentType, ContentLength, Content in base64).
func postmarkWith(t *testing.T, attachments []any) []byte {
	t.Helper()
	raw, err := os.ReadFile("../channel/email/testdata/postmark.json")
	if err != nil {
		t.Fatal(err)
	}
	var pm map[string]any
	if err := json.Unmarshal(raw, &pm); err != nil {
		t.Fatal(err)
	}
	pm["Attachments"] = attachments
	body, _ := json.Marshal(pm)
	return body
}

// postHook posts body to an account's webhook as Postmark does (basic
// auth hark / pw) and returns the status.
func postHook(t *testing.T, desk *httptest.Server, acctID int64, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/webhooks/%d", desk.URL, acctID), bytes.NewReader(body))
	req.SetBasicAuth("hark", "pw")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
