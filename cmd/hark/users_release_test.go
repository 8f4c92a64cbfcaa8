package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// An agent leaves (hark user disable) or becomes a viewer (hark user role
// --role viewer) with conversations still assigned to them: those
// conversations go back to the unassigned queue, where the team finds
// them, instead of staying in the name of someone who can no longer
// answer, whom every other agent skips.
func TestAConversationOfAnAgentWhoLeftIsBackInTheUnassignedQueue(t *testing.T) {
	t.Setenv("HARK_CONFIG", "")
	for _, leave := range [][]string{{"disable"}, {"role", "--role", "viewer"}} {
		t.Run(leave[0], func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "hark.db")
			a, err := app.Open(ctx, app.Options{DB: path, Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			ws, _ := a.Workspaces.Create(ctx, "acme", "Acme")
			x, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "acme", Name: "Acme"})
			tomas, err := a.Users.Add(ctx, "tomas@acme.test", "Tomás", "agent", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "maria", Handle: "maria"},
				Text: "@acme my order never came", SentAt: time.Now()})
			if err != nil || res[0].Err != nil {
				t.Fatal(err, res[0].Err)
			}
			if _, err := a.Conversations.Assign(ctx, res[0].ConversationID, tomas.ID, tomas.ID); err != nil {
				t.Fatal(err)
			}
			a.Close()

			if err := cmdUser(append(leave, "--db", path, "--email", "tomas@acme.test")); err != nil {
				t.Fatal(err)
			}

			a, err = app.Open(ctx, app.Options{DB: path, OneShot: true})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID, Status: "open", AssigneeID: -1, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Conversations) != 1 {
				c, _ := a.Conversations.Get(ctx, res[0].ConversationID)
				t.Fatalf("after hark user %s the open conversation is still assigned to user %d (Tomás is %d); the unassigned queue holds %d",
					leave[0], c.AssigneeID, tomas.ID, len(page.Conversations))
			}
		})
	}
}
