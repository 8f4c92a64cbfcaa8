package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// One call is one group commit: threading, replies and redeliveries inside
// a single batch must come out as they do one message at a time, though the
// writer holds the batch's rows until the end.
func TestIngestOneBatchThreadsLikeOneAtATime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Now().Add(-2 * time.Hour)
		reply := tweet("b3", "joe", "same here", now.Add(2*time.Minute))
		reply.ReplyTo = "b1"
		dm := func(id string, at time.Time) ingest.Message {
			m := tweet(id, "maria", "dm "+id, at)
			m.Visibility = "private"
			return m
		}
		res, err := f.p.Ingest(ctx, f.x.ID,
			tweet("b1", "maria", "my bag never arrived", now),
			tweet("b2", "maria", "still nothing", now.Add(time.Minute)),
			reply,
			tweet("b1", "maria", "my bag never arrived", now), // redelivered in the same batch
			dm("b4", now.Add(3*time.Minute)),
			dm("b5", now.Add(4*time.Minute)),
		)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("item %d: %v", i, r.Err)
			}
		}
		first := res[0]
		if !first.NewConversation || res[1].ConversationID != first.ConversationID || res[2].ConversationID != first.ConversationID {
			t.Fatalf("follow-up and reply did not join the thread: %+v", res[:3])
		}
		if !res[3].Duplicate || res[3].MessageID != first.MessageID {
			t.Fatalf("redelivery in the same batch: %+v, want duplicate of %d", res[3], first.MessageID)
		}
		if res[4].ConversationID == first.ConversationID || res[5].ConversationID != res[4].ConversationID || !res[4].NewConversation {
			t.Fatalf("DMs: %+v", res[4:])
		}
		conv, err := f.convs.Get(ctx, first.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		// The thread's row is what three single commits would have left.
		if conv.MessageCount != 3 || conv.LastMessageAt != now.Add(2*time.Minute).UnixMilli() ||
			conv.WaitingSince != now.UnixMilli() || conv.ContactHandle != "maria" || conv.Preview != "same here" {
			t.Fatalf("conversation row: %+v", conv)
		}
		msgs, err := f.convs.Messages(ctx, first.ConversationID)
		if err != nil || len(msgs) != 3 {
			t.Fatalf("thread has %d messages (%v), want 3", len(msgs), err)
		}
		dmConv, _ := f.convs.Get(ctx, res[4].ConversationID)
		if dmConv.MessageCount != 2 || dmConv.Visibility != "private" {
			t.Fatalf("DM thread: %+v", dmConv)
		}
		// The next batch finds what this one stored.
		late := tweet("b6", "maria", "any news?", now.Add(10*time.Minute))
		r := one(t, f, f.x.ID, late)
		if r.ConversationID != first.ConversationID {
			t.Fatalf("follow-up in the next batch went to %d, want %d", r.ConversationID, first.ConversationID)
		}
		p, err := f.convs.List(ctx, conversationFilter(f, "arrived"))
		if err != nil || len(p.Conversations) != 1 || p.Conversations[0].ID != first.ConversationID {
			t.Fatalf("full-text search after a batch: %+v %v", p.Conversations, err)
		}
	})
}

func conversationFilter(f *fixture, q string) conversation.Filter {
	return conversation.Filter{WorkspaceID: f.ws.ID, Query: q}
}

// A batch's new threads and what they log go in multi-row inserts, its
// authors' identities are looked up in one query, and a contact the batch
// makes is not looked for in the store: a batch larger than the largest
// insert, of known and new authors, must come out as one message at a time.
func TestIngestBatchOfNewAndKnownAuthors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Now().Add(-time.Hour)
		known := one(t, f, f.x.ID, tweet("k1", "kim", "where is my refund", now))
		mailKnown := one(t, f, f.mail.ID, ingest.Message{ProviderID: "<k2@x>", Author: ingest.Author{Email: "kim@example.com"}, Text: "refund?"})
		before, _ := f.convs.Get(ctx, known.ConversationID)

		var batch []ingest.Message
		for i := range 67 {
			batch = append(batch, tweet(fmt.Sprintf("n%d", i), fmt.Sprintf("new%d", i), "hello", now.Add(time.Minute)))
		}
		batch = append(batch,
			tweet("k3", "kim", "any news?", now.Add(2*time.Minute)),          // joins kim's thread
			tweet("p1", "pat", "my bag", now.Add(3*time.Minute)),             // a new author...
			tweet("p2", "pat", "still no bag", now.Add(4*time.Minute)),       // ...who follows up in the batch
			ingest.Message{ProviderID: "bad", Text: "who am I", SentAt: now}, // no author: refused alone
			ingest.Message{ProviderID: "<k4@x>", Author: ingest.Author{Email: "Kim@Example.com"}, Text: "again", Subject: "Refund"},
		)
		// One group commit: the X batch, an authorless message refused
		// alone, and an e-mail on another account.
		var items []*ingest.Item
		for i, m := range batch {
			acct := f.x
			if i == 71 {
				acct = f.mail
			}
			items = append(items, &ingest.Item{Msg: m, Account: acct})
		}
		all, err := f.p.Run(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		res, bad, mail := all[:70], all[70], all[71:]
		if !errors.Is(bad.Err, hark.ErrInvalid) {
			t.Fatalf("authorless message: %v, want invalid", bad.Err)
		}
		if mail[0].Err != nil {
			t.Fatalf("e-mail: %v", mail[0].Err)
		}
		convs := map[int64]bool{}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("item %d: %v", i, r.Err)
			}
			convs[r.ConversationID] = true
		}
		if res[67].ConversationID != known.ConversationID || res[67].NewConversation {
			t.Fatalf("known author's follow-up: %+v, want thread %d", res[67], known.ConversationID)
		}
		if !res[68].NewConversation || res[69].ConversationID != res[68].ConversationID {
			t.Fatalf("new author's follow-up in the batch: %+v %+v", res[68], res[69])
		}
		if len(convs) != 67+2 {
			t.Fatalf("%d threads, want %d", len(convs), 67+2)
		}
		after, _ := f.convs.Get(ctx, known.ConversationID)
		if after.ContactID != before.ContactID || after.MessageCount != 2 || after.Preview != "any news?" {
			t.Fatalf("known thread after the batch: %+v", after)
		}
		m, _ := f.convs.Get(ctx, mail[0].ConversationID)
		first, _ := f.convs.Get(ctx, mailKnown.ConversationID)
		if m.ContactID != first.ContactID {
			t.Fatal("a known e-mail address became a second contact")
		}
		var contacts, identities, orphans, created int
		q := func(query string, dst *int) {
			t.Helper()
			if err := d.R.QueryRowContext(ctx, query).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		q("SELECT COUNT(*) FROM contacts", &contacts)
		q("SELECT COUNT(*) FROM contact_identities", &identities)
		q("SELECT COUNT(*) FROM activity WHERE kind = 'created'", &created)
		q("SELECT COUNT(*) FROM activity a WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = a.conversation_id)", &orphans)
		// kim on X and kim by e-mail (nothing joins a handle to an address),
		// the 67 new authors and pat.
		if contacts != 2+67+1 || identities != 2+67+1 {
			t.Fatalf("%d contacts and %d identities, want %d of each", contacts, identities, 2+67+1)
		}
		total := 2 + 67 + 1 + 1 // kim's two threads, the new ones, pat's, the second e-mail's
		if created != total || orphans != 0 {
			t.Fatalf("%d 'created' activities (%d of no thread), want %d", created, orphans, total)
		}
	})
}

// The contacts and identities a batch makes are written at its end: within
// the batch an address still joins the contact that has it, made earlier
// in the batch or stored before, and a later message's name and reach
// reach the rows written.
func TestIngestBatchJoinsByAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		chat, _, err := workspace.New(d).AddAccount(ctx, workspace.Account{WorkspaceID: f.ws.ID, Channel: "chat", Handle: "acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		sam := one(t, f, f.mail.ID, ingest.Message{ProviderID: "<s1@x>", Author: ingest.Author{Email: "sam@example.com"}, Text: "hi"})
		now := time.Now()
		msg := func(id, visitor, email, name string, followers int64) ingest.Message {
			return ingest.Message{ProviderID: id, Visibility: "private", SentAt: now, Text: "hello",
				Author: ingest.Author{ID: visitor, Email: email, Name: name, Followers: followers}}
		}
		items := []*ingest.Item{
			{Account: chat, Msg: msg("c1", "v-lee", "lee@example.com", "Lee", 0)},
			{Account: f.mail, Msg: msg("<l1@x>", "", "LEE@example.com", "", 0)},
			{Account: chat, Msg: msg("c2", "v-lee", "lee@example.com", "Lee Park", 40)},
			{Account: chat, Msg: msg("c3", "v-sam", "sam@example.com", "Sam", 0)},
		}
		res, err := f.p.Run(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		contactOf := func(r ingest.Result) int64 { t.Helper(); return f.conversation(t, r).ContactID }
		lee := contactOf(res[0])
		if contactOf(res[1]) != lee || contactOf(res[2]) != lee {
			t.Fatal("an address the batch had just met became a second contact")
		}
		samContact := contactOf(sam)
		if contactOf(res[3]) != samContact {
			t.Fatal("a stored address did not join its contact")
		}
		var name string
		var followers, identities int64
		if err := d.R.QueryRowContext(ctx, db.Rebind(d.Dialect,
			"SELECT display_name FROM contact_identities WHERE workspace_id = ? AND channel = 'chat' AND external_id = 'v-lee'"), f.ws.ID).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if err := d.R.QueryRowContext(ctx, db.Rebind(d.Dialect, "SELECT followers FROM contacts WHERE id = ?"), lee).Scan(&followers); err != nil {
			t.Fatal(err)
		}
		if err := d.R.QueryRowContext(ctx, db.Rebind(d.Dialect, "SELECT COUNT(*) FROM contact_identities WHERE contact_id = ?"), lee).Scan(&identities); err != nil {
			t.Fatal(err)
		}
		if name != "Lee Park" || followers != 40 || identities != 2 {
			t.Fatalf("Lee after the batch: identity named %q, %d followers, %d identities; want Lee Park, 40, 2", name, followers, identities)
		}
	})
}

// An id that is not valid UTF-8 is stored escaped (PostgreSQL refuses such
// text, and the batch lookups' JSON arrays would turn it into U+FFFD): its
// author and its redelivery are still recognised the next time, and an id
// that differs only in its bad byte is another message.
func TestIngestIDsThatAreNotUTF8(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		now := time.Now().Add(-time.Hour)
		m := tweet("id\xff1", "maria", "first", now)
		m.Author.ID = "u\xff9"
		a := one(t, f, f.x.ID, m)
		again := one(t, f, f.x.ID, m)
		if !again.Duplicate || again.MessageID != a.MessageID {
			t.Fatalf("redelivery: %+v, want a duplicate of %d", again, a.MessageID)
		}
		m2 := tweet("id2", "maria", "second", now.Add(time.Minute))
		m2.Author.ID = m.Author.ID
		b := one(t, f, f.x.ID, m2)
		ca, _ := f.convs.Get(context.Background(), a.ConversationID)
		cb, _ := f.convs.Get(context.Background(), b.ConversationID)
		if cb.ContactID != ca.ContactID {
			t.Fatal("the same author id became a second contact")
		}
		m3 := tweet("id\xfe1", "maria", "third", now.Add(2*time.Minute))
		m3.Author.ID = m.Author.ID
		if c := one(t, f, f.x.ID, m3); c.Duplicate || c.MessageID == a.MessageID {
			t.Fatalf("an id differing in its bad byte: %+v, want a message of its own", c)
		}
	})
}

// PostgreSQL refuses a NUL byte or invalid UTF-8 in any text: a message
// whose author name, subject or attachment name carries one is stored
// cleaned, not refused with the rest of its request (which the provider
// would then redeliver for ever).
func TestIngestStoresWhatPostgresWouldRefuse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		subject := strings.Repeat("é", 600) // 1,200 bytes, cut at a character
		res, err := f.p.Ingest(ctx, f.mail.ID,
			ingest.Message{ProviderID: "<n1@x>", Author: ingest.Author{Email: "ana@example.com", Name: "Ana\x00 \xffB"}, Subject: subject,
				Text: "hello\x00", Attachments: []conversation.Attachment{{URL: "https://files.example/a", Name: "a\x00.pdf"}}, Raw: []byte(`{"x":"\xff"}`)},
			ingest.Message{ProviderID: "<n2@x>", Author: ingest.Author{Email: "bo@example.com"}, Text: "fine", ReplyTo: "<r\x00@x>"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		m, err := f.convs.Message(ctx, res[0].MessageID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.convs.Get(ctx, res[0].ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Author.Name != "Ana \uFFFDB" || m.Text != "hello" || m.Attachments[0].Name != "a.pdf" || !utf8.ValidString(c.Subject) || len(c.Subject) > 998 {
			t.Fatalf("stored: name %q, text %q, attachment %q, subject of %d bytes (valid %v)",
				m.Author.Name, m.Text, m.Attachments[0].Name, len(c.Subject), utf8.ValidString(c.Subject))
		}
	})
}

// A phone number or an address met twice in one batch, on two channels and
// written differently, is one customer;
// the same account id written to two brands in one batch is two, one in
// each workspace, since a workspace sees only its own customers.
func TestIngestBatchJoinsByPhoneWithinAWorkspace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		wss := workspace.New(d)
		chat, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: f.ws.ID, Channel: "chat", Handle: "acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		sms, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: f.ws.ID, Channel: "sms", Handle: "+15550100"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := wss.Create(ctx, "globex", "Globex")
		if err != nil {
			t.Fatal(err)
		}
		otherX, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: other.ID, Channel: "x", Handle: "Globex"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		items := []*ingest.Item{
			{Account: chat, Msg: ingest.Message{ProviderID: "c1", Visibility: "private", SentAt: now, Text: "my router is down",
				Author: ingest.Author{ID: "v-ana", Name: "Ana", Phone: "+44 7700 900123", Email: " Ana@Example.COM"}}},
			{Account: sms, Msg: ingest.Message{ProviderID: "sm1", Visibility: "private", SentAt: now, Text: "still down",
				Author: ingest.Author{ID: "+447700900123"}}},
			{Account: f.mail, Msg: ingest.Message{ProviderID: "<a1@x>", Visibility: "private", SentAt: now, Text: "any news?",
				Author: ingest.Author{Email: "ana@example.com"}}},
			{Account: f.x, Msg: tweet("t1", "maria", "@AcmeAir hello", now)},
			{Account: otherX, Msg: tweet("t2", "maria", "@Globex hello", now)},
		}
		res, err := f.p.Run(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		ana := f.conversation(t, res[0]).ContactID
		if b := f.conversation(t, res[1]).ContactID; b != ana {
			t.Fatalf("a chat visitor's number and an SMS from it became contacts %d and %d", ana, b)
		}
		if b := f.conversation(t, res[2]).ContactID; b != ana {
			t.Fatalf("a chat visitor's address and an e-mail from it became contacts %d and %d", ana, b)
		}
		acme, globex := f.conversation(t, res[3]), f.conversation(t, res[4])
		if acme.ContactID == globex.ContactID || acme.WorkspaceID != f.ws.ID || globex.WorkspaceID != other.ID {
			t.Fatalf("one X account writing to two brands: contacts %d (workspace %d) and %d (workspace %d)",
				acme.ContactID, acme.WorkspaceID, globex.ContactID, globex.WorkspaceID)
		}
		for _, c := range []conversation.Conversation{acme, globex} {
			var ws int64
			if err := d.R.QueryRowContext(ctx, db.Rebind(d.Dialect, "SELECT workspace_id FROM contacts WHERE id = ?"), c.ContactID).Scan(&ws); err != nil {
				t.Fatal(err)
			}
			if ws != c.WorkspaceID {
				t.Fatalf("contact %d is in workspace %d, its conversation in %d", c.ContactID, ws, c.WorkspaceID)
			}
		}
	})
}

// Cleaning keeps all of a text (a bad byte becomes U+FFFD, three bytes),
// checks an attachment's address as it will be stored, and escapes ids one
// to one: an id with a NUL and one spelling "\x00" out are two messages.
func TestIngestCleaningLosesNothingAndLetsNothingThrough(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		res, err := f.p.Ingest(ctx, f.x.ID,
			ingest.Message{ProviderID: "c1", Author: ingest.Author{ID: "u1"}, Text: "caf\xe9 ouvert demain"},
			ingest.Message{ProviderID: "c2", Author: ingest.Author{ID: "u1"}, Text: "see",
				Attachments: []conversation.Attachment{{URL: "/\x00/evil.example/x.png"}}},
			ingest.Message{ProviderID: "id\x00", Author: ingest.Author{ID: "u1"}, Text: "one"},
			ingest.Message{ProviderID: `id\x00`, Author: ingest.Author{ID: "u1"}, Text: "two"})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
		m, err := f.convs.Message(ctx, res[0].MessageID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != "caf\uFFFD ouvert demain" {
			t.Errorf("text stored as %q", m.Text)
		}
		if !errors.Is(res[1].Err, hark.ErrInvalid) {
			t.Errorf("an attachment at /<NUL>/evil.example: %+v, want it refused", res[1])
		}
		if res[2].Err != nil || res[3].Err != nil || res[3].Duplicate || res[2].MessageID == res[3].MessageID {
			t.Errorf("an id with a NUL and one spelling it out: %+v and %+v, want two messages", res[2], res[3])
		}
	})
}
