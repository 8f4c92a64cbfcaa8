package twilio

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Fake is Twilio for tests and demos: the Messages REST API (with basic
// auth, failing on cue) and a caller that posts signed webhooks the way
// Twilio does.
type Fake struct {
	AccountSID, AuthToken string
	// Client posts webhooks; nil uses http.DefaultClient.
	Client *http.Client

	mu    sync.Mutex
	sent  []FakeMessage
	fails []int
}

// FakeMessage is a message the fake API accepted.
type FakeMessage struct {
	SID, From, To, Body, MessagingServiceSID string
	Created                                  time.Time
}

// NewFake returns a fake account.
func NewFake(accountSID, authToken string) *Fake {
	return &Fake{AccountSID: accountSID, AuthToken: authToken}
}

// FailNext makes the next API calls answer with these HTTP statuses (429
// carries Retry-After: 7).
func (f *Fake) FailNext(status ...int) {
	f.mu.Lock()
	f.fails = append(f.fails, status...)
	f.mu.Unlock()
}

// Sent returns the messages the API accepted.
func (f *Fake) Sent() []FakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeMessage(nil), f.sent...)
}

// ServeHTTP implements the Messages resource.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	user, pass, ok := r.BasicAuth()
	if !ok || user != f.AccountSID || pass != f.AuthToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`)
		return
	}
	if r.Method == http.MethodGet && r.URL.Path == "/2010-04-01/Accounts/"+f.AccountSID+".json" {
		fmt.Fprintf(w, `{"sid":%q,"status":"active","type":"Full"}`, f.AccountSID)
		return
	}
	if r.URL.Path != "/2010-04-01/Accounts/"+f.AccountSID+"/Messages.json" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"code":20404,"message":"The requested resource was not found","status":404}`)
		return
	}
	f.mu.Lock()
	if len(f.fails) > 0 {
		st := f.fails[0]
		f.fails = f.fails[1:]
		f.mu.Unlock()
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(st)
		fmt.Fprintf(w, `{"code":%d,"message":"fake failure %d","status":%d}`, 20000+st, st, st)
		return
	}
	f.mu.Unlock()
	switch r.Method {
	case http.MethodPost:
		r.ParseForm()
		to, body := r.PostForm.Get("To"), r.PostForm.Get("Body")
		if to == "" || body == "" || (r.PostForm.Get("From") == "" && r.PostForm.Get("MessagingServiceSid") == "") {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"code":21604,"message":"A 'To' phone number, a 'From' and a 'Body' are required.","status":400}`)
			return
		}
		m := FakeMessage{SID: "SM" + randomHex(16), From: r.PostForm.Get("From"), To: to, Body: body,
			MessagingServiceSID: r.PostForm.Get("MessagingServiceSid"), Created: time.Now()}
		f.mu.Lock()
		f.sent = append(f.sent, m)
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(apiJSON(f.AccountSID, m))
	case http.MethodGet:
		q := r.URL.Query()
		var page struct {
			Messages []map[string]any `json:"messages"`
		}
		page.Messages = []map[string]any{}
		for _, m := range f.Sent() {
			if (q.Get("To") == "" || q.Get("To") == m.To) && (q.Get("From") == "" || q.Get("From") == m.From) {
				page.Messages = append(page.Messages, apiJSON(f.AccountSID, m))
			}
		}
		json.NewEncoder(w).Encode(page)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func apiJSON(account string, m FakeMessage) map[string]any {
	return map[string]any{"sid": m.SID, "account_sid": account, "from": m.From, "to": m.To, "body": m.Body,
		"status": "queued", "direction": "outbound-api", "date_created": m.Created.UTC().Format(time.RFC1123Z),
		"error_code": nil, "error_message": nil, "num_segments": "1"}
}

// Post sends a signed webhook form to url, as Twilio would.
func (f *Fake) Post(webhookURL string, form url.Values) (*http.Response, error) {
	req, err := f.Request(webhookURL, form)
	if err != nil {
		return nil, err
	}
	c := f.Client
	if c == nil {
		c = http.DefaultClient
	}
	return c.Do(req)
}

// Request builds a signed webhook request without sending it.
func (f *Fake) Request(webhookURL string, form url.Values) (*http.Request, error) {
	if form.Get("AccountSid") == "" {
		form.Set("AccountSid", f.AccountSID)
	}
	req, err := http.NewRequest(http.MethodPost, webhookURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", Signature(f.AuthToken, webhookURL, form))
	req.Header.Set("I-Twilio-Idempotency-Token", randomHex(16))
	return req, nil
}

// SMS is the form of an inbound text.
func SMS(sid, from, to, body string, media ...string) url.Values {
	v := url.Values{"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid}, "SmsStatus": {"received"},
		"From": {from}, "To": {to}, "Body": {body}, "NumSegments": {"1"}, "NumMedia": {fmt.Sprint(len(media))},
		"FromCountry": {"US"}, "ApiVersion": {"2010-04-01"}}
	for i, u := range media {
		v.Set(fmt.Sprintf("MediaUrl%d", i), u)
		v.Set(fmt.Sprintf("MediaContentType%d", i), "image/jpeg")
	}
	return v
}

// Call is the form of an incoming call being answered.
func Call(sid, from, to string) url.Values {
	return url.Values{"CallSid": {sid}, "From": {from}, "To": {to}, "Caller": {from}, "Called": {to},
		"CallStatus": {"ringing"}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
}

// Transcription is the form of a transcribeCallback for a voicemail.
func Transcription(callSID, recordingSID, from, to, text string) url.Values {
	return url.Values{"CallSid": {callSID}, "From": {from}, "To": {to}, "RecordingSid": {recordingSID},
		"RecordingUrl":     {"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/" + recordingSID},
		"TranscriptionSid": {"TR" + randomHex(16)}, "TranscriptionText": {text}, "TranscriptionStatus": {"completed"},
		"TranscriptionType": {"fast"}, "url": {"https://api.twilio.com/transcriptions"}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
