package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/ingest"
)

// DefaultThrottle is the wait after a 429 without Retry-After. LinkedIn's
// limits are daily, but a burst limit clears within a minute.
const DefaultThrottle = time.Minute

// maxPages bounds one poll of one post, so a viral post cannot stall the
// poller; the cursor picks up the rest next time.
const maxPages = 20

// call makes one REST request with LinkedIn's versioning headers. A failure
// is a *channel.SendError classified for the outbox.
func (c *Connector) call(ctx context.Context, method, path string, query url.Values, body any, out any) (http.Header, error) {
	u := c.cfg.APIURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	req.Header.Set("LinkedIn-Version", c.cfg.Version)
	req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("linkedin %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("linkedin %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return resp.Header, classify(resp, data)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, &channel.SendError{Status: resp.StatusCode, Message: "linkedin answered with unreadable JSON: " + err.Error()}
		}
	}
	return resp.Header, nil
}

func classify(resp *http.Response, data []byte) *channel.SendError {
	var e struct {
		Message          string `json:"message"`
		ServiceErrorCode int    `json:"serviceErrorCode"`
	}
	_ = json.Unmarshal(data, &e)
	se := &channel.SendError{Status: resp.StatusCode, Message: e.Message}
	if se.Message == "" {
		se.Message = http.StatusText(resp.StatusCode)
	}
	if e.ServiceErrorCode != 0 {
		se.Message += fmt.Sprintf(" (serviceErrorCode %d)", e.ServiceErrorCode)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		se.Temporary = true
		se.RetryAfter = retryAfter(resp.Header)
		if se.RetryAfter == 0 {
			se.RetryAfter = DefaultThrottle
		}
	case resp.StatusCode >= 500:
		se.Temporary = true
		se.RetryAfter = retryAfter(resp.Header)
	case resp.StatusCode == http.StatusUnauthorized:
		se.Message = "LinkedIn refused the access token; reconnect the account. " + se.Message
	}
	return se
}

func retryAfter(h http.Header) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// comment is an element of the comments API.
type comment struct {
	URN           string `json:"$URN"`
	CommentURN    string `json:"commentUrn"`
	ID            string `json:"id"`
	Actor         string `json:"actor"`
	Object        string `json:"object"`
	ParentComment string `json:"parentComment"`
	Message       struct {
		Text string `json:"text"`
	} `json:"message"`
	Created      struct{ Time int64 } `json:"created"`
	LastModified struct{ Time int64 } `json:"lastModified"`
	raw          json.RawMessage
}

func (cm comment) urn() string {
	switch {
	case cm.CommentURN != "":
		return cm.CommentURN
	case cm.URN != "":
		return cm.URN
	case cm.ID != "" && cm.Object != "":
		return "urn:li:comment:(" + cm.Object + "," + cm.ID + ")"
	}
	return ""
}

func commentsPath(urn string) string {
	return "/rest/socialActions/" + url.PathEscape(urn) + "/comments"
}

// comments reads one page of the comments on a post or comment.
func (c *Connector) comments(ctx context.Context, parent string, start int) ([]comment, int, error) {
	q := url.Values{"start": {strconv.Itoa(start)}, "count": {strconv.Itoa(c.cfg.PageSize)}}
	var res struct {
		Paging struct {
			Total int `json:"total"`
		} `json:"paging"`
		Elements []json.RawMessage `json:"elements"`
	}
	if _, err := c.call(ctx, http.MethodGet, commentsPath(parent), q, nil, &res); err != nil {
		return nil, 0, err
	}
	out := make([]comment, 0, len(res.Elements))
	for _, raw := range res.Elements {
		var cm comment
		if json.Unmarshal(raw, &cm) == nil {
			cm.raw = raw
			out = append(out, cm)
		}
	}
	return out, res.Paging.Total, nil
}

// mark is how far polling has read one post: the newest activity time
// and, at that time, the greatest comment URN, so comments sharing a
// millisecond are neither lost nor repeated.
type mark struct {
	floor
	// Gap is what a poll that stopped at maxPages left unread: the
	// comments after Gap.Floor from offset Gap.Start on (newest first), which
	// the next polls read on from there.
	Gap *gap `json:"gap,omitempty"`
}

type gap struct {
	Start int `json:"start"`
	// Ceil is the last comment read before Start. Comments deleted since
	// move the unread ones up the list, above Start; resume finds them by it.
	Ceil  floor `json:"ceil,omitzero"`
	Floor floor `json:"floor"`
}

// floor is a time and URN: what a scan reads after.
type floor struct {
	T int64  `json:"t"`
	U string `json:"u,omitempty"`
}

func (m floor) before(t int64, urn string) bool { return t > m.T || (t == m.T && urn > m.U) }

// found is a comment a scan read, with the floor it was read against.
type found struct {
	comment
	floor floor
}

// scan reads a post's comments, newest first, from offset from.Start for
// at most maxPages pages, keeping those after from.Floor. done reports that
// it reached the floor or the end of the list; otherwise rest is where the
// next scan goes on.
func (c *Connector) scan(ctx context.Context, post string, from gap) (out []found, rest gap, done bool, err error) {
	rest, f := from, from.Floor
	for page := 0; page < maxPages; page++ {
		list, total, err := c.comments(ctx, post, rest.Start)
		if err != nil {
			return nil, from, false, err
		}
		anyNew := false
		for _, cm := range list {
			if urn, t := cm.urn(), max(cm.Created.Time, cm.LastModified.Time); urn != "" && f.before(t, urn) {
				anyNew = true
				out = append(out, found{cm, f})
			}
		}
		rest.Start += len(list)
		if len(list) > 0 {
			last := list[len(list)-1]
			rest.Ceil = floor{last.Created.Time, last.urn()}
		}
		// Newest first: a page with nothing new means the rest is old.
		if len(list) == 0 || rest.Start >= total || (!anyNew && f.T > 0) {
			return out, rest, true, nil
		}
	}
	return out, rest, false, nil
}

// resume is where a gap's unread comments begin now. New comments push
// them down the list, so reading from g.Start may repeat some (ingest drops
// the duplicates); deleted ones pull them up, above g.Start, so it steps
// back a page at a time until the page at Start begins no older than the
// last comment read.
func (c *Connector) resume(ctx context.Context, post string, g gap) (gap, error) {
	for step := 0; step < maxPages && g.Start > 0 && g.Ceil.T > 0; step++ {
		list, _, err := c.comments(ctx, post, g.Start)
		if err != nil {
			return g, err
		}
		if len(list) > 0 {
			first := list[0]
			if urn := first.urn(); urn == g.Ceil.U || g.Ceil.before(first.Created.Time, urn) {
				break // no older than the last one read: nothing unread above
			}
		}
		g.Start = max(0, g.Start-c.cfg.PageSize)
	}
	return g, nil
}

// Poll returns the comments on the configured posts made or edited after
// cursor, oldest first. The cursor is JSON: post URN -> mark. A deleted
// comment simply disappears from the API; deletes come by webhook. A burst
// of more than one poll reads (maxPages pages) is read on by the next
// polls from where this one stopped, so none is skipped.
func (c *Connector) Poll(ctx context.Context, cursor string) ([]channel.Event, string, error) {
	marks := map[string]mark{}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &marks); err != nil {
			return nil, cursor, fmt.Errorf("linkedin poll: unreadable cursor: %w", err)
		}
	}
	var out []channel.Event
	for _, post := range c.cfg.Posts {
		prev := marks[post]
		fresh, rest, done, err := c.scan(ctx, post, gap{Floor: prev.floor})
		if err != nil {
			return nil, cursor, fmt.Errorf("linkedin poll %s: %w", post, err)
		}
		var left *gap
		if !done && (prev.T > 0 || prev.Gap != nil) {
			// (The first poll of a post reads its newest pages only, not
			// back through all its history.)
			left = &rest
		}
		if prev.Gap != nil {
			from, err := c.resume(ctx, post, *prev.Gap)
			if err != nil {
				return nil, cursor, fmt.Errorf("linkedin poll %s: %w", post, err)
			}
			more, rest, done, err := c.scan(ctx, post, from)
			if err != nil {
				return nil, cursor, fmt.Errorf("linkedin poll %s: %w", post, err)
			}
			fresh = append(fresh, more...)
			switch {
			case left != nil:
				left.Floor = from.Floor // one gap from this poll's end down to the older floor
			case !done:
				left = &rest
			}
		}
		sort.SliceStable(fresh, func(i, j int) bool {
			a, b := max(fresh[i].Created.Time, fresh[i].LastModified.Time), max(fresh[j].Created.Time, fresh[j].LastModified.Time)
			return a < b || (a == b && fresh[i].urn() < fresh[j].urn())
		})
		next := mark{prev.floor, left}
		for _, cm := range fresh {
			if t, urn := max(cm.Created.Time, cm.LastModified.Time), cm.urn(); next.before(t, urn) {
				next.floor = floor{t, urn}
			}
			if cm.Actor == c.cfg.Organization {
				continue // our own replies
			}
			kind, at := channel.Created, cm.Created.Time
			if cm.floor.T > 0 && cm.Created.Time <= cm.floor.T && cm.LastModified.Time > cm.Created.Time {
				kind, at = channel.Edited, cm.LastModified.Time // an edit is dated when it was made
			}
			reply := cm.ParentComment
			if reply == "" {
				reply = post
			}
			out = append(out, channel.Event{Kind: kind, Target: c.cfg.Organization, Msg: ingest.Message{
				ProviderID: cm.urn(),
				Visibility: "public",
				Author:     ingest.Author{ID: cm.Actor},
				Text:       cm.Message.Text,
				ReplyTo:    reply,
				SentAt:     unixMilli(at),
				Raw:        cm.raw,
			}})
		}
		if next != prev { // a gap is a new pointer every poll: written while there is one
			marks[post] = next
		}
	}
	b, _ := json.Marshal(marks)
	return out, string(b), nil
}

// Send posts a comment as the organisation: on the post, or under the
// comment Outgoing.ReplyTo names. LinkedIn has no API for an
// organisation's private messages, so a private reply is refused.
func (c *Connector) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if out.Private {
		return channel.Sent{}, &channel.SendError{Message: "LinkedIn does not let an organisation send private messages through its API; reply publicly"}
	}
	if strings.TrimSpace(out.Text) == "" {
		return channel.Sent{}, &channel.SendError{Message: "the reply is empty"}
	}
	if out.ReplyTo == "" {
		return channel.Sent{}, &channel.SendError{Message: "a LinkedIn reply needs the post or comment it answers"}
	}
	post := PostOf(out.ReplyTo)
	req := map[string]any{
		"actor":   c.cfg.Organization,
		"object":  post,
		"message": map[string]string{"text": out.Text},
	}
	if post != out.ReplyTo {
		req["parentComment"] = out.ReplyTo
	}
	var res comment
	h, err := c.call(ctx, http.MethodPost, commentsPath(post), nil, req, &res)
	if err != nil {
		return channel.Sent{}, err
	}
	if res.Object == "" {
		res.Object = post
	}
	if res.ID == "" {
		res.ID = h.Get("X-Restli-Id")
	}
	return channel.Sent{ProviderID: res.urn()}, nil
}

// Find looks for the organisation's reply among the comments under the
// post or comment answered, so a crash between sending and recording does
// not post it twice.
func (c *Connector) Find(ctx context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	if out.Private || out.ReplyTo == "" {
		return channel.Sent{}, false, nil
	}
	post := PostOf(out.ReplyTo)
	parent, under := "", post
	if post != out.ReplyTo {
		parent, under = out.ReplyTo, out.ReplyTo // replies are listed under their comment
	}
	for page, start := 0, 0; page < maxPages; page++ {
		list, total, err := c.comments(ctx, under, start)
		if err != nil {
			return channel.Sent{}, false, err
		}
		for _, cm := range list {
			if cm.Actor == c.cfg.Organization && cm.ParentComment == parent &&
				strings.TrimSpace(cm.Message.Text) == strings.TrimSpace(out.Text) {
				return channel.Sent{ProviderID: cm.urn()}, true, nil
			}
		}
		start += len(list)
		if len(list) == 0 || start >= total {
			break
		}
	}
	return channel.Sent{}, false, nil
}
