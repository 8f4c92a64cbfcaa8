package x_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/x"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

const (
	secret = "consumer-secret-7d2a"
	token  = "user-token-a81f"
)

var (
	dana = x.User{ID: "98765432", Handle: "danawhit", Name: "Dana Whitfield", Followers: 48210}
	sam  = x.User{ID: "55501", Handle: "samokafor", Name: "Sam Okafor", Followers: 910000, Verified: true}
)

// api starts a fake X API and returns it with its URL.
func api(t *testing.T) (*x.Fake, string) {
	t.Helper()
	f := x.NewFake(secret, token)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// connector builds a connector against the fake, with extra config.
func connector(t *testing.T, f *x.Fake, url string, extra ...string) *x.Connector {
	t.Helper()
	cfg := string(f.Config(url))
	for _, e := range extra {
		cfg = strings.TrimSuffix(cfg, "}") + "," + e + "}"
	}
	c, err := x.New(workspace.Account{ID: 1, Channel: "x"}, []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return c.(*x.Connector)
}

func TestCRC(t *testing.T) {
	f, url := api(t)
	c := connector(t, f, url)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.Handshake(w, r) {
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := f.Subscribe(ctx, srv.URL); err != nil {
		t.Fatalf("the CRC check must pass with the right consumer secret: %v", err)
	}
	other := x.NewFake("another-apps-secret", token)
	if err := other.Subscribe(ctx, srv.URL); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("a CRC signed with another secret must not match: %v", err)
	}
	for q, want := range map[string]int{"?foo=bar": http.StatusTeapot, "?crc_token=": http.StatusBadRequest} {
		resp, err := http.Get(srv.URL + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s: %d, want %d", q, resp.StatusCode, want)
		}
	}
	// The documented example: HMAC-SHA256 of the token, base64, prefixed.
	if got := x.Sign("secret", []byte("token")); !strings.HasPrefix(got, "sha256=") || len(got) != len("sha256=")+44 {
		t.Fatalf("%q", got)
	}
}

func TestVerifySignature(t *testing.T) {
	f, url := api(t)
	c := connector(t, f, url)
	body := fixture(t, "aaa_mention.json")
	good := x.Sign(secret, body)
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(good, "sha256="))
	cases := []struct {
		name, header string
		body         []byte
		ok           bool
	}{
		{"good", good, body, true},
		{"missing", "", body, false},
		{"hex instead of base64", "sha256=" + fmt.Sprintf("%x", raw), body, false},
		{"no prefix", strings.TrimPrefix(good, "sha256="), body, false},
		{"not base64", "sha256=***", body, false},
		{"other secret", x.Sign("other", body), body, false},
		{"body changed by one byte", good, append([]byte{' '}, body...), false},
	}
	other := strings.Replace(string(body), `"for_user_id": "`+brandID+`"`, `"for_user_id": "777"`, 1)
	if evs, err := c.Parse([]byte(other)); err != nil || len(evs) != 0 || other == string(body) {
		t.Fatalf("another subscribed user's copy is not this account's: %v %v", evs, err)
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if tc.header != "" {
			r.Header.Set(x.SignatureHeader, tc.header)
		}
		err := c.Verify(r, tc.body)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, channel.ErrBadSignature)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// desk is the receiving end of the webhook, as thin as the desk's edge:
// handshake, verify, parse, then the real ingest pipeline and revisions on
// a real database, so duplicates and ordering are judged by the store.
type desk struct {
	a    *app.App
	acct workspace.Account
	conn *x.Connector
	srv  *httptest.Server

	mu     sync.Mutex
	events []channel.Event
	stored []ingest.Result
}

func newDesk(t *testing.T, d *db.DB, f *x.Fake, url string) *desk {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: d.DSN, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ws, err := a.Workspaces.Create(ctx, "shop", "Shop")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: f.Handle, Name: "Hark"})
	if err != nil {
		t.Fatal(err)
	}
	dk := &desk{a: a, acct: acct, conn: connector(t, f, url)}
	dk.srv = httptest.NewServer(http.HandlerFunc(dk.serve))
	t.Cleanup(dk.srv.Close)
	return dk
}

func (dk *desk) serve(w http.ResponseWriter, r *http.Request) {
	if dk.conn.Handshake(w, r) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	if err := dk.conn.Verify(r, body); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	evs, err := dk.conn.Parse(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var created []ingest.Message
	var revisions []channel.Event
	for _, e := range evs {
		if e.Kind == channel.Created {
			created = append(created, e.Msg)
		} else {
			revisions = append(revisions, e)
		}
	}
	res, err := dk.a.Pipeline.Ingest(r.Context(), dk.acct.ID, created...)
	if err == nil {
		sink := channel.Sink{Pipeline: dk.a.Pipeline, Revisions: dk.a.Conversations}
		_, err = sink.Store(r.Context(), dk.acct, revisions)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	dk.mu.Lock()
	dk.events = append(dk.events, evs...)
	dk.stored = append(dk.stored, res...)
	dk.mu.Unlock()
}

func (dk *desk) results() ([]channel.Event, []ingest.Result) {
	dk.mu.Lock()
	defer dk.mu.Unlock()
	return append([]channel.Event(nil), dk.events...), append([]ingest.Result(nil), dk.stored...)
}

func allOK(t *testing.T, statuses []int, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("deliveries answered %v", statuses)
		}
	}
}

func TestBadSignatureStoresNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := api(t)
		dk := newDesk(t, d, f, url)
		body := f.MentionBody(x.Post{ID: "1001", Author: dana, Text: "@harkdesk send me your password"})
		st, err := f.Deliver(context.Background(), dk.srv.URL, x.DeliverOptions{BadSignature: true}, body)
		if err != nil || st[0] != http.StatusUnauthorized {
			t.Fatalf("%v %v", st, err)
		}
		if evs, res := dk.results(); len(evs) != 0 || len(res) != 0 {
			t.Fatalf("a forged body reached the store: %v %v", evs, res)
		}
	})
}

func TestDuplicateAndOutOfOrderDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := api(t)
		dk := newDesk(t, d, f, url)
		ctx := context.Background()
		now := time.Now().Truncate(time.Millisecond)
		bodies := [][]byte{
			f.MentionBody(x.Post{ID: "1001", Author: dana, Text: "@harkdesk where is order 4411?", At: now.Add(-3 * time.Minute)}),
			f.DMBody(dana, "2001", "Hello?", now.Add(-2*time.Minute)),
			f.DMBody(dana, "2002", "Order 4411, postcode LS1", now.Add(-time.Minute)),
		}
		st, err := f.Deliver(ctx, dk.srv.URL, x.DeliverOptions{Redeliver: true, Reverse: true}, bodies...)
		allOK(t, st, err)
		_, res := dk.results()
		if len(res) != 6 {
			t.Fatalf("%d results", len(res))
		}
		dups := 0
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if r.Duplicate {
				dups++
			}
		}
		if dups != 3 {
			t.Fatalf("every redelivery must be a duplicate: %d of 6", dups)
		}
		// The DMs came newest first; the thread reads oldest first.
		msgs, err := dk.a.Conversations.Messages(ctx, res[0].ConversationID)
		if err != nil || len(msgs) != 2 || msgs[0].ProviderID != "2001" || msgs[1].ProviderID != "2002" {
			t.Fatalf("%+v %v", msgs, err)
		}
		conv, _ := dk.a.Conversations.Get(ctx, res[0].ConversationID)
		if conv.Visibility != "private" {
			t.Fatalf("DMs are private: %+v", conv)
		}
	})
}

func TestThreadEditAndDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := api(t)
		dk := newDesk(t, d, f, url)
		ctx := context.Background()
		at := time.Now().Add(-10 * time.Minute)
		bodies := [][]byte{
			f.MentionBody(x.Post{ID: "1001", Author: dana, Text: "@harkdesk where is order 4412?", At: at}),
			f.ReplyBody(x.Post{ID: "1002", Author: dana, Text: "@harkdesk hello??", ReplyTo: "1001", At: at.Add(time.Minute)}),
			f.EditBody("1001", x.Post{ID: "1003", Author: dana, Text: "@harkdesk where is order 4411?", At: at.Add(2 * time.Minute)}),
			f.DeleteBody("1002", dana.ID, at.Add(3*time.Minute)),
		}
		st, err := f.Deliver(ctx, dk.srv.URL, x.DeliverOptions{}, bodies...)
		allOK(t, st, err)
		evs, res := dk.results()
		kinds := []channel.EventKind{channel.Created, channel.Created, channel.Edited, channel.Deleted}
		if len(evs) != len(kinds) {
			t.Fatalf("%d events", len(evs))
		}
		for i, e := range evs {
			if e.Kind != kinds[i] {
				t.Fatalf("event %d: %s", i, e.Kind)
			}
		}
		if len(res) != 2 || res[0].ConversationID != res[1].ConversationID {
			t.Fatalf("a reply to a mention joins its thread: %+v", res)
		}
		msgs, err := dk.a.Conversations.Messages(ctx, res[0].ConversationID)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("%+v %v", msgs, err)
		}
		if msgs[0].Text != "@harkdesk where is order 4411?" || msgs[0].EditedAt == 0 {
			t.Fatalf("the edit updates the first version: %+v", msgs[0])
		}
		if msgs[1].DeletedAt == 0 {
			t.Fatalf("the delete marks the reply: %+v", msgs[1])
		}
		revs, err := dk.a.Conversations.Revisions(ctx, msgs[0].ID)
		if err != nil || len(revs) == 0 {
			t.Fatalf("the edit keeps the history: %+v %v", revs, err)
		}
	})
}

func TestRetweetsAndQuotesCreditTheOriginal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := api(t)
		dk := newDesk(t, d, f, url)
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		priya := x.User{ID: "66602", Handle: "priyan", Name: "Priya N", Followers: 1200}
		long := "@harkdesk " + strings.Repeat("This is the third parcel lost since March. ", 6)
		bodies := [][]byte{
			f.MentionBody(x.Post{ID: "1001", Author: dana, Text: long, At: at}),
			f.RetweetBody("1002", sam, "1001", at.Add(time.Minute)),
			f.QuoteBody(x.Post{ID: "1003", Author: priya, Text: "Same here. Avoid.", Quote: "1001", At: at.Add(2 * time.Minute)}),
			// The same mention through the X Activity API is a duplicate.
			f.ActivityBody("post.mention.create", "e-77", x.Post{ID: "1001", Author: dana, Text: long, At: at}),
		}
		st, err := f.Deliver(ctx, dk.srv.URL, x.DeliverOptions{}, bodies...)
		allOK(t, st, err)
		evs, res := dk.results()
		if len(res) != 4 || !res[3].Duplicate {
			t.Fatalf("%+v", res)
		}
		if evs[0].Msg.Text != strings.TrimSpace(long) && evs[0].Msg.Text != long {
			t.Fatalf("the long post is whole: %q", evs[0].Msg.Text)
		}
		for _, r := range res[1:3] {
			if r.Err != nil || r.ConversationID != res[0].ConversationID {
				t.Fatalf("a retweet or quote joins the original's thread: %+v", res)
			}
		}
		if a := evs[1].Msg.Author; a.Followers != 910000 || !a.Verified || a.Handle != "samokafor" {
			t.Fatalf("the retweeter's reach is kept: %+v", a)
		}
	})
}

func TestPollCatchesUp(t *testing.T) {
	f, url := api(t)
	c := connector(t, f, url, `"page_size":5`, `"max_pages":2`)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	id := func(n int) string { return fmt.Sprintf("18%017d", n) }
	for n := 1; n <= 2; n++ {
		f.Publish(x.Post{ID: id(n), Author: dana, Text: fmt.Sprintf("@harkdesk hello %d", n), At: at})
	}
	f.Publish(x.Post{ID: id(3), Author: dana, Text: "not about the brand", At: at})
	evs, cur, err := c.Poll(ctx, "")
	if err != nil || len(evs) != 2 || evs[0].Msg.ProviderID != id(1) || cur != id(2) {
		t.Fatalf("first poll: %d events, cursor %q, %v", len(evs), cur, err)
	}
	if a := evs[0].Msg.Author; a.Handle != "danawhit" || a.Followers != 48210 {
		t.Fatalf("authors come from the expansion: %+v", a)
	}
	evs, cur2, err := c.Poll(ctx, cur)
	if err != nil || len(evs) != 0 || cur2 != cur {
		t.Fatalf("nothing new: %v %q %v", evs, cur2, err)
	}
	reqs := f.Requests()
	if q := reqs[len(reqs)-1].Query; q.Get("since_id") != cur || !strings.Contains(q.Get("expansions"), "author_id") || !strings.Contains(q.Get("user.fields"), "public_metrics") {
		t.Fatalf("poll query %v", q)
	}

	// The desk was down while 12 mentions came in: the first poll reads the
	// 10 newest (its bound), the next the 2 older ones, then nothing.
	for n := 10; n < 22; n++ {
		f.Publish(x.Post{ID: id(n), Author: sam, Text: fmt.Sprintf("@harkdesk down? %d", n), At: at})
	}
	seen := map[string]bool{}
	var all []string
	for range 3 {
		evs, cur, err = c.Poll(ctx, cur)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range evs {
			if i > 0 && evs[i-1].Msg.ProviderID >= e.Msg.ProviderID {
				t.Fatalf("a poll's events come oldest first: %v", evs)
			}
			if seen[e.Msg.ProviderID] {
				t.Fatalf("%s read twice", e.Msg.ProviderID)
			}
			seen[e.Msg.ProviderID] = true
			all = append(all, e.Msg.ProviderID)
		}
	}
	if len(all) != 12 || cur != id(21) {
		t.Fatalf("caught up on %d of 12, cursor %q", len(all), cur)
	}
}

func TestPollRateLimited(t *testing.T) {
	f, url := api(t)
	c := connector(t, f, url)
	now := time.Unix(1_900_000_000, 0)
	f.SetClock(func() time.Time { return now })
	c.SetClock(func() time.Time { return now })
	f.RateLimit(1, 90*time.Second)
	_, cur, err := c.Poll(context.Background(), "1800")
	se := sendErr(t, err, true)
	if se.Status != 429 || se.RetryAfter < 90*time.Second || se.RetryAfter > 92*time.Second || cur != "1800" {
		t.Fatalf("429 waits for x-rate-limit-reset: %+v, cursor %q", se, cur)
	}
}

// sendErr asserts err is a SendError with the given temporariness.
func sendErr(t *testing.T, err error, temporary bool) *channel.SendError {
	t.Helper()
	var se *channel.SendError
	if !errors.As(err, &se) {
		t.Fatalf("want a SendError, got %v", err)
	}
	if se.Temporary != temporary || channel.IsTemporary(err) != temporary {
		t.Fatalf("temporary=%v, want %v: %v", se.Temporary, temporary, se)
	}
	return se
}

func TestSendPublicAndDM(t *testing.T) {
	f, url := api(t)
	c := connector(t, f, url)
	ctx := context.Background()
	f.MentionBody(x.Post{ID: "1001", Author: dana, Text: "@harkdesk where is my order?"})

	sent, err := c.Send(ctx, channel.Outgoing{Text: "We are on it, Dana", ReplyTo: "1001", RecipientID: dana.ID})
	if err != nil || sent.ProviderID == "" {
		t.Fatalf("%+v %v", sent, err)
	}
	req := f.Sends()[0]
	if req.Path != "/2/tweets" || req.Body["text"] != "We are on it, Dana" || fmt.Sprint(req.Body["reply"]) != "map[in_reply_to_tweet_id:1001]" {
		t.Fatalf("sent %+v", req)
	}
	dm, err := c.Send(ctx, channel.Outgoing{Private: true, Text: "Could you DM your postcode?", RecipientID: dana.ID, ReplyTo: "1001"})
	if err != nil || dm.ProviderID == "" {
		t.Fatalf("%+v %v", dm, err)
	}
	got := f.Delivered()
	if len(got) != 2 || got[0].ReplyTo != "1001" || got[0].ID != sent.ProviderID || !got[1].Private || got[1].RecipientID != dana.ID || got[1].ID != dm.ProviderID {
		t.Fatalf("delivered %+v", got)
	}
	if p := f.Sends()[1].Path; p != "/2/dm_conversations/with/"+dana.ID+"/messages" {
		t.Fatalf("DM path %s", p)
	}
	for _, out := range []channel.Outgoing{{Text: " ", ReplyTo: "1001"}, {Text: "hi"}, {Private: true, Text: "hi"}} {
		_, err := c.Send(ctx, out)
		sendErr(t, err, false)
	}
}

func TestSendErrors(t *testing.T) {
	f, url := api(t)
	c := connector(t, f, url)
	now := time.Unix(1_900_000_000, 0)
	f.SetClock(func() time.Time { return now })
	c.SetClock(func() time.Time { return now })
	ctx := context.Background()
	f.MentionBody(x.Post{ID: "1001", Author: dana, Text: "@harkdesk where is my order?"})
	out := channel.Outgoing{Text: "We are on it", ReplyTo: "1001"}

	f.RateLimit(1, 15*time.Minute)
	se := sendErr(t, second(c.Send(ctx, out)), true)
	if se.Status != 429 || se.RetryAfter < 15*time.Minute || se.RetryAfter > 15*time.Minute+2*time.Second {
		t.Fatalf("429: %+v", se)
	}
	f.Fail(1, http.StatusServiceUnavailable, 30*time.Second)
	se = sendErr(t, second(c.Send(ctx, out)), true)
	if se.Status != 503 || se.RetryAfter != 30*time.Second {
		// x-rate-limit-reset comes on every answer; for an outage only
		// Retry-After counts.
		t.Fatalf("5xx: %+v", se)
	}
	f.Fail(1, http.StatusInternalServerError, 0)
	sendErr(t, second(c.Send(ctx, out)), true)

	f.Reject(1, http.StatusBadRequest, "One or more parameters to your request was invalid.")
	se = sendErr(t, second(c.Send(ctx, out)), false)
	if !strings.Contains(se.Message, "parameters to your request was invalid") {
		t.Fatalf("X's detail reaches the agent: %q", se.Message)
	}
	bad := connector(t, x.NewFake(secret, "expired"), url)
	se = sendErr(t, second(bad.Send(ctx, out)), false)
	if se.Status != 401 || !strings.Contains(se.Message, "reconnect") {
		t.Fatalf("a bad token is permanent: %+v", se)
	}
	if _, err := c.Send(ctx, out); err != nil {
		t.Fatalf("after the cues the reply goes through: %v", err)
	}
	se = sendErr(t, second(c.Send(ctx, out)), false)
	if !strings.Contains(se.Message, "duplicate") {
		t.Fatalf("X refuses the same post twice: %q", se.Message)
	}
}

func TestSummonedRule(t *testing.T) {
	f, url := api(t)
	c := connector(t, f, url)
	ctx := context.Background()
	// Dana talks to Sam about the brand without mentioning it.
	f.Publish(x.Post{ID: "1001", Author: sam, Text: "anyone else had trouble with Hark's deliveries?"})
	f.Publish(x.Post{ID: "1002", Author: dana, Text: "@samokafor yes, constantly", ReplyTo: "1001"})
	f.Publish(x.Post{ID: "1003", Author: dana, Text: "@harkdesk @samokafor please fix this"})

	before := len(f.Delivered())
	_, err := c.Send(ctx, channel.Outgoing{Text: "Sorry Dana, we can help", ReplyTo: "1002"})
	se := sendErr(t, err, false)
	if se.Status != 403 || !strings.Contains(se.Message, "not allowed") || !strings.Contains(se.Message, "DM") {
		t.Fatalf("the refusal says a DM can be sent instead: %q", se.Message)
	}
	if len(f.Delivered()) != before {
		t.Fatal("the fake posted a reply X would refuse")
	}
	if _, err := c.Send(ctx, channel.Outgoing{Text: "Sorry Dana, we can help", ReplyTo: "1003"}); err != nil {
		t.Fatalf("a reply to a mention is allowed: %v", err)
	}
	if _, err := c.Send(ctx, channel.Outgoing{Private: true, Text: "Sorry Dana, we can help", RecipientID: dana.ID}); err != nil {
		t.Fatalf("the DM offered instead goes through: %v", err)
	}
	// Before the agent writes: the desk asks with the stored payload.
	evs, _ := c.Parse(f.MentionBody(x.Post{ID: "1004", Author: dana, Text: "@samokafor same", ReplyTo: "1001"}))
	if ok, why := c.ReplyAllowed(evs[0].Msg.Raw); ok || !strings.Contains(why, "DM") {
		t.Fatalf("allowed=%v: %s", ok, why)
	}
	evs, _ = c.Parse(f.MentionBody(x.Post{ID: "1005", Author: dana, Text: "@HarkDesk hello"}))
	if ok, why := c.ReplyAllowed(evs[0].Msg.Raw); !ok {
		t.Fatalf("a mention summons the brand: %s", why)
	}
	// The desk's advice above the reply box states the rule for public
	// conversations; DMs have no window on X.
	if ok, advice := c.Advise(false, time.Now()); !ok || !strings.Contains(advice, "@harkdesk") || !strings.Contains(advice, "DM") {
		t.Fatalf("public advice: %v %q", ok, advice)
	}
	if ok, advice := c.Advise(true, time.Time{}); !ok || advice != "" {
		t.Fatalf("DM advice: %v %q", ok, advice)
	}
}

func TestReconcileAfterCrash(t *testing.T) {
	f, url := api(t)
	c := connector(t, f, url)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	f.MentionBody(x.Post{ID: "1001", Author: dana, Text: "@harkdesk where is my order?", At: at})
	f.DMBody(dana, "2001", "order 4411", at)

	cases := []struct {
		name string
		out  channel.Outgoing
	}{
		{"public reply", channel.Outgoing{Text: "Tracking: https://track.example/4411 ", ReplyTo: "1001"}},
		{"dm", channel.Outgoing{Private: true, Text: "Refund sent", RecipientID: dana.ID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, found, err := c.Find(ctx, tc.out); err != nil || found {
				t.Fatalf("before sending: found=%v %v", found, err)
			}
			// Sent, then the process died before recording it.
			sent, err := c.Send(ctx, tc.out)
			if err != nil {
				t.Fatal(err)
			}
			got, found, err := c.Find(ctx, tc.out)
			if err != nil || !found || got.ProviderID != sent.ProviderID {
				t.Fatalf("after sending: %+v found=%v %v (sent %s)", got, found, err, sent.ProviderID)
			}
		})
	}
	t.Run("a reply to another post is not ours", func(t *testing.T) {
		f.MentionBody(x.Post{ID: "1009", Author: dana, Text: "@harkdesk and another thing"})
		if _, found, _ := c.Find(ctx, channel.Outgoing{Text: "Tracking: https://track.example/4411", ReplyTo: "1009"}); found {
			t.Fatal("found a reply to a different post")
		}
	})
	t.Run("a newer customer DM ends the search", func(t *testing.T) {
		f.DMBody(dana, "2003", "thanks!", time.Now())
		if _, found, _ := c.Find(ctx, channel.Outgoing{Private: true, Text: "Refund sent", RecipientID: dana.ID}); found {
			t.Fatal("a DM older than the customer's last message answers an earlier turn")
		}
	})
	t.Run("errors are returned, not guessed", func(t *testing.T) {
		f.Fail(1, http.StatusBadGateway, 0)
		if _, _, err := c.Find(ctx, cases[0].out); err == nil || !channel.IsTemporary(err) {
			t.Fatalf("%v", err)
		}
	})
}

func TestProbe(t *testing.T) {
	f, url := api(t)
	if err := connector(t, f, url).Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(f.Config(url)), f.UserID, "404404", 1)
	c, _ := x.New(workspace.Account{Channel: "x"}, []byte(cfg))
	if err := c.(*x.Connector).Probe(context.Background()); err == nil || !strings.Contains(err.Error(), "Could not find user") {
		t.Fatalf("%v", err)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg string
		ok  bool
	}{
		{`{"consumer_secret":"s","user_id":"1"}`, true},
		{`{"user_id":"1"}`, false},
		{`{"consumer_secret":"s"}`, false},
		{`{`, false},
	} {
		_, err := x.New(workspace.Account{Channel: "x"}, []byte(tc.cfg))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.cfg, err)
		}
	}
	c, err := x.Factory(http.DefaultClient)(workspace.Account{Channel: "x", Handle: "@shop"}, []byte(`{"consumer_secret":"s","user_id":"9","api_url":"https://api.example/","page_size":500}`))
	if err != nil {
		t.Fatal(err)
	}
	xc := c.(*x.Connector)
	if cfg := xc.Config(); cfg.APIURL != "https://api.example" || cfg.Handle != "shop" || cfg.PageSize != 100 || xc.Target() != "9" || xc.Provider() != x.Provider {
		t.Fatalf("%+v", cfg)
	}
}

func second[T any](_ T, err error) error { return err }
