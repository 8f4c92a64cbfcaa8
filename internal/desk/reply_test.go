package desk_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/workspace"
)

// replyFieldRE finds the reply form's hidden fields: those inside it, and
// those the live thread carries for it (form="replyform").
var replyFieldRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"(?: form="replyform")?>`)

// replyForm is the reply form's hidden fields as the page rendered them:
// what a browser sends back with the text.
func replyForm(t *testing.T, page string) url.Values {
	t.Helper()
	start := strings.Index(page, `id="replyform"`)
	if start < 0 {
		t.Fatal("the page has no reply form")
	}
	end := strings.Index(page[start:], "</form>")
	form := url.Values{}
	for _, m := range replyFieldRE.FindAllStringSubmatch(page[start:start+end], -1) {
		form.Set(m[1], m[2])
	}
	for _, m := range replyFieldRE.FindAllStringSubmatch(page, -1) {
		if strings.HasSuffix(m[0], `form="replyform">`) {
			form.Set(m[1], m[2])
		}
	}
	return form
}

// textarea is what the page's reply box holds.
func textarea(page, id string) string {
	m := regexp.MustCompile(`<textarea[^>]* id="` + id + `"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// Ana and Ben both have a customer's public post open. Ana answers it.
// Ben, who wrote his answer on the page as it was before hers, presses
// Send: the desk must not post a second public answer to the customer
// without telling Ben that Ana has answered meanwhile. It tells him who
// and when, keeps his draft, and sends it if he says so.
func TestASecondAgentsReplyOnAStalePageIsHeldBack(t *testing.T) {
	ctx := context.Background()
	a, _, x := skywayDesk(t, app.Options{})
	if _, err := a.Users.Add(ctx, "ben@skyway.test", "Ben", "agent", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	res, err := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "maria", Handle: "maria"},
		Text: "@SkywayAir my bag never arrived in Lisbon", SentAt: time.Now()})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	convID := res[0].ConversationID
	convPath := "/c/" + itoa(convID)
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()

	ana, ben := newClient(t, srv.URL), newClient(t, srv.URL)
	ana.login("ana@skyway.test", "correct horse battery")
	ben.login("ben@skyway.test", "correct horse battery")
	_, anaPage := ana.get(convPath)
	_, benPage := ben.get(convPath)
	anaForm, benForm := replyForm(t, anaPage), replyForm(t, benPage)

	anaForm.Set("text", "So sorry Maria, we have found your bag: it arrives tomorrow.")
	if code, body := ana.post(convPath+"/reply", anaForm); code != http.StatusSeeOther {
		t.Fatalf("Ana's reply: %d %.300s", code, body)
	}
	const draft = "Hi Maria, please DM us your bag tag number & flight."
	benForm.Set("text", draft)
	code, page := ben.post(convPath+"/reply", benForm)
	answers := func() int {
		msgs, err := a.Conversations.Messages(ctx, convID)
		if err != nil {
			t.Fatal(err)
		}
		out := 0
		for _, m := range msgs {
			if m.Direction == "out" {
				out++
			}
		}
		return out
	}
	if n := answers(); n != 1 {
		t.Fatalf("the customer gets %d public answers (Ben's post answered %d): Ben was not told Ana had answered", n, code)
	}
	if code != http.StatusConflict || !strings.Contains(page, "Ana replied at") || !strings.Contains(page, `id="anyway"`) {
		t.Fatalf("Ben's refused reply: %d, want 409 saying Ana replied and offering to send anyway\n%.2000s", code, page)
	}
	if got := textarea(page, "reply"); got != draft {
		t.Fatalf("Ben's draft after the refusal: %q, want %q", got, draft)
	}
	// Ben reads Ana's answer and sends his anyway.
	again := replyForm(t, page)
	again.Set("text", textarea(page, "reply"))
	again.Set("anyway", "1")
	if code, body := ben.post(convPath+"/reply", again); code != http.StatusSeeOther {
		t.Fatalf("Ben's reply sent anyway: %d %.300s", code, body)
	}
	if n := answers(); n != 2 {
		t.Fatalf("after Ben chose to send anyway the customer has %d answers, want 2", n)
	}
	// An agent's own answer since their page never holds them back: it
	// is no news to them.
	_, anaPage = ana.get(convPath)
	_, benPage = ben.get(convPath)
	anaForm, benForm = replyForm(t, anaPage), replyForm(t, benPage)
	for _, text := range []string{"Tracking: SK-1234", "And a voucher for the trouble."} {
		anaForm.Set("text", text)
		if code, body := ana.post(convPath+"/reply", anaForm); code != http.StatusSeeOther {
			t.Fatalf("Ana replying after her own reply on a page that did not show it: %d %.300s", code, body)
		}
	}
	benForm.Set("text", "Ben here again")
	if code, _ := ben.post(convPath+"/reply", benForm); code != http.StatusConflict {
		t.Fatalf("Ben on a page older than Ana's latest replies: %d, want 409", code)
	}
}

// The desk knows WhatsApp will refuse free text to a customer who has not
// written for more than 24 hours (it shows the warning above the reply
// box), yet it took the reply, counted the conversation answered, and
// the send failed for good a moment later. The desk must refuse it there
// and then, saying why and keeping the agent's draft, and still take the
// /template command, which WhatsApp takes.
func TestFreeTextWhatsAppWillRefuseIsRefusedBeforeItIsQueued(t *testing.T) {
	ctx := context.Background()
	a, ws, _ := skywayDesk(t, app.Options{})
	wa, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "whatsapp", Handle: "+442079460100", Name: "Skyway Air"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ConfigureAccount(ctx, wa.ID, meta.NewFake("s", "v", "t").Config("http://graph.test")); err != nil {
		t.Fatal(err)
	}
	res, err := a.Pipeline.Ingest(ctx, wa.ID, ingest.Message{ProviderID: "wamid.1", Visibility: "private", Author: ingest.Author{ID: "447700900123", Phone: "+447700900123", Name: "Andre"},
		Text: "what is the baggage allowance to the US?", SentAt: time.Now().Add(-30 * time.Hour)})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	convPath := "/c/" + itoa(res[0].ConversationID)
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	ana := newClient(t, srv.URL)
	ana.login("ana@skyway.test", "correct horse battery")
	_, page := ana.get(convPath)
	if !strings.Contains(page, "approved template") {
		t.Fatal("the page does not warn that only a template may be sent")
	}
	form := replyForm(t, page)
	const draft = "Hi Andre, sorry for the wait!"
	form.Set("text", draft)
	code, page := ana.post(convPath+"/reply", form)
	c, err := a.Conversations.Get(ctx, res[0].ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if code == http.StatusSeeOther || c.WaitingSince == 0 {
		t.Fatalf("free text WhatsApp will refuse was taken (%d) and the conversation no longer waits", code)
	}
	if code != http.StatusBadRequest || !strings.Contains(page, `id="refused"`) || !strings.Contains(page, "/template NAME LANGUAGE") {
		t.Errorf("the refusal: %d, want 400 saying why and how to send a template\n%.2000s", code, page)
	}
	if got := textarea(page, "reply"); got != draft {
		t.Errorf("the agent's draft after the refusal: %q, want %q", got, draft)
	}
	if msgs, _ := a.Conversations.Messages(ctx, res[0].ConversationID); len(msgs) != 1 {
		t.Errorf("the refused reply was stored: %d messages", len(msgs))
	}
	form.Set("text", "/template order_update en_US\nAndre")
	if code, body := ana.post(convPath+"/reply", form); code != http.StatusSeeOther {
		t.Errorf("a template reply was refused: %d %.300s", code, body)
	}
}
