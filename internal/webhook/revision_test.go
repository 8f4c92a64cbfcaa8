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

// Meta batches changes into one push: a comment written and then removed
// or edited within the batching window arrives with its add. The desk ends
// in the state the push describes: before, the remove and the edit looked
// for the comment before the add was stored, so the remove was dropped
// (a card number left live) and the edit stored a second copy.
func TestEditsAndRemovesInTheSamePushAsTheAddApply(t *testing.T) {
	ctx := context.Background()
	fake := meta.NewFake("app-secret", "verify-me", "page-token")
	a, desk := openDesk(t, app.Options{})
	ws, _, hook := connectMeta(t, a, desk, "shop", "facebook", fake)
	at := time.Now().Add(-time.Hour)
	body := fake.FeedBody(
		meta.FeedComment{Verb: "add", CommentID: "c1", PostID: "page_1", FromID: "u1", FromName: "Ana", Message: "my card number is 4111 1111 1111 1111", At: at},
		meta.FeedComment{Verb: "remove", CommentID: "c1", PostID: "page_1", FromID: "u1", FromName: "Ana", At: at.Add(time.Second)},
		meta.FeedComment{Verb: "add", CommentID: "c2", PostID: "page_1", FromID: "u2", FromName: "Bo", Message: "typo", At: at},
		meta.FeedComment{Verb: "edited", CommentID: "c2", PostID: "page_1", FromID: "u2", FromName: "Bo", Message: "Where is order 553?", At: at.Add(time.Second)},
	)
	// Delivered once: a redelivery would find the comments stored.
	if codes, err := fake.Deliver(ctx, hook, meta.DeliverOptions{}, body); err != nil || codes[0] != 200 {
		t.Fatalf("push: %v %v", codes, err)
	}
	msgs := messagesByProviderID(t, a, ws.ID)
	if len(msgs) != 2 {
		t.Fatalf("want one message per comment, got %+v", msgs)
	}
	if m := msgs["c1"]; m.DeletedAt == 0 {
		t.Errorf("comment c1 was removed in the push that added it, but the desk shows it live: %+v", m)
	}
	m := msgs["c2"]
	if m.Text != "Where is order 553?" || m.EditedAt == 0 {
		t.Fatalf("comment c2 was edited in the push that added it, but the desk shows %+v", m)
	}
	if revs, _ := a.Conversations.Revisions(ctx, m.ID); len(revs) != 1 || revs[0].Text != "typo" {
		t.Fatalf("the first text is kept as a revision: %+v", revs)
	}
}

// A remove can come before its add: Meta retries an add the desk refused
// (a 503) after the remove went through. The delete is remembered and the
// comment, when it comes, is stored deleted rather than live (a customer
// who took back their password).
func TestARemoveBeforeARetriedAddIsKept(t *testing.T) {
	ctx := context.Background()
	fake := meta.NewFake("app-secret", "verify-me", "page-token")
	a, desk := openDesk(t, app.Options{})
	ws, _, hook := connectMeta(t, a, desk, "shop", "facebook", fake)
	at := time.Now().Add(-time.Hour)
	remove := fake.FeedBody(meta.FeedComment{Verb: "remove", CommentID: "c3", PostID: "page_1", FromID: "u3", FromName: "Cy", At: at.Add(time.Second)})
	add := fake.FeedBody(meta.FeedComment{Verb: "add", CommentID: "c3", PostID: "page_1", FromID: "u3", FromName: "Cy", Message: "my password is hunter2", At: at})
	other := fake.FeedBody(meta.FeedComment{Verb: "add", CommentID: "c4", PostID: "page_1", FromID: "u4", FromName: "Di", Message: "Where is order 554?", At: at})
	for _, b := range [][]byte{remove, add, other} {
		if codes, err := fake.Deliver(ctx, hook, meta.DeliverOptions{Redeliver: true}, b); err != nil || codes[0] != 200 || codes[1] != 200 {
			t.Fatalf("push: %v %v", codes, err)
		}
	}
	msgs := messagesByProviderID(t, a, ws.ID)
	m := msgs["c3"]
	if m.ID == 0 || m.DeletedAt/1000 != at.Add(time.Second).Unix() {
		t.Fatalf("comment c3 was removed before its add was retried, but the desk shows %+v", m)
	}
	if revs, _ := a.Conversations.Revisions(ctx, m.ID); len(revs) != 1 || revs[0].Kind != "deleted" {
		t.Fatalf("the delete is recorded as one when it comes in order: %+v", revs)
	}
	if m := msgs["c4"]; m.ID == 0 || m.DeletedAt != 0 {
		t.Fatalf("a comment nobody removed is live: %+v", m)
	}
}

// messagesByProviderID returns every message of the workspace by its
// provider id.
func messagesByProviderID(t *testing.T, a *app.App, workspaceID int64) map[string]conversation.Message {
	t.Helper()
	ctx := context.Background()
	page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: workspaceID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]conversation.Message{}
	for _, c := range page.Conversations {
		msgs, err := a.Conversations.Messages(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if _, dup := out[m.ProviderID]; dup {
				t.Fatalf("two messages for %s", m.ProviderID)
			}
			out[m.ProviderID] = m
		}
	}
	return out
}
