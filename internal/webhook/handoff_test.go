package webhook_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/conversation"
)

// A public Facebook comment is answered with a short public
// acknowledgement and a private reply to the comment: both reach Meta's
// fake through the outbox, and the two threads are linked both ways.
func TestHandoffFromCommentToPrivateReply(t *testing.T) {
	ctx := context.Background()
	fake := meta.NewFake("app-secret", "verify-me", "page-token")
	a, desk := openDesk(t, app.Options{PollEvery: -1})
	ws, _, hook := connectMeta(t, a, desk, "shop", "facebook", fake)
	body := fake.FeedBody(meta.FeedComment{CommentID: "104000000000001_55_901", PostID: "104000000000001_55", FromID: "u77", FromName: "Dana",
		Message: "Charged twice for order 4411!!", At: time.Now().Add(-time.Minute)})
	if codes, err := fake.Deliver(ctx, hook, meta.DeliverOptions{}, body); err != nil || codes[0] != 200 {
		t.Fatalf("deliver: %v %v", codes, err)
	}
	page, _ := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if len(page.Conversations) != 1 {
		t.Fatalf("%d conversations", len(page.Conversations))
	}
	pub := page.Conversations[0]
	if _, _, err := a.Conversations.Handoff(ctx, conversation.HandoffInput{ConversationID: pub.ID, Public: "Sorry Dana, we've sent you a private message."}); err == nil {
		t.Fatal("a hand-off without its private message was accepted")
	}
	pm, dm, err := a.Conversations.Handoff(ctx, conversation.HandoffInput{ConversationID: pub.ID,
		Public: "Sorry Dana, we've sent you a private message.", Private: "Hi Dana, could you share the e-mail on the order?"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{pm.ID, dm.ID} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			m, _ := a.Conversations.Message(ctx, id)
			if m.SendStatus == "sent" {
				break
			}
			if m.SendStatus == "failed" || time.Now().After(deadline) {
				t.Fatalf("message %d: %s %s", id, m.SendStatus, m.SendError)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	sends := fmt.Sprint(fake.Sends())
	if !strings.Contains(sends, "104000000000001_55_901/comments") || !strings.Contains(sends, "comment_id:104000000000001_55_901") {
		t.Fatalf("the fake received %s", sends)
	}
	pub, _ = a.Conversations.Get(ctx, pub.ID)
	priv, _ := a.Conversations.Get(ctx, dm.ConversationID)
	if priv.Visibility != "private" || pub.LinkedID != priv.ID || priv.LinkedID != pub.ID || priv.ContactID != pub.ContactID {
		t.Fatalf("threads: public %+v private %+v", pub, priv)
	}
	// A second hand-off goes on in the same private thread.
	_, dm2, err := a.Conversations.Handoff(ctx, conversation.HandoffInput{ConversationID: pub.ID, Public: "Replied in private.", Private: "Any news?"})
	if err != nil || dm2.ConversationID != priv.ID {
		t.Fatalf("second hand-off: %+v %v", dm2, err)
	}
}
