package meta_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/workspace"
)

const (
	secret = "app-secret-3f1c"
	verify = "verify-me-91"
	token  = "EAAGpagetoken"
)

// graph starts a fake Graph API and returns it with its URL.
func graph(t *testing.T) (*meta.Fake, string) {
	t.Helper()
	f := meta.NewFake(secret, verify, token)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// connector builds a connector for channelName against the fake.
func connector(t *testing.T, f *meta.Fake, url, channelName string) channel.Connector {
	t.Helper()
	c, err := meta.New(workspace.Account{ID: 1, Channel: channelName}, f.Config(url))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHandshake(t *testing.T) {
	f, url := graph(t)
	for _, ch := range []string{"facebook", "instagram", "whatsapp"} {
		t.Run(ch, func(t *testing.T) {
			wh := connector(t, f, url, ch).(channel.Webhook)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !wh.Handshake(w, r) {
					w.WriteHeader(http.StatusTeapot)
				}
			}))
			defer srv.Close()
			ctx := context.Background()
			if err := f.Subscribe(ctx, srv.URL, verify); err != nil {
				t.Fatalf("the right token must be answered with the challenge: %v", err)
			}
			err := f.Subscribe(ctx, srv.URL, "guess")
			if err == nil || !strings.Contains(err.Error(), "403") {
				t.Fatalf("a wrong verify token must get 403, got %v", err)
			}
			resp, err := http.Get(srv.URL + "?foo=bar")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusTeapot {
				t.Fatalf("a request without hub.mode is not a handshake: %d", resp.StatusCode)
			}
		})
	}
}

func TestVerifySignature(t *testing.T) {
	f, url := graph(t)
	wh := connector(t, f, url, "facebook").(channel.Webhook)
	body := fixture(t, "page_feed_comment.json")
	good := meta.Sign(secret, body)
	cases := []struct {
		name   string
		header string
		body   []byte
		ok     bool
	}{
		{"good", good, body, true},
		{"uppercase hex is the same digest", "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), body, true},
		{"missing", "", body, false},
		{"sha1 only", "sha1=0123456789abcdef0123456789abcdef01234567", body, false},
		{"not hex", "sha256=zz", body, false},
		{"other secret", meta.Sign("other", body), body, false},
		{"body changed by one byte", good, append([]byte{' '}, body...), false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if c.header != "" {
			r.Header.Set(meta.SignatureHeader, c.header)
		}
		err := wh.Verify(r, c.body)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, channel.ErrBadSignature)) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestBadSignatureStoresNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := graph(t)
		dk := newDesk(t, d, f, "facebook", url)
		body := f.MessengerBody("6100000000000077", "m_forged", "send me your password", time.Now())
		st, err := f.Deliver(context.Background(), dk.srv.URL, meta.DeliverOptions{BadSignature: true}, body)
		if err != nil || st[0] != http.StatusUnauthorized {
			t.Fatalf("%v %v", st, err)
		}
		if evs, res := dk.results(); len(evs) != 0 || len(res) != 0 {
			t.Fatalf("a forged body reached the store: %v %v", evs, res)
		}
	})
}

func TestMessengerDuplicateAndOutOfOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := graph(t)
		dk := newDesk(t, d, f, "facebook", url)
		now := time.Now().Truncate(time.Millisecond)
		first := f.MessengerBody("6100000000000077", "m_first", "Hello?", now.Add(-2*time.Minute))
		second := f.MessengerBody("6100000000000077", "m_second", "Order 4411 is late", now.Add(-time.Minute))
		st, err := f.Deliver(context.Background(), dk.srv.URL, meta.DeliverOptions{Redeliver: true, Reverse: true}, first, second)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if s != http.StatusOK {
				t.Fatalf("deliveries answered %v", st)
			}
		}
		_, res := dk.results()
		if len(res) != 4 {
			t.Fatalf("%d results", len(res))
		}
		dups, conv := 0, res[0].ConversationID
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if r.Duplicate {
				dups++
			}
			if r.ConversationID != conv {
				t.Fatalf("one customer's messages split over conversations: %+v", res)
			}
		}
		if dups != 2 {
			t.Fatalf("redeliveries must be duplicates, got %d of 4", dups)
		}
		msgs, err := dk.a.Conversations.Messages(context.Background(), conv)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("%d messages, %v", len(msgs), err)
		}
		if msgs[0].ProviderID != "m_first" || msgs[1].ProviderID != "m_second" {
			t.Fatalf("messages delivered newest first must read oldest first: %s, %s", msgs[0].ProviderID, msgs[1].ProviderID)
		}
	})
}

func TestPageCommentsThreadEditAndDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := graph(t)
		dk := newDesk(t, d, f, "facebook", url)
		at := time.Now().Add(-10 * time.Minute)
		post := f.PageID + "_998877"
		ctx := context.Background()
		bodies := [][]byte{
			f.FeedBody(meta.FeedComment{CommentID: "998877_1", PostID: post, FromID: "701", FromName: "Anna", Message: "Where is my order?", At: at}),
			f.FeedBody(meta.FeedComment{CommentID: "998877_2", PostID: post, ParentID: "998877_1", FromID: "702", FromName: "Ben", Message: "Same here", At: at.Add(time.Minute)}),
			f.FeedBody(meta.FeedComment{Verb: "edited", CommentID: "998877_1", PostID: post, FromID: "701", FromName: "Anna", Message: "Where is my order 4411?", At: at}),
			f.FeedBody(meta.FeedComment{Verb: "remove", CommentID: "998877_2", PostID: post, ParentID: "998877_1", FromID: "702", At: at}),
		}
		if _, err := f.Deliver(ctx, dk.srv.URL, meta.DeliverOptions{}, bodies...); err != nil {
			t.Fatal(err)
		}
		evs, res := dk.results()
		if len(res) != 2 || res[0].ConversationID != res[1].ConversationID || res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("a reply to a comment joins its thread: %+v", res)
		}
		kinds := []channel.EventKind{channel.Created, channel.Created, channel.Edited, channel.Deleted}
		for i, e := range evs {
			if e.Kind != kinds[i] || e.Target != f.PageID {
				t.Fatalf("event %d: %s for %s", i, e.Kind, e.Target)
			}
		}
		if evs[2].Msg.ProviderID != "998877_1" || evs[2].Msg.Text != "Where is my order 4411?" || evs[3].Msg.ProviderID != "998877_2" {
			t.Fatalf("edit %+v delete %+v", evs[2].Msg, evs[3].Msg)
		}
		conv, err := dk.a.Conversations.Get(ctx, res[0].ConversationID)
		if err != nil || conv.Visibility != "public" {
			t.Fatalf("%+v %v", conv, err)
		}
	})
}

func TestInstagramBothEnvelopesAndMentions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := graph(t)
		dk := newDesk(t, d, f, "instagram", url)
		at := time.Now().Add(-time.Minute)
		ctx := context.Background()
		nested := f.InstagramCommentBody(meta.IGComment{ID: "1790001", FromID: "2323", Username: "blue_fan", Text: "Blue one?", MediaID: "1802", At: at}, false)
		flat := f.InstagramCommentBody(meta.IGComment{ID: "1790002", FromID: "2424", Username: "canada", Text: "Ship to Canada?", MediaID: "1802", At: at}, true)
		mention := f.InstagramMentionBody("1790003", "1803", "2525", "mentioner", "@shop look at this", at)
		dm := f.InstagramDMBody("5400", "aWdfZAG1", "Open on Sunday?", at)
		st, err := f.Deliver(ctx, dk.srv.URL, meta.DeliverOptions{Redeliver: true}, nested, flat, mention, dm)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if s != http.StatusOK {
				t.Fatalf("%v", st)
			}
		}
		evs, res := dk.results()
		want := map[string]string{"1790001": "Blue one?", "1790002": "Ship to Canada?", "1790003": "@shop look at this", "aWdfZAG1": "Open on Sunday?"}
		seen := map[string]bool{}
		for i, e := range evs {
			if e.Target != f.IGUserID || want[e.Msg.ProviderID] != e.Msg.Text {
				t.Fatalf("event %+v", e)
			}
			if res[i].Err != nil {
				t.Fatalf("%s rejected: %v", e.Msg.ProviderID, res[i].Err)
			}
			if res[i].Duplicate != seen[e.Msg.ProviderID] {
				t.Fatalf("%s duplicate=%v on delivery %d", e.Msg.ProviderID, res[i].Duplicate, i)
			}
			seen[e.Msg.ProviderID] = true
		}
		if len(seen) != 4 {
			t.Fatalf("saw %v", seen)
		}
		if evs[4].Msg.Author.Handle != "mentioner" || evs[4].Msg.ReplyTo != "1803" {
			t.Fatalf("mention not enriched: %+v", evs[4].Msg)
		}
	})
}

func TestWhatsAppMessagesAndStatuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, url := graph(t)
		dk := newDesk(t, d, f, "whatsapp", url)
		ctx := context.Background()
		msg := f.WhatsAppTextBody("16505551234", "Sheena Nelson", "wamid.IN1", "Another color?", time.Now().Add(-time.Minute))
		status := f.WhatsAppStatusBody("wamid.OUT1", "16505551234", "read", time.Now())
		if _, err := f.Deliver(ctx, dk.srv.URL, meta.DeliverOptions{Redeliver: true}, msg, status); err != nil {
			t.Fatal(err)
		}
		evs, res := dk.results()
		if len(evs) != 2 || len(res) != 2 || !res[1].Duplicate || evs[0].Target != f.PhoneNumberID {
			t.Fatalf("statuses must not become messages: %+v %+v", evs, res)
		}
		conv, _ := dk.a.Conversations.Get(ctx, res[0].ConversationID)
		if conv.ContactName != "Sheena Nelson" || conv.Visibility != "private" {
			t.Fatalf("%+v", conv)
		}
		w := dk.conn.(*meta.WhatsApp)
		st, err := w.Statuses(status)
		if err != nil || len(st) != 1 || st[0].ProviderID != "wamid.OUT1" || st[0].Status != "read" || st[0].Target != f.PhoneNumberID {
			t.Fatalf("%+v %v", st, err)
		}
	})
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

func TestSendPaths(t *testing.T) {
	f, url := graph(t)
	ctx := context.Background()
	page := connector(t, f, url, "facebook").(*meta.Page)
	ig := connector(t, f, url, "instagram").(*meta.Instagram)
	now := time.Now()
	f.FeedBody(meta.FeedComment{CommentID: "998877_1", PostID: f.PageID + "_998877", FromID: "701", Message: "hi", At: now})
	f.InstagramCommentBody(meta.IGComment{ID: "1790001", FromID: "2323", Text: "hi", MediaID: "1802", At: now}, false)
	f.MessengerBody("6100", "m_in", "hello", now)
	f.InstagramDMBody("5400", "aWdf_in", "hello", now)

	cases := []struct {
		name string
		s    channel.Sender
		out  channel.Outgoing
		path string
		body string
	}{
		{"facebook public reply", page, channel.Outgoing{Text: "We are on it", ReplyTo: "998877_1"}, "998877_1/comments", `"message":"We are on it"`},
		{"facebook private reply", page, channel.Outgoing{Private: true, Text: "Check your inbox", ReplyTo: "998877_1"}, f.PageID + "/messages", `"comment_id":"998877_1"`},
		{"messenger", page, channel.Outgoing{Private: true, Text: "Refund sent", RecipientID: "6100", ReplyTo: "m_in"}, f.PageID + "/messages", `"messaging_type":"RESPONSE"`},
		{"instagram public reply", ig, channel.Outgoing{Text: "Yes, in blue", ReplyTo: "1790001"}, "1790001/replies", `"message":"Yes, in blue"`},
		{"instagram private reply", ig, channel.Outgoing{Private: true, Text: "DM'd you", ReplyTo: "1790001"}, f.PageID + "/messages", `"comment_id":"1790001"`},
		{"instagram dm", ig, channel.Outgoing{Private: true, Text: "Open 10-4", RecipientID: "5400"}, f.PageID + "/messages", `"id":"5400"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(f.Sends())
			sent, err := c.s.Send(ctx, c.out)
			if err != nil || sent.ProviderID == "" {
				t.Fatalf("%+v %v", sent, err)
			}
			sends := f.Sends()
			if len(sends) != before+1 {
				t.Fatalf("%d sends", len(sends)-before)
			}
			got := sends[len(sends)-1]
			if got.Path != c.path || !strings.Contains(jsonString(got.Body), c.body) {
				t.Fatalf("sent %s %s", got.Path, jsonString(got.Body))
			}
		})
	}
	t.Run("one private reply per comment", func(t *testing.T) {
		_, err := page.Send(ctx, channel.Outgoing{Private: true, Text: "again", ReplyTo: "998877_1"})
		sendErr(t, err, false)
	})
	t.Run("empty text", func(t *testing.T) {
		_, err := page.Send(ctx, channel.Outgoing{Text: "  ", ReplyTo: "998877_1"})
		sendErr(t, err, false)
	})
}

func TestSendErrors(t *testing.T) {
	f, url := graph(t)
	ctx := context.Background()
	page := connector(t, f, url, "facebook").(*meta.Page)
	out := channel.Outgoing{Text: "We are on it", ReplyTo: "998877_1"}

	f.RateLimit(1, http.StatusTooManyRequests, 32, 7)
	se := sendErr(t, second(page.Send(ctx, out)), true)
	if se.RetryAfter != 7*time.Minute || se.Status != 429 {
		t.Fatalf("Page throttling: %+v", se)
	}
	f.RateLimit(1, http.StatusBadRequest, 4, 0)
	se = sendErr(t, second(page.Send(ctx, out)), true)
	if se.RetryAfter != meta.DefaultThrottle {
		t.Fatalf("app throttling (code 4 on a 400) without an estimate: %+v", se)
	}
	f.Fail(1, http.StatusServiceUnavailable, 30*time.Second)
	se = sendErr(t, second(page.Send(ctx, out)), true)
	if se.RetryAfter != 30*time.Second || se.Status != 503 {
		t.Fatalf("5xx: %+v", se)
	}
	f.Fail(1, http.StatusInternalServerError, 0)
	sendErr(t, second(page.Send(ctx, out)), true)

	f.Reject(1, http.StatusBadRequest, 100, 33, "Unsupported post request. Object with ID '998877_1' does not exist")
	se = sendErr(t, second(page.Send(ctx, out)), false)
	if !strings.Contains(se.Message, "does not exist") {
		t.Fatalf("the provider's reason reaches the agent: %q", se.Message)
	}
	bad := connector(t, &meta.Fake{AppSecret: secret, AccessToken: "expired", PageID: f.PageID, IGUserID: f.IGUserID, PhoneNumberID: f.PhoneNumberID}, url, "facebook").(*meta.Page)
	se = sendErr(t, second(bad.Send(ctx, out)), false)
	if !strings.Contains(se.Message, "190") {
		t.Fatalf("a bad token is permanent: %+v", se)
	}
	if _, err := page.Send(ctx, out); err != nil {
		t.Fatalf("after the cues the send goes through: %v", err)
	}
}

func TestMessagingWindow(t *testing.T) {
	f, url := graph(t)
	ctx := context.Background()
	page := connector(t, f, url, "facebook").(*meta.Page)
	now := time.Now()
	last := map[string]time.Time{
		"fresh":  now.Add(-time.Hour),
		"late":   now.Add(-3 * 24 * time.Hour),
		"closed": now.Add(-8 * 24 * time.Hour),
	}
	for psid, at := range last {
		f.CustomerWrote(psid, "m_"+psid, "hi", at)
	}
	page.SetLastInbound(func(_ context.Context, id string) (time.Time, error) { return last[id], nil })

	if w := page.Window(last["late"]); w.FreeForm || w.Tag != meta.HumanAgentTag {
		t.Fatalf("3 days: %+v", w)
	}
	if _, err := page.Send(ctx, channel.Outgoing{Private: true, Text: "Hi", RecipientID: "fresh"}); err != nil {
		t.Fatal(err)
	}
	if _, err := page.Send(ctx, channel.Outgoing{Private: true, Text: "Sorry for the wait", RecipientID: "late"}); err != nil {
		t.Fatalf("HUMAN_AGENT within 7 days: %v", err)
	}
	sends := f.Sends()
	if got := sends[len(sends)-1].Body; got["messaging_type"] != "MESSAGE_TAG" || got["tag"] != "HUMAN_AGENT" {
		t.Fatalf("late reply sent as %v", got)
	}
	before := len(f.Sends())
	_, err := page.Send(ctx, channel.Outgoing{Private: true, Text: "Hello?", RecipientID: "closed"})
	se := sendErr(t, err, false)
	if !strings.Contains(se.Message, "has not written") || len(f.Sends()) != before {
		t.Fatalf("outside the window Send refuses without calling Meta: %q", se.Message)
	}

	// Without the desk's lookup, Meta's own refusal is explained the same way.
	plain := connector(t, f, url, "facebook").(*meta.Page)
	_, err = plain.Send(ctx, channel.Outgoing{Private: true, Text: "Hello?", RecipientID: "closed"})
	if se := sendErr(t, err, false); !strings.Contains(se.Message, "24 hours") {
		t.Fatalf("%q", se.Message)
	}

	// The tag can be switched off per account.
	cfg := strings.Replace(string(f.Config(url)), `"graph_url"`, `"human_agent_days":-1,"graph_url"`, 1)
	c, err := meta.New(workspace.Account{Channel: "facebook"}, []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if w := c.(*meta.Page).Window(last["late"]); w.Allowed() {
		t.Fatalf("no HUMAN_AGENT: %+v", w)
	}
}

func TestWhatsAppTemplateRule(t *testing.T) {
	f, url := graph(t)
	ctx := context.Background()
	wa := connector(t, f, url, "whatsapp").(*meta.WhatsApp)
	now := time.Now()
	f.WhatsAppTextBody("4911", "Recent", "wamid.a", "hi", now.Add(-time.Hour))
	f.WhatsAppTextBody("4922", "Old", "wamid.b", "hi", now.Add(-30*time.Hour))

	sent, err := wa.Send(ctx, channel.Outgoing{Private: true, Text: "Yes, in green", RecipientID: "4911", ReplyTo: "wamid.a"})
	if err != nil || !strings.HasPrefix(sent.ProviderID, "wamid.") {
		t.Fatalf("%+v %v", sent, err)
	}
	got := f.Sends()[0]
	if got.Path != f.PhoneNumberID+"/messages" || got.Body["type"] != "text" || !strings.Contains(jsonString(got.Body), `"message_id":"wamid.a"`) {
		t.Fatalf("%s %s", got.Path, jsonString(got.Body))
	}

	// Meta refuses free text outside the window; the error says why.
	_, err = wa.Send(ctx, channel.Outgoing{Private: true, Text: "Still there?", RecipientID: "4922"})
	if se := sendErr(t, err, false); !strings.Contains(se.Message, "template") {
		t.Fatalf("%q", se.Message)
	}
	// With the desk's lookup, Send refuses before calling Meta.
	wa.SetLastInbound(func(_ context.Context, id string) (time.Time, error) {
		if id == "4922" {
			return now.Add(-30 * time.Hour), nil
		}
		return now.Add(-time.Hour), nil
	})
	if w := wa.Window(now.Add(-30 * time.Hour)); !w.TemplateOnly || w.Allowed() {
		t.Fatalf("%+v", w)
	}
	before := len(f.Sends())
	_, err = wa.Send(ctx, channel.Outgoing{Private: true, Text: "Still there?", RecipientID: "4922"})
	if se := sendErr(t, err, false); !strings.Contains(se.Message, meta.TemplateCommand) || len(f.Sends()) != before {
		t.Fatalf("%q", se.Message)
	}
	// A template may be sent at any time.
	tpl := meta.Template{Name: "order_update", Language: "en_US", Params: []string{"Old", "#4411"}}
	if _, err := wa.Send(ctx, channel.Outgoing{Private: true, Text: tpl.Text(), RecipientID: "4922"}); err != nil {
		t.Fatal(err)
	}
	body := jsonString(f.Sends()[len(f.Sends())-1].Body)
	for _, want := range []string{`"type":"template"`, `"name":"order_update"`, `"code":"en_US"`, `"text":"#4411"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("template body %s lacks %s", body, want)
		}
	}
	_, err = wa.SendTemplate(ctx, "4922", meta.Template{Name: "unapproved", Language: "en_US"})
	sendErr(t, err, false)

	f.RateLimit(1, http.StatusBadRequest, 130429, 0)
	_, err = wa.SendTemplate(ctx, "4922", tpl)
	sendErr(t, err, true)
}

func TestReconcile(t *testing.T) {
	f, url := graph(t)
	ctx := context.Background()
	page := connector(t, f, url, "facebook").(*meta.Page)
	ig := connector(t, f, url, "instagram").(*meta.Instagram)
	now := time.Now()
	f.FeedBody(meta.FeedComment{CommentID: "998877_1", PostID: f.PageID + "_998877", FromID: "701", Message: "hi", At: now})
	f.InstagramCommentBody(meta.IGComment{ID: "1790001", FromID: "2323", Text: "hi", MediaID: "1802", At: now}, false)
	f.MessengerBody("6100", "m_in", "hello", now)

	cases := []struct {
		name string
		c    interface {
			channel.Sender
			channel.Reconciler
		}
		out channel.Outgoing
	}{
		{"page comment", page, channel.Outgoing{Text: "We are on it", ReplyTo: "998877_1"}},
		{"private reply", page, channel.Outgoing{Private: true, Text: "Inbox!", ReplyTo: "998877_1"}},
		{"messenger", page, channel.Outgoing{Private: true, Text: "Refund sent", RecipientID: "6100"}},
		{"instagram reply", ig, channel.Outgoing{Text: "In blue", ReplyTo: "1790001"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, found, err := c.c.Find(ctx, c.out); err != nil || found {
				t.Fatalf("before sending: found=%v %v", found, err)
			}
			sent, err := c.c.Send(ctx, c.out)
			if err != nil {
				t.Fatal(err)
			}
			got, found, err := c.c.Find(ctx, c.out)
			if err != nil || !found {
				t.Fatalf("after sending: found=%v %v", found, err)
			}
			if c.name != "private reply" && got.ProviderID != sent.ProviderID {
				t.Fatalf("found %q, sent %q", got.ProviderID, sent.ProviderID)
			}
		})
	}
	t.Run("a newer customer message ends the search", func(t *testing.T) {
		f.CustomerWrote("6100", "m_in2", "thanks", now)
		if _, found, _ := page.Find(ctx, channel.Outgoing{Private: true, Text: "Refund sent", RecipientID: "6100"}); found {
			t.Fatal("a reply older than the customer's last message answers an earlier turn")
		}
	})
	t.Run("whatsapp cannot reconcile", func(t *testing.T) {
		if _, ok := connector(t, f, url, "whatsapp").(channel.Reconciler); ok {
			t.Fatal("the Cloud API cannot list sent messages; WhatsApp must not claim to reconcile")
		}
	})
}

func TestConfig(t *testing.T) {
	for _, c := range []struct {
		channel, cfg string
		ok           bool
	}{
		{"facebook", `{"app_secret":"s","page_id":"1"}`, true},
		{"facebook", `{"app_secret":"s"}`, false},
		{"instagram", `{"app_secret":"s","ig_user_id":"1"}`, true},
		{"whatsapp", `{"app_secret":"s","phone_number_id":"1"}`, true},
		{"whatsapp", `{"phone_number_id":"1"}`, false},
		{"x", `{"app_secret":"s"}`, false},
		{"facebook", `{`, false},
	} {
		_, err := meta.New(workspace.Account{Channel: c.channel}, []byte(c.cfg))
		if (err == nil) != c.ok {
			t.Errorf("%s %s: %v", c.channel, c.cfg, err)
		}
	}
	wa, err := meta.Factory(http.DefaultClient)(workspace.Account{Channel: "whatsapp"}, []byte(`{"app_secret":"s","phone_number_id":"106"}`))
	if w, ok := wa.(*meta.WhatsApp); err != nil || !ok || w.Target() != "106" || w.Provider() != meta.Provider {
		t.Fatalf("%T %v", wa, err)
	}
	cfg, _ := meta.ParseConfig("facebook", []byte(`{"app_secret":"s","page_id":"1","graph_version":"v19.0","graph_url":"https://graph.example/"}`))
	if cfg.GraphVersion != "v19.0" || cfg.GraphURL != "https://graph.example" {
		t.Fatalf("%+v", cfg)
	}
}

func second[T any](_ T, err error) error { return err }

// Graph answered 2xx, so the comment is posted, but the answer is not
// JSON: the error says so (Accepted), and the outbox records the reply as
// sent rather than failed or retried.
func TestSendAcceptedButUnreadable(t *testing.T) {
	f, _ := graph(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>ok</html>"))
	}))
	defer srv.Close()
	page := connector(t, f, srv.URL, "facebook").(*meta.Page)
	_, err := page.Send(context.Background(), channel.Outgoing{Text: "We are on it", ReplyTo: "998877_1"})
	var se *channel.SendError
	if !errors.As(err, &se) || !se.Accepted {
		t.Fatalf("a 200 with an unreadable answer: %v, want an Accepted SendError", err)
	}
}
