package conversation_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
)

// A thread longer than two pages is read back to its first message a page
// at a time: every message once, in the thread's order, however many
// share a second (the cursor breaks ties by id, where a page that ended
// inside a second could skip or repeat its neighbours). Before, only the
// newest page could be read.
func TestALongThreadIsReadBackToItsStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		total := 2*conversation.MessagesShown + 3
		start := time.Now().Add(-24 * time.Hour)
		msgs := make([]ingest.Message, total)
		for i := range msgs {
			msgs[i] = ingest.Message{ProviderID: fmt.Sprint("m", i), Author: ingest.Author{ID: "maria", Handle: "maria"},
				Text: fmt.Sprint("@brand message number ", i), SentAt: start.Add(time.Duration(i/10) * time.Second)}
			if i > 0 {
				msgs[i].ReplyTo = fmt.Sprint("m", i-1)
			}
		}
		res, err := w.pipeline.Ingest(ctx, w.x.ID, msgs...)
		if err != nil {
			t.Fatal(err)
		}
		conv := res[0].ConversationID
		for _, r := range res {
			if r.Err != nil || r.ConversationID != conv {
				t.Fatalf("message in conversation %d (%v), want all in %d", r.ConversationID, r.Err, conv)
			}
		}
		var all []conversation.Message
		cursor, pages := "", 0
		for {
			p, err := w.convs.MessagesBefore(ctx, conv, cursor)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(p.Messages) > conversation.MessagesShown {
				t.Fatalf("a page of %d messages", len(p.Messages))
			}
			all = append(p.Messages, all...)
			if p.Older == "" {
				break
			}
			if pages > 3 {
				t.Fatal("the pages never reach the start")
			}
			cursor = p.Older
		}
		if pages != 3 || len(all) != total {
			t.Fatalf("%d pages of %d messages in all, want 3 pages and %d", pages, len(all), total)
		}
		seen := map[int64]bool{}
		for i, m := range all {
			if seen[m.ID] {
				t.Fatalf("message %d (%q) is on two pages", m.ID, m.Text)
			}
			seen[m.ID] = true
			if i > 0 {
				p := all[i-1]
				if p.SentAt > m.SentAt || (p.SentAt == m.SentAt && p.ID > m.ID) {
					t.Fatalf("%q comes after %q across or within pages", p.Text, m.Text)
				}
			}
		}
		if newest, _ := w.convs.Messages(ctx, conv); len(newest) != conversation.MessagesShown || newest[len(newest)-1].ID != all[len(all)-1].ID {
			t.Errorf("Messages: %d, want the newest %d", len(newest), conversation.MessagesShown)
		}
		if _, err := w.convs.MessagesBefore(ctx, conv, "not a cursor"); !errors.Is(err, hark.ErrInvalid) {
			t.Errorf("an unreadable cursor: %v, want invalid", err)
		}
	})
}
