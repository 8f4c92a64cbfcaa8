package conversation_test

import (
	"context"
	"errors"
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

// comment ingests a public comment, under replyTo when it is set.
func (w *world) comment(t *testing.T, acct workspace.Account, id, replyTo, author, name, text string, at time.Time) int64 {
	t.Helper()
	res, err := w.pipeline.Ingest(context.Background(), acct.ID, ingest.Message{ProviderID: id, ReplyTo: replyTo, Visibility: "public",
		Author: ingest.Author{ID: author, Name: name}, Text: text, SentAt: at})
	if err != nil {
		t.Fatalf("ingest %s: %v", id, err)
	}
	if res[0].Err != nil {
		t.Fatalf("ingest %s: %v", id, res[0].Err)
	}
	return res[0].ConversationID
}

// On Facebook anyone may answer under a customer's comment, and the answer
// joins the customer's thread. A hand-off's private reply, which Meta
// addresses by comment, and its public acknowledgement still answer the
// customer: Bob's "same here lol" must not get the DM meant for Ana. A
// merged contact's comments under another of its identities are the
// customer's too.
func TestAHandoffAnswersTheCustomerNotAnotherCommenter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		conv := w.comment(t, w.fb, "111_222", "", "900", "Ana", "my order 5521 never arrived", at)
		if c := w.comment(t, w.fb, "111_333", "111_222", "901", "Bob", "same here lol", at.Add(time.Minute)); c != conv {
			t.Fatalf("Bob's answer under Ana's comment started conversation %d, not joined %d", c, conv)
		}
		reply, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: conv, UserID: w.agent.ID, Text: "So sorry, Ana"})
		if err != nil {
			t.Fatal(err)
		}
		if reply.ReplyToProviderID != "111_222" {
			t.Fatalf("a reply to Ana's thread answers %q, want her comment 111_222", reply.ReplyToProviderID)
		}
		pub, priv, err := w.convs.Handoff(ctx, conversation.HandoffInput{ConversationID: conv, UserID: w.agent.ID,
			Public: "Sorry Ana, we'll message you", Private: "Hi Ana, about order 5521: can you confirm your address?"})
		if err != nil {
			t.Fatal(err)
		}
		if pub.ReplyToProviderID != "111_222" || priv.ReplyToProviderID != "111_222" {
			t.Fatalf("the hand-off answers %q in public and %q in private; want Ana's comment 111_222 for both", pub.ReplyToProviderID, priv.ReplyToProviderID)
		}

		// Ana writes again from a second profile, which an agent merges
		// into her contact: that comment is now her latest.
		w.comment(t, w.fb, "111_444", "111_333", "902", "Ana B.", "it's order 5521", at.Add(2*time.Minute))
		w.comment(t, w.fb, "111_555", "111_444", "901", "Bob", "mine too", at.Add(3*time.Minute))
		c, _ := w.convs.Get(ctx, conv)
		var second int64
		if err := d.R.QueryRow(db.Rebind(d.Dialect, "SELECT contact_id FROM contact_identities WHERE external_id = ?"), "902").Scan(&second); err != nil {
			t.Fatal(err)
		}
		if _, err := contact.New(d).Merge(ctx, c.ContactID, second, w.agent.ID); err != nil {
			t.Fatal(err)
		}
		reply, err = w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: conv, UserID: w.agent.ID, Text: "Found it, Ana"})
		if err != nil {
			t.Fatal(err)
		}
		if reply.ReplyToProviderID != "111_444" {
			t.Fatalf("after the merge a reply answers %q, want Ana's second profile's 111_444", reply.ReplyToProviderID)
		}
	})
}

// A thread that holds nothing of its contact's (its customer's identity
// went back to another contact with an unmerge) is still answered in
// public, under its latest comment, but its private reply is addressed to
// the contact, never to a comment: that comment's author is somebody else.
func TestAHandoffWithNoCommentOfTheCustomersAddressesNoComment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		conv := w.comment(t, w.fb, "111_222", "", "900", "Ana", "my order never arrived", at)
		c, _ := w.convs.Get(ctx, conv)
		// The thread passes to another contact, as an unmerge leaves a
		// thread started after the merge with the contact it was kept by.
		other := w.comment(t, w.fb, "999_1", "", "950", "Cy", "hello", at)
		o, _ := w.convs.Get(ctx, other)
		if _, err := d.W.Exec(db.Rebind(d.Dialect, "UPDATE conversations SET contact_id = ? WHERE id = ?"), o.ContactID, c.ID); err != nil {
			t.Fatal(err)
		}
		pub, priv, err := w.convs.Handoff(ctx, conversation.HandoffInput{ConversationID: conv, UserID: w.agent.ID,
			Public: "Sorry, we'll message you", Private: "Hi, can you send your order number?"})
		if err != nil {
			t.Fatal(err)
		}
		if pub.ReplyToProviderID != "111_222" || priv.ReplyToProviderID != "" {
			t.Fatalf("the hand-off answers %q in public and %q in private; want 111_222 and no comment", pub.ReplyToProviderID, priv.ReplyToProviderID)
		}
	})
}

// A reply answers the customer's latest comment that is still there: one
// they deleted cannot be answered, and the earlier comment would go
// unanswered. When every comment is deleted, the latest is all there is.
func TestAReplyIsNotAddressedToADeletedComment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		conv := w.comment(t, w.fb, "111_222", "", "900", "Ana", "my order never arrived", at)
		w.comment(t, w.fb, "111_223", "111_222", "900", "Ana", "hello??", at.Add(time.Minute))
		replyTo := func() string {
			t.Helper()
			m, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: conv, UserID: w.agent.ID, Text: "So sorry, Ana"})
			if err != nil {
				t.Fatal(err)
			}
			return m.ReplyToProviderID
		}
		for _, step := range []struct{ delete, want string }{{"111_223", "111_222"}, {"111_222", "111_223"}} {
			if ok, err := w.convs.ApplyRevision(ctx, w.fb.ID, step.delete, conversation.RevisionDeleted, "", db.Now()); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if got := replyTo(); got != step.want {
				t.Fatalf("with %s deleted the reply answers %q, want %s", step.delete, got, step.want)
			}
		}
	})
}

// A hand-off is all or nothing. Refused for its private message, or
// failing as that message is queued, it must not leave the public "we'll
// message you" queued: the customer would be promised a message that
// never comes, and the agent's retry would post the promise twice.
func TestARefusedHandoffQueuesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		conv := w.comment(t, w.fb, "111_222", "", "900", "Ana", "my order never arrived", time.Now().Add(-time.Hour))
		handoff := func(private string) error {
			_, _, err := w.convs.Handoff(ctx, conversation.HandoffInput{ConversationID: conv, UserID: w.agent.ID,
				Public: "Sorry, Ana: we'll send you a private message", Private: private})
			return err
		}
		nothingQueued := func(why string) {
			t.Helper()
			var queued, out, threads int
			d.R.QueryRow("SELECT COUNT(*) FROM outbox").Scan(&queued)
			d.R.QueryRow("SELECT COUNT(*) FROM messages WHERE direction = 'out'").Scan(&out)
			d.R.QueryRow("SELECT COUNT(*) FROM conversations WHERE visibility = 'private'").Scan(&threads)
			c, _ := w.convs.Get(ctx, conv)
			if queued != 0 || out != 0 || threads != 0 || c.LinkedID != 0 {
				t.Fatalf("%s, yet %d replies are queued, %d stored, %d private threads opened, linked to %d", why, queued, out, threads, c.LinkedID)
			}
		}
		err := handoff(strings.Repeat("x", conversation.MaxReplyLength+1))
		if !errors.Is(err, hark.ErrInvalid) {
			t.Fatalf("an over-long private message: %v, want ErrInvalid", err)
		}
		nothingQueued("the over-long private message was refused")

		// The second reply's queueing fails (a full disk, a lost
		// connection): the first is not left behind.
		create := []string{`CREATE TRIGGER second_fails BEFORE INSERT ON outbox FOR EACH ROW
			WHEN (SELECT COUNT(*) FROM outbox) > 0 BEGIN SELECT RAISE(ABORT, 'disk full'); END`}
		if d.Dialect != db.SQLite {
			create = []string{`CREATE FUNCTION second_fails() RETURNS trigger AS $$ BEGIN
				IF (SELECT COUNT(*) FROM outbox) > 0 THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER second_fails BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION second_fails()`}
		}
		for _, q := range create {
			if _, err := d.W.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if err := handoff("Hi Ana, can you confirm your address?"); err == nil {
			t.Fatal("the hand-off succeeded though its private message could not be queued")
		}
		nothingQueued("the private message could not be queued")
	})
}

// LinkedIn lets an organisation comment but never message a member, so a
// hand-off there is refused before anything is queued: the public "we'll
// message you" would go out and the private message fail for good.
func TestAHandoffIsRefusedWhereNoPrivateMessageCanBeSent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		li, _, err := workspace.New(d).AddAccount(ctx, workspace.Account{WorkspaceID: w.ws.ID, Channel: "linkedin", Handle: "brand"})
		if err != nil {
			t.Fatal(err)
		}
		conv := w.comment(t, li, "urn:li:comment:(urn:li:activity:1,2)", "", "urn:li:person:9", "Ana", "my order never arrived", time.Now())
		_, _, err = w.convs.Handoff(ctx, conversation.HandoffInput{ConversationID: conv, UserID: w.agent.ID,
			Public: "Sorry Ana, we'll message you", Private: "Hi Ana, can you send your order number?"})
		if !errors.Is(err, hark.ErrInvalid) || !strings.Contains(err.Error(), "LinkedIn") {
			t.Fatalf("a hand-off on LinkedIn: %v, want ErrInvalid naming LinkedIn", err)
		}
		var queued int
		d.R.QueryRow("SELECT COUNT(*) FROM outbox").Scan(&queued)
		if queued != 0 {
			t.Fatalf("the refused hand-off queued %d replies", queued)
		}
	})
}
