package api_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
)

// A conversation longer than a page is read back to its first message:
// the newest page carries older_cursor, and ?before= reads the ones
// before it. Before, the API returned the newest messages and nothing
// led further back.
func TestTheStartOfALongConversationCanBeReadThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		total := conversation.MessagesShown + 5
		start := time.Now().Add(-24 * time.Hour)
		msgs := make([]ingest.Message, total)
		for i := range msgs {
			msgs[i] = ingest.Message{ProviderID: fmt.Sprint("m", i), Author: ingest.Author{ID: "maria", Handle: "maria"},
				Text: fmt.Sprint("@acme message number ", i), SentAt: start.Add(time.Duration(i) * time.Second)}
			if i > 0 {
				msgs[i].ReplyTo = fmt.Sprint("m", i-1)
			}
		}
		res, err := e.a.Pipeline.Ingest(context.Background(), e.acct.ID, msgs...)
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
		path := "/api/v1/conversations/" + itoa(res[0].ConversationID)
		newest := e.mustJSON(200, "GET", path, "", "agent")
		cursor, _ := newest["older_cursor"].(string)
		if n := len(newest["messages"].([]any)); n != conversation.MessagesShown || cursor == "" {
			t.Fatalf("the newest page: %d messages, older_cursor %q; want %d and a cursor", n, cursor, conversation.MessagesShown)
		}
		for _, p := range validate(loadDoc(t), document{"$ref": "#/components/schemas/ConversationDetail"}, any(newest), "$") {
			t.Errorf("the newest page against openapi.json: %s", p)
		}
		older := e.mustJSON(200, "GET", path+"?before="+url.QueryEscape(cursor), "", "agent")
		ms := older["messages"].([]any)
		if len(ms) != 5 || ms[0].(map[string]any)["text"] != "@acme message number 0" || ms[4].(map[string]any)["text"] != "@acme message number 4" {
			t.Fatalf("the page before: %d messages, want the first 5", len(ms))
		}
		if _, ok := older["older_cursor"]; ok {
			t.Errorf("the first page has an older_cursor: %v", older["older_cursor"])
		}
		if r := e.do("GET", path+"?before=nonsense", "", "agent"); r.status != 400 {
			t.Errorf("an unreadable cursor: %d, want 400", r.status)
		}
	})
}
