package demo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/server"
)

// hark demo --fakes: every faked account receives messages the way its
// provider sends them (signed webhooks, polling), and an answer to each
// leaves through the real connector and arrives at the fake.
func TestFakesCarryMessagesBothWays(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite)
	a, err := app.Open(ctx, app.Options{DB: d.DSN, Migrate: true, PollEvery: 50 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	dm := newDemo(t, a)
	dm.Fakes = NewFakes(a, dm.World)
	mux := http.NewServeMux()
	mux.Handle("/fakes", dm.Fakes)
	mux.Handle("/fakes/", dm.Fakes)
	mux.Handle("/", server.Handler(a))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if err := dm.Fakes.Configure(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}

	// Generate until every faked account has had a message (public and
	// private where the account takes both), all through the fakes.
	want := map[int64]bool{}
	for id := range dm.Fakes.accts {
		want[id] = true
	}
	start := time.Now()
	for n := 0; len(want) > 0; n++ {
		if n > 5000 {
			t.Fatalf("no message generated for %d accounts", len(want))
		}
		x := dm.gen.next(time.Now())
		handled, err := dm.Fakes.deliver(ctx, x)
		if err != nil {
			t.Fatalf("%s: %v", x.Account.Channel, err)
		}
		if handled {
			delete(want, x.Account.ID)
		}
	}
	// Every faked account has a conversation (the blog's by polling).
	convs := map[int64]conversation.Conversation{}
	deadline := time.Now().Add(15 * time.Second)
	for len(convs) < len(dm.Fakes.accts) {
		for id, fk := range dm.Fakes.accts {
			page, err := a.Conversations.List(ctx, conversation.Filter{WorkspaceID: fk.acct.WorkspaceID, AccountID: id, Limit: 1})
			if err == nil && len(page.Conversations) > 0 {
				convs[id] = page.Conversations[0]
			}
		}
		if time.Now().After(deadline) {
			for id, fk := range dm.Fakes.accts {
				if _, ok := convs[id]; !ok {
					t.Errorf("nothing arrived on %s %s", fk.acct.Channel, fk.acct.Handle)
				}
			}
			t.FailNow()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d accounts received through their fakes in %s", len(convs), time.Since(start).Round(time.Millisecond))

	// Answer each: the reply is sent to the fake.
	replies := map[int64]int64{}
	for id, c := range convs {
		m, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: c.ID, Text: "Thanks for reaching out, we're on it."})
		if err != nil {
			t.Fatal(err)
		}
		replies[id] = m.ID
	}
	deadline = time.Now().Add(20 * time.Second)
	for id, msgID := range replies {
		fk := dm.Fakes.accts[id]
		for {
			m, _ := a.Conversations.Message(ctx, msgID)
			if m.SendStatus == "sent" && dm.Fakes.Sent(id) > 0 {
				break
			}
			if m.SendStatus == "failed" || time.Now().After(deadline) {
				t.Fatalf("reply on %s %s (%s): %s %s", fk.acct.Channel, fk.acct.Handle, convs[id].Visibility, m.SendStatus, m.SendError)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	resp, err := http.Get(srv.URL + "/fakes")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "on it.") {
		t.Fatal("the /fakes page does not show the answers")
	}
}
