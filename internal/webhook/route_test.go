package webhook_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/workspace"
)

// A Meta app has one callback URL for all its Pages: an event goes to the
// Page it names (here another brand's), never to the account whose URL it
// came to, and only to a Page whose own secret signed it; an event for no
// Page here is left out.
func TestMetaEventsGoToThePageTheyName(t *testing.T) {
	ctx := context.Background()
	a, desk := openDesk(t, app.Options{})
	page := func(slug, pageID, secret string) (workspace.Workspace, string) {
		t.Helper()
		f := meta.NewFake(secret, "verify-me", "token-"+slug)
		f.PageID = pageID
		ws, _, hook := connectMeta(t, a, desk, slug, "facebook", f)
		return ws, hook
	}
	shop, hook := page("shop", "104000000000001", "app-secret")
	other, _ := page("other", "104000000000002", "app-secret")
	stranger, _ := page("stranger", "104000000000003", "another-app's-secret")

	// Signed with the shared app's secret, as Meta signs every push of it.
	signer := meta.NewFake("app-secret", "verify-me", "")
	deliver := func(pageID, mid string) {
		t.Helper()
		signer.PageID = pageID
		codes, err := signer.Deliver(ctx, hook, meta.DeliverOptions{}, signer.MessengerBody("psid-"+mid, mid, "for "+pageID, time.Now()))
		if err != nil || codes[0] != 200 {
			t.Fatalf("delivery for %s: %v %v", pageID, codes, err)
		}
	}
	deliver("104000000000001", "m_shop")
	deliver("104000000000002", "m_other")
	deliver("104000000000003", "m_stranger") // a Page of another app: its secret did not sign this
	deliver("104000000000009", "m_nobody")
	for _, c := range []struct {
		ws   workspace.Workspace
		want int
	}{{shop, 1}, {other, 1}, {stranger, 0}} {
		p, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: c.ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Conversations) != c.want {
			t.Errorf("%s has %d conversations, want %d", c.ws.Slug, len(p.Conversations), c.want)
		}
		for _, cv := range p.Conversations {
			if cv.Preview != "for "+map[string]string{"shop": "104000000000001", "other": "104000000000002"}[c.ws.Slug] {
				t.Errorf("%s holds %q", c.ws.Slug, cv.Preview)
			}
		}
	}
}

// An Instagram mention whose comment was deleted before the desk could
// read it (Graph answers 400 "Object does not exist") will never be read:
// the push is still answered 200, and the comment beside it is stored.
func TestADeletedMentionDoesNotHoldBackThePush(t *testing.T) {
	ctx := context.Background()
	fake := meta.NewFake("app-secret", "verify-me", "page-token")
	a, desk := openDesk(t, app.Options{})
	ws, _, hook := connectMeta(t, a, desk, "shop", "instagram", fake)
	body := []byte(`{"object":"instagram","entry":[{"id":"` + fake.IGUserID + `","time":1750000000,"changes":[
	 {"field":"mentions","value":{"comment_id":"17999000000000001","media_id":"17900000000000001"}},
	 {"field":"comments","value":{"id":"17888000000000001","text":"where is my order?","from":{"id":"555","username":"ann"},"media":{"id":"17900000000000002"}}}]}]}`)
	codes, err := fake.Deliver(ctx, hook, meta.DeliverOptions{}, body)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: ws.ID})
	if err != nil {
		t.Fatal(err)
	}
	if codes[0] != http.StatusOK || len(p.Conversations) != 1 || p.Conversations[0].Preview != "where is my order?" {
		t.Fatalf("answered %d with %d conversations stored, want 200 and the comment", codes[0], len(p.Conversations))
	}
}
