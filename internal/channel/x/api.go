package x

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

// DefaultThrottle is the wait after a 429 that names no reset time; X's
// windows are 15 minutes long, but most bursts clear sooner.
const DefaultThrottle = time.Minute

// Rate-limit headers X sends on every v2 answer.
const (
	HeaderLimit     = "x-rate-limit-limit"
	HeaderRemaining = "x-rate-limit-remaining"
	HeaderReset     = "x-rate-limit-reset" // epoch seconds
)

// ReplyNotAllowed is how X words its refusal of a reply under the summoned
// rule; Send recognises it by its core phrase.
const ReplyNotAllowed = "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to."

// apiError is a failed v2 answer: a problem document, or the older list of
// errors.
type apiError struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Errors []struct {
		Message string `json:"message"`
		Detail  string `json:"detail"`
		Code    int    `json:"code"`
	} `json:"errors"`
}

func (e apiError) message() string {
	if e.Detail != "" {
		return e.Detail
	}
	for _, x := range e.Errors {
		if m := firstOf(x.Detail, x.Message); m != "" {
			return m
		}
	}
	return e.Title
}

// call makes one v2 request and decodes a 2xx answer into out. A failure
// is a *channel.SendError classified for the outbox and the poller.
func (c *Connector) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := c.cfg.APIURL + path
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
	req.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("x %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("x %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return c.classify(resp, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &channel.SendError{Status: resp.StatusCode, Accepted: true, Message: "X answered with unreadable JSON: " + err.Error()}
		}
	}
	return nil
}

// classify turns a failed answer into a SendError: 429 and 5xx are
// temporary (429 waits for x-rate-limit-reset); the rest are permanent and
// carry X's own words to the agent.
func (c *Connector) classify(resp *http.Response, data []byte) *channel.SendError {
	var e apiError
	_ = json.Unmarshal(data, &e)
	se := &channel.SendError{Status: resp.StatusCode, Message: e.message()}
	if se.Message == "" {
		se.Message = http.StatusText(resp.StatusCode)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		se.Temporary = true
		se.RetryAfter = c.resetWait(resp.Header)
		if se.RetryAfter == 0 {
			se.RetryAfter = DefaultThrottle
		}
		se.Message = "X's rate limit is used up: " + se.Message
	case resp.StatusCode >= 500:
		// x-rate-limit-reset comes on every answer and says when the budget
		// refills, which has nothing to do with an outage.
		se.Temporary = true
		se.RetryAfter = retryAfter(resp.Header)
	case resp.StatusCode == http.StatusUnauthorized:
		se.Message = "X refused the access token; reconnect the account. " + se.Message
	case isNotSummoned(se.Message):
		se.Message = "X does not allow a public reply to this post: its author has not mentioned the brand or quoted one of its posts. Send a DM instead (hand the conversation off to private). X said: " + se.Message
	}
	return se
}

// isNotSummoned recognises X's refusal under the summoned rule.
func isNotSummoned(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "not been mentioned or otherwise engaged") ||
		strings.Contains(m, "reply to this conversation is not allowed")
}

// resetWait reads when the rate-limit window reopens: x-rate-limit-reset
// (epoch seconds), else Retry-After (seconds).
func (c *Connector) resetWait(h http.Header) time.Duration {
	if n, err := strconv.ParseInt(strings.TrimSpace(h.Get(HeaderReset)), 10, 64); err == nil && n > 0 {
		// A second of margin: the reset is rounded down to the second.
		return max(time.Second, time.Unix(n, 0).Sub(c.now())+time.Second)
	}
	return retryAfter(h)
}

func retryAfter(h http.Header) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}
