package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

// Who may call what, and how every kind of bad request is answered.
func TestAuthAndRequestErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, conv := e.ingestOne("m1", "maria", "my bag never arrived")
		e.vars["{conv}"] = conv
		cookie, csrf := e.session("agent")
		big := `{"text":"` + strings.Repeat("a", 1<<20) + `"}`
		e.run(t, []scenario{
			{name: "no credentials", method: "GET", url: "/api/v1/me", status: 401, want: []string{`"code":"unauthorized"`, "hark token create"}},
			{name: "unknown token", method: "GET", url: "/api/v1/me", who: "bogus", status: 401, want: []string{`"unauthorized"`}},
			{name: "not a bearer", method: "GET", url: "/api/v1/conversations", header: []string{"Authorization", "Basic YTpi"}, status: 401},
			{name: "ingest token is not a user", method: "GET", url: "/api/v1/conversations", who: "ingest", status: 401, want: []string{"only works on POST /api/v1/ingest"}},
			{name: "me", method: "GET", url: "/api/v1/me", who: "agent", status: 200, want: []string{`"email":"agent@acme.test"`, `"id":"{agent}"`, `"work":true`, `"admin":false`}},
			{name: "viewer reads", method: "GET", url: "/api/v1/conversations/{conv}", who: "viewer", status: 200, want: []string{"my bag never arrived"}},
			{name: "viewer reply", method: "POST", url: "/api/v1/conversations/{conv}/replies", body: `{"text":"hi"}`, who: "viewer", status: 403, want: []string{`"code":"forbidden"`, "viewer"}},
			{name: "viewer note", method: "POST", url: "/api/v1/conversations/{conv}/notes", body: `{"body":"hi"}`, who: "viewer", status: 403},
			{name: "agent users", method: "GET", url: "/api/v1/users", who: "agent", status: 403},
			{name: "supervisor users", method: "GET", url: "/api/v1/users", who: "supervisor", status: 200, want: []string{"viewer@acme.test"}, forbid: []string{"password"}},
			{name: "supervisor creates workspace", method: "POST", url: "/api/v1/workspaces", body: `{"slug":"b","name":"B"}`, who: "supervisor", status: 403},
			{name: "agent adds account", method: "POST", url: "/api/v1/workspaces/acme/accounts", body: `{"channel":"x","handle":"b"}`, who: "agent", status: 403},
			{name: "admin creates workspace", method: "POST", url: "/api/v1/workspaces", body: `{"slug":"beta","name":"Beta"}`, who: "admin", status: 201, want: []string{`"slug":"beta"`}},
			{name: "taken slug", method: "POST", url: "/api/v1/workspaces", body: `{"slug":"beta","name":"Beta again"}`, who: "admin", status: 409, want: []string{`"conflict"`}},
			{name: "bad slug", method: "POST", url: "/api/v1/workspaces", body: `{"slug":"Not A Slug","name":"x"}`, who: "admin", status: 400},
			{name: "admin adds account", method: "POST", url: "/api/v1/workspaces/beta/accounts", body: `{"channel":"instagram","handle":"beta","purpose":"service"}`, who: "admin", status: 201, want: []string{`"ingest_token":"hki_`, `"channel":"instagram"`}},
			{name: "unknown channel", method: "POST", url: "/api/v1/workspaces/beta/accounts", body: `{"channel":"myspace","handle":"beta"}`, who: "admin", status: 400, want: []string{"unknown channel"}},
			{name: "accounts never show tokens", method: "GET", url: "/api/v1/workspaces/acme/accounts", who: "agent", status: 200, want: []string{`"handle":"acme"`, `"handle":"help@acme.test"`}, forbid: []string{"hki_", "token"}},
			{name: "accounts of unknown workspace", method: "GET", url: "/api/v1/workspaces/nope/accounts", who: "agent", status: 404},
			{name: "workspaces", method: "GET", url: "/api/v1/workspaces", who: "viewer", status: 200, want: []string{`"slug":"acme"`, `"slug":"beta"`}},
			{name: "malformed json", method: "POST", url: "/api/v1/conversations/{conv}/replies", body: `{"text": "hi"`, who: "agent", status: 400, want: []string{`"bad_json"`, "malformed JSON"}},
			{name: "syntax error", method: "POST", url: "/api/v1/conversations/{conv}/replies", body: `{text: hi}`, who: "agent", status: 400, want: []string{"malformed JSON at byte"}},
			{name: "empty body", method: "POST", url: "/api/v1/conversations/{conv}/replies", who: "agent", status: 400, want: []string{"body is empty"}},
			{name: "unknown field", method: "POST", url: "/api/v1/conversations/{conv}/replies", body: `{"txt":"hi"}`, who: "agent", status: 400, want: []string{`unknown field \"txt\"`}},
			{name: "wrong type", method: "POST", url: "/api/v1/conversations/{conv}/replies", body: `{"text":5}`, who: "agent", status: 400, want: []string{`field \"text\" must be a string`}},
			{name: "trailing data", method: "POST", url: "/api/v1/conversations/{conv}/notes", body: `{"body":"a"} {"body":"b"}`, who: "agent", status: 400, want: []string{"after the object"}},
			{name: "oversized body", method: "POST", url: "/api/v1/conversations/{conv}/replies", body: big, who: "agent", status: 413, want: []string{`"too_large"`, "1048576 bytes"}},
			{name: "empty reply", method: "POST", url: "/api/v1/conversations/{conv}/replies", body: `{"text":"  "}`, who: "agent", status: 400, want: []string{`"invalid"`, "reply is empty"}},
			{name: "invalid status", method: "POST", url: "/api/v1/conversations/{conv}/status", body: `{"status":"closed"}`, who: "agent", status: 400, want: []string{"status must be one of open, pending, snoozed, resolved"}},
			{name: "snooze without time", method: "POST", url: "/api/v1/conversations/{conv}/status", body: `{"status":"snoozed"}`, who: "agent", status: 400, want: []string{"snooze needs a time"}},
			{name: "snooze bad time", method: "POST", url: "/api/v1/conversations/{conv}/status", body: `{"status":"snoozed","snooze_until":"tomorrow"}`, who: "agent", status: 400},
			{name: "until without snooze", method: "POST", url: "/api/v1/conversations/{conv}/status", body: `{"status":"open","snooze_until":"2099-01-01T00:00:00Z"}`, who: "agent", status: 400},
			{name: "bad tag", method: "POST", url: "/api/v1/conversations/{conv}/tags", body: `{"add":["two words"]}`, who: "agent", status: 400},
			{name: "no tags", method: "POST", url: "/api/v1/conversations/{conv}/tags", body: `{}`, who: "agent", status: 400},
			{name: "assign nobody said", method: "POST", url: "/api/v1/conversations/{conv}/assign", body: `{}`, who: "agent", status: 400},
			{name: "assign both", method: "POST", url: "/api/v1/conversations/{conv}/assign", body: `{"assignee":"me","assignee_id":"{agent}"}`, who: "agent", status: 400},
			{name: "assign viewer", method: "POST", url: "/api/v1/conversations/{conv}/assign", body: `{"assignee_id":"{viewer}"}`, who: "agent", status: 400, want: []string{"viewer"}},
			{name: "assign stranger", method: "POST", url: "/api/v1/conversations/{conv}/assign", body: `{"assignee_id":12345}`, who: "agent", status: 400, want: []string{"no user 12345"}},
			{name: "assign garbage", method: "POST", url: "/api/v1/conversations/{conv}/assign", body: `{"assignee_id":"abc"}`, who: "agent", status: 400, want: []string{"is not an id"}},
			{name: "missing conversation", method: "GET", url: "/api/v1/conversations/42", who: "agent", status: 404, want: []string{`"not_found"`}},
			{name: "non-numeric id", method: "GET", url: "/api/v1/conversations/abc", who: "agent", status: 404},
			{name: "reply to missing", method: "POST", url: "/api/v1/conversations/42/replies", body: `{"text":"hi"}`, who: "agent", status: 404},
			{name: "missing contact", method: "GET", url: "/api/v1/contacts/42", who: "agent", status: 404},
			{name: "bad limit", method: "GET", url: "/api/v1/conversations?limit=500", who: "agent", status: 400, want: []string{"limit must be"}},
			{name: "bad cursor", method: "GET", url: "/api/v1/conversations?cursor=bogus", who: "agent", status: 400, want: []string{"bad cursor"}},
			{name: "bad query string", method: "GET", url: "/api/v1/conversations?cursor=%zz", who: "agent", status: 400, want: []string{"malformed query"}},
			{name: "bad channel", method: "GET", url: "/api/v1/conversations?channel=myspace", who: "agent", status: 400},
			{name: "bad assignee", method: "GET", url: "/api/v1/conversations?assignee=someone", who: "agent", status: 400},
			{name: "unknown workspace", method: "GET", url: "/api/v1/conversations?workspace=nope", who: "agent", status: 404},
			{name: "no such route", method: "GET", url: "/api/v1/nothing", who: "agent", status: 404, want: []string{`"no_route"`}},
			{name: "wrong method", method: "DELETE", url: "/api/v1/conversations/{conv}", who: "agent", status: 405, want: []string{`"method_not_allowed"`}},
			{name: "session reads", method: "GET", url: "/api/v1/me", header: []string{"Cookie", cookie}, status: 200, want: []string{"agent@acme.test"}},
			{name: "session change without csrf", method: "POST", url: "/api/v1/conversations/{conv}/notes", body: `{"body":"x"}`, header: []string{"Cookie", cookie}, status: 403, want: []string{`"csrf"`}},
			{name: "session change wrong csrf", method: "POST", url: "/api/v1/conversations/{conv}/notes", body: `{"body":"x"}`, header: []string{"Cookie", cookie, "X-CSRF-Token", "nope"}, status: 403},
			{name: "session change with csrf", method: "POST", url: "/api/v1/conversations/{conv}/notes", body: `{"body":"from the browser"}`, header: []string{"Cookie", cookie, "X-CSRF-Token", csrf}, status: 201, want: []string{"from the browser"}},
		})
		if r := e.do("DELETE", "/api/v1/conversations/{conv}", "", "agent"); !strings.Contains(r.header.Get("Allow"), "GET") {
			t.Errorf("405 without Allow: %v", r.header)
		}
	})
}

// Customer text is hostile: it comes back as JSON that cannot become markup.
func TestHostileTextIsEscaped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, conv := e.ingestOne("evil", "<img src=x onerror=alert(1)>", `<script>alert("hi")</script> & more`)
		e.vars["{conv}"] = conv
		e.run(t, []scenario{
			{name: "detail", method: "GET", url: "/api/v1/conversations/{conv}", who: "agent", status: 200,
				want: []string{`\u003cscript\u003e`, `\u0026 more`}, forbid: []string{"<script>", "<img"}},
			{name: "list", method: "GET", url: "/api/v1/conversations", who: "agent", status: 200, forbid: []string{"<script>", "<img"}},
		})
		r := e.do("GET", "/api/v1/conversations/{conv}", "", "agent")
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", r.header)
		}
	})
}

// Ingest authenticates with the account's own token, stores before it
// answers, and stores a redelivery once.
func TestIngest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		msg := `{"provider_id":"p1","author":{"id":"7","handle":"@maria","name":"Maria"},"text":"where is my refund?"}`
		e.run(t, []scenario{
			{name: "no token", method: "POST", url: "/api/v1/ingest", body: msg, status: 401, want: []string{"ingest token"}},
			{name: "unknown ingest token", method: "POST", url: "/api/v1/ingest", body: msg, who: "bogus-ingest", status: 401, want: []string{"unknown ingest token"}},
			{name: "personal token", method: "POST", url: "/api/v1/ingest", body: msg, who: "agent", status: 401},
			{name: "malformed", method: "POST", url: "/api/v1/ingest", body: `{"provider_id":`, who: "ingest", status: 400, want: []string{"malformed JSON"}},
			{name: "unknown field", method: "POST", url: "/api/v1/ingest", body: `{"provider_id":"p","author":{"id":"1"},"text":"x","colour":"red"}`, who: "ingest", status: 400, want: []string{`unknown field \"colour\"`}},
			{name: "unknown nested field", method: "POST", url: "/api/v1/ingest", body: `{"provider_id":"p","author":{"id":"1","age":3},"text":"x"}`, who: "ingest", status: 400, want: []string{"unknown field"}},
			{name: "invalid single", method: "POST", url: "/api/v1/ingest", body: `{"author":{"id":"1"},"text":"x"}`, who: "ingest", status: 400, want: []string{`"invalid"`, "provider_id is required"}},
			{name: "not an object", method: "POST", url: "/api/v1/ingest", body: `[1,2]`, who: "ingest", status: 400},
			{name: "null", method: "POST", url: "/api/v1/ingest", body: `null`, who: "ingest", status: 400},
			{name: "batch with extras", method: "POST", url: "/api/v1/ingest", body: `{"messages":[],"text":"x"}`, who: "ingest", status: 400},
			{name: "empty batch", method: "POST", url: "/api/v1/ingest", body: `{"messages":[]}`, who: "ingest", status: 400},
			{name: "oversized", method: "POST", url: "/api/v1/ingest", body: `{"provider_id":"big","author":{"id":"1"},"text":"` + strings.Repeat("x", 1<<20) + `"}`, who: "ingest", status: 413},
			{name: "stored", method: "POST", url: "/api/v1/ingest", body: msg, who: "ingest", status: 200, want: []string{`"duplicate":false`, `"new_conversation":true`}},
			{name: "redelivered", method: "POST", url: "/api/v1/ingest", body: msg, who: "ingest", status: 200, want: []string{`"duplicate":true`, `"new_conversation":false`}},
		})

		first := e.mustJSON(200, "POST", "/api/v1/ingest", msg, "ingest")
		again := e.mustJSON(200, "POST", "/api/v1/ingest", msg, "ingest")
		if first["message_id"] != again["message_id"] || again["duplicate"] != true {
			t.Fatalf("redelivery: %v then %v", first, again)
		}
		// Acknowledged means stored: the message is readable at once.
		conv := e.mustJSON(200, "GET", "/api/v1/conversations/"+first["conversation_id"].(string), "", "agent")
		if msgs := conv["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["text"] != "where is my refund?" {
			t.Fatalf("stored messages %v", msgs)
		}
		if c := conv["conversation"].(map[string]any); c["account_id"] != e.vars["{acct}"] || c["contact_handle"] != "maria" {
			t.Fatalf("conversation %v", c)
		}

		// Another account's token puts the same provider id on that account:
		// not a duplicate, and never on the first account.
		other := e.mustJSON(200, "POST", "/api/v1/ingest", `{"provider_id":"p1","author":{"email":"maria@example.com"},"subject":"Refund","text":"where is my refund?"}`, "ingest2")
		if other["duplicate"] != false || other["conversation_id"] == first["conversation_id"] {
			t.Fatalf("other account's message %v vs %v", other, first)
		}
		oc := e.mustJSON(200, "GET", "/api/v1/conversations/"+other["conversation_id"].(string), "", "agent")
		if c := oc["conversation"].(map[string]any); c["account_id"] != e.vars["{acct2}"] || c["channel"] != "email" {
			t.Fatalf("other conversation %v", c)
		}

		// A batch answers per item, 200 with the count of rejected ones.
		batch := `{"messages":[
			{"provider_id":"b1","author":{"id":"8"},"text":"one"},
			{"provider_id":"b2","author":{"id":"8"},"text":""},
			{"provider_id":"p1","author":{"id":"7"},"text":"where is my refund?"},
			{"provider_id":"b3","author":{"id":"9"},"text":"three","visibility":"secret"}]}`
		b := e.mustJSON(200, "POST", "/api/v1/ingest", batch, "ingest")
		res := b["results"].([]any)
		if b["errors"] != float64(2) || len(res) != 4 {
			t.Fatalf("batch %v", b)
		}
		if r := res[0].(map[string]any); r["duplicate"] != false || r["message_id"] == "" {
			t.Errorf("item 0: %v", r)
		}
		if r := res[1].(map[string]any); r["index"] != float64(1) || !strings.Contains(fmt.Sprint(r["error"]), "no text") {
			t.Errorf("item 1: %v", r)
		}
		if r := res[2].(map[string]any); r["duplicate"] != true || r["message_id"] != first["message_id"] {
			t.Errorf("item 2: %v", r)
		}
		if r := res[3].(map[string]any); !strings.Contains(fmt.Sprint(r["error"]), "visibility") {
			t.Errorf("item 3: %v", r)
		}

		var many []string
		for i := range 501 {
			many = append(many, fmt.Sprintf(`{"provider_id":"m%d","author":{"id":"1"},"text":"x"}`, i))
		}
		e.run(t, []scenario{{name: "batch too big", method: "POST", url: "/api/v1/ingest", body: `{"messages":[` + strings.Join(many, ",") + `]}`, who: "ingest", status: 400, want: []string{"at most 500"}}})
		e.run(t, []scenario{{name: "batch of 500", method: "POST", url: "/api/v1/ingest", body: `{"messages":[` + strings.Join(many[:500], ",") + `]}`, who: "ingest", status: 200, want: []string{`"errors":0`}}})
	})
}

// Every action changes the conversation, shows in its detail and leaves a
// line in the activity log naming who did it.
func TestActionsRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, conv := e.ingestOne("m1", "maria", "my bag never arrived")
		e.vars["{conv}"] = conv
		u := "/api/v1/conversations/" + conv

		reply := e.mustJSON(201, "POST", u+"/replies", `{"text":"Sorry! Looking into it."}`, "agent")
		if reply["send_status"] != "queued" || reply["direction"] != "out" || reply["user_id"] != e.vars["{agent}"] ||
			reply["reply_to_provider_id"] != "m1" || reply["author"].(map[string]any)["handle"] != "acme" {
			t.Fatalf("reply %v", reply)
		}
		c := e.mustJSON(200, "POST", u+"/assign", `{"assignee":"me"}`, "agent")
		if c["assignee_id"] != e.vars["{agent}"] {
			t.Fatalf("assign me: %v", c)
		}
		if c = e.mustJSON(200, "POST", u+"/assign", `{"assignee_id":`+e.vars["{supervisor}"]+`}`, "agent"); c["assignee_id"] != e.vars["{supervisor}"] {
			t.Fatalf("assign by number: %v", c)
		}
		if c = e.mustJSON(200, "POST", u+"/assign", `{"assignee_id":null}`, "agent"); c["assignee_id"] != nil {
			t.Fatalf("unassign: %v", c)
		}
		if c = e.mustJSON(200, "POST", u+"/tags", `{"add":["#Refund","lost-bag"]}`, "agent"); fmt.Sprint(c["tags"]) != "[lost-bag refund]" {
			t.Fatalf("tag: %v", c["tags"])
		}
		if c = e.mustJSON(200, "POST", u+"/tags", `{"remove":["refund"]}`, "agent"); fmt.Sprint(c["tags"]) != "[lost-bag]" {
			t.Fatalf("untag: %v", c["tags"])
		}
		until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		if c = e.mustJSON(200, "POST", u+"/status", `{"status":"snoozed","snooze_until":"`+until+`"}`, "agent"); c["status"] != "snoozed" || c["snoozed_until"] == nil {
			t.Fatalf("snooze: %v", c)
		}
		if c = e.mustJSON(200, "POST", u+"/status", `{"status":"resolved"}`, "agent"); c["status"] != "resolved" {
			t.Fatalf("resolve: %v", c)
		}
		note := e.mustJSON(201, "POST", u+"/notes", `{"body":"customer is a frequent flyer"}`, "agent")
		if note["user_name"] != "Agent" || note["user_id"] != e.vars["{agent}"] {
			t.Fatalf("note %v", note)
		}

		detail := e.mustJSON(200, "GET", u, "", "viewer")
		msgs := detail["messages"].([]any)
		if len(msgs) != 2 || msgs[1].(map[string]any)["id"] != reply["id"] || msgs[1].(map[string]any)["send_status"] != "queued" {
			t.Fatalf("messages %v", msgs)
		}
		if notes := detail["notes"].([]any); len(notes) != 1 || notes[0].(map[string]any)["body"] != "customer is a frequent flyer" {
			t.Fatalf("notes %v", notes)
		}
		if ct := detail["contact"].(map[string]any); ct["name"] != "maria" || len(ct["identities"].([]any)) != 1 {
			t.Fatalf("contact %v", ct)
		}
		var kinds []string
		for _, a := range detail["activity"].([]any) {
			a := a.(map[string]any)
			if a["user_id"] == e.vars["{agent}"] {
				kinds = append(kinds, a["kind"].(string))
			}
		}
		want := map[string]int{"replied": 1, "assigned": 3, "tagged": 2, "status": 2, "note": 1}
		for k, n := range want {
			got := 0
			for _, x := range kinds {
				if x == k {
					got++
				}
			}
			if got != n {
				t.Errorf("activity %q by the agent: %d entries, want %d (all: %v)", k, got, n, kinds)
			}
		}

		// The store agrees with what the API said.
		ctx := context.Background()
		stored, err := e.a.Conversations.Get(ctx, mustID(t, conv))
		if err != nil || stored.Status != "resolved" || stored.AssigneeID != 0 || fmt.Sprint(stored.Tags) != "[lost-bag]" {
			t.Fatalf("stored %+v %v", stored, err)
		}
		var outbox int
		if err := e.a.DB.R.QueryRowContext(ctx, db.Rebind(e.a.DB.Dialect, "SELECT COUNT(*) FROM outbox WHERE message_id = ?"), mustID(t, reply["id"].(string))).Scan(&outbox); err != nil || outbox != 1 {
			t.Fatalf("outbox rows %d %v", outbox, err)
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	if err := json.Unmarshal([]byte(s), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// A failure the API does not expect is a 500 that tells the caller nothing
// of the store; the detail goes to the log.
func TestInternalErrorsStayInTheLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, conv := e.ingestOne("m1", "maria", "hello")
		if _, err := d.W.Exec("DROP TABLE notes"); err != nil {
			t.Fatal(err)
		}
		e.run(t, []scenario{{name: "broken store", method: "GET", url: "/api/v1/conversations/" + conv, who: "agent", status: 500,
			want: []string{`"code":"internal"`, "server log"}, forbid: []string{"notes", "table", "relation", "SQL"}}})
		if l := e.logs.String(); !strings.Contains(l, "api request failed") || !strings.Contains(l, "notes") {
			t.Errorf("the log lacks the detail:\n%s", l)
		}
	})
}
