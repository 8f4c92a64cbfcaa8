package twilio_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/twilio"
	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "twilio-auth-token"
	ours  = "+15005550006"
	cust  = "+14155550100"
)

type rig struct {
	fake      *twilio.Fake
	api       *httptest.Server
	hook      *httptest.Server
	p         *ingest.Pipeline
	convs     *conversation.Store
	sms, call *twilio.Connector
	smsAcct   workspace.Account
	phoneAcct workspace.Account
	last      ingest.Result // what the last delivered webhook stored
}

// newRig runs the fake API and a webhook endpoint that does what the desk's
// webhook edge does: verify, parse, ingest, answer.
func newRig(t *testing.T, d *db.DB) *rig {
	t.Helper()
	ctx := context.Background()
	r := &rig{fake: twilio.NewFake(sid, token)}
	r.api = httptest.NewServer(r.fake)
	t.Cleanup(r.api.Close)
	wss := workspace.New(d)
	ws, err := wss.Create(ctx, "shop", "Shop")
	if err != nil {
		t.Fatal(err)
	}
	r.smsAcct, _, _ = wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "sms", Handle: ours, Purpose: "service"})
	r.phoneAcct, _, _ = wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "phone", Handle: ours, Purpose: "service"})
	r.p = ingest.New(d, wss, nil, nil, nil)
	r.p.Start()
	t.Cleanup(r.p.Stop)
	r.convs = conversation.New(d)
	mux := http.NewServeMux()
	r.hook = httptest.NewServer(mux)
	t.Cleanup(r.hook.Close)
	cfg := func(path string) json.RawMessage {
		b, _ := json.Marshal(twilio.Config{AccountSID: sid, AuthToken: token, Number: ours, BaseURL: r.api.URL, WebhookURL: r.hook.URL + path})
		return b
	}
	r.sms, err = twilio.New(r.smsAcct, cfg("/sms"), r.api.Client())
	if err != nil {
		t.Fatal(err)
	}
	r.call, err = twilio.New(r.phoneAcct, cfg("/voice"), r.api.Client())
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("POST /sms", r.edge(r.sms, r.smsAcct.ID))
	mux.Handle("POST /voice", r.edge(r.call, r.phoneAcct.ID))
	return r
}

func (r *rig) edge(c *twilio.Connector, acct int64) http.Handler {
	return c.Handler(func(ctx context.Context, evs []channel.Event) error {
		var msgs []ingest.Message
		for _, ev := range evs {
			msgs = append(msgs, ev.Msg)
		}
		res, err := r.p.Ingest(ctx, acct, msgs...)
		if err == nil && res[0].Err != nil {
			err = res[0].Err
		}
		if err == nil {
			r.last = res[0]
		}
		return err
	})
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func (r *rig) post(t *testing.T, path string, form url.Values) (int, ingest.Result, string) {
	t.Helper()
	resp, err := r.fake.Post(r.hook.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	res := r.last
	r.last = ingest.Result{}
	return resp.StatusCode, res, string(b)
}

func TestTwilioInbound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)

		code, sms, _ := r.post(t, "/sms", twilio.SMS("SM1", cust, ours, "Is the shop open on Sunday?", "https://api.twilio.com/media/ME1"))
		if code != 200 || !sms.NewConversation {
			t.Fatalf("sms: %d %+v", code, sms)
		}
		msgs, _ := r.convs.Messages(ctx, sms.ConversationID)
		if len(msgs) != 1 || msgs[0].Text != "Is the shop open on Sunday?" || len(msgs[0].Attachments) != 1 {
			t.Errorf("sms stored as %+v", msgs)
		}
		// Twilio retries: the same MessageSid is stored once.
		_, again, _ := r.post(t, "/sms", twilio.SMS("SM1", cust, ours, "Is the shop open on Sunday?"))
		if !again.Duplicate || again.MessageID != sms.MessageID {
			t.Errorf("redelivery: %+v", again)
		}
		// A forged or altered request is refused.
		req, _ := r.fake.Request(r.hook.URL+"/sms", twilio.SMS("SM2", cust, ours, "hi"))
		req.Header.Set("X-Twilio-Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("bad signature: %d", resp.StatusCode)
		}
		other := twilio.NewFake(sid, "someone-elses-token")
		resp, _ = other.Post(r.hook.URL+"/sms", twilio.SMS("SM3", cust, ours, "hi"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("wrong token: %d", resp.StatusCode)
		}

		// A call is answered with TwiML that records a transcribed voicemail.
		code, call, twiml := r.post(t, "/voice", twilio.Call("CA1", cust, ours))
		if code != 200 || !call.NewConversation {
			t.Fatalf("call: %d %+v", code, call)
		}
		for _, want := range []string{`<Record `, `transcribe="true"`, `transcribeCallback="` + r.hook.URL + `/voice"`, `maxLength="120"`, "<Say>"} {
			if !strings.Contains(twiml, want) {
				t.Errorf("TwiML lacks %s: %s", want, twiml)
			}
		}
		// The <Record> action post is not a message; the transcription is,
		// in the call's conversation, with the recording to play.
		code, skipped, _ := r.post(t, "/voice", url.Values{"CallSid": {"CA1"}, "From": {cust}, "To": {ours}, "RecordingSid": {"RE1"}, "RecordingUrl": {"https://api.twilio.com/x/RE1"}, "CallStatus": {"completed"}})
		if code != 200 || skipped.MessageID != 0 {
			t.Errorf("record action: %d %+v", code, skipped)
		}
		_, vm, _ := r.post(t, "/voice", twilio.Transcription("CA1", "RE1", cust, ours, "Hi, it's about my order, call me back."))
		if vm.ConversationID != call.ConversationID || vm.NewConversation {
			t.Fatalf("voicemail: %+v, want conversation %d", vm, call.ConversationID)
		}
		msgs, _ = r.convs.Messages(ctx, call.ConversationID)
		last := msgs[len(msgs)-1]
		if last.Text != "Hi, it's about my order, call me back." || len(last.Attachments) != 1 ||
			last.Attachments[0].Type != "audio/mpeg" || !strings.HasSuffix(last.Attachments[0].URL, "/RE1.mp3") {
			t.Errorf("voicemail message = %+v", last)
		}
		// The caller and the texter are one contact.
		cs, _ := r.convs.Get(ctx, call.ConversationID)
		ss, _ := r.convs.Get(ctx, sms.ConversationID)
		if cs.ContactID != ss.ContactID {
			t.Errorf("call contact %d, sms contact %d", cs.ContactID, ss.ContactID)
		}
		// Delivery status callbacks for our own texts are not messages.
		st := twilio.SMS("SM9", ours, cust, "reply")
		st.Set("SmsStatus", "delivered")
		if _, res, _ := r.post(t, "/sms", st); res.MessageID != 0 {
			t.Errorf("status callback stored: %+v", res)
		}
	})
}

func TestTwilioSend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		out := channel.Outgoing{IdempotencyKey: "hark-1", Text: "Yes, 10 to 4.", RecipientID: cust, ReplyTo: "SM1"}
		for _, tc := range []struct {
			status    int
			temporary bool
			retry     time.Duration
		}{{429, true, 7 * time.Second}, {500, true, 0}, {503, true, 0}, {400, false, 0}, {401, false, 0}} {
			r.fake.FailNext(tc.status)
			_, err := r.sms.Send(ctx, out)
			var se *channel.SendError
			if !errors.As(err, &se) || se.Status != tc.status || se.Temporary != tc.temporary || se.RetryAfter != tc.retry {
				t.Errorf("%d: %#v", tc.status, err)
			}
		}
		// Crash between sending and recording: Find sees it was delivered.
		if _, found, err := r.sms.Find(ctx, out); err != nil || found {
			t.Fatalf("before sending: found=%v %v", found, err)
		}
		sent, err := r.sms.Send(ctx, out)
		if err != nil || !strings.HasPrefix(sent.ProviderID, "SM") {
			t.Fatalf("send: %+v %v", sent, err)
		}
		got, found, err := r.sms.Find(ctx, out)
		if err != nil || !found || got.ProviderID != sent.ProviderID {
			t.Errorf("after sending: %+v %v %v", got, found, err)
		}
		if s := r.fake.Sent(); len(s) != 1 || s[0].To != cust || s[0].From != ours || s[0].Body != out.Text {
			t.Errorf("fake got %+v", s)
		}
		if _, err := r.sms.Send(ctx, channel.Outgoing{Text: "x"}); channel.IsTemporary(err) || err == nil {
			t.Errorf("no recipient: %v", err)
		}
		// A wrong auth token is permanent.
		bad, _ := twilio.New(r.smsAcct, json.RawMessage(`{"account_sid":"`+sid+`","auth_token":"wrong","base_url":"`+r.api.URL+`"}`), nil)
		if _, err := bad.Send(ctx, out); err == nil || channel.IsTemporary(err) {
			t.Errorf("bad credentials: %v", err)
		}
		if err := r.sms.Check(ctx); err != nil {
			t.Errorf("check: %v", err)
		}
		if err := bad.Check(ctx); err == nil {
			t.Error("check with a wrong token passed")
		}
	})
}

func FuzzParse(f *testing.F) {
	c, _ := twilio.New(workspace.Account{ID: 1, Handle: ours}, json.RawMessage(`{"account_sid":"AC1","auth_token":"t"}`), nil)
	f.Add(twilio.SMS("SM1", cust, ours, "hi").Encode())
	f.Add(twilio.Transcription("CA1", "RE1", cust, ours, "hello").Encode())
	f.Fuzz(func(t *testing.T, body string) {
		evs, err := c.Parse([]byte(body))
		if err != nil {
			return
		}
		for _, ev := range evs {
			if ev.Msg.ProviderID == "" {
				t.Fatalf("event without provider id from %q", body)
			}
		}
	})
}

// Twilio answered 2xx, so the SMS is on its way, but the answer names no
// sid or is not JSON: the reply is sent, not retried, or the customer
// would be texted twice. An answer that is not JSON is an Accepted
// SendError, which the outbox counts as sent, as for X and Meta.
func TestAnAcceptedSMSIsSentWhateverTheAnswer(t *testing.T) {
	for name, answer := range map[string]string{"no sid": `{"status":"queued"}`, "not json": `<html>ok</html>`} {
		var posts atomic.Int32
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(answer))
		}))
		cfg, _ := json.Marshal(map[string]string{"account_sid": sid, "auth_token": token, "number": ours, "base_url": api.URL})
		c, err := twilio.New(workspace.Account{ID: 1, Channel: "sms"}, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Send(context.Background(), channel.Outgoing{Private: true, RecipientID: cust, Text: "hi"})
		api.Close()
		var se *channel.SendError
		if accepted := errors.As(err, &se) && se.Accepted; (err != nil && !accepted) || posts.Load() != 1 {
			t.Errorf("%s: %d posts, error %v; want one post, sent", name, posts.Load(), err)
		}
		if name == "not json" && err == nil {
			t.Errorf("an unreadable answer was not said to be one")
		}
	}
}

// A caller who withholds their number reaches Twilio as From=Anonymous
// (or Restricted, Unknown). They are answered with the voicemail prompt and
// Twilio gets its 200, so what they record must be kept: each such call is
// its own customer and conversation, and a text back fails plainly rather
// than going to digits picked out of the call's id.
func TestAWithheldNumbersVoicemailIsKeptAndCannotBeTextedBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		code, call, twiml := r.post(t, "/voice", twilio.Call("CA0001", "Anonymous", ours))
		if code != 200 || !strings.Contains(twiml, "<Record") {
			t.Fatalf("the call is not offered voicemail: %d %s", code, twiml)
		}
		if !call.NewConversation {
			t.Fatalf("the withheld number's call was not stored: %+v", call)
		}
		_, vm, _ := r.post(t, "/voice", twilio.Transcription("CA0001", "RE0001", "Anonymous", ours, "Hi, my order 991 never arrived, please call me on 0207 946 0000"))
		if vm.MessageID == 0 || vm.ConversationID != call.ConversationID {
			t.Fatalf("the voicemail was lost after Twilio got its 200: %+v, want it in conversation %d", vm, call.ConversationID)
		}
		msgs, _ := r.convs.Messages(ctx, call.ConversationID)
		last := msgs[len(msgs)-1]
		if !strings.HasPrefix(last.Text, "Hi, my order 991") || last.Author.Name != "Withheld number" || len(last.Attachments) != 1 {
			t.Errorf("voicemail message = %+v", last)
		}
		// Another withheld caller is someone else, and no one has a number.
		_, other, _ := r.post(t, "/voice", twilio.Call("CA0002", "Restricted", ours))
		first, _ := r.convs.Get(ctx, call.ConversationID)
		second, _ := r.convs.Get(ctx, other.ConversationID)
		if !other.NewConversation || first.ContactID == second.ContactID {
			t.Errorf("two withheld callers share conversation or contact: %+v %+v", first, second)
		}
		if c, _ := contact.New(d).Get(ctx, first.ContactID); c.Phone != "" {
			t.Errorf("a withheld caller has the number %q", c.Phone)
		}
		// A text back, to whom the outbox would send it: refused for good.
		_, err := r.call.Send(ctx, channel.Outgoing{IdempotencyKey: "hark-1", Private: true, Text: "We'll look into it.", RecipientID: last.Author.ExternalID})
		var se *channel.SendError
		if !errors.As(err, &se) || se.Temporary || se.Accepted || !strings.Contains(se.Message, "withheld") {
			t.Errorf("texting a withheld number: %v", err)
		}
		if s := r.fake.Sent(); len(s) != 0 {
			t.Errorf("texted %+v", s)
		}
		// A text always comes with a number; one without is no customer's.
		if _, res, _ := r.post(t, "/sms", twilio.SMS("SM7", "Anonymous", ours, "hi")); res.MessageID != 0 {
			t.Errorf("a text with no number was stored: %+v", res)
		}
	})
}
