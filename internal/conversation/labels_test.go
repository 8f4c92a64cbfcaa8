package conversation_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// An agent's correction relabels the message and its conversation, shows
// in the needs-reply and intent filters, and is exported as a labelled
// example in the project's labelled-set format.
func TestCorrectionsRelabelAndExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		convID := w.post(t, w.x, "t1", "dana", "lovely crew today\tthanks", time.Now().Add(-time.Minute))
		msgs, _ := w.convs.Messages(ctx, convID)
		if p, _ := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, NeedsReply: true}); len(p.Conversations) != 0 {
			t.Fatalf("an unlabelled conversation needs a reply: %+v", p.Conversations)
		}
		if _, err := w.convs.Correct(ctx, conversation.Correction{MessageID: msgs[0].ID, UserID: w.agent.ID, Intent: "gossip"}); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("unknown intent: %v", err)
		}
		m, err := w.convs.Correct(ctx, conversation.Correction{MessageID: msgs[0].ID, UserID: w.agent.ID, Intent: "request", NeedsReply: true})
		if err != nil || !strings.Contains(string(m.Labels), `"intent":"request"`) {
			t.Fatalf("correct: %s %v", m.Labels, err)
		}
		p, _ := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, NeedsReply: true, Intent: "request"})
		if len(p.Conversations) != 1 || p.Conversations[0].Intent != "request" || !p.Conversations[0].NeedsReply {
			t.Fatalf("filters after the correction: %+v", p.Conversations)
		}
		// Answered: it no longer waits.
		if _, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: convID, Text: "Thank you!"}); err != nil {
			t.Fatal(err)
		}
		if p, _ = w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, NeedsReply: true}); len(p.Conversations) != 0 {
			t.Fatal("an answered conversation still needs a reply")
		}
		if _, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Intent: "nonsense"}); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("unknown intent filter: %v", err)
		}
		var buf bytes.Buffer
		n, err := w.convs.ExportCorrections(ctx, &buf)
		want := "text\tintent\tneeds_reply\tchannel\tto_handle\nlovely crew today thanks\trequest\tyes\tx\tbrand\n"
		if err != nil || n != 1 || buf.String() != want {
			t.Fatalf("export %d %v:\n%q", n, err, buf.String())
		}

		// A DM on a social account is exported as private ("facebook_dm"),
		// and an e-mail with its subject before its body: as the classifier
		// read them, so training reads them the same way.
		mail, _, err := workspace.New(d).AddAccount(ctx, workspace.Account{WorkspaceID: w.ws.ID, Channel: "email", Handle: "help@brand.test"})
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range []struct {
			acct workspace.Account
			msg  ingest.Message
			row  string
		}{
			{w.fb, ingest.Message{ProviderID: "dm1", Author: ingest.Author{ID: "eve", Handle: "eve"}, Text: "does anyone know where my refund is"},
				"does anyone know where my refund is\trequest\tyes\tfacebook_dm\tbrandpage\n"},
			{mail, ingest.Message{ProviderID: "<m1@brand.test>", Author: ingest.Author{Email: "eve@example.com"}, Subject: "Refund", Text: "still nothing"},
				"Refund. still nothing\trequest\tyes\temail\thelp@brand.test\n"},
		} {
			tc.msg.Visibility, tc.msg.SentAt = "private", time.Now()
			res, err := w.pipeline.Ingest(ctx, tc.acct.ID, tc.msg)
			if err != nil || res[0].Err != nil {
				t.Fatalf("ingest: %v %v", err, res[0].Err)
			}
			msgs, _ := w.convs.Messages(ctx, res[0].ConversationID)
			if _, err := w.convs.Correct(ctx, conversation.Correction{MessageID: msgs[0].ID, UserID: w.agent.ID, Intent: "request", NeedsReply: true}); err != nil {
				t.Fatal(err)
			}
			buf.Reset()
			if n, err = w.convs.ExportCorrections(ctx, &buf); err != nil || n != i+2 || !strings.Contains(buf.String(), tc.row) {
				t.Fatalf("export %d %v:\n%q", n, err, buf.String())
			}
		}
	})
}

// The conversation keeps the language its customer last wrote in, where
// the classifier could name it: a later "ok" it cannot name leaves it, a
// message in another language moves it. The inbox filters by it.
func TestLanguageFollowsTheCustomer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.labelLanguages(func(it *ingest.Item, lang string) {
			if lang == "und" {
				lang = ""
			}
			it.Thread = &conversation.ThreadLabels{Intent: "request", Sentiment: "neutral", NeedsReply: true, Language: lang}
		})
		at := time.Now().Add(-time.Hour)
		es := w.post(t, w.x, "m1", "lucia", "es: hola, mi pedido no ha llegado", at)
		en := w.post(t, w.x, "m2", "sam", "en: my parcel is late", at.Add(time.Minute))
		list := func(lang string) []int64 {
			t.Helper()
			p, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Language: lang})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, c := range p.Conversations {
				ids = append(ids, c.ID)
			}
			return ids
		}
		if got := list("es"); len(got) != 1 || got[0] != es {
			t.Fatalf("Spanish: %v, want [%d]", got, es)
		}
		w.post(t, w.x, "m3", "lucia", "und: ok", at.Add(2*time.Minute))
		if got := list("es"); len(got) != 1 || got[0] != es {
			t.Fatalf("after a message no language was named for: %v, want [%d]", got, es)
		}
		w.post(t, w.x, "m4", "lucia", "en: actually it arrived, thanks", at.Add(3*time.Minute))
		if got := list("es"); len(got) != 0 {
			t.Fatalf("after an English message: still Spanish %v", got)
		}
		if got := list("en"); len(got) != 2 || got[1] != en {
			t.Fatalf("English: %v", got)
		}
		if _, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Language: "spanish"}); !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("a language that is no code: %v", err)
		}
		// Two messages in one batch, the later in no named language: the
		// earlier one's language holds.
		res, err := w.pipeline.Ingest(ctx, w.x.ID,
			ingest.Message{ProviderID: "b1", Author: ingest.Author{ID: "mia", Handle: "mia"}, Text: "fr: bonjour, mon colis", SentAt: at.Add(4 * time.Minute)},
			ingest.Message{ProviderID: "b2", Author: ingest.Author{ID: "mia", Handle: "mia"}, Text: "und: ?", SentAt: at.Add(5 * time.Minute)})
		if err != nil || res[0].Err != nil || res[1].Err != nil || res[0].ConversationID != res[1].ConversationID {
			t.Fatalf("ingest a batch: %v %+v", err, res)
		}
		if got := list("fr"); len(got) != 1 || got[0] != res[0].ConversationID {
			t.Fatalf("French after a batch ending in no named language: %v", got)
		}
		// Handed off to a private thread, the conversation stays in the
		// French queue before the customer writes there.
		_, dm, err := w.convs.Handoff(ctx, conversation.HandoffInput{ConversationID: res[0].ConversationID, UserID: w.agent.ID,
			Public: "Nous vous écrivons en privé.", Private: "Bonjour Mia, quel est le numéro du colis ?"})
		if err != nil {
			t.Fatal(err)
		}
		if got := list("FR"); len(got) != 2 || !slices.Contains(got, dm.ConversationID) {
			t.Fatalf("French after the hand-off (filtered as the badge shows it, FR): %v, want the private thread %d too", got, dm.ConversationID)
		}
	})
}

// Conversations from before the language column take it from their
// latest customer message whose stored labels name one (migration 0007).
func TestLanguageBackfill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.labelLanguages(func(it *ingest.Item, lang string) {
			it.Labels = map[string]any{conversation.LabelsKey: map[string]any{"intent": "request", "language": lang}}
		})
		at := time.Now().Add(-time.Hour)
		de := w.post(t, w.x, "m1", "jonas", "de: hallo", at)
		w.post(t, w.x, "m2", "jonas", "und: ok", at.Add(time.Minute))
		none := w.post(t, w.x, "m3", "kim", "und: ?", at)
		ms, err := db.Migrations(d.Dialect)
		if err != nil || len(ms) < 7 || !strings.Contains(ms[6].Name, "language_backfill") {
			t.Fatalf("migrations: %v", err)
		}
		if _, err := d.W.ExecContext(ctx, ms[6].SQL); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int64]string{de: "de", none: ""} {
			c, err := w.convs.Get(ctx, id)
			if err != nil || c.Language != want {
				t.Errorf("conversation %d: language %q (%v), want %q", id, c.Language, err, want)
			}
		}
	})
}

// labelLanguages plugs in a stand-in for the classify stage: each text
// starts with the language it is in ("es: hola"), which set records.
func (w *world) labelLanguages(set func(it *ingest.Item, lang string)) {
	w.pipeline.Use(ingest.Stage{Name: "label", Phase: ingest.BeforeCommit, Run: func(ctx context.Context, b *ingest.Batch) error {
		for _, it := range b.Items {
			lang, _, _ := strings.Cut(it.Msg.Text, ":")
			set(it, lang)
		}
		return nil
	}}, "")
}

// A message corrected twice (a mis-click fixed, a colleague overruling)
// is one labelled example, the latest: the next training run must not
// read the superseded label beside it.
func TestARecorrectionExportsOnlyTheLatest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		convID := w.post(t, w.x, "t1", "dana", "@brand where is my refund, it has been three weeks", time.Now().Add(-time.Minute))
		msgs, _ := w.convs.Messages(ctx, convID)
		for _, c := range []conversation.Correction{{Intent: "praise"}, {Intent: "request", NeedsReply: true}} {
			c.MessageID, c.UserID = msgs[0].ID, w.agent.ID
			if _, err := w.convs.Correct(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		n, err := w.convs.ExportCorrections(ctx, &buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || !strings.Contains(buf.String(), "\trequest\tyes\t") {
			t.Fatalf("export after a message was corrected twice: %d rows:\n%s", n, buf.String())
		}
	})
}
