package conversation_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

type world struct {
	convs    *conversation.Store
	ws       workspace.Workspace
	x, fb    workspace.Account
	agent    user.User
	pipeline *ingest.Pipeline
}

func newWorld(t *testing.T, d *db.DB) *world {
	ctx := context.Background()
	wss := workspace.New(d)
	ws, x := brandOnX(t, d, "brand")
	fb, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "facebook", Handle: "brandpage", Purpose: "service"})
	agent, err := user.New(d).Add(ctx, "ana@brand.test", "Ana", "agent", "")
	if err != nil {
		t.Fatal(err)
	}
	p := ingest.New(d, wss, nil, nil, nil)
	p.Start()
	t.Cleanup(p.Stop)
	return &world{convs: conversation.New(d), ws: ws, x: x, fb: fb, agent: agent, pipeline: p}
}

// brandOnX makes a workspace with an X account, both named slug.
func brandOnX(t *testing.T, d *db.DB, slug string) (workspace.Workspace, workspace.Account) {
	t.Helper()
	wss := workspace.New(d)
	ws, err := wss.Create(context.Background(), slug, strings.ToUpper(slug[:1])+slug[1:])
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := wss.AddAccount(context.Background(), workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: slug, Purpose: "marketing"})
	if err != nil {
		t.Fatal(err)
	}
	return ws, x
}

func (w *world) post(t *testing.T, acct workspace.Account, id, author, text string, at time.Time) int64 {
	t.Helper()
	res, err := w.pipeline.Ingest(context.Background(), acct.ID, ingest.Message{
		ProviderID: id, Author: ingest.Author{ID: author, Handle: author, Name: strings.ToUpper(author)}, Text: text, SentAt: at})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if res[0].Err != nil {
		t.Fatalf("ingest: %v", res[0].Err)
	}
	return res[0].ConversationID
}

func TestListFiltersSearchAndPaginates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		base := time.Now().Add(-10 * time.Hour)
		var ids []int64
		for i := 0; i < 25; i++ {
			acct := w.x
			if i%5 == 0 {
				acct = w.fb
			}
			text := fmt.Sprintf("message number %d", i)
			if i == 7 {
				text = "my luggage never arrived at the carousel"
			}
			ids = append(ids, w.post(t, acct, fmt.Sprintf("p%d", i), fmt.Sprintf("user%d", i), text, base.Add(time.Duration(i)*time.Minute)))
		}
		if _, err := w.convs.Assign(ctx, ids[3], w.agent.ID, w.agent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.convs.SetStatus(ctx, ids[4], w.agent.ID, hark.StatusResolved, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.convs.Tag(ctx, ids[5], w.agent.ID, []string{"#Refund", "vip"}, nil); err != nil {
			t.Fatal(err)
		}

		// Pages join up with no gaps or repeats, newest first.
		seen := map[int64]bool{}
		var order []int64
		f := conversation.Filter{WorkspaceID: w.ws.ID, Limit: 10}
		for page := 0; ; page++ {
			p, err := w.convs.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Conversations {
				if seen[c.ID] {
					t.Fatalf("conversation %d on two pages", c.ID)
				}
				seen[c.ID] = true
				order = append(order, c.ID)
			}
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		if len(order) != 25 || order[0] != ids[24] || order[24] != ids[0] {
			t.Fatalf("paged %d conversations, first %d last %d", len(order), order[0], order[len(order)-1])
		}

		count := func(f conversation.Filter) []int64 {
			t.Helper()
			f.WorkspaceID = w.ws.ID
			p, err := w.convs.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, c := range p.Conversations {
				out = append(out, c.ID)
			}
			return out
		}
		if got := count(conversation.Filter{Channel: "facebook"}); len(got) != 5 {
			t.Errorf("facebook: %d conversations, want 5", len(got))
		}
		if got := count(conversation.Filter{AccountID: w.fb.ID, Status: "open"}); len(got) != 5 {
			t.Errorf("facebook account open: %d, want 5", len(got))
		}
		if got := count(conversation.Filter{Status: "resolved"}); len(got) != 1 || got[0] != ids[4] {
			t.Errorf("resolved: %v", got)
		}
		if got := count(conversation.Filter{AssigneeID: w.agent.ID}); len(got) != 1 || got[0] != ids[3] {
			t.Errorf("assigned: %v", got)
		}
		if got := count(conversation.Filter{AssigneeID: -1}); len(got) != 24 {
			t.Errorf("unassigned: %d, want 24", len(got))
		}
		if got := count(conversation.Filter{Tag: "refund"}); len(got) != 1 || got[0] != ids[5] {
			t.Errorf("tag: %v", got)
		}
		if got := count(conversation.Filter{Query: "luggage"}); len(got) != 1 || got[0] != ids[7] {
			t.Errorf("search luggage: %v", got)
		}
		if got := count(conversation.Filter{Query: `lugg`}); len(got) != 1 {
			t.Errorf("prefix search: %v", got)
		}
		// Search syntax in what a person types is never an error.
		for _, q := range []string{`"`, `AND OR NOT`, `*`, `col:umn`, `(`, `'; DROP TABLE messages; --`} {
			if _, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Query: q}); err != nil {
				t.Errorf("search %q: %v", q, err)
			}
		}
		if _, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Cursor: "garbage!"}); !errors.Is(err, hark.ErrInvalid) {
			t.Errorf("bad cursor: %v", err)
		}
		if _, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Status: "nope"}); !errors.Is(err, hark.ErrInvalid) {
			t.Errorf("bad status: %v", err)
		}
		counts, err := w.convs.Count(ctx, conversation.Filter{WorkspaceID: w.ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		if counts["open"] != 24 || counts["resolved"] != 1 {
			t.Errorf("counts %v", counts)
		}
		// Under the inbox's other filters, whatever status it shows.
		for _, c := range []struct {
			f            conversation.Filter
			open, closed int
		}{
			{conversation.Filter{Channel: "facebook", Status: "resolved"}, 5, 0},
			{conversation.Filter{AssigneeID: -1}, 23, 1},
			{conversation.Filter{Tag: "refund", Cursor: "ignored"}, 1, 0},
			{conversation.Filter{Query: "luggage"}, 1, 0},
		} {
			c.f.WorkspaceID = w.ws.ID
			got, err := w.convs.Count(ctx, c.f)
			if err != nil || got["open"] != c.open || got["resolved"] != c.closed {
				t.Errorf("%+v: counts %v, %v; want %d open, %d resolved", c.f, got, err, c.open, c.closed)
			}
		}
	})
}

// Counts under a tag or a search keep to their workspace, though the tag's
// and the search's ids are every workspace's; a slow count is cached, per
// filter; a bad filter is an error.
func TestCountKeepsToItsWorkspaceAndCaches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		_, ox := brandOnX(t, d, "other")
		at := time.Now().Add(-time.Hour)
		mine := w.post(t, w.x, "1", "maria", "@brand my luggage is lost", at)
		theirs := w.post(t, ox, "2", "joao", "@other my luggage is lost too", at)
		w.post(t, w.fb, "3", "ines", "where is my refund", at)
		for _, id := range []int64{mine, theirs} {
			if _, err := w.convs.Tag(ctx, id, w.agent.ID, []string{"bags"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		count := func(f conversation.Filter) int {
			t.Helper()
			f.WorkspaceID = w.ws.ID
			m, err := w.convs.Count(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return m["open"]
		}
		for _, f := range []conversation.Filter{{Tag: "bags"}, {Query: "luggage"}, {Tag: "bags", Channel: "x"}, {Query: "luggage", Channel: "x"}} {
			if n := count(f); n != 1 {
				t.Errorf("%+v: %d open, want 1 (the other workspace's left out)", f, n)
			}
		}
		w.convs.CacheCountsAfter(-1) // every count is cached now
		if n := count(conversation.Filter{Channel: "facebook"}); n != 1 {
			t.Fatalf("facebook: %d", n)
		}
		w.post(t, w.fb, "4", "rui", "my refund please", at)
		if n := count(conversation.Filter{Channel: "facebook"}); n != 1 {
			t.Errorf("facebook: %d open, want the cached 1", n)
		}
		if n := count(conversation.Filter{Channel: "facebook", Status: "resolved"}); n != 1 {
			t.Errorf("facebook, any status: %d open, want the cached 1", n) // the status is not the count's
		}
		if n := count(conversation.Filter{}); n != 3 {
			t.Errorf("the workspace: %d open, want 3 (its own count)", n)
		}
		for _, bad := range []conversation.Filter{{Intent: "nope"}, {Channel: "pigeon"}} {
			bad.WorkspaceID = w.ws.ID
			if _, err := w.convs.Count(ctx, bad); !errors.Is(err, hark.ErrInvalid) {
				t.Errorf("%+v: %v, want an invalid filter", bad, err)
			}
		}
	})
}

// Agents asking for the same counts while they are being counted share
// that one count; if the agent who started it goes away, the others still
// get theirs.
func TestCountOnceForEveryoneWaiting(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w := newWorld(t, d)
	ctx := context.Background()
	w.post(t, w.x, "1", "maria", "@brand my luggage is lost", time.Now().Add(-time.Hour))
	var started atomic.Int32
	release := make(chan struct{})
	conversation.OnCount(w.convs, func(ctx context.Context) {
		if started.Add(1) == 1 { // the first count stalls until released or cancelled
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
	})
	f := conversation.Filter{WorkspaceID: w.ws.ID, Channel: "x"}
	type result struct {
		open int
		err  error
	}
	ask := func(ctx context.Context) <-chan result {
		out := make(chan result, 1)
		go func() {
			m, err := w.convs.Count(ctx, f)
			out <- result{m["open"], err}
		}()
		return out
	}
	first := ask(ctx)
	waitFor(t, "the count to start", func() bool { return started.Load() > 0 })
	var others []<-chan result
	for range 4 {
		others = append(others, ask(ctx))
	}
	waitFor(t, "four callers waiting for the count under way", func() bool { return conversation.Waiters(w.convs, f) == 4 })
	close(release)
	for i, ch := range append(others, first) {
		if r := <-ch; r.err != nil || r.open != 1 {
			t.Errorf("caller %d: %d open, %v", i, r.open, r.err)
		}
	}
	if n := started.Load(); n != 1 {
		t.Errorf("%d counts for five callers at once, want 1", n)
	}

	// The caller who counts cancels; the one waiting counts for itself.
	started.Store(0)
	release = make(chan struct{})
	f.Channel = "facebook" // not cached
	cctx, cancel := context.WithCancel(ctx)
	gone := ask(cctx)
	waitFor(t, "the count to start", func() bool { return started.Load() > 0 })
	waiting := ask(ctx)
	waitFor(t, "a caller waiting for the count under way", func() bool { return conversation.Waiters(w.convs, f) == 1 })
	cancel()
	if r := <-gone; !errors.Is(r.err, context.Canceled) {
		t.Errorf("the cancelled caller: %v", r.err)
	}
	if r := <-waiting; r.err != nil || r.open != 0 {
		t.Errorf("the caller left waiting: %d open, %v", r.open, r.err)
	}
	if n := started.Load(); n != 2 {
		t.Errorf("%d counts, want 2 (the cancelled one and the waiter's own)", n)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still no %s after 5 s", what)
		}
	}
}

func TestActionsAreLoggedAndReplyIsQueued(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		var changes []conversation.Change
		w.convs.OnChange(func(c conversation.Change) { changes = append(changes, c) })
		id := w.post(t, w.x, "t1", "maria", "@brand where is my refund?", time.Now().Add(-30*time.Minute))
		m, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: id, UserID: w.agent.ID, Text: "Sorry Maria, DM us your booking ref.",
			Author: conversation.Author{Name: "Brand", Handle: "brand"}})
		if err != nil {
			t.Fatal(err)
		}
		if m.SendStatus != "queued" || m.ReplyToProviderID != "t1" || m.Direction != "out" {
			t.Fatalf("reply %+v", m)
		}
		var outboxStatus, key string
		if err := d.R.QueryRow(db.Rebind(d.Dialect, "SELECT status, idempotency_key FROM outbox WHERE message_id = ?"), m.ID).Scan(&outboxStatus, &key); err != nil {
			t.Fatalf("reply not in the outbox: %v", err)
		}
		if outboxStatus != "queued" || key == "" {
			t.Fatalf("outbox row %s %q", outboxStatus, key)
		}
		c, _ := w.convs.Get(ctx, id)
		if c.WaitingSince != 0 || c.MessageCount != 2 {
			t.Fatalf("after reply: waiting_since=%d count=%d", c.WaitingSince, c.MessageCount)
		}
		if _, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: id, UserID: w.agent.ID, Text: "   "}); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("empty reply: %v", err)
		}
		if _, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: 42, UserID: w.agent.ID, Text: "hi"}); !errors.Is(err, hark.ErrNotFound) {
			t.Fatalf("reply to nothing: %v", err)
		}
		if _, err := w.convs.AddNote(ctx, id, w.agent.ID, "customer is a frequent flyer"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.convs.Tag(ctx, id, w.agent.ID, []string{"refund", "refund"}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := w.convs.Tag(ctx, id, w.agent.ID, []string{"two words"}, nil); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("bad tag: %v", err)
		}
		if _, err := w.convs.SetStatus(ctx, id, w.agent.ID, hark.StatusSnoozed, time.Time{}); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("snooze without time: %v", err)
		}
		c, err = w.convs.SetStatus(ctx, id, w.agent.ID, hark.StatusSnoozed, time.Now().Add(time.Hour))
		if err != nil || c.Status != hark.StatusSnoozed {
			t.Fatalf("snooze: %v %s", err, c.Status)
		}
		c, err = w.convs.Assign(ctx, id, w.agent.ID, w.agent.ID)
		if err != nil || c.AssigneeID != w.agent.ID {
			t.Fatalf("assign: %v %d", err, c.AssigneeID)
		}
		c, _ = w.convs.Assign(ctx, id, w.agent.ID, 0)
		if c.AssigneeID != 0 {
			t.Fatal("unassign kept the assignee")
		}
		// A customer's message wakes a snoozed conversation.
		w.post(t, w.x, "t2", "maria", "@brand hello??", time.Now())
		c, _ = w.convs.Get(ctx, id)
		if c.Status != hark.StatusOpen || c.Tags[0] != "refund" || len(c.Tags) != 1 {
			t.Fatalf("after customer follow-up: %s %v", c.Status, c.Tags)
		}
		log, err := w.convs.Activity(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, a := range log {
			kinds = append(kinds, a.Kind)
		}
		want := "created replied note tagged status assigned assigned"
		if strings.Join(kinds, " ") != want {
			t.Fatalf("activity %v, want %s", kinds, want)
		}
		if log[1].UserName != "Ana" {
			t.Fatalf("activity does not say who: %+v", log[1])
		}
		if len(changes) < 6 {
			t.Fatalf("OnChange saw %d changes", len(changes))
		}
		notes, _ := w.convs.Notes(ctx, id)
		if len(notes) != 1 || notes[0].UserName != "Ana" {
			t.Fatalf("notes %+v", notes)
		}
	})
}

// Search keeps to the 2,000 newest matching messages, but those of the
// agent's workspace: a busier brand's messages must not crowd them out.
func TestSearchIsNotCrowdedOutByAnotherWorkspace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		mine := w.post(t, w.x, "mine", "maria", "I want a refund", at)
		_, ox := brandOnX(t, d, "other")
		var msgs []ingest.Message
		for i := range 2001 {
			msgs = append(msgs, ingest.Message{ProviderID: fmt.Sprint("o", i), Author: ingest.Author{ID: fmt.Sprint("u", i)},
				Text: "refund please", SentAt: at.Add(time.Minute)})
		}
		if _, err := w.pipeline.Ingest(ctx, ox.ID, msgs...); err != nil {
			t.Fatal(err)
		}
		f := conversation.Filter{WorkspaceID: w.ws.ID, Query: "refund"}
		p, err := w.convs.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := w.convs.Count(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Conversations) != 1 || p.Conversations[0].ID != mine || counts["open"] != 1 {
			t.Fatalf("searching this workspace found %d conversations (count %d), want its one", len(p.Conversations), counts["open"])
		}
	})
}

// A DM thread runs for as long as the customer writes: past 1,000
// messages the desk shows the newest, in order, not the oldest.
func TestALongThreadShowsItsNewestMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		at := time.Now().Add(-2 * time.Hour)
		var msgs []ingest.Message
		for i := range 1002 {
			msgs = append(msgs, ingest.Message{ProviderID: fmt.Sprint("d", i), Visibility: "private", Author: ingest.Author{ID: "maria"},
				Text: fmt.Sprint("dm ", i), SentAt: at.Add(time.Duration(i) * time.Second)})
		}
		res, err := w.pipeline.Ingest(context.Background(), w.x.ID, msgs...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.convs.Messages(context.Background(), res[0].ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1000 || got[0].Text != "dm 2" || got[999].Text != "dm 1001" {
			t.Fatalf("%d messages, from %q to %q; want the newest 1000, dm 2 to dm 1001", len(got), got[0].Text, got[len(got)-1].Text)
		}
	})
}

// The inbox previews a thread's newest message: an older one delivered
// late, alone or in a batch, does not replace it.
func TestALateOlderMessageKeepsThePreview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		dm := func(id, text string, sent time.Time) ingest.Message {
			return ingest.Message{ProviderID: id, Visibility: "private", Author: ingest.Author{ID: "maria"}, Text: text, SentAt: sent}
		}
		res, err := w.pipeline.Ingest(ctx, w.x.ID, dm("d2", "the newest", at.Add(10*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		id := res[0].ConversationID
		for _, step := range []struct {
			batch []ingest.Message
			want  string
		}{
			{[]ingest.Message{dm("d1", "an older one", at)}, "the newest"},
			{[]ingest.Message{dm("d3", "newer still", at.Add(20*time.Minute)), dm("d0", "the oldest", at.Add(-time.Minute))}, "newer still"},
		} {
			if _, err := w.pipeline.Ingest(ctx, w.x.ID, step.batch...); err != nil {
				t.Fatal(err)
			}
			c, err := w.convs.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Preview != step.want {
				t.Fatalf("after %s: preview %q, want the newest message's, %q", step.batch[0].ProviderID, c.Preview, step.want)
			}
		}
	})
}

// Providers redeliver, in any order: an earlier edit arriving after a
// later one must not bring the earlier text back.
func TestAnEarlierEditRedeliveredIsLeftOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		convID := w.post(t, w.x, "e1", "maria", "v1", at)
		t1, t2 := at.Add(time.Minute).UnixMilli(), at.Add(2*time.Minute).UnixMilli()
		for _, e := range []struct {
			text string
			at   int64
		}{{"v2", t1}, {"v3", t2}, {"v2", t1}} {
			if _, err := w.convs.ApplyRevision(ctx, w.x.ID, "e1", conversation.RevisionEdited, e.text, e.at); err != nil {
				t.Fatal(err)
			}
		}
		msgs, err := w.convs.Messages(ctx, convID)
		if err != nil {
			t.Fatal(err)
		}
		m := msgs[0]
		revs, err := w.convs.Revisions(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != "v3" || len(revs) != 2 {
			t.Fatalf("text %q with %d earlier versions, want v3 with 2 (v1, v2)", m.Text, len(revs))
		}
	})
}

// Agents tagging one conversation at once keep each other's tags: the tags
// the conversation shows are the tags it has, however the writes interleave.
// Run several times, as a lost update shows only under some interleavings.
func TestConcurrentTaggingLosesNoTag(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		for round := 0; round < 5; round++ {
			id := w.post(t, w.x, fmt.Sprintf("t%d", round), fmt.Sprintf("maria%d", round), "hello", time.Now())
			old := []string{"old0", "old1", "old2", "old3"}
			if _, err := w.convs.Tag(ctx, id, w.agent.ID, old, nil); err != nil {
				t.Fatal(err)
			}
			var want []string
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				tag := fmt.Sprintf("t%d", i)
				want = append(want, tag)
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := w.convs.Tag(ctx, id, w.agent.ID, []string{tag}, nil); err != nil {
						t.Error(err)
					}
				}()
			}
			for _, tag := range old {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := w.convs.Tag(ctx, id, w.agent.ID, nil, []string{tag}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			c, err := w.convs.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(c.Tags, " "); got != strings.Join(want, " ") {
				t.Errorf("round %d: conversation shows tags %q, want %q", round, got, strings.Join(want, " "))
			}
			for _, tag := range want {
				page, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Tag: tag})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(page.Conversations, func(c conversation.Conversation) bool { return c.ID == id }) {
					t.Errorf("round %d: the tag filter does not find the conversation under %s", round, tag)
				}
			}
		}
	})
}

// A note is measured in characters, as a reply is: 10,000 characters of
// Chinese are 30,000 bytes, and were refused as "too long" with the form
// allowing 20,000.
func TestANoteIsMeasuredInCharactersLikeAReply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		id := w.post(t, w.x, "1", "layla", "@brand طلبي لم يصل", time.Now())
		for name, body := range map[string]string{
			"arabic":  strings.Repeat("ب", 10001),
			"chinese": strings.Repeat("包", 10000),
			"emoji":   strings.Repeat("📦", 6000),
		} {
			if _, err := w.convs.AddNote(ctx, id, w.agent.ID, body); err != nil {
				t.Errorf("a %s note of %d characters: %v", name, len([]rune(body)), err)
			}
		}
		if _, err := w.convs.AddNote(ctx, id, w.agent.ID, strings.Repeat("包", conversation.MaxReplyLength+1)); !errors.Is(err, hark.ErrInvalid) {
			t.Errorf("a note one character over the limit: %v", err)
		}
	})
}

// Release gives back every thread not yet resolved that is in one agent's
// name, logged as the system's doing, and leaves the rest alone.
func TestReleaseGivesAnAgentsThreadsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		ben, err := user.New(d).Add(ctx, "ben@brand.test", "Ben", "agent", "")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		var ids []int64
		for i, who := range []string{"a", "b", "c", "d", "e"} {
			ids = append(ids, w.post(t, w.x, fmt.Sprint(i+1), who, "@brand where is my order?", now.Add(time.Duration(i)*time.Second)))
		}
		for i, id := range ids {
			to := w.agent.ID
			if i == 4 {
				to = ben.ID
			}
			if _, err := w.convs.Assign(ctx, id, w.agent.ID, to); err != nil {
				t.Fatal(err)
			}
		}
		w.convs.SetStatus(ctx, ids[1], w.agent.ID, hark.StatusPending, time.Time{})
		w.convs.SetStatus(ctx, ids[2], w.agent.ID, hark.StatusSnoozed, now.Add(time.Hour))
		w.convs.SetStatus(ctx, ids[3], w.agent.ID, hark.StatusResolved, time.Time{})
		n, err := w.convs.Release(ctx, w.agent.ID)
		if err != nil || n != 3 {
			t.Fatalf("released %d (%v), want the open, pending and snoozed 3", n, err)
		}
		for i, want := range []int64{0, 0, 0, w.agent.ID, ben.ID} {
			c, _ := w.convs.Get(ctx, ids[i])
			if c.AssigneeID != want {
				t.Errorf("conversation %d (%s): assignee %d, want %d", i, c.Status, c.AssigneeID, want)
			}
		}
		acts, err := w.convs.Activity(ctx, ids[0])
		if err != nil || len(acts) == 0 || acts[len(acts)-1].Kind != "assigned" || acts[len(acts)-1].UserID != 0 {
			t.Fatalf("activity %+v (%v): want the release last, by the system", acts, err)
		}
		if n, _ := w.convs.Release(ctx, w.agent.ID); n != 0 {
			t.Fatalf("a second release gave back %d", n)
		}
	})
}
