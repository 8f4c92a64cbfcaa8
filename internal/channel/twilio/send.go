package twilio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/contact"
)

// MaxSMS bounds a reply: Twilio accepts 1,600 characters (it splits them
// into segments).
const MaxSMS = 1600

// apiMessage is Twilio's Message resource, as far as the desk reads it.
type apiMessage struct {
	SID          string `json:"sid"`
	To           string `json:"to"`
	From         string `json:"from"`
	Body         string `json:"body"`
	Status       string `json:"status"`
	Direction    string `json:"direction"`
	DateCreated  string `json:"date_created"`
	ErrorCode    *int   `json:"error_code"`
	ErrorMessage string `json:"error_message"`
}

type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Send texts a reply to the customer's number (RecipientID).
func (c *Connector) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if contact.IsWithheld(out.RecipientID) {
		return channel.Sent{}, &channel.SendError{Message: "the caller withheld their number, so there is none to text: answer them another way"}
	}
	to := contact.NormalizePhone(out.RecipientID)
	if to == "" {
		return channel.Sent{}, &channel.SendError{Message: "no phone number to text"}
	}
	if utf8.RuneCountInString(out.Text) > MaxSMS {
		return channel.Sent{}, &channel.SendError{Message: fmt.Sprintf("an SMS reply is at most %d characters", MaxSMS)}
	}
	form := url.Values{"To": {to}, "Body": {out.Text}}
	if c.cfg.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", c.cfg.MessagingServiceSID)
	} else {
		form.Set("From", c.cfg.Number)
	}
	var m apiMessage
	// A 2xx whose answer cannot be read is an Accepted SendError: the
	// outbox counts the reply sent, with no id, as for every provider.
	if err := c.call(ctx, http.MethodPost, c.messagesURL(), strings.NewReader(form.Encode()), &m); err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: m.SID}, nil // a 2xx with no sid was sent all the same
}

// Find looks for a reply already sent after a crash: a message from our
// number to the customer with the same text in the last day. Twilio takes no
// idempotency key for messages, so this is how a resend is avoided.
func (c *Connector) Find(ctx context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	to := contact.NormalizePhone(out.RecipientID)
	if to == "" || contact.IsWithheld(out.RecipientID) {
		return channel.Sent{}, false, nil
	}
	q := url.Values{"To": {to}, "PageSize": {"50"}, "DateSent>": {c.now().UTC().Add(-24 * time.Hour).Format("2006-01-02")}}
	if c.cfg.MessagingServiceSID == "" {
		q.Set("From", c.cfg.Number)
	}
	var page struct {
		Messages []apiMessage `json:"messages"`
	}
	if err := c.call(ctx, http.MethodGet, c.messagesURL()+"?"+q.Encode(), nil, &page); err != nil {
		return channel.Sent{}, false, err
	}
	for _, m := range page.Messages {
		if m.Body == out.Text && strings.HasPrefix(m.Direction, "outbound") {
			return channel.Sent{ProviderID: m.SID}, true, nil
		}
	}
	return channel.Sent{}, false, nil
}

func (c *Connector) messagesURL() string {
	return c.cfg.BaseURL + "/2010-04-01/Accounts/" + url.PathEscape(c.cfg.AccountSID) + "/Messages.json"
}

// call does one REST request and classifies failures for the outbox.
func (c *Connector) call(ctx context.Context, method, u string, body io.Reader, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.cfg.AccountSID, c.cfg.AuthToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("twilio %s: %w", method, err) // network: temporary
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var e apiError
		json.Unmarshal(b, &e)
		msg := e.Message
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		if e.Code != 0 {
			msg = fmt.Sprintf("%s (Twilio error %d)", msg, e.Code)
		}
		se := &channel.SendError{Status: resp.StatusCode, Message: msg,
			Temporary: resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			se.RetryAfter = time.Duration(s) * time.Second
		}
		return se
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			return &channel.SendError{Status: resp.StatusCode, Accepted: true, Message: "twilio answered with unreadable JSON: " + err.Error()}
		}
	}
	return nil
}

var (
	_ channel.Sender     = (*Connector)(nil)
	_ channel.Reconciler = (*Connector)(nil)
)

// Probe is Check, for the poller's presence checks.
func (c *Connector) Probe(ctx context.Context) error { return c.Check(ctx) }

// Check asks Twilio for the account, proving the credentials work, for the
// desk's channel health.
func (c *Connector) Check(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, c.cfg.BaseURL+"/2010-04-01/Accounts/"+url.PathEscape(c.cfg.AccountSID)+".json", nil, nil)
}
