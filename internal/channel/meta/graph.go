package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
)

// graphError is the body of a failed Graph API call.
type graphError struct {
	Error struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         int    `json:"code"`
		Subcode      int    `json:"error_subcode"`
		UserMessage  string `json:"error_user_msg"`
		IsTransient  bool   `json:"is_transient"`
		FBTraceID    string `json:"fbtrace_id"`
		ErrorDetails struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// Graph error codes the desk treats specially.
const (
	codeAppRateLimit  = 4
	codeUserRateLimit = 17
	codePageRateLimit = 32
	codeCallsLimit    = 613
	codePermission    = 10
	// Messenger: the message is sent outside the allowed window.
	subcodeOutsideWindow = 2018278
	// WhatsApp: more than 24 hours since the customer last replied.
	codeWAReengagement = 131047
	codeWAThroughput   = 130429
	codeWAPairLimit    = 131056
	codeWASpamLimit    = 131048
)

// DefaultThrottle is how long to wait after a throttling error that
// carries no estimate: Meta's app and Page limits roll over an hour, but
// most throttling clears within minutes.
const DefaultThrottle = time.Minute

// call makes one Graph API request and decodes a 2xx answer into out. A
// failure is a *channel.SendError classified for the outbox.
func (b *base) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := b.cfg.GraphURL + "/" + b.cfg.GraphVersion + "/" + strings.TrimLeft(path, "/")
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// The token travels in a header, never in a URL that may be logged.
	req.Header.Set("Authorization", "Bearer "+b.cfg.AccessToken)
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("meta %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("meta %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return classify(resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &channel.SendError{Status: resp.StatusCode, Accepted: true, Message: "meta answered with unreadable JSON: " + err.Error()}
	}
	return nil
}

// classify turns a failed Graph answer into a SendError: throttling and
// server trouble are temporary, the rest (bad token, closed window, a
// deleted comment) are permanent and shown to the agent.
func classify(resp *http.Response, data []byte) *channel.SendError {
	var g graphError
	_ = json.Unmarshal(data, &g)
	e := g.Error
	se := &channel.SendError{Status: resp.StatusCode, Message: e.Message}
	if e.ErrorDetails.Details != "" {
		se.Message = strings.TrimSpace(se.Message + ": " + e.ErrorDetails.Details)
	}
	if se.Message == "" {
		se.Message = http.StatusText(resp.StatusCode)
	}
	if e.Code != 0 {
		se.Message = fmt.Sprintf("%s (code %d", se.Message, e.Code)
		if e.Subcode != 0 {
			se.Message += fmt.Sprintf(", subcode %d", e.Subcode)
		}
		se.Message += ")"
	}
	switch {
	case throttled(e.Code) || resp.StatusCode == http.StatusTooManyRequests:
		se.Temporary = true
		se.RetryAfter = retryAfter(resp.Header)
		if se.RetryAfter == 0 {
			se.RetryAfter = DefaultThrottle
		}
	case resp.StatusCode >= 500 || e.Code == 1 || e.Code == 2 || e.IsTransient:
		se.Temporary = true
		se.RetryAfter = retryAfter(resp.Header)
	case e.Code == codePermission && e.Subcode == subcodeOutsideWindow:
		se.Message = "Meta refused the message: the customer last wrote more than 24 hours ago and the HUMAN_AGENT window has closed or is not allowed for this Page. " + se.Message
	case e.Code == codeWAReengagement:
		se.Message = "WhatsApp refused free text: the customer has not written in the last 24 hours, so only an approved template may be sent. " + se.Message
	}
	return se
}

func throttled(code int) bool {
	switch code {
	case codeAppRateLimit, codeUserRateLimit, codePageRateLimit, codeCallsLimit,
		codeWAThroughput, codeWAPairLimit, codeWASpamLimit:
		return true
	}
	return code >= 80001 && code <= 80014 // business use case limits
}

// retryAfter reads Meta's hints: Retry-After, else the longest
// estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage.
func retryAfter(h http.Header) time.Duration {
	if s := h.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	var d time.Duration
	if s := h.Get("X-Business-Use-Case-Usage"); s != "" {
		var usage map[string][]struct {
			Minutes int `json:"estimated_time_to_regain_access"`
		}
		if json.Unmarshal([]byte(s), &usage) == nil {
			for _, list := range usage {
				for _, u := range list {
					if m := time.Duration(u.Minutes) * time.Minute; m > d {
						d = m
					}
				}
			}
		}
	}
	return d
}
