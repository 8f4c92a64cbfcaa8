package webhook_test

import (
	"context"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/conversation"
)

// A Page comment is written, edited twice (one edit redelivered) and
// removed: the desk shows the latest state and keeps every earlier text.
// An edit of a comment the desk never saw is stored as a new message.
func TestCommentEditsAndDeletesKeepRevisions(t *testing.T) {
	ctx := context.Background()
	fake := meta.NewFake("app-secret", "verify-me", "page-token")
	a, desk := openDesk(t, app.Options{})
	ws, _, hook := connectMeta(t, a, desk, "shop", "facebook", fake)
	at := time.Now().Add(-time.Hour)
	comment := func(verb, id, text string, at time.Time) {
		t.Helper()
		body := fake.FeedBody(meta.FeedComment{Verb: verb, CommentID: id, PostID: "page_1", FromID: "u1", FromName: "Ana", Message: text, At: at})
		codes, err := fake.Deliver(ctx, hook, meta.DeliverOptions{Redeliver: true}, body)
		if err != nil || codes[0] != 200 || codes[1] != 200 {
			t.Fatalf("%s %s: %v %v", verb, id, codes, err)
		}
	}
	comment("add", "c1", "Where is my refund??", at)
	comment("edited", "c1", "Where is my refund? Order 55", at.Add(time.Minute))
	comment("edited", "c1", "Where is my refund? Order 553", at.Add(2*time.Minute))

	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil || len(page.Conversations) != 1 {
		t.Fatalf("conversations: %+v %v", page.Conversations, err)
	}
	msgs, _ := a.Conversations.Messages(ctx, page.Conversations[0].ID)
	if len(msgs) != 1 || msgs[0].Text != "Where is my refund? Order 553" || msgs[0].EditedAt == 0 || msgs[0].DeletedAt != 0 {
		t.Fatalf("after edits: %+v", msgs)
	}
	revs, _ := a.Conversations.Revisions(ctx, msgs[0].ID)
	if len(revs) != 2 || revs[0].Text != "Where is my refund??" || revs[1].Text != "Where is my refund? Order 55" || revs[1].Kind != "edited" {
		t.Fatalf("revisions after edits: %+v", revs)
	}
	if hits, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID, Query: "553"}); len(hits.Conversations) != 1 {
		t.Fatalf("search does not find the edited text: %+v", hits.Conversations)
	}

	comment("remove", "c1", "", at.Add(3*time.Minute))
	m, _ := a.Conversations.Message(ctx, msgs[0].ID)
	if m.DeletedAt == 0 || m.Text != "Where is my refund? Order 553" {
		t.Fatalf("after delete: %+v", m)
	}
	if revs, _ = a.Conversations.Revisions(ctx, m.ID); len(revs) != 3 || revs[2].Kind != "deleted" {
		t.Fatalf("revisions after delete: %+v", revs)
	}

	comment("edited", "c9", "Edited before we ever saw it", at)
	comment("remove", "c10", "", at)
	page, _ = a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	total := 0
	for _, c := range page.Conversations {
		total += c.MessageCount
	}
	if total != 2 {
		t.Fatalf("want the unknown edit stored and the unknown delete ignored; %d messages", total)
	}
}
