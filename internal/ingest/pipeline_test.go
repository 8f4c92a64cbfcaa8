package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/workspace"
)

type fixture struct {
	d       *db.DB
	p       *ingest.Pipeline
	convs   *conversation.Store
	ws      workspace.Workspace
	x, mail workspace.Account
	bus     *live.Local
}

func setup(t *testing.T, d *db.DB) *fixture {
	ctx := context.Background()
	wss := workspace.New(d)
	ws, err := wss.Create(ctx, "acme", "Acme Air")
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "AcmeAir", Purpose: "marketing"})
	if err != nil {
		t.Fatal(err)
	}
	mail, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "email", Handle: "help@acme.test", Purpose: "service"})
	if err != nil {
		t.Fatal(err)
	}
	bus := live.NewLocal()
	p := ingest.New(d, wss, bus, nil, nil)
	p.Start()
	t.Cleanup(p.Stop)
	return &fixture{d: d, p: p, convs: conversation.New(d), ws: ws, x: x, mail: mail, bus: bus}
}

func tweet(id, author, text string, at time.Time) ingest.Message {
	return ingest.Message{ProviderID: id, Author: ingest.Author{ID: "u-" + author, Handle: author, Name: author, Followers: 120}, Text: text, SentAt: at}
}

// conversation is the thread a stored result went to.
func (f *fixture) conversation(t *testing.T, r ingest.Result) conversation.Conversation {
	t.Helper()
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	c, err := f.convs.Get(context.Background(), r.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func one(t *testing.T, f *fixture, acct int64, m ingest.Message) ingest.Result {
	t.Helper()
	res, err := f.p.Ingest(context.Background(), acct, m)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil {
		t.Fatalf("ingest %s: %v", m.ProviderID, res[0].Err)
	}
	return res[0]
}

func TestIngestDeduplicatesAndThreads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Now().Add(-5 * time.Hour)
		events, cancel := f.bus.Subscribe()
		defer cancel()

		a := one(t, f, f.x.ID, tweet("100", "maria", "@AcmeAir my bag never arrived in Boston", now))
		if !a.NewConversation || a.Duplicate {
			t.Fatalf("first message: %+v", a)
		}
		if e := <-events; e.ConversationID != a.ConversationID || e.Kind != "conversation" {
			t.Fatalf("live event %+v, want a new conversation %d", e, a.ConversationID)
		}
		// The same delivery again is one message.
		dup := one(t, f, f.x.ID, tweet("100", "maria", "@AcmeAir my bag never arrived in Boston", now))
		if !dup.Duplicate || dup.MessageID != a.MessageID {
			t.Fatalf("redelivery: %+v, want duplicate of %d", dup, a.MessageID)
		}
		// A follow-up by the same author within the window joins the thread.
		b := one(t, f, f.x.ID, tweet("101", "maria", "still waiting, flight AC123", now.Add(10*time.Minute)))
		if b.ConversationID != a.ConversationID || b.NewConversation {
			t.Fatalf("follow-up went to %d, want %d", b.ConversationID, a.ConversationID)
		}
		// A reply to that message by someone else joins by reply chain.
		r := tweet("102", "joe", "same happened to me", now.Add(11*time.Minute))
		r.ReplyTo = "101"
		c := one(t, f, f.x.ID, r)
		if c.ConversationID != a.ConversationID {
			t.Fatalf("reply went to %d, want %d", c.ConversationID, a.ConversationID)
		}
		// Another author starts their own thread.
		other := one(t, f, f.x.ID, tweet("103", "li", "great crew today!", now.Add(12*time.Minute)))
		if other.ConversationID == a.ConversationID {
			t.Fatal("another author's post joined maria's thread")
		}
		// Much later, the same author starts a new thread.
		late := one(t, f, f.x.ID, tweet("104", "maria", "new problem", now.Add(3*time.Hour)))
		if late.ConversationID == a.ConversationID {
			t.Fatal("a post hours later joined the old thread")
		}
		msgs, err := f.convs.Messages(ctx, a.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 3 {
			t.Fatalf("thread has %d messages, want 3", len(msgs))
		}
		conv, err := f.convs.Get(ctx, a.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if conv.MessageCount != 3 || conv.WaitingSince != now.UnixMilli() || conv.ContactHandle != "maria" || conv.Visibility != "public" {
			t.Fatalf("conversation row: %+v", conv)
		}
	})
}

func TestIngestPrivateThreadsByParticipantAndReopens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Now().Add(-48 * time.Hour)
		dm := func(id string, at time.Time) ingest.Message {
			m := tweet(id, "maria", "dm "+id, at)
			m.Visibility = "private"
			return m
		}
		a := one(t, f, f.x.ID, dm("d1", now))
		b := one(t, f, f.x.ID, dm("d2", now.Add(5*time.Hour)))
		if a.ConversationID != b.ConversationID {
			t.Fatal("DMs from one customer split into two threads")
		}
		if _, err := f.convs.SetStatus(ctx, a.ConversationID, 0, hark.StatusResolved, time.Time{}); err != nil {
			t.Fatal(err)
		}
		c := one(t, f, f.x.ID, dm("d3", now.Add(24*time.Hour)))
		if c.ConversationID != a.ConversationID || !c.Reopened {
			t.Fatalf("DM after resolve: %+v, want reopened %d", c, a.ConversationID)
		}
		conv, _ := f.convs.Get(ctx, a.ConversationID)
		if conv.Status != hark.StatusOpen {
			t.Fatalf("status %s, want open", conv.Status)
		}
		var reopened int
		if err := d.R.QueryRowContext(ctx, db.Rebind(d.Dialect, "SELECT COUNT(*) FROM activity WHERE conversation_id = ? AND kind = 'reopened'"),
			a.ConversationID).Scan(&reopened); err != nil || reopened != 1 {
			t.Fatalf("%d 'reopened' activities (%v), want 1", reopened, err)
		}
		// E-mail threads by reference, not by sender.
		e1 := one(t, f, f.mail.ID, ingest.Message{ProviderID: "<m1@x>", Author: ingest.Author{Email: "Maria@Example.com"}, Text: "hello", Subject: "Refund"})
		e2 := one(t, f, f.mail.ID, ingest.Message{ProviderID: "<m2@x>", Author: ingest.Author{Email: "maria@example.com"}, Text: "new topic", Subject: "Other"})
		if e1.ConversationID == e2.ConversationID {
			t.Fatal("two unrelated e-mails share a thread")
		}
		e3 := one(t, f, f.mail.ID, ingest.Message{ProviderID: "<m3@x>", Author: ingest.Author{Email: "maria@example.com"}, Text: "re", References: []string{"<zz@x>", "<m1@x>"}})
		if e3.ConversationID != e1.ConversationID {
			t.Fatal("a reply with References did not join its thread")
		}
		c1, _ := f.convs.Get(ctx, e1.ConversationID)
		c2, _ := f.convs.Get(ctx, e2.ConversationID)
		if c1.ContactID != c2.ContactID {
			t.Fatal("one e-mail address became two contacts")
		}
	})
}

func TestIngestRejectsBadInputWithoutLosingTheRest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		res, err := f.p.Ingest(context.Background(), f.x.ID,
			tweet("ok-1", "a", "fine", time.Now()),
			ingest.Message{ProviderID: "", Author: ingest.Author{ID: "x"}, Text: "no id"},
			ingest.Message{ProviderID: "no-author", Text: "who"},
			ingest.Message{ProviderID: "empty", Author: ingest.Author{ID: "x"}, Text: "  "},
			tweet("ok-2", "b", "also fine", time.Now()),
		)
		if err != nil {
			t.Fatal(err)
		}
		for i, wantErr := range []bool{false, true, true, true, false} {
			if (res[i].Err != nil) != wantErr {
				t.Errorf("item %d: err=%v, want error=%v", i, res[i].Err, wantErr)
			}
			if res[i].Err != nil && !errors.Is(res[i].Err, hark.ErrInvalid) {
				t.Errorf("item %d: %v is not ErrInvalid", i, res[i].Err)
			}
		}
		if res[0].MessageID == 0 || res[4].MessageID == 0 {
			t.Fatal("valid messages beside invalid ones were not stored")
		}
	})
}

func TestIngestConcurrentGroupCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		const workers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					// Every message is sent twice, as providers redeliver.
					id := fmt.Sprintf("c-%d-%d", w, i)
					for k := 0; k < 2; k++ {
						res, err := f.p.Ingest(context.Background(), f.x.ID, tweet(id, fmt.Sprintf("user%d", i%7), "text "+id, time.Now()))
						if err == nil && res[0].Err != nil {
							err = res[0].Err
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var n int
		if err := d.R.QueryRow("SELECT COUNT(*) FROM messages").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != workers*each {
			t.Fatalf("%d messages stored, want %d", n, workers*each)
		}
		if got := f.p.Duplicates.Value(); got != workers*each {
			t.Fatalf("%d duplicates counted, want %d", got, workers*each)
		}
	})
}

// An admin's change to an account (here its config) reaches the stages
// once the pipeline's copy is older than its AccountTTL, on every node, not
// only after a restart.
func TestStagesSeeAnAccountChangedSince(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		var seen []string
		f.p.Use(ingest.Stage{Name: "look", Phase: ingest.BeforeCommit, Run: func(_ context.Context, b *ingest.Batch) error {
			for _, it := range b.Items {
				seen = append(seen, string(it.Account.Config))
			}
			return nil
		}}, "")
		one(t, f, f.mail.ID, ingest.Message{ProviderID: "m1", Author: ingest.Author{ID: "a@x.test", Email: "a@x.test"}, Text: "hi", Subject: "one"})
		if err := workspace.New(d).SetConfig(ctx, f.mail.ID, []byte(`{"subject_thread_days":30}`)); err != nil {
			t.Fatal(err)
		}
		f.p.AccountTTL = 0
		one(t, f, f.mail.ID, ingest.Message{ProviderID: "m2", Author: ingest.Author{ID: "a@x.test", Email: "a@x.test"}, Text: "hi", Subject: "two"})
		if len(seen) != 2 || seen[1] != `{"subject_thread_days":30}` {
			t.Fatalf("the stages saw configs %q, want the new one last", seen)
		}
	})
}
