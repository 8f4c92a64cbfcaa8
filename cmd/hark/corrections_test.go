package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// `hark corrections export`, as the README gives it, writes an agent's
// correction in the labelled-set format hark train --extra reads.
func TestCorrectionsExportCommand(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "hark.db")
	a, err := app.Open(ctx, app.Options{DB: dbPath, Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := a.Workspaces.Create(ctx, "air", "Air")
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "airline", Name: "Air"})
	if err != nil {
		t.Fatal(err)
	}
	agent, err := a.Users.Add(ctx, "ana@air.test", "Ana", "agent", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Pipeline.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "dm1", Visibility: "private",
		Author: ingest.Author{ID: "u1", Handle: "bob"}, Text: "my seat was changed without asking", SentAt: time.Now()})
	if err != nil || res[0].Err != nil {
		t.Fatalf("ingest: %v %v", err, res[0].Err)
	}
	msgs, _ := a.Conversations.Messages(ctx, res[0].ConversationID)
	if _, err := a.Conversations.Correct(ctx, conversation.Correction{MessageID: msgs[0].ID, UserID: agent.ID, Intent: "request", NeedsReply: true}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	out := filepath.Join(t.TempDir(), "corrections.tsv")
	cmd, ok := commands()["corrections"]
	if !ok {
		t.Fatal("hark has no corrections command")
	}
	if err := cmd.run([]string{"export", "--db", dbPath, "--out", out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	want := "text\tintent\tneeds_reply\tchannel\tto_handle\nmy seat was changed without asking\trequest\tyes\tx_dm\tairline\n"
	if err != nil || string(b) != want {
		t.Fatalf("export %v:\n%q\nwant\n%q", err, b, want)
	}
	if err := cmd.run([]string{"import"}); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("an unknown subcommand: %v", err)
	}
}
