package desk_test

import (
	"context"
	"html"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
)

var clippedRE = regexp.MustCompile(`<li class="clipped">.*?href="([^"]+)"`)

// A customer's thread grows past the messages the page shows (a chat or
// DM that goes on for months): the agent must still be able to read how
// it began. Before, the page said "Older messages are not shown here"
// and nothing in the desk (nor the customer's page) led to them.
func TestTheStartOfAVeryLongThreadCanBeRead(t *testing.T) {
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	start := time.Now().Add(-48 * time.Hour)
	var convID, contactID int64
	for i := range conversation.MessagesShown + 5 {
		m := ingest.Message{ProviderID: "m" + strconv.Itoa(i), Author: ingest.Author{ID: "maria", Handle: "maria"},
			Text: "@SkywayAir message number " + strconv.Itoa(i), SentAt: start.Add(time.Duration(i) * time.Second)}
		if i > 0 {
			m.ReplyTo = "m" + strconv.Itoa(i-1)
		}
		res, err := a.Pipeline.Ingest(ctx, x.ID, m)
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res[0].Err)
		}
		convID = res[0].ConversationID
	}
	c, err := a.Conversations.Get(ctx, convID)
	if err != nil {
		t.Fatal(err)
	}
	contactID = c.ContactID
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	ana := newClient(t, srv.URL)
	ana.login("ana@skyway.test", "correct horse battery")
	for _, from := range []string{"/c/" + itoa(convID), "/p/" + itoa(contactID)} {
		_, page := ana.get(from)
		if strings.Contains(page, "message number 0<") {
			t.Fatalf("%s shows all %d messages: the test no longer reaches past a page", from, conversation.MessagesShown+5)
		}
		m := clippedRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s: a thread of %d messages hides its first ones and offers no way to them", from, conversation.MessagesShown+5)
		}
		link := html.UnescapeString(m[1])
		_, older := ana.get(link)
		if !strings.Contains(older, "message number 0<") || !strings.Contains(older, "message number 4<") {
			t.Fatalf("%s: the older messages' page %s does not show the first messages", from, link)
		}
		if strings.Contains(older, "message number 5<") {
			t.Errorf("%s: the older messages' page %s repeats the newer page's first message", from, link)
		}
		if !strings.Contains(older, "The conversation begins here") || strings.Contains(older, `id="replyform"`) {
			t.Errorf("%s: the older messages' page does not say the conversation begins there, or offers a reply box", from)
		}
		// Its live refresh keeps to the older messages.
		_, frag := ana.get("/c/" + itoa(convID) + "/thread?" + strings.SplitN(link, "?", 2)[1])
		if !strings.Contains(frag, "message number 0<") {
			t.Errorf("%s: the older page's thread fragment lost the older messages", from)
		}
	}
	if code, _ := ana.get("/c/" + itoa(convID) + "?before=not-a-cursor"); code != 400 {
		t.Errorf("an unreadable cursor: %d, want 400", code)
	}
}
