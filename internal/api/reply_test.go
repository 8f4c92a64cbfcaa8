package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// A script that retries a reply after a timeout, with the same
// Idempotency-Key, gets the first reply back (200) and the customer gets
// one message, even when the retries race; the key used for another reply
// is a conflict, and without a key every request is a reply.
func TestARetriedReplyIsQueuedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, conv := e.ingestOne("t-1", "ana", "@acme where is my refund?")
		url := "/api/v1/conversations/" + conv + "/replies"
		count := func() int {
			var n int
			d.R.QueryRow("SELECT COUNT(*) FROM outbox").Scan(&n)
			return n
		}
		before := count()
		first := e.do("POST", url, `{"text":"Refund sent"}`, "agent", "Idempotency-Key", "k1")
		if first.status != 201 {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		var wg sync.WaitGroup
		codes := make([]int, 4)
		bodies := make([]string, 4)
		for i := range codes {
			wg.Go(func() {
				r := e.do("POST", url, `{"text":"Refund sent"}`, "agent", "Idempotency-Key", "k1")
				codes[i], bodies[i] = r.status, r.body
			})
		}
		wg.Wait()
		// The same reply, by id: its send status may have moved on while
		// the outbox worker looked at it between the requests.
		replyID := func(body string) string {
			var m struct {
				ID string `json:"id"`
			}
			json.Unmarshal([]byte(body), &m)
			return m.ID
		}
		for i := range codes {
			if codes[i] != 200 || replyID(bodies[i]) == "" || replyID(bodies[i]) != replyID(first.body) {
				t.Errorf("retry %d: %d %s, want 200 and the first reply (%s)", i, codes[i], bodies[i], first.body)
			}
		}
		if n := count() - before; n != 1 {
			t.Fatalf("one reply retried: %d in the outbox, want 1", n)
		}
		if r := e.do("POST", url, `{"text":"Something else"}`, "agent", "Idempotency-Key", "k1"); r.status != 409 {
			t.Errorf("the key on another reply: %d %s, want 409", r.status, r.body)
		}
		if r := e.do("POST", url, `{"text":"Refund sent"}`, "admin", "Idempotency-Key", "k1"); r.status != 201 {
			t.Errorf("another user's key: %d, want a reply of its own", r.status)
		}
		if r := e.do("POST", url, `{"text":"x"}`, "agent", "Idempotency-Key", strings.Repeat("k", 256)); r.status != 400 {
			t.Errorf("a 256-byte key: %d, want 400", r.status)
		}
		e.do("POST", url, `{"text":"Refund sent"}`, "agent")
		e.do("POST", url, `{"text":"Refund sent"}`, "agent")
		if n := count() - before; n != 4 {
			t.Errorf("%d replies queued, want 4 (one per key and user, two without)", n)
		}
	})
}

// A source that only pushes messages in (an api account) has no way out:
// a reply to its conversation is refused at once, saying so. Before, it was
// taken (201) and waited in the outbox for ever, "no connector configured".
func TestAReplyWhereTheDeskCannotAnswerIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, tok, err := e.a.Workspaces.AddAccount(context.Background(), workspace.Account{WorkspaceID: e.ws.ID, Channel: "api", Handle: "shop-app"})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens["source"] = tok
		v := e.mustJSON(200, "POST", "/api/v1/ingest", `{"provider_id":"a1","author":{"id":"u1","name":"Ann"},"text":"where is my order?"}`, "source")
		conv := v["conversation_id"].(string)
		r := e.do("POST", "/api/v1/conversations/"+conv+"/replies", `{"text":"On its way!"}`, "agent")
		if r.status != 400 || !strings.Contains(r.body, "take no replies") {
			t.Fatalf("a reply on an api account's conversation: %d %s", r.status, r.body)
		}
		if ms, _ := e.a.Conversations.Messages(context.Background(), mustID(t, conv)); len(ms) != 1 {
			t.Errorf("the refused reply was stored: %d messages", len(ms))
		}
		// One queued before the check (an older hark) fails with the reason,
		// rather than waiting for ever.
		m, err := e.a.Conversations.Reply(context.Background(), conversation.ReplyInput{ConversationID: mustID(t, conv), Text: "On its way!"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.a.Outbox.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.a.Conversations.Message(context.Background(), m.ID); got.SendStatus != "failed" || !strings.Contains(got.SendError, "take no replies") {
			t.Errorf("a queued reply on an api account: %s %q", got.SendStatus, got.SendError)
		}
	})
}

// A script replies with the newest message it read: when someone else
// answered the customer since, the reply is refused (409 answered_since,
// saying who and when) rather than sent as a second answer; naming that
// answer, or nothing, sends it.
func TestAReplyNamingAnOlderMessageThanAnotherAnswerIsAConflict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		seen, conv := e.ingestOne("t-1", "maria", "@acme my bag never arrived")
		url := "/api/v1/conversations/" + conv + "/replies"
		first := e.mustJSON(201, "POST", url, `{"text":"We found it","if_last_message_id":"`+seen+`"}`, "agent")
		r := e.do("POST", url, `{"text":"Please DM us","if_last_message_id":"`+seen+`"}`, "admin")
		var v struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal([]byte(r.body), &v)
		if r.status != 409 || v.Error.Code != "answered_since" || !strings.Contains(v.Error.Message, "Agent replied") || !strings.Contains(v.Error.Message, first["id"].(string)) {
			t.Fatalf("a reply naming a message older than the agent's answer: %d %s, want 409 answered_since naming Agent and the answer", r.status, r.body)
		}
		if r := e.do("POST", url, `{"text":"Please DM us","if_last_message_id":`+first["id"].(string)+`}`, "admin"); r.status != 201 {
			t.Errorf("a reply naming the answer (as a number): %d %s", r.status, r.body)
		}
		if r := e.do("POST", url, `{"text":"And a voucher"}`, "agent"); r.status != 201 {
			t.Errorf("a reply naming nothing: %d %s", r.status, r.body)
		}
		if r := e.do("POST", url, `{"text":"x","if_last_message_id":"latest"}`, "agent"); r.status != 400 {
			t.Errorf("if_last_message_id that is not an id: %d, want 400", r.status)
		}
	})
}

// WhatsApp refuses free text to a customer who has not written for 24
// hours: the API refuses it at once (400 channel_refuses, saying how to
// send a template) rather than queue a reply that counts the conversation
// answered and then fails for good. A template is taken.
func TestFreeTextWhatsAppWillRefuseIsRefusedByTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		wa, _, err := e.a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: e.ws.ID, Channel: "whatsapp", Handle: "+442079460100", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.a.ConfigureAccount(ctx, wa.ID, meta.NewFake("s", "v", "t").Config("http://graph.test")); err != nil {
			t.Fatal(err)
		}
		res, err := e.a.Pipeline.Ingest(ctx, wa.ID, ingest.Message{ProviderID: "wamid.1", Visibility: "private",
			Author: ingest.Author{ID: "447700900123", Phone: "+447700900123", Name: "Andre"}, Text: "baggage allowance?", SentAt: time.Now().Add(-30 * time.Hour)})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
		url := "/api/v1/conversations/" + itoa(res[0].ConversationID) + "/replies"
		r := e.do("POST", url, `{"text":"Hi Andre, sorry for the wait!"}`, "agent")
		if r.status != 400 || !strings.Contains(r.body, `"channel_refuses"`) || !strings.Contains(r.body, "/template NAME LANGUAGE") {
			t.Fatalf("free text outside the window: %d %s, want 400 channel_refuses saying how to send a template", r.status, r.body)
		}
		if c, _ := e.a.Conversations.Get(ctx, res[0].ConversationID); c.WaitingSince == 0 || c.MessageCount != 1 {
			t.Errorf("the refused reply was stored (%d messages) or the customer no longer waits", c.MessageCount)
		}
		if r := e.do("POST", url, `{"text":"/template order_update en_US\nAndre"}`, "agent"); r.status != 201 {
			t.Errorf("a template: %d %s", r.status, r.body)
		}
	})
}
