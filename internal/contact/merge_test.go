package contact_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

func TestSameCustomerAcrossChannels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		wss := workspace.New(d)
		ws, _ := wss.Create(ctx, "brand", "Brand")
		x, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "brand"})
		ig, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "instagram", Handle: "brand"})
		sms, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "sms", Handle: "+15550000"})
		wa, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "whatsapp", Handle: "+15550001"})
		p := ingest.New(d, wss, nil, nil, nil)
		p.Start()
		defer p.Stop()
		convs := conversation.New(d)
		contacts := contact.New(d)
		in := func(acct int64, m ingest.Message) int64 {
			t.Helper()
			m.SentAt = time.Now()
			res, err := p.Ingest(ctx, acct, m)
			if err != nil || res[0].Err != nil {
				t.Fatal(err, res[0].Err)
			}
			c, _ := convs.Get(ctx, res[0].ConversationID)
			return c.ContactID
		}
		// One phone number on SMS and WhatsApp is one customer.
		a := in(sms.ID, ingest.Message{ProviderID: "SM1", Author: ingest.Author{Phone: "+1 (555) 123-4567"}, Text: "hi"})
		b := in(wa.ID, ingest.Message{ProviderID: "wamid.1", Author: ingest.Author{ID: "15551234567", Phone: "+15551234567", Name: "Maria K"}, Text: "hello"})
		if a != b {
			t.Fatal("the same phone number on SMS and WhatsApp became two contacts")
		}
		// The same handle on X and Instagram is only a suggestion.
		onX := in(x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "111", Handle: "maria_k", Name: "Maria K"}, Text: "@brand hi"})
		onIG := in(ig.ID, ingest.Message{ProviderID: "c1", Author: ingest.Author{ID: "ig-9", Handle: "maria_k"}, Text: "love it"})
		if onX == onIG {
			t.Fatal("contacts were merged on a handle alone")
		}
		cx, _ := contacts.Get(ctx, onX)
		sugg, err := contacts.Suggest(ctx, cx)
		if err != nil {
			t.Fatal(err)
		}
		found := map[int64]bool{}
		for _, s := range sugg {
			found[s.ContactID] = true
		}
		if !found[onIG] || !found[a] {
			t.Fatalf("suggestions %+v, want the Instagram contact (handle) and the phone contact (name)", sugg)
		}
		// An agent merges them; the history is on one page.
		mergeID, err := contacts.Merge(ctx, onX, onIG, 0)
		if err != nil {
			t.Fatal(err)
		}
		merged, _ := contacts.Get(ctx, onX)
		if len(merged.Identities) != 2 {
			t.Fatalf("merged contact has %d identities", len(merged.Identities))
		}
		all, _ := convs.OfContact(ctx, onX)
		if len(all) != 2 {
			t.Fatalf("merged contact has %d conversations, want 2", len(all))
		}
		// New messages on either identity now land on the merged contact.
		if got := in(ig.ID, ingest.Message{ProviderID: "c2", Author: ingest.Author{ID: "ig-9", Handle: "maria_k"}, Text: "again"}); got != onX {
			t.Fatal("a new Instagram message did not find the merged contact")
		}
		if err := contacts.Unmerge(ctx, mergeID, 0); err != nil {
			t.Fatal(err)
		}
		back, _ := contacts.Get(ctx, onIG)
		if len(back.Identities) != 1 {
			t.Fatal("unmerge did not give the Instagram identity back")
		}
		hist, err := contacts.Merges(ctx, cx)
		if err != nil || len(hist) != 1 || hist[0].ID != mergeID || !hist[0].Undone || hist[0].Merged != onIG || hist[0].Identities != 1 {
			t.Fatalf("merge history %+v %v", hist, err)
		}
		if err := contacts.Unmerge(ctx, mergeID, 0); !errors.Is(err, hark.ErrConflict) {
			t.Fatalf("a second undo: %v", err)
		}
		// Search by handle (with or without @), name, and literal wildcards.
		for q, want := range map[string]int{"@MARIA_K": 2, "maria k": 2, "555": 1, "%": 0, "nobody": 0, "": 0} {
			got, err := contacts.Search(ctx, ws.ID, q)
			if err != nil || len(got) != want {
				t.Errorf("search %q: %d matches (%+v), want %d: %v", q, len(got), got, want, err)
			}
		}
		if _, err := contacts.Merge(ctx, onX, onX, 0); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("self merge: %v", err)
		}
		if err := contacts.Unmerge(ctx, 12345, 0); !errors.Is(err, hark.ErrNotFound) {
			t.Fatalf("unmerge of nothing: %v", err)
		}
	})
}
