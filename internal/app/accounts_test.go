package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/app/apptest"
	"github.com/harkdesk/hark/internal/channel/chat"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/workspace"
)

// Every role sees an account's config summary, so no credential may reach
// it, however deep the connector keeps it.
func TestConfigSummaryMasksSecretsAtAnyDepth(t *testing.T) {
	cfg := `{"address":"help@brand.test","inbound":"mailgun",
		"webhook":{"basic_user":"hooks","basic_password":"PW-s3cret","mailgun_signing_key":"KEY-s3cret"},
		"imap":{"server":"imap.brand.test","password":"IMAP-s3cret"},
		"feed_url":"https://reader:URL-s3cret@blog.brand.test/feed",
		"routes":[{"name":"a","client_secret":"LIST-s3cret"}],"days":[1,2],"extra":{},
		"relay":"smtps://hark:p4ss/s3cret#x@relay.brand.test:465","nested":[[{"api_token":"NEST-s3cret"}]]}`
	got := map[string]app.ConfigField{}
	for _, f := range app.ConfigSummary([]byte(cfg)) {
		if strings.Contains(f.Value, "s3cret") {
			t.Errorf("%s shows a secret: %q", f.Name, f.Value)
		}
		got[f.Name] = f
	}
	for name, want := range map[string]string{
		"address": "help@brand.test", "webhook.basic_user": "hooks", "routes.0.name": "a",
		"days": "[1,2]", "extra": "{}", "feed_url": "https://reader:xxxxx@blog.brand.test/feed",
		"relay": "smtps://hark:xxxxx@relay.brand.test:465",
	} {
		if got[name].Value != want || got[name].Secret {
			t.Errorf("%s: %+v, want the value %q", name, got[name], want)
		}
	}
	for _, name := range []string{"webhook.basic_password", "webhook.mailgun_signing_key", "imap", "routes.0.client_secret", "nested.0.0.api_token"} {
		if f, ok := got[name]; !ok || !f.Secret {
			t.Errorf("%s: %+v, want it listed as a secret", name, f)
		}
	}
}

// A Page's events come to one callback for every account of its app; two
// accounts for one Page would split them by account order, and answer as
// either. The second is refused, naming the first.
func TestOnePageIsOneAccount(t *testing.T) {
	a, ws, _ := openAirline(t)
	ctx := context.Background()
	other, _ := a.Workspaces.Create(ctx, "care", "Care")
	cfg := meta.NewFake("app-secret", "verify", "token").Config("http://graph.test")
	var ids []int64
	for _, w := range []int64{ws.ID, other.ID, ws.ID} {
		acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: w, Channel: "facebook", Handle: fmt.Sprint("page", len(ids)), Name: "Page"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, acct.ID)
	}
	if err := a.ConfigureAccount(ctx, ids[0], cfg); err != nil {
		t.Fatal(err)
	}
	if err := a.ConfigureAccount(ctx, ids[0], cfg); err != nil {
		t.Fatalf("configuring an account again with its own Page: %v", err)
	}
	for _, id := range ids[1:] {
		err := a.ConfigureAccount(ctx, id, cfg)
		if !errors.Is(err, hark.ErrConflict) || !strings.Contains(err.Error(), fmt.Sprint(ids[0])) {
			t.Errorf("account %d took the Page of account %d: %v", id, ids[0], err)
		}
	}
	// The same app's Instagram account is another target: allowed.
	ig, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "instagram", Handle: "ig", Name: "IG"})
	if err := a.ConfigureAccount(ctx, ig.ID, cfg); err != nil {
		t.Errorf("the Page's Instagram account: %v", err)
	}
}

// Two admins (or nodes) configuring the same Page at once: one of them
// gets the conflict, never both the Page.
func TestOnePageRacingConfigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		ws, _ := a.Workspaces.Create(ctx, "air", "Air")
		cfg := meta.NewFake("app-secret", "verify", "token").Config("http://graph.test")
		for round := range 10 {
			var ids []int64
			for i := range 2 {
				acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "facebook", Handle: fmt.Sprint("p", round, "-", i), Name: "Page"})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, acct.ID)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, id := range ids {
				wg.Go(func() { errs[i] = a.ConfigureAccount(ctx, id, cfg) })
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: %v / %v, want exactly one conflict", round, errs[0], errs[1])
			}
			for _, id := range ids {
				if err := a.ConfigureAccount(ctx, id, []byte("{}")); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// A live chat's settings (hours, greeting, transcripts' mail server) are
// saved like any account's, checked by what the widget can read. Before,
// every save was refused ("chat accounts have no connector"), so a chat
// could not be given hours or an identity secret but by writing the
// database. A save keeps the visitor-token secret the desk made, or every
// visitor would lose their conversation at their next page load.
func TestAChatIsConfiguredAndKeepsItsVisitorSecret(t *testing.T) {
	ctx := context.Background()
	a, ws, _ := openAirline(t)
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "chat", Handle: "site", Name: "Site chat"})
	if err != nil {
		t.Fatal(err)
	}
	// The first visitor's connection makes the secret.
	if err := a.Workspaces.SetConfig(ctx, acct.ID, json.RawMessage(`{"chat_secret":"made-by-the-desk"}`)); err != nil {
		t.Fatal(err)
	}
	good := `{"greeting":"Hi!","hours":{"tz":"Europe/London","days":"mon-fri","from":"22:00","to":"06:00"},"smtp":"mail.air.test:587","mail_from":"care@air.test"}`
	if err := a.ConfigureAccount(ctx, acct.ID, json.RawMessage(good)); err != nil {
		t.Fatalf("a chat's settings were refused: %v", err)
	}
	got, _ := a.Workspaces.Account(ctx, acct.ID)
	cfg, err := chat.ParseConfig(got.Config)
	if err != nil || cfg.Greeting != "Hi!" || cfg.Hours == nil || cfg.Hours.From != "22:00" || cfg.Secret != "made-by-the-desk" {
		t.Fatalf("stored %s (%v): want the settings and the desk's secret", got.Config, err)
	}
	for _, bad := range []string{
		`{"hour":{"tz":"UTC","days":"mon-fri","from":"09:00","to":"17:00"}}`, // misspelt: the chat would be open at every hour
		`{"hours":{"tz":"UTC","days":"weekdays","from":"09:00","to":"17:00"}}`,
		`{"hours":{"tz":"Mars/Olympus","days":"mon-fri","from":"09:00","to":"17:00"}}`,
		`{"smtp":"mail.air.test","mail_from":"care@air.test"}`,
		`{"smtp":"mail.air.test:25"}`,
	} {
		if err := a.ConfigureAccount(ctx, acct.ID, json.RawMessage(bad)); !errors.Is(err, hark.ErrInvalid) {
			t.Errorf("%s: %v, want refused", bad, err)
		}
	}
	if got, _ := a.Workspaces.Account(ctx, acct.ID); !strings.Contains(string(got.Config), `"greeting":"Hi!"`) {
		t.Errorf("a refused save changed the config: %s", got.Config)
	}
}
