package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/app/apptest"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
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
// conversation carries what the customer's messages since our last reply
// say, so the inbox filters by them in the same commit.
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

	// The customer's next message, before anyone answers, adds to what the
	// thread waits for: "found it, thanks" does not take the unanswered
	// request out of the queue (an agent sees it and closes it), though the
	// thread reads positive now.
	if _, err := a.Pipeline.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "3", ReplyTo: "1",
		Author: ingest.Author{ID: "u1", Handle: "ann"}, SentAt: now.Add(-time.Minute),
		Text: "@airline found it, thank you so much, your team is wonderful!"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Conversations.Get(ctx, req.ID); c.Intent != "request" || !c.NeedsReply || c.Sentiment != "positive" || c.MessageCount != 2 {
		t.Fatalf("after the thanks: intent %q needs_reply %v sentiment %q count %d", c.Intent, c.NeedsReply, c.Sentiment, c.MessageCount)
	}
	// Once we have answered, the customer's next message is all the
	// thread waits for; an older one that arrives late keeps its sentiment.
	if _, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: req.ID, Text: "Glad it turned up!"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pipeline.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "4", ReplyTo: "1",
		Author: ingest.Author{ID: "u1", Handle: "ann"}, SentAt: now.Add(time.Minute),
		Text: "@airline thank you so much, your team is wonderful!"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Conversations.Get(ctx, req.ID); c.Intent != "praise" || c.NeedsReply || c.MessageCount != 4 {
		t.Fatalf("after our reply and a thanks: intent %q needs_reply %v count %d", c.Intent, c.NeedsReply, c.MessageCount)
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

// A customer asks, then adds a detail or a courtesy before anyone answers
// ("here is a photo of the bag", "thanks in advance!"). Nobody has
// answered the question: the conversation still needs a reply, and shows
// the request. Before, it took its labels from the latest message alone,
// and the request left the needs-reply queue.
func TestAnUnansweredRequestStaysInTheQueue(t *testing.T) {
	ctx := context.Background()
	a, ws, acct := openAirline(t)
	at := time.Now().Add(-time.Hour)
	for i, follow := range []string{"@airline here is a photo of the bag https://t.co/abc", "@airline thanks in advance!"} {
		who := fmt.Sprintf("u%d", i)
		first := ingestOne(t, a, acct, ingest.Message{ProviderID: who + "a", Author: ingest.Author{ID: who, Handle: who}, SentAt: at,
			Text: "@airline my bag never arrived in Denver, can you please tell me where it is?"})
		if c, _ := a.Conversations.Get(ctx, first); !c.NeedsReply {
			t.Fatalf("the lost bag does not need a reply: %+v", c)
		}
		// The follow-up alone, and in one batch with the request.
		if next := ingestOne(t, a, acct, ingest.Message{ProviderID: who + "b", Author: ingest.Author{ID: who, Handle: who}, SentAt: at.Add(time.Minute), Text: follow}); next != first {
			t.Fatal("the follow-up started another thread")
		}
		if c, _ := a.Conversations.Get(ctx, first); !c.NeedsReply || c.Intent != "request" {
			t.Errorf("after %q, the unanswered request shows intent %q, needs_reply %v", follow, c.Intent, c.NeedsReply)
		}
		who += "batch"
		res, err := a.Pipeline.Ingest(ctx, acct.ID,
			ingest.Message{ProviderID: who + "a", Author: ingest.Author{ID: who, Handle: who}, SentAt: at,
				Text: "@airline my bag never arrived in Denver, can you please tell me where it is?"},
			ingest.Message{ProviderID: who + "b", Author: ingest.Author{ID: who, Handle: who}, SentAt: at.Add(time.Minute), Text: follow})
		if err != nil || res[0].Err != nil || res[1].Err != nil {
			t.Fatal(err)
		}
		if c, _ := a.Conversations.Get(ctx, res[1].ConversationID); !c.NeedsReply || c.Intent != "request" {
			t.Errorf("a batch of the request and %q shows intent %q, needs_reply %v", follow, c.Intent, c.NeedsReply)
		}
	}
	p, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID, NeedsReply: true})
	if len(p.Conversations) != 4 {
		t.Errorf("the needs-reply filter lists %d of the 4 unanswered requests", len(p.Conversations))
	}
}

// An agent's correction settles the thread from every unanswered message:
// correcting the thanks after a request leaves the request; correcting
// the request too takes the thread out of the queue.
func TestACorrectionSettlesTheWaitingThread(t *testing.T) {
	ctx := context.Background()
	a, _, acct := openAirline(t)
	agent, _ := a.Users.Add(ctx, "ana@air.test", "Ana", "agent", "")
	at := time.Now().Add(-time.Hour)
	conv := ingestOne(t, a, acct, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "u", Handle: "u"}, SentAt: at,
		Text: "@airline my bag never arrived in Denver, can you please tell me where it is?"})
	ingestOne(t, a, acct, ingest.Message{ProviderID: "2", Author: ingest.Author{ID: "u", Handle: "u"}, SentAt: at.Add(time.Minute), Text: "@airline thanks in advance!"})
	ms, _ := a.Conversations.Messages(ctx, conv)
	correct := func(m conversation.Message, intent string, needs bool) conversation.Conversation {
		t.Helper()
		if _, err := a.Conversations.Correct(ctx, conversation.Correction{MessageID: m.ID, UserID: agent.ID, Intent: intent, NeedsReply: needs}); err != nil {
			t.Fatal(err)
		}
		c, _ := a.Conversations.Get(ctx, conv)
		return c
	}
	if c := correct(ms[1], "praise", false); c.Intent != "request" || !c.NeedsReply {
		t.Errorf("after the thanks was corrected: intent %q needs_reply %v, want the request", c.Intent, c.NeedsReply)
	}
	if c := correct(ms[0], "share", false); c.Intent != "praise" || c.NeedsReply {
		t.Errorf("after both were corrected: intent %q needs_reply %v, want praise, no reply", c.Intent, c.NeedsReply)
	}
}

// A customer edits a message at the provider (an X edit, a Facebook
// comment edit): the desk shows the new text, so the labels, badges and
// the needs-reply queue follow it. Before, a thanks edited into a request
// stayed praise, and no one was asked to answer it.
func TestAnEditedMessageIsReadAgain(t *testing.T) {
	ctx := context.Background()
	a, ws, acct := openAirline(t)
	conv := ingestOne(t, a, acct, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "u2", Handle: "bob"}, SentAt: time.Now().Add(-time.Minute),
		Text: "@airline thank you so much, the crew on my flight today were wonderful!"})
	const edited = "@airline my bag never arrived in Denver, can you please tell me where it is?"
	if ok, err := a.Conversations.ApplyRevision(ctx, acct.ID, "1", conversation.RevisionEdited, edited, time.Now().UnixMilli()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	ms, _ := a.Conversations.Messages(ctx, conv)
	var stored map[string]struct {
		Intent     string `json:"intent"`
		NeedsReply bool   `json:"needs_reply"`
	}
	json.Unmarshal(ms[0].Labels, &stored)
	if l := stored[conversation.LabelsKey]; ms[0].Text != edited || l.Intent != "request" || !l.NeedsReply {
		t.Errorf("the message reads %q, labelled %+v", ms[0].Text, l)
	}
	p, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID, NeedsReply: true})
	if len(p.Conversations) != 1 {
		c, _ := a.Conversations.Get(ctx, conv)
		t.Errorf("the needs-reply filter misses the edited request (intent %q, needs_reply %v)", c.Intent, c.NeedsReply)
	}
}

// A customer who deletes their question after finding the answer ("found
// it, thanks") takes the thread out of the needs-reply queue: the desk
// shows the question as deleted, and a reply to it could not be posted.
// Before, the deleted question went on deciding what the thread waited for.
func TestADeletedRequestNoLongerHoldsTheThread(t *testing.T) {
	ctx := context.Background()
	a, ws, acct := openAirline(t)
	at := time.Now().Add(-time.Hour)
	conv := ingestOne(t, a, acct, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "u", Handle: "u"}, SentAt: at,
		Text: "@airline my bag never arrived in Denver, can you please tell me where it is?"})
	ingestOne(t, a, acct, ingest.Message{ProviderID: "2", Author: ingest.Author{ID: "u", Handle: "u"}, SentAt: at.Add(time.Minute),
		Text: "@airline found it at the desk, thank you so much, the staff were wonderful!"})
	if c, _ := a.Conversations.Get(ctx, conv); c.Intent != "request" || !c.NeedsReply {
		t.Fatalf("before the deletion: intent %q needs_reply %v, want the request", c.Intent, c.NeedsReply)
	}
	if ok, err := a.Conversations.ApplyRevision(ctx, acct.ID, "1", conversation.RevisionDeleted, "", time.Now().UnixMilli()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if c, _ := a.Conversations.Get(ctx, conv); c.Intent != "praise" || c.NeedsReply {
		t.Errorf("after the request was deleted: intent %q needs_reply %v, want the thanks", c.Intent, c.NeedsReply)
	}
	if p, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID, NeedsReply: true}); len(p.Conversations) != 0 {
		t.Error("the needs-reply queue still holds a thread whose question was deleted")
	}
	// The thanks deleted too leaves nothing to read: the thread keeps what
	// it showed rather than going blank.
	if ok, err := a.Conversations.ApplyRevision(ctx, acct.ID, "2", conversation.RevisionDeleted, "", time.Now().UnixMilli()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if c, _ := a.Conversations.Get(ctx, conv); c.Intent != "praise" {
		t.Errorf("after every message was deleted: intent %q, want the labels kept", c.Intent)
	}
}

// On PostgreSQL a correction and the customer's next message can commit
// in either order: the thread ends showing both, never the older message's
// corrected labels over the newer one. Before, the correction read which
// message was latest before the new one committed and overwrote it.
func TestACorrectionRacingTheNextMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		ws, _ := a.Workspaces.Create(ctx, "air", "Air")
		acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "airline", Name: "Air"})
		agent, _ := a.Users.Add(ctx, "ana@air.test", "Ana", "agent", "")
		bad := 0
		const n = 60
		for i := range n {
			who := fmt.Sprintf("u%d", i)
			at := time.Now().Add(-time.Minute)
			conv := ingestOne(t, a, acct, ingest.Message{ProviderID: who + "a", Author: ingest.Author{ID: who, Handle: who}, SentAt: at,
				Text: "@airline thank you so much, the crew on my flight today were wonderful!"})
			ms, _ := a.Conversations.Messages(ctx, conv)
			done := make(chan struct{})
			go func() {
				defer close(done)
				time.Sleep(time.Duration(i%20) * 100 * time.Microsecond)
				if _, err := a.Conversations.Correct(ctx, conversation.Correction{MessageID: ms[0].ID, UserID: agent.ID, Intent: "share"}); err != nil {
					t.Error(err)
				}
			}()
			next := ingestOne(t, a, acct, ingest.Message{ProviderID: who + "b", Author: ingest.Author{ID: who, Handle: who}, SentAt: at.Add(time.Second),
				Text: "@airline my bag never arrived in Denver, can you please tell me where it is?"})
			<-done
			if next != conv {
				t.Fatal("another thread")
			}
			if c, _ := a.Conversations.Get(ctx, conv); c.Intent != "request" || !c.NeedsReply {
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%d of %d races left the thread without the newer request", bad, n)
		}
	})
}

func ingestOne(t *testing.T, a *app.App, acct workspace.Account, m ingest.Message) int64 {
	t.Helper()
	res, err := a.Pipeline.Ingest(context.Background(), acct.ID, m)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	return res[0].ConversationID
}

// A customer whose only message is a WhatsApp voice note, or a photo of
// the damaged parcel with no caption, waits for an answer: the thread
// must reach the needs-reply queue the desk works from.
func TestAVoiceNoteAloneReachesTheNeedsReplyQueue(t *testing.T) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: filepath.Join(t.TempDir(), "hark.db"), Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
	wa, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "whatsapp", Handle: "+15550100", Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	for i, att := range []conversation.Attachment{
		{URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", Type: "audio"},
		{URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=2", Type: "image"},
	} {
		phone := fmt.Sprintf("+1555765432%d", i)
		res, err := a.Pipeline.Ingest(ctx, wa.ID, ingest.Message{ProviderID: "wamid." + att.Type, Visibility: "private",
			Author: ingest.Author{ID: phone, Phone: phone}, Attachments: []conversation.Attachment{att}, SentAt: time.Now().Add(-time.Minute)})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
	}
	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID, Status: "open", NeedsReply: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Conversations) != 2 {
		t.Fatalf("two customers sent a voice note and a photo privately; the needs-reply queue holds %d of them", len(page.Conversations))
	}
	for _, c := range page.Conversations {
		if c.Intent != "request" {
			t.Errorf("conversation %d: intent %q, want request", c.ID, c.Intent)
		}
	}
}
