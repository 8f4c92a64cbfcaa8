package app_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// openAirline opens a desk on a fresh database with one X account,
// @airline.
func openAirline(t *testing.T) (*app.App, workspace.Workspace, workspace.Account) {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: filepath.Join(t.TempDir(), "hark.db"), Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ws, _ := a.Workspaces.Create(ctx, "air", "Air")
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "airline", Name: "Air"})
	if err != nil {
		t.Fatal(err)
	}
	return a, ws, acct
}

// Every message that goes through the pipeline comes out labelled, and its
// conversation carries the latest customer message's labels, so the inbox
// filters by them in the same commit.
func TestIngestedMessagesAreClassified(t *testing.T) {
	ctx := context.Background()
	a, ws, acct := openAirline(t)
	now := time.Now().UTC()
	msgs := []ingest.Message{
		{ProviderID: "1", Author: ingest.Author{ID: "u1", Handle: "ann"}, SentAt: now.Add(-3 * time.Minute),
			Text: "@airline my bag never arrived in Denver, can you please tell me where it is?"},
		{ProviderID: "2", Author: ingest.Author{ID: "u2", Handle: "bob"}, SentAt: now.Add(-2 * time.Minute),
			Text: "@airline thank you so much, the crew on my flight today were wonderful!"},
	}
	if _, err := a.Pipeline.Ingest(ctx, acct.ID, msgs...); err != nil {
		t.Fatal(err)
	}
	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil || len(page.Conversations) != 2 {
		t.Fatalf("conversations: %+v %v", page.Conversations, err)
	}
	byIntent := map[string]conversation.Conversation{}
	for _, c := range page.Conversations {
		byIntent[c.Intent] = c
	}
	req, ok := byIntent["request"]
	if !ok || !req.NeedsReply {
		t.Fatalf("the lost bag is not a request needing a reply: %+v", page.Conversations)
	}
	praise, ok := byIntent["praise"]
	if !ok || praise.NeedsReply || praise.Sentiment != "positive" {
		t.Fatalf("the thanks is not positive praise without a reply: %+v", page.Conversations)
	}

	ms, err := a.Conversations.Messages(ctx, req.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("messages: %v %v", ms, err)
	}
	var stored map[string]struct {
		Intent      string             `json:"intent"`
		IntentProbs map[string]float64 `json:"intent_probs"`
		Language    string             `json:"language"`
	}
	if err := json.Unmarshal(ms[0].Labels, &stored); err != nil {
		t.Fatalf("labels %s: %v", ms[0].Labels, err)
	}
	l := stored[conversation.LabelsKey]
	if l.Intent != "request" || len(l.IntentProbs) != 6 || l.Language != "en" {
		t.Fatalf("stored labels: %s", ms[0].Labels)
	}

	only, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID, NeedsReply: true})
	if err != nil || len(only.Conversations) != 1 || only.Conversations[0].ID != req.ID {
		t.Fatalf("needs-reply filter: %+v %v", only.Conversations, err)
	}

	// The customer's next message relabels the thread; an older one that
	// arrives late does not.
	if _, err := a.Pipeline.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "3", ReplyTo: "1",
		Author: ingest.Author{ID: "u1", Handle: "ann"}, SentAt: now.Add(-time.Minute),
		Text: "@airline found it, thank you so much, your team is wonderful!"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Conversations.Get(ctx, req.ID); c.Intent != "praise" || c.NeedsReply || c.MessageCount != 2 {
		t.Fatalf("after the thanks: intent %q needs_reply %v count %d", c.Intent, c.NeedsReply, c.MessageCount)
	}
	if _, err := a.Pipeline.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "4", ReplyTo: "1",
		Author: ingest.Author{ID: "u1", Handle: "ann"}, SentAt: now.Add(-150 * time.Second),
		Text: "@airline hello?? can anyone help me find my bag please"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Conversations.Get(ctx, req.ID); c.Intent != "praise" || c.NeedsReply || c.MessageCount != 3 {
		t.Fatalf("a late older message relabelled the thread: intent %q needs_reply %v count %d", c.Intent, c.NeedsReply, c.MessageCount)
	}
}

// A DM reaches a social account ("x") but is private: it is read as one,
// so "does anyone know…" sent privately to the brand asks the brand, while
// the same words posted publicly, the brand tagged along the way, read far
// more as a question to other customers. Whether the public one is peer or
// request is a close call (the labelled set has such questions both ways:
// "Has anyone used @Parcelo…?" peer, "@united … does anyone know the UK
// customer service number" request); since the seventh labelling round
// the models read it as request 0.52, peer 0.46 (MODELS.md), so the test
// asserts the difference the channel makes, not that call.
func TestDirectMessagesAreReadAsPrivate(t *testing.T) {
	ctx := context.Background()
	a, ws, acct := openAirline(t)
	text := "does anyone know how I change my seat on @airline?"
	now := time.Now().UTC()
	if _, err := a.Pipeline.Ingest(ctx, acct.ID,
		ingest.Message{ProviderID: "pub", Author: ingest.Author{ID: "u1", Handle: "ann"}, SentAt: now.Add(-time.Minute), Text: text},
		ingest.Message{ProviderID: "dm", Visibility: "private", Author: ingest.Author{ID: "u2", Handle: "bob"}, SentAt: now, Text: text},
	); err != nil {
		t.Fatal(err)
	}
	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil || len(page.Conversations) != 2 {
		t.Fatalf("conversations: %+v %v", page.Conversations, err)
	}
	probs := map[string]map[string]float64{}
	for _, c := range page.Conversations {
		ms, err := a.Conversations.Messages(ctx, c.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("messages: %v %v", ms, err)
		}
		var stored map[string]struct {
			IntentProbs map[string]float64 `json:"intent_probs"`
		}
		if err := json.Unmarshal(ms[0].Labels, &stored); err != nil {
			t.Fatalf("labels %s: %v", ms[0].Labels, err)
		}
		probs[c.Visibility] = stored[conversation.LabelsKey].IntentProbs
		if c.Visibility == "private" && (c.Intent != "request" || !c.NeedsReply) {
			t.Errorf("private message: intent %s needs_reply %v, want a request that needs a reply", c.Intent, c.NeedsReply)
		}
	}
	pub, dm := probs["public"], probs["private"]
	if pub["peer"]-dm["peer"] < 0.2 || dm["request"]-pub["request"] < 0.2 {
		t.Errorf("the channel made too little difference: public %v, private %v", pub, dm)
	}
}
