package contact_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
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
		if err := contacts.Unmerge(ctx, onX, mergeID, 0); err != nil {
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
		if err := contacts.Unmerge(ctx, onX, mergeID, 0); !errors.Is(err, hark.ErrConflict) {
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
		if err := contacts.Unmerge(ctx, onX, 12345, 0); !errors.Is(err, hark.ErrNotFound) {
			t.Fatalf("unmerge of nothing: %v", err)
		}
	})
}

type desk struct {
	ctx       context.Context
	p         *ingest.Pipeline
	convs     *conversation.Store
	contacts  *contact.Store
	x, ig, em workspace.Account
	chat      workspace.Account
	workspace int64
}

func newDesk(t *testing.T, d *db.DB) *desk {
	ctx := context.Background()
	wss := workspace.New(d)
	ws, _ := wss.Create(ctx, "brand", "Brand")
	f := &desk{ctx: ctx, convs: conversation.New(d), contacts: contact.New(d), workspace: ws.ID}
	for _, a := range []struct {
		to      *workspace.Account
		channel string
	}{{&f.x, "x"}, {&f.ig, "instagram"}, {&f.em, "email"}, {&f.chat, "chat"}} {
		acct, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: a.channel, Handle: "brand"})
		if err != nil {
			t.Fatal(err)
		}
		*a.to = acct
	}
	f.p = ingest.New(d, wss, nil, nil, nil)
	f.p.Start()
	t.Cleanup(f.p.Stop)
	return f
}

// in ingests m and returns its contact.
func (f *desk) in(t *testing.T, acct workspace.Account, m ingest.Message) int64 {
	t.Helper()
	if m.SentAt.IsZero() {
		m.SentAt = time.Now()
	}
	res, err := f.p.Ingest(f.ctx, acct.ID, m)
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	c, err := f.convs.Get(f.ctx, res[0].ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	return c.ContactID
}

// A contact merged into another keeps its address but no identity: a
// new identity giving that address joins the contact it was merged into.
func TestAMergedContactCatchesNoNewIdentities(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newDesk(t, d)
		byMail := f.in(t, f.em, ingest.Message{ProviderID: "<e1@x>", Author: ingest.Author{Email: "ana@example.com"}, Text: "hi"})
		onX := f.in(t, f.x, ingest.Message{ProviderID: "t1", Author: ingest.Author{ID: "111", Handle: "ana"}, Text: "hi"})
		if _, err := f.contacts.Merge(f.ctx, onX, byMail, 0); err != nil {
			t.Fatal(err)
		}
		if got := f.in(t, f.chat, ingest.Message{ProviderID: "c1", Author: ingest.Author{ID: "v1", Email: "Ana@Example.com"}, Text: "hello"}); got != onX {
			t.Fatalf("a chat visitor giving the address joined contact %d, want %d (merged into; %d is the emptied one)", got, onX, byMail)
		}
	})
}

// Undoing a merge whose contact a later merge took further would move
// nothing: it is refused, and can be done once the later one is undone.
func TestUnmergeAfterALaterMergeIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newDesk(t, d)
		a := f.in(t, f.x, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "a", Handle: "a"}, Text: "hi"})
		b := f.in(t, f.x, ingest.Message{ProviderID: "2", Author: ingest.Author{ID: "b", Handle: "b"}, Text: "hi"})
		c := f.in(t, f.ig, ingest.Message{ProviderID: "3", Author: ingest.Author{ID: "c", Handle: "c"}, Text: "hi"})
		first, err := f.contacts.Merge(f.ctx, b, a, 0)
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.contacts.Merge(f.ctx, c, b, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.contacts.Unmerge(f.ctx, b, first, 0); !errors.Is(err, hark.ErrConflict) {
			t.Fatalf("undoing the first merge under the second: %v, want a conflict", err)
		}
		for _, m := range []struct{ kept, merge int64 }{{c, second}, {b, first}} {
			if err := f.contacts.Unmerge(f.ctx, m.kept, m.merge, 0); err != nil {
				t.Fatal(err)
			}
		}
		ca, err := f.contacts.Get(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(ca.Identities) != 1 {
			t.Fatalf("after both merges were undone, contact a has %d identities, want its 1", len(ca.Identities))
		}
	})
}

// A profile that says verified but gives no follower count (a webhook
// without the user object) keeps the count already known; a phone field
// of no digits, like the "+" a form prefills, joins nobody.
func TestProfilesThatSayLittle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newDesk(t, d)
		id := f.in(t, f.x, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "111", Handle: "maria", Followers: 5000}, Text: "hi"})
		f.in(t, f.x, ingest.Message{ProviderID: "2", Author: ingest.Author{ID: "111", Handle: "maria", Verified: true}, Text: "again"})
		c, err := f.contacts.Get(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Verified || c.Followers != 5000 {
			t.Fatalf("verified %v with %d followers, want verified with the 5000 known", c.Verified, c.Followers)
		}
		ana := f.in(t, f.chat, ingest.Message{ProviderID: "c1", Author: ingest.Author{ID: "v1", Name: "Ana", Phone: "+"}, Text: "hi"})
		bo := f.in(t, f.chat, ingest.Message{ProviderID: "c2", Author: ingest.Author{ID: "v2", Name: "Bo", Phone: " + "}, Text: "hello"})
		if ana == bo {
			t.Fatal("two chat visitors whose phone field held only '+' became one contact")
		}
	})
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{"+1 (555) 123-4567": "+15551234567", "whatsapp:+14155550100": "+14155550100",
		"tel:+44 20 7946 0100": "+442079460100", "020 7946 0100": "02079460100", "+": "", " + ": "", "n/a": "", "1+2": "12"} {
		if got := contact.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// A contact merged into one that has an address of its own keeps its own
// address, not copied over; its e-mail identity moved with the merge, so a
// new identity giving that address joins the contact it was merged into.
func TestAMergedAddressFollowsItsIdentity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newDesk(t, d)
		home := f.in(t, f.em, ingest.Message{ProviderID: "<h1@x>", Author: ingest.Author{Email: "ana@example.com"}, Text: "hi"})
		work := f.in(t, f.em, ingest.Message{ProviderID: "<w1@x>", Author: ingest.Author{Email: "ana@work.example"}, Text: "hi"})
		if _, err := f.contacts.Merge(f.ctx, work, home, 0); err != nil {
			t.Fatal(err)
		}
		if got := f.in(t, f.chat, ingest.Message{ProviderID: "c1", Author: ingest.Author{ID: "v1", Email: "ana@example.com"}, Text: "hello"}); got != work {
			t.Fatalf("a chat visitor giving the merged address joined contact %d, want %d (merged into; %d is the emptied one)", got, work, home)
		}
	})
}

// Merge records written before activity.contact_id named their contact only
// in their detail; migration 0010 fills the column in, so the history of a
// contact merged before the upgrade still shows them and can undo them.
func TestMergesFromBeforeTheUpgradeStayInTheHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newDesk(t, d)
		a := f.in(t, f.x, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "a", Handle: "a"}, Text: "hi"})
		b := f.in(t, f.x, ingest.Message{ProviderID: "2", Author: ingest.Author{ID: "b", Handle: "b"}, Text: "hi"})
		merge, err := f.contacts.Merge(f.ctx, a, b, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.ExecContext(f.ctx, "UPDATE activity SET contact_id = NULL"); err != nil {
			t.Fatal(err)
		}
		ms, err := db.Migrations(d.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ms, func(m db.Migration) bool { return strings.Contains(m.Name, "merge_contact") })
		if i < 0 {
			t.Fatal("no merge_contact migration")
		}
		// The backfill alone: the column and its index exist already.
		sqlText := ms[i].SQL
		start := strings.Index(sqlText, "UPDATE activity")
		end := strings.Index(sqlText[start:], ";")
		if _, err := d.W.ExecContext(f.ctx, sqlText[start:start+end]); err != nil {
			t.Fatal(err)
		}
		kept, err := f.contacts.Get(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := f.contacts.Merges(f.ctx, kept)
		if err != nil || len(hist) != 1 || hist[0].ID != merge {
			t.Fatalf("history after the backfill: %+v %v", hist, err)
		}
		if err := f.contacts.Unmerge(f.ctx, a, merge, 0); err != nil {
			t.Fatal(err)
		}
	})
}

// Suggestions are contacts, not identities: one contact with many
// identities of the same name took every place of the ten, hiding the
// other people of that name. A shared handle, the stronger sign, comes
// before a shared name.
func TestSuggestionsAreTenContactsHandlesFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newDesk(t, d)
		many := f.in(t, f.x, ingest.Message{ProviderID: "m0", Author: ingest.Author{ID: "m0", Handle: "mk0", Name: "Maria K"}, Text: "hi"})
		for i := 1; i <= 11; i++ {
			id := "m" + strconv.Itoa(i)
			other := f.in(t, f.x, ingest.Message{ProviderID: id, Author: ingest.Author{ID: id, Handle: "mk" + strconv.Itoa(i), Name: "Maria K"}, Text: "hi"})
			if _, err := f.contacts.Merge(f.ctx, many, other, 0); err != nil {
				t.Fatal(err)
			}
		}
		byName := f.in(t, f.x, ingest.Message{ProviderID: "n", Author: ingest.Author{ID: "n", Handle: "maria.k", Name: "maria k"}, Text: "hi"})
		seen := f.in(t, f.x, ingest.Message{ProviderID: "s", Author: ingest.Author{ID: "s", Handle: "maria_k", Name: "Maria K"}, Text: "hi"})
		byHandle := f.in(t, f.ig, ingest.Message{ProviderID: "h", Author: ingest.Author{ID: "h", Handle: "Maria_K"}, Text: "hi"})
		c, err := f.contacts.Get(f.ctx, seen)
		if err != nil {
			t.Fatal(err)
		}
		sugg, err := f.contacts.Suggest(f.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, s := range sugg {
			got = append(got, s.ContactID)
		}
		if want := []int64{byHandle, byName, many}; !slices.Equal(got, want) {
			t.Fatalf("suggested %v (%+v), want %v: the handle first, then each person of that name once", got, sugg, want)
		}
		if sugg[0].Because != "instagram:Maria_K" {
			t.Errorf("the handle match is because of %q", sugg[0].Because)
		}
	})
}
