// Package twilio is the phone and SMS channel over Twilio: text messages
// in both directions, and calls logged as conversations whose voicemail
// (recording and transcription) arrives as a message the agent can play
// and read. Every webhook is checked against X-Twilio-Signature.
package twilio

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// Config is a Twilio number's settings, kept in the account's config JSON.
type Config struct {
	AccountSID string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
	// Number is the brand's Twilio number (E.164); replies come from it
	// unless MessagingServiceSID is set.
	Number              string `json:"number"`
	MessagingServiceSID string `json:"messaging_service_sid,omitempty"`
	// WebhookURL is the public URL Twilio posts to, exactly as configured
	// in the Twilio console; signatures are computed over it. Without it
	// the URL is rebuilt from the request (Host, X-Forwarded-Proto).
	WebhookURL string `json:"webhook_url,omitempty"`
	// BaseURL is the REST API (https://api.twilio.com); fakes replace it.
	BaseURL string `json:"base_url,omitempty"`
	// Greeting is said to callers before the voicemail beep.
	Greeting string `json:"greeting,omitempty"`
	// MaxRecordSeconds bounds a voicemail; Twilio transcribes up to 120.
	MaxRecordSeconds int `json:"max_record_seconds,omitempty"`
}

// Connector is one Twilio number.
type Connector struct {
	acct   workspace.Account
	cfg    Config
	client *http.Client
	now    func() time.Time
}

// Factory builds connectors for phone and SMS accounts.
func Factory(client *http.Client) channel.Factory {
	return func(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
		return New(acct, raw, client)
	}
}

// New builds a connector from an account's config.
func New(acct workspace.Account, raw json.RawMessage, client *http.Client) (*Connector, error) {
	var cfg Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return nil, fmt.Errorf("twilio account %d config: %w", acct.ID, err)
		}
	}
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, fmt.Errorf("twilio account %d: account_sid and auth_token are required", acct.ID)
	}
	if cfg.Number == "" {
		cfg.Number = acct.Handle
	}
	cfg.Number = contact.NormalizePhone(cfg.Number)
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.twilio.com"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.MaxRecordSeconds <= 0 || cfg.MaxRecordSeconds > 120 {
		cfg.MaxRecordSeconds = 120
	}
	if cfg.Greeting == "" {
		cfg.Greeting = "Thank you for calling. Please leave a message after the tone and we will get back to you."
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Connector{acct: acct, cfg: cfg, client: client, now: time.Now}, nil
}

// Provider names the wire format.
func (c *Connector) Provider() string { return "twilio" }

// Handshake implements channel.Webhook: Twilio has none.
func (c *Connector) Handshake(http.ResponseWriter, *http.Request) bool { return false }

// Verify checks X-Twilio-Signature over the public URL and the form.
func (c *Connector) Verify(r *http.Request, body []byte) error {
	sig := r.Header.Get("X-Twilio-Signature")
	var params url.Values
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var err error
		if params, err = url.ParseQuery(string(body)); err != nil {
			return fmt.Errorf("%w: unreadable form: %v", channel.ErrBadSignature, err)
		}
	}
	if !ValidSignature(c.cfg.AuthToken, c.requestURL(r), params, body, sig) {
		return channel.ErrBadSignature
	}
	return nil
}

// requestURL is the URL Twilio signed: the configured public URL with the
// request's query, else the request as seen through the proxy.
func (c *Connector) requestURL(r *http.Request) string {
	if c.cfg.WebhookURL != "" {
		u, err := url.Parse(c.cfg.WebhookURL)
		if err == nil {
			if u.RawQuery == "" {
				u.RawQuery = r.URL.RawQuery
			}
			return u.String()
		}
	}
	scheme := "https"
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	} else if r.TLS == nil {
		scheme = "http"
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		host = h
	}
	return scheme + "://" + host + r.URL.RequestURI()
}

// Parse turns a verified form into an event: an SMS, an incoming call, or
// a voicemail recording with its transcription. Anything else (delivery
// status callbacks, our own outbound calls) is skipped.
func (c *Connector) Parse(body []byte) ([]channel.Event, error) {
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("twilio form: %w", err)
	}
	if f.Get("AccountSid") != "" && f.Get("AccountSid") != c.cfg.AccountSID {
		return nil, nil // another Twilio account's number on a shared URL
	}
	from, to := contact.NormalizePhone(f.Get("From")), contact.NormalizePhone(f.Get("To"))
	author := ingest.Author{ID: from, Phone: from, Name: callerName(f)}
	if from == "" {
		// A caller who withholds their number ("Anonymous", "Restricted")
		// was answered and may leave a voicemail: the call stands for them.
		// A text always has a number; without one it is no customer's.
		if f.Get("CallSid") == "" || f.Get("MessageSid") != "" || f.Get("SmsMessageSid") != "" {
			return nil, nil
		}
		author = ingest.Author{ID: contact.Withheld + f.Get("CallSid"), Name: firstNonEmpty(callerName(f), "Withheld number")}
	}
	ev := channel.Event{Kind: channel.Created, Target: to}
	m := &ev.Msg
	m.Visibility, m.Author, m.SentAt = "private", author, c.now()
	switch {
	case f.Get("RecordingSid") != "" && f.Get("TranscriptionSid") == "":
		// The <Record> action post and recording status callbacks: the
		// voicemail becomes a message when its transcription arrives.
		return nil, nil
	case f.Get("RecordingSid") != "" && f.Get("RecordingUrl") != "":
		m.ProviderID = f.Get("RecordingSid")
		m.ReplyTo = f.Get("CallSid") // joins the call's conversation
		m.Text = voicemailText(f)
		m.Attachments = []conversation.Attachment{{URL: recordingURL(f.Get("RecordingUrl")), Type: "audio/mpeg", Name: "voicemail.mp3"}}
	case f.Get("MessageSid") != "" || f.Get("SmsMessageSid") != "":
		if st := f.Get("SmsStatus"); st != "" && st != "received" {
			return nil, nil // a status callback for a message we sent
		}
		m.ProviderID = firstNonEmpty(f.Get("MessageSid"), f.Get("SmsMessageSid"))
		m.Text = f.Get("Body")
		n, _ := strconv.Atoi(f.Get("NumMedia"))
		for i := 0; i < n && i < ingest.MaxAttachment; i++ {
			u := f.Get(fmt.Sprintf("MediaUrl%d", i))
			if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
				m.Attachments = append(m.Attachments, conversation.Attachment{URL: u, Type: f.Get(fmt.Sprintf("MediaContentType%d", i))})
			}
		}
	case f.Get("CallSid") != "":
		if d := f.Get("Direction"); d != "" && d != "inbound" {
			return nil, nil
		}
		m.ProviderID = f.Get("CallSid")
		m.Text = "Incoming call from " + firstNonEmpty(from, "a withheld number")
		if d := f.Get("CallDuration"); d != "" {
			m.Text += " (" + d + " s)"
		}
	default:
		return nil, nil
	}
	m.Raw, _ = json.Marshal(flatten(f))
	if len(m.Raw) > ingest.MaxRawBytes {
		m.Raw = nil
	}
	return []channel.Event{ev}, nil
}

func voicemailText(f url.Values) string {
	switch t := strings.TrimSpace(f.Get("TranscriptionText")); {
	case t != "" && f.Get("TranscriptionStatus") != "failed":
		return t
	case f.Get("TranscriptionStatus") == "failed":
		return "Voicemail (the transcription failed; play the recording)"
	}
	return "Voicemail"
}

// recordingURL asks Twilio for MP3, which every browser plays.
func recordingURL(u string) string {
	if strings.HasSuffix(u, ".mp3") || strings.HasSuffix(u, ".wav") {
		return u
	}
	return u + ".mp3"
}

func callerName(f url.Values) string {
	n := strings.TrimSpace(f.Get("CallerName"))
	if n == "" || strings.HasPrefix(n, "+") {
		return ""
	}
	return n
}

func flatten(f url.Values) map[string]string {
	m := make(map[string]string, len(f))
	for k, v := range f {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return m
}

// IsVoiceCall reports whether a webhook form is a call being answered (it
// needs TwiML back) rather than a message or a callback.
func IsVoiceCall(body []byte) bool {
	f, err := url.ParseQuery(string(body))
	return err == nil && f.Get("CallSid") != "" && f.Get("RecordingSid") == "" && f.Get("MessageSid") == "" &&
		(f.Get("CallStatus") == "ringing" || f.Get("CallStatus") == "in-progress")
}

// Response is what to answer a verified webhook with: for a call being
// answered, TwiML that plays the greeting and records a voicemail whose
// transcription is posted back to the same URL; for anything else an empty
// TwiML response.
func (c *Connector) Response(r *http.Request, body []byte) (contentType string, out []byte) {
	if !IsVoiceCall(body) {
		return "text/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><Response></Response>`)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>`)
	xml.EscapeText(&b, []byte(c.cfg.Greeting))
	fmt.Fprintf(&b, `</Say><Record maxLength="%d" playBeep="true" transcribe="true" transcribeCallback="`, c.cfg.MaxRecordSeconds)
	cb := c.requestURL(r)
	xml.EscapeText(&b, []byte(cb))
	b.WriteString(`"/><Say>Thank you. Goodbye.</Say></Response>`)
	return "text/xml", []byte(b.String())
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

var _ channel.Webhook = (*Connector)(nil)
