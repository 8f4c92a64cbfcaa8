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
	"github.com/harkdesk/hark/internal/app/apptest"
	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/workspace"
)

// The customer page: identities on every channel, the whole history, a
// suggested match merged with one click (CSRF required, viewers refused),
// the merge undone, and hostile names escaped throughout.
func TestCustomerPageMergeAndUndo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		ws, _ := a.Workspaces.Create(ctx, "brand", "Brand")
		x, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "brand"})
		ig, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "instagram", Handle: "brand"})
		a.Users.Add(ctx, "agent@b.test", "Agent", "agent", "password1")
		a.Users.Add(ctx, "viewer@b.test", "Viewer", "viewer", "password1")
		name := `Mia <img src=x onerror=alert(1)>`
		onX, _ := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "11", Handle: "mia_k", Name: name},
			Text: "@brand my order #77 is late", SentAt: time.Now().Add(-time.Hour)})
		onIG, _ := a.Pipeline.Ingest(ctx, ig.ID, ingest.Message{ProviderID: "c1", Author: ingest.Author{ID: "ig-5", Handle: "mia_k"},
			Text: "<script>alert(2)</script> love the new colours", SentAt: time.Now()})
		cx, _ := a.Conversations.Get(ctx, onX[0].ConversationID)
		ci, _ := a.Conversations.Get(ctx, onIG[0].ConversationID)
		if cx.ContactID == ci.ContactID {
			t.Fatal("a shared handle alone merged two contacts")
		}
		srv := httptest.NewServer(server.Handler(a))
		defer srv.Close()
		page := "/p/" + itoa(cx.ContactID)

		ag := newClient(t, srv.URL)
		ag.login("agent@b.test", "password1")
		code, body := ag.get("/c/" + itoa(cx.ID))
		if code != 200 || !strings.Contains(body, `href="`+page+`"`) {
			t.Fatalf("the conversation does not link to the customer page: %d", code)
		}
		code, body = ag.get(page)
		if code != 200 || !strings.Contains(body, "my order #77 is late") || !strings.Contains(body, "same instagram:mia_k") {
			t.Fatalf("customer page %d: no history or no suggestion\n%s", code, body)
		}
		for _, bad := range []string{"<img src=x", "<script>alert"} {
			if strings.Contains(body, bad) {
				t.Fatalf("customer page contains %q unescaped", bad)
			}
		}
		if _, body = ag.get(page + "?q=%40MIA_"); !strings.Contains(body[strings.Index(body, `id="link"`):], `name="other" value="`+itoa(ci.ContactID)+`"`) {
			t.Fatalf("search by handle did not offer the Instagram customer")
		}
		if code, _ := ag.post(page+"/merge", url.Values{"other": {itoa(ci.ContactID)}}); code != http.StatusForbidden {
			t.Fatalf("merge without CSRF: %d", code)
		}
		vw := newClient(t, srv.URL)
		vw.login("viewer@b.test", "password1")
		vw.get(page)
		if code, _ := vw.post(page+"/merge", url.Values{"csrf_token": {vw.csrf}, "other": {itoa(ci.ContactID)}}); code != http.StatusForbidden {
			t.Fatalf("a viewer merged: %d", code)
		}
		if code, _ := ag.post(page+"/merge", url.Values{"csrf_token": {ag.csrf}, "other": {"nope"}}); code != http.StatusBadRequest {
			t.Fatalf("merge of a bad id: %d", code)
		}
		if code, _ := ag.post(page+"/merge", url.Values{"csrf_token": {ag.csrf}, "other": {itoa(cx.ContactID)}}); code != http.StatusBadRequest {
			t.Fatalf("merge into itself: %d", code)
		}
		if code, _ := ag.post(page+"/merge", url.Values{"csrf_token": {ag.csrf}, "other": {itoa(ci.ContactID)}}); code != http.StatusSeeOther {
			t.Fatalf("merge: %d", code)
		}
		code, body = ag.get(page)
		if code != 200 || !strings.Contains(body, "love the new colours") || !strings.Contains(body, "2 conversations") || !strings.Contains(body, ">Undo<") {
			t.Fatalf("after the merge the Instagram history is not on the page: %d\n%s", code, body)
		}
		// Search finds people under another name to link them explicitly.
		if _, body = ag.get(page + "?q=%40mia"); !strings.Contains(body, "No other customer matches") {
			t.Fatalf("search should find no one else once merged")
		}
		merges, _ := a.Contacts.Merges(ctx, mustContact(t, a, cx.ContactID))
		if len(merges) != 1 {
			t.Fatalf("merges: %+v", merges)
		}
		if code, _ := ag.post(page+"/unmerge", url.Values{"csrf_token": {ag.csrf}, "merge": {"12345"}}); code != http.StatusNotFound {
			t.Fatalf("undo of a merge into someone else: %d", code)
		}
		if code, _ := ag.post(page+"/unmerge", url.Values{"csrf_token": {ag.csrf}, "merge": {itoa(merges[0].ID)}}); code != http.StatusSeeOther {
			t.Fatalf("undo: %d", code)
		}
		if code, _ := ag.post(page+"/unmerge", url.Values{"csrf_token": {ag.csrf}, "merge": {itoa(merges[0].ID)}}); code != http.StatusConflict {
			t.Fatalf("a second undo: %d", code)
		}
		_, body = ag.get(page)
		if strings.Contains(body, "love the new colours") || !strings.Contains(body, "<i>undone</i>") {
			t.Fatalf("after the undo the Instagram history is still here")
		}
		if code, _ := ag.get("/p/999999"); code != http.StatusNotFound {
			t.Fatalf("unknown customer: %d", code)
		}
	})
}

func mustContact(t *testing.T, a *app.App, id int64) contact.Contact {
	t.Helper()
	c, err := a.Contacts.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
