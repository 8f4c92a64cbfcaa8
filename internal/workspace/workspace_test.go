package workspace_test

import (
	"context"
	"errors"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/workspace"
)

func TestWorkspacesAccountsAndIngestTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := workspace.New(d)
		if _, err := s.Create(ctx, "Bad Slug!", "x"); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("bad slug: %v", err)
		}
		ws, err := s.Create(ctx, "skyway", "Skyway Air")
		if err != nil {
			t.Fatal(err)
		}
		// The store is the one place that sees every writer, so it is the
		// one that must call a taken slug a conflict.
		for _, again := range []string{"skyway", "SKYWAY", " Skyway "} {
			if _, err := s.Create(ctx, again, "Again"); !errors.Is(err, hark.ErrConflict) {
				t.Errorf("slug %q taken: %v", again, err)
			}
		}
		if got, err := s.BySlug(ctx, "skyway"); err != nil || got.ID != ws.ID {
			t.Fatalf("by slug: %v", err)
		}
		if _, err := s.BySlug(ctx, "nope"); !errors.Is(err, hark.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if _, _, err := s.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "myspace", Handle: "x"}); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("unknown channel: %v", err)
		}
		a, tok, err := s.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "SkywayHelp", Purpose: "service"})
		if err != nil {
			t.Fatal(err)
		}
		b, tok2, err := s.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "SkywayAir", Purpose: "marketing"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: " SkywayHelp "}); !errors.Is(err, hark.ErrConflict) {
			t.Errorf("the same account twice: %v", err)
		}
		if got, err := s.AccountByIngestToken(ctx, tok); err != nil || got.ID != a.ID {
			t.Fatalf("ingest token of a: %v", err)
		}
		if got, _ := s.AccountByIngestToken(ctx, tok2); got.ID != b.ID {
			t.Fatal("ingest token of b found another account")
		}
		for _, bad := range []string{"", tok + "x", "hki_"} {
			if _, err := s.AccountByIngestToken(ctx, bad); !errors.Is(err, hark.ErrNotFound) {
				t.Errorf("token %q: %v", bad, err)
			}
		}
		fresh, err := s.RotateIngestToken(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AccountByIngestToken(ctx, tok); !errors.Is(err, hark.ErrNotFound) {
			t.Fatal("the rotated-out token still works")
		}
		if got, _ := s.AccountByIngestToken(ctx, fresh); got.ID != a.ID {
			t.Fatal("the new token does not work")
		}
		accts, err := s.Accounts(ctx, ws.ID)
		if err != nil || len(accts) != 2 {
			t.Fatalf("accounts: %d %v", len(accts), err)
		}
		team, err := s.AddTeam(ctx, ws.ID, "Care")
		if err != nil {
			t.Fatal(err)
		}
		teams, _ := s.Teams(ctx, ws.ID)
		if len(teams) != 1 || teams[0].ID != team.ID {
			t.Fatalf("teams %+v", teams)
		}
	})
}
