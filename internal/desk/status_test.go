package desk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
)

// An agent snoozes a conversation, or marks it pending, by mistake (or
// the customer calls back): the conversation's page must offer the way
// back to open, as a resolved one offers Reopen. Before, a snoozed page
// offered Resolve and Pending, a pending one Resolve alone, and neither
// said until when it was snoozed, nor did the activity log say which
// status was set.
func TestASnoozedOrPendingConversationCanBeOpenedAgain(t *testing.T) {
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "maria", Handle: "maria"},
		Text: "@SkywayAir my bag never arrived in Lisbon", SentAt: time.Now()})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	convPath := "/c/" + itoa(res[0].ConversationID)
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	ana := newClient(t, srv.URL)
	ana.login("ana@skyway.test", "correct horse battery")
	ana.get(convPath)
	for _, step := range []struct {
		form   url.Values
		header string // what the status in the page's header says
		log    string // the activity log's newest line
	}{
		{url.Values{"status": {"snoozed"}, "snooze_hours": {"4"}}, "snoozed until", "Ana: status: snoozed until"},
		{url.Values{"status": {"pending"}}, "pending", "Ana: status: pending"},
	} {
		step.form.Set("csrf_token", ana.csrf)
		if code, body := ana.post(convPath+"/status", step.form); code != http.StatusSeeOther {
			t.Fatalf("%v: %d %.200s", step.form, code, body)
		}
		_, page := ana.get(convPath)
		status := step.form.Get("status")
		if !strings.Contains(page, `name="status" value="open"`) {
			t.Errorf("a %s conversation's page offers no way back to open", status)
		}
		if !strings.Contains(page, `id="status">`+step.header) {
			t.Errorf("a %s conversation's header does not say %q", status, step.header)
		}
		if !strings.Contains(page, step.log) {
			t.Errorf("the activity log does not say %q", step.log)
		}
	}
	if code, body := ana.post(convPath+"/status", url.Values{"csrf_token": {ana.csrf}, "status": {"open"}}); code != http.StatusSeeOther {
		t.Fatalf("open: %d %.200s", code, body)
	}
	if c, _ := a.Conversations.Get(ctx, res[0].ConversationID); c.Status != "open" {
		t.Fatalf("after Open the conversation is %s", c.Status)
	}
	if _, page := ana.get(convPath); strings.Contains(page, `name="status" value="open"`) {
		t.Error("an open conversation offers to open it")
	}
}
