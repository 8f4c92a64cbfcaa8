package linkedin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/linkedin"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

const (
	secret = "li-client-secret"
	token  = "AQV-token"
	post   = "urn:li:share:7094637247487995904"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func setup(t *testing.T, posts ...string) (*linkedin.Fake, *linkedin.Connector) {
	t.Helper()
	f := linkedin.NewFake(secret, token, "96072893")
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := linkedin.New(workspace.Account{Channel: "linkedin"}, f.Config(srv.URL, posts...))
	if err != nil {
		t.Fatal(err)
	}
	return f, c.(*linkedin.Connector)
}

// twoAPage is setup for organisation "1" with the API's pages two
// comments long, so a test can page through a post.
// polledOnce is twoAPage after a first poll of the post, which held one
// comment an hour old: what it returns is that time and the cursor.
func polledOnce(t *testing.T) (*linkedin.Fake, *linkedin.Connector, time.Time, string) {
	t.Helper()
	f, c := twoAPage(t)
	at := time.Now().Add(-time.Hour)
	f.Comment(post, "", "urn:li:person:p", "first", at)
	_, cursor, err := c.Poll(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return f, c, at, cursor
}

func twoAPage(t *testing.T) (*linkedin.Fake, *linkedin.Connector) {
	t.Helper()
	f := linkedin.NewFake(secret, token, "1")
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var cfg map[string]any
	if err := json.Unmarshal(f.Config(srv.URL, post), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["page_size"] = 2
	raw, _ := json.Marshal(cfg)
	conn, err := linkedin.New(workspace.Account{}, raw)
	if err != nil {
		t.Fatal(err)
	}
	return f, conn.(*linkedin.Connector)
}

func TestParseFixtures(t *testing.T) {
	evs, err := linkedin.Parse(fixture(t, "notification_comment.json"))
	if err != nil || len(evs) != 1 {
		t.Fatalf("likes and the organisation's own comments are skipped: %+v %v", evs, err)
	}
	e, m := evs[0], evs[0].Msg
	if e.Kind != channel.Created || e.Target != "urn:li:organization:96072893" ||
		m.ProviderID != "urn:li:comment:(urn:li:activity:7094637247890620418,7094977717598625792)" ||
		m.Author.ID != "urn:li:person:zLqTygBP8S" || m.Text != "Commenting as Sumit Butola..." ||
		m.ReplyTo != "urn:li:activity:7094637247890620418" || m.Visibility != "public" || m.SentAt.UnixMilli() != 1691574506310 {
		t.Fatalf("%+v", e)
	}
	if !strings.Contains(string(m.Raw), `"notificationId": 5603453321`) {
		t.Fatalf("raw is not the notification: %s", m.Raw)
	}
	if err := m.Normalise("linkedin", time.Now()); err != nil {
		t.Fatal(err)
	}
	evs, _ = linkedin.Parse(fixture(t, "notification_edit_delete.json"))
	if len(evs) != 2 || evs[0].Kind != channel.Edited || evs[0].Msg.Text != "Commenting as Sumit Butola, edited" ||
		evs[1].Kind != channel.Deleted || evs[1].Msg.ProviderID != evs[0].Msg.ProviderID || evs[1].Msg.ProviderID != m.ProviderID {
		t.Fatalf("%+v", evs)
	}
	if _, err := linkedin.Parse([]byte("nope")); err == nil {
		t.Fatal("not JSON must be an error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(fixture(f, "notification_comment.json"))
	f.Add(fixture(f, "notification_edit_delete.json"))
	f.Add([]byte(`{"notifications":[{"action":"COMMENT","generatedActivity":"urn:li:comment:(","decoratedGeneratedActivity":{"comment":{"message":"x"}}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := linkedin.Parse(body)
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.Msg.ProviderID == "" {
				t.Fatalf("event without id: %+v", e)
			}
			_ = linkedin.PostOf(e.Msg.ProviderID)
		}
	})
}

func TestHandshakeAndSignature(t *testing.T) {
	f, c := setup(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.Handshake(w, r) {
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := f.Validate(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	other := linkedin.NewFake("another-secret", token, "96072893")
	if err := other.Validate(ctx, srv.URL); err == nil {
		t.Fatal("a challenge answered with another secret must fail LinkedIn's check")
	}
	// Known vector, computed independently (Python hmac).
	if got := linkedin.ChallengeResponse("secret", "code"); got != "bc5c1537e9ad84b5a5fd98f91a9b890320b9f917a23769599be221bf195ca242" {
		t.Fatalf("challenge response %s", got)
	}

	body := fixture(t, "notification_comment.json")
	for _, mode := range []string{linkedin.SignPrefixed, linkedin.SignBody} {
		cfg := strings.Replace(string(f.Config("http://x")), `"signature_mode":"prefixed"`, `"signature_mode":"`+mode+`"`, 1)
		conn, err := linkedin.New(workspace.Account{}, []byte(cfg))
		if err != nil {
			t.Fatal(err)
		}
		wh := conn.(channel.Webhook)
		for _, sm := range []string{linkedin.SignPrefixed, linkedin.SignBody} {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set(linkedin.SignatureHeader, linkedin.Sign(secret, sm, body))
			err := wh.Verify(r, body)
			if (err == nil) != (sm == mode) {
				t.Errorf("mode %s, signed %s: %v", mode, sm, err)
			}
		}
		for _, h := range []string{"", "zz", linkedin.Sign("wrong", mode, body), "hmacsha256=" + linkedin.Sign(secret, mode, body[1:])} {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header.Set(linkedin.SignatureHeader, h)
			if err := wh.Verify(r, body); !errors.Is(err, channel.ErrBadSignature) {
				t.Errorf("mode %s header %q: %v", mode, h, err)
			}
		}
	}
	if _, err := linkedin.New(workspace.Account{}, []byte(`{"organization":"1","signature_mode":"sha1"}`)); err == nil {
		t.Fatal("an unknown signature mode must be refused")
	}
}

func TestPoll(t *testing.T) {
	f, c := setup(t, post)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	a := f.Comment(post, "", "urn:li:person:anna", "Does the plan include SSO?", base)
	b := f.Comment(post, "", "urn:li:person:ben", "Same millisecond", base) // ties are not lost
	evs, cursor, err := c.Poll(ctx, "")
	if err != nil || len(evs) != 2 {
		t.Fatalf("%+v %v", evs, err)
	}
	ids := map[string]bool{evs[0].Msg.ProviderID: true, evs[1].Msg.ProviderID: true}
	if !ids[a] || !ids[b] || evs[0].Msg.ReplyTo != post || evs[0].Target != "urn:li:organization:96072893" || evs[0].Msg.SentAt.UnixMilli() != base.UnixMilli() {
		t.Fatalf("%+v", evs)
	}
	// Nothing new: nothing returned, the cursor holds.
	evs, again, err := c.Poll(ctx, cursor)
	if err != nil || len(evs) != 0 || again != cursor {
		t.Fatalf("%+v %q %v", evs, again, err)
	}
	// Our reply is skipped; a new comment and an edit come back, oldest first.
	if _, err := c.Send(ctx, channel.Outgoing{Text: "Yes, SSO is included", ReplyTo: a}); err != nil {
		t.Fatal(err)
	}
	cNew := f.Comment(post, "", "urn:li:person:carl", "Pricing?", base.Add(time.Minute))
	f.Edit(b, "Same millisecond, edited", base.Add(2*time.Minute))
	evs, cursor, err = c.Poll(ctx, cursor)
	if err != nil || len(evs) != 2 || evs[0].Msg.ProviderID != cNew || evs[0].Kind != channel.Created ||
		evs[1].Msg.ProviderID != b || evs[1].Kind != channel.Edited || evs[1].Msg.Text != "Same millisecond, edited" {
		t.Fatalf("%+v %v", evs, err)
	}
	// An edit is dated when it was made: the desk leaves out an edit older
	// than the one it holds (one the webhook brought, say).
	if at := evs[1].Msg.SentAt.UnixMilli(); at != base.Add(2*time.Minute).UnixMilli() {
		t.Fatalf("the polled edit is dated %d, want its edit time %d", at, base.Add(2*time.Minute).UnixMilli())
	}
	if evs, _, _ := c.Poll(ctx, cursor); len(evs) != 0 {
		t.Fatalf("repeated: %+v", evs)
	}
	// Every request carried LinkedIn's headers (the fake refuses otherwise).
	for _, r := range f.Requests() {
		if r.Header.Get("LinkedIn-Version") != linkedin.DefaultVersion || r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" || r.Header.Get("Authorization") != "Bearer "+token {
			t.Fatalf("%v", r.Header)
		}
	}
}

func TestPollPagesAndErrors(t *testing.T) {
	f, c := twoAPage(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	for i := range 5 {
		f.Comment(post, "", "urn:li:person:p", "comment", at.Add(time.Duration(i)*time.Second))
	}
	evs, cursor, err := c.Poll(ctx, "")
	if err != nil || len(evs) != 5 {
		t.Fatalf("%d %v", len(evs), err)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Msg.SentAt.Before(evs[i-1].Msg.SentAt) {
			t.Fatal("poll must return oldest first")
		}
	}
	f.RateLimit(1, 0)
	if _, kept, err := c.Poll(ctx, cursor); !channel.IsTemporary(err) || kept != cursor {
		t.Fatalf("a throttled poll keeps the cursor: %v", err)
	}
	if _, _, err := c.Poll(ctx, "{not json"); err == nil {
		t.Fatal("a broken cursor is an error")
	}
	f.Version = "202601"
	_, _, err = c.Poll(ctx, cursor)
	var se *channel.SendError
	if !errors.As(err, &se) || se.Status != 426 || se.Temporary {
		t.Fatalf("a sunset version is permanent: %v", err)
	}
}

func TestPollFixture(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(fixture(t, "comments_page.json"))
	}))
	defer srv.Close()
	conn, err := linkedin.New(workspace.Account{}, []byte(`{"organization":"2414183","posts":["urn:li:activity:6631349431612559360"],"api_url":"`+srv.URL+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := conn.(channel.Poller).Poll(context.Background(), "")
	if err != nil || len(evs) != 1 {
		t.Fatalf("the organisation's own comment is skipped: %+v %v", evs, err)
	}
	m := evs[0].Msg
	if m.ProviderID != "urn:li:comment:(urn:li:activity:6631349431612559360,6636062862760562689)" || m.Author.ID != "urn:li:person:pCK-dxBzdL" ||
		m.Text != "Does the new plan include SSO?" || m.SentAt.UnixMilli() != 1581708789000 || !strings.Contains(string(m.Raw), "likesSummary") {
		t.Fatalf("%+v", m)
	}
}

func TestSend(t *testing.T) {
	f, c := setup(t, post)
	ctx := context.Background()
	top := f.Comment(post, "", "urn:li:person:anna", "Question", time.Now().Add(-time.Minute))

	sent, err := c.Send(ctx, channel.Outgoing{Text: "Answer", ReplyTo: top})
	if err != nil || !strings.HasPrefix(sent.ProviderID, "urn:li:comment:("+post+",") {
		t.Fatalf("%+v %v", sent, err)
	}
	got := f.Sends()[0]
	if got.Path != "/rest/socialActions/"+post+"/comments" || got.Body["actor"] != "urn:li:organization:96072893" ||
		got.Body["object"] != post || got.Body["parentComment"] != top || got.Body["message"].(map[string]any)["text"] != "Answer" {
		t.Fatalf("%+v", got)
	}
	if _, err := c.Send(ctx, channel.Outgoing{Text: "On the post", ReplyTo: post}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Sends()[1].Body["parentComment"]; ok {
		t.Fatal("a comment on the post has no parent")
	}

	perm := func(out channel.Outgoing) *channel.SendError {
		t.Helper()
		_, err := c.Send(ctx, out)
		var se *channel.SendError
		if !errors.As(err, &se) || se.Temporary {
			t.Fatalf("want a permanent SendError, got %v", err)
		}
		return se
	}
	perm(channel.Outgoing{Private: true, Text: "DM", RecipientID: "urn:li:person:anna"})
	perm(channel.Outgoing{Text: "x", ReplyTo: "urn:li:comment:(" + post + ",1)"}) // parent gone: 404

	f.RateLimit(1, 90*time.Second)
	_, err = c.Send(ctx, channel.Outgoing{Text: "Answer 2", ReplyTo: top})
	var se *channel.SendError
	if !errors.As(err, &se) || !se.Temporary || se.RetryAfter != 90*time.Second || se.Status != 429 {
		t.Fatalf("429: %v", err)
	}
	f.RateLimit(1, 0)
	_, err = c.Send(ctx, channel.Outgoing{Text: "Answer 2", ReplyTo: top})
	if !errors.As(err, &se) || se.RetryAfter != linkedin.DefaultThrottle {
		t.Fatalf("429 without Retry-After: %v", err)
	}
	f.Fail(1, http.StatusBadGateway, 5*time.Second)
	_, err = c.Send(ctx, channel.Outgoing{Text: "Answer 2", ReplyTo: top})
	if !errors.As(err, &se) || !se.Temporary || se.RetryAfter != 5*time.Second {
		t.Fatalf("5xx: %v", err)
	}
	bad, _ := linkedin.New(workspace.Account{}, []byte(`{"organization":"96072893","access_token":"expired","api_url":"`+strings.TrimSuffix(c.Config().APIURL, "/")+`"}`))
	if _, err := bad.(channel.Sender).Send(ctx, channel.Outgoing{Text: "x", ReplyTo: top}); !errors.As(err, &se) || se.Temporary || se.Status != 401 {
		t.Fatalf("401: %v", err)
	}
}

func TestFind(t *testing.T) {
	f, c := setup(t, post)
	ctx := context.Background()
	top := f.Comment(post, "", "urn:li:person:anna", "Question", time.Now().Add(-time.Minute))
	for _, out := range []channel.Outgoing{{Text: "Reply under the comment", ReplyTo: top}, {Text: "Reply on the post", ReplyTo: post}} {
		if _, found, err := c.Find(ctx, out); err != nil || found {
			t.Fatalf("before: %v %v", found, err)
		}
		sent, err := c.Send(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		got, found, err := c.Find(ctx, out)
		if err != nil || !found || got.ProviderID != sent.ProviderID {
			t.Fatalf("after: %+v %v %v (sent %s)", got, found, err, sent.ProviderID)
		}
	}
}

// TestWebhookAndPollConverge pushes notifications (duplicated, out of
// order, one forged) through a desk edge into the real store, then polls:
// both paths name a comment by the same URN, so nothing is stored twice.
func TestWebhookAndPollConverge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, _ := setup(t)
		ctx := context.Background()
		a, err := app.Open(ctx, app.Options{DB: d.DSN})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
		acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "linkedin", Handle: "shop", Name: "Shop"})
		if err != nil {
			t.Fatal(err)
		}
		api := httptest.NewServer(f)
		defer api.Close()
		conn, err := linkedin.New(acct, f.Config(api.URL, post))
		if err != nil {
			t.Fatal(err)
		}
		c := conn.(*linkedin.Connector)
		var mu sync.Mutex
		var events []channel.Event
		var results []ingest.Result
		edge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c.Handshake(w, r) {
				return
			}
			body, _ := io.ReadAll(r.Body)
			if err := c.Verify(r, body); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			evs, err := c.Parse(body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			res, err := ingestCreated(r.Context(), a, acct.ID, evs)
			if err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			mu.Lock()
			events, results = append(events, evs...), append(results, res...)
			mu.Unlock()
		}))
		defer edge.Close()

		at := time.Now().Add(-5 * time.Minute)
		q := f.Comment(post, "", "urn:li:person:anna", "Is there a student discount?", at)
		r := f.Comment(post, q, "urn:li:person:ben", "Asking too", at.Add(time.Second))
		n1, n2 := linkedin.Body(f.Notification("COMMENT", q)), linkedin.Body(f.Notification("COMMENT", r))
		if st, _ := f.Deliver(ctx, edge.URL, linkedin.DeliverOptions{BadSignature: true}, n1); st[0] != http.StatusUnauthorized {
			t.Fatalf("forged: %v", st)
		}
		st, err := f.Deliver(ctx, edge.URL, linkedin.DeliverOptions{Redeliver: true, Reverse: true}, n1, n2)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if s != http.StatusOK {
				t.Fatalf("%v", st)
			}
		}
		f.Edit(q, "Is there a student discount? (EU)", at.Add(time.Minute))
		f.Delete(r)
		if _, err := f.Deliver(ctx, edge.URL, linkedin.DeliverOptions{}, linkedin.Body(f.Notification("COMMENT_EDIT", q), f.Notification("COMMENT_DELETE", r))); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(results) != 4 {
			t.Fatalf("%d results", len(results))
		}
		dups := 0
		for _, res := range results {
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if res.Duplicate {
				dups++
			}
		}
		if dups != 2 {
			t.Fatalf("redeliveries: %d duplicates", dups)
		}
		last := events[len(events)-2:]
		if last[0].Kind != channel.Edited || last[0].Msg.ProviderID != q || last[1].Kind != channel.Deleted || last[1].Msg.ProviderID != r {
			t.Fatalf("%+v", last)
		}
		// Polling finds the same top-level comment, already stored.
		evs, _, err := c.Poll(ctx, "")
		if err != nil || len(evs) != 1 || evs[0].Msg.ProviderID != q {
			t.Fatalf("%+v %v", evs, err)
		}
		res, err := ingestCreated(ctx, a, acct.ID, evs)
		if err != nil || !res[0].Duplicate {
			t.Fatalf("poll and webhook must converge on one message: %+v %v", res, err)
		}
	})
}

func ingestCreated(ctx context.Context, a *app.App, accountID int64, evs []channel.Event) ([]ingest.Result, error) {
	var msgs []ingest.Message
	for _, e := range evs {
		if e.Kind == channel.Created {
			msgs = append(msgs, e.Msg)
		}
	}
	return a.Pipeline.Ingest(ctx, accountID, msgs...)
}

// A burst of more comments than one poll reads (20 pages) while the desk
// was away: the next polls read on from where the first stopped, so every
// comment arrives, including those that come meanwhile.
func TestPollReadsOnPastItsPageLimit(t *testing.T) {
	f, c, at, cursor := polledOnce(t)
	ctx := context.Background()
	for i := 1; i <= 45; i++ {
		f.Comment(post, "", "urn:li:person:p", fmt.Sprint("burst ", i), at.Add(time.Duration(i)*time.Second))
	}
	seen := map[string]bool{}
	for poll := range 4 {
		if poll == 1 {
			f.Comment(post, "", "urn:li:person:p", "meanwhile", at.Add(time.Minute))
		}
		evs, next, err := c.Poll(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			seen[e.Msg.Text] = true
		}
		cursor = next
	}
	if len(seen) != 46 || !seen["burst 1"] || !seen["meanwhile"] || seen["first"] {
		t.Fatalf("%d distinct comments polled (burst 1: %v, meanwhile: %v), want the 45 of the burst and the one meanwhile", len(seen), seen["burst 1"], seen["meanwhile"])
	}
	if evs, _, _ := c.Poll(ctx, cursor); len(evs) != 0 {
		t.Fatalf("a poll after all was read returned %d comments", len(evs))
	}
}

// Comments deleted between polls move the unread part of a burst up the
// list; reading on from the old offset would skip as many as were deleted.
func TestPollReadsOnPastDeletions(t *testing.T) {
	f, c, at, cursor := polledOnce(t)
	ctx := context.Background()
	var urns []string
	for i := 1; i <= 50; i++ {
		urns = append(urns, f.Comment(post, "", "urn:li:person:p", fmt.Sprint("burst ", i), at.Add(time.Duration(i)*time.Second)))
	}
	seen := map[string]bool{}
	evs, cursor, err := c.Poll(ctx, cursor) // reads the newest 40, bursts 11 to 50
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		seen[e.Msg.Text] = true
	}
	for _, urn := range urns[20:27] { // seven already read, newer than the unread ten
		f.Delete(urn)
	}
	for range 2 {
		evs, cursor, err = c.Poll(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			seen[e.Msg.Text] = true
		}
	}
	for i := 1; i <= 10; i++ {
		if !seen[fmt.Sprint("burst ", i)] {
			t.Errorf("burst %d was never polled", i)
		}
	}
}
