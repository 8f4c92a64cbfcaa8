package blog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/ingest"
)

// Comment is a WordPress REST comment, as far as the desk reads it.
type Comment struct {
	ID          int64  `json:"id"`
	Post        int64  `json:"post"`
	Parent      int64  `json:"parent"`
	Author      int64  `json:"author"`
	AuthorName  string `json:"author_name"`
	AuthorURL   string `json:"author_url"`
	AuthorEmail string `json:"author_email"` // only with context=edit
	DateGMT     string `json:"date_gmt"`
	Link        string `json:"link"`
	Status      string `json:"status"`
	Type        string `json:"type"`
	Content     struct {
		Rendered string `json:"rendered"`
		Raw      string `json:"raw"`
	} `json:"content"`
}

const wpTime = "2006-01-02T15:04:05"

// maxPages bounds one poll; the rest comes next time.
const maxPages = 10

// wpCursor is where WordPress polling stands. Each pass reads the window
// again, oldest first, so comments approved late (they keep the date they
// were written) are found; a pass longer than one poll resumes by page.
// Pages rather than the last date read, because WordPress compares after
// with the site's local comment_date while comments carry date_gmt: a
// fixed after keeps each pass's list the same whatever the time zone.
type wpCursor struct {
	// Newest is the date of the newest comment read; the window trails it.
	Newest time.Time `json:"newest"`
	// After and Page are an unfinished pass: its start and its next page.
	After time.Time `json:"after,omitzero"`
	Page  int       `json:"page,omitempty"`
}

// readWPCursor reads a cursor; before passes, it was Newest alone, in RFC 3339.
func readWPCursor(s string, start time.Time) wpCursor {
	var cur wpCursor
	if json.Unmarshal([]byte(s), &cur) == nil && !cur.Newest.IsZero() {
		return cur
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return wpCursor{Newest: t}
	}
	return wpCursor{Newest: start}
}

func (c *Connector) pollWordPress(ctx context.Context, cursor string) ([]channel.Event, string, error) {
	window := time.Duration(c.cfg.WindowHours) * time.Hour
	cur := readWPCursor(cursor, c.now().Add(-window))
	me, err := c.meID(ctx)
	if err != nil {
		return nil, cursor, err
	}
	after, page := cur.After, cur.Page
	if page > 1 {
		// Read the last page again: comments deleted behind it since
		// shifted the list back, and one would fall between the polls.
		page--
	} else {
		after, page = cur.Newest.Add(-window).UTC(), 1
	}
	var out []channel.Event
	newest := cur.Newest
	read := func(list []Comment) {
		for _, cm := range list {
			ev, t, ok := c.commentEvent(cm, me)
			if t.After(newest) {
				newest = t
			}
			if ok {
				out = append(out, ev)
			}
		}
	}
	for range maxPages {
		list, more, err := c.listComments(ctx, url.Values{"after": {after.Format(wpTime)}, "order": {"asc"}, "page": {strconv.Itoa(page)}})
		if err != nil {
			return nil, cursor, err
		}
		read(list)
		if !more {
			next, _ := json.Marshal(wpCursor{Newest: newest.UTC()})
			return out, string(next), nil
		}
		page++
	}
	// The pass goes on next poll. Its end may be far off on a busy blog, so
	// the newest page is read now too, not held behind it.
	list, _, err := c.listComments(ctx, url.Values{"order": {"desc"}, "page": {"1"}})
	if err != nil {
		return nil, cursor, err
	}
	read(list)
	next, _ := json.Marshal(wpCursor{Newest: newest.UTC(), After: after, Page: page})
	return out, string(next), nil
}

// listComments reads one page of comments by date, and says whether
// another follows.
func (c *Connector) listComments(ctx context.Context, q url.Values) ([]Comment, bool, error) {
	q.Set("orderby", "date_gmt")
	q.Set("per_page", "100")
	if c.cfg.AppPassword != "" {
		q.Set("context", "edit") // gives author_email, so a commenter joins their e-mail contact
	}
	var list []Comment
	h, err := c.wp(ctx, http.MethodGet, "/wp-json/wp/v2/comments?"+q.Encode(), nil, &list)
	if err != nil {
		return nil, false, err
	}
	page, _ := strconv.Atoi(q.Get("page"))
	pages, _ := strconv.Atoi(h.Get("X-WP-TotalPages"))
	return list, len(list) == 100 && page < pages, nil
}

// commentEvent is a comment as a new message, unless it is not a
// customer's; t is its date either way.
func (c *Connector) commentEvent(cm Comment, me int64) (ev channel.Event, t time.Time, ok bool) {
	t, err := time.Parse(wpTime, strings.TrimSuffix(cm.DateGMT, "Z"))
	if err != nil {
		t = time.Time{}
	}
	if cm.Status != "" && cm.Status != "approved" && cm.Status != "approve" {
		return ev, t, false
	}
	if cm.Type != "" && cm.Type != "comment" {
		return ev, t, false // pingbacks and trackbacks
	}
	if me != 0 && cm.Author == me {
		return ev, t, false // our own replies, even before the outbox recorded them
	}
	return channel.Event{Kind: channel.Created, Target: c.cfg.Site, Msg: commentMessage(cm, t)}, t, true
}

func commentMessage(cm Comment, at time.Time) ingest.Message {
	m := ingest.Message{
		ProviderID: strconv.FormatInt(cm.ID, 10),
		Visibility: "public",
		Text:       email.HTMLToText(cm.Content.Rendered),
		SentAt:     at,
		Author:     ingest.Author{Name: cm.AuthorName, Handle: cm.AuthorName, Email: strings.ToLower(cm.AuthorEmail)},
	}
	switch {
	case cm.Author != 0:
		m.Author.ID = "wp-user-" + strconv.FormatInt(cm.Author, 10)
	case cm.AuthorEmail != "":
		m.Author.ID = strings.ToLower(cm.AuthorEmail)
	case cm.AuthorURL != "":
		m.Author.ID = strings.ToLower(cm.AuthorURL)
	default:
		m.Author.ID = "name:" + strings.ToLower(cm.AuthorName)
	}
	if cm.Parent != 0 {
		m.ReplyTo = strconv.FormatInt(cm.Parent, 10)
	}
	if m.Text == "" {
		m.Text = "(empty comment)"
	}
	cm.Content.Raw = "" // the rendered text is kept; raw would double it
	// The from and subject fields let an answer by e-mail find its way.
	m.Raw, _ = json.Marshal(struct {
		Comment
		From    string `json:"from,omitempty"`
		Subject string `json:"subject"`
	}{cm, strings.ToLower(cm.AuthorEmail), "Your comment on " + postName(cm.Link)})
	return m
}

// wpError is WordPress's error body.
type wpError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// wp calls the REST API and classifies failures for the outbox.
func (c *Connector) wp(ctx context.Context, method, path string, body any, into any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Site+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.AppPassword != "" {
		req.SetBasicAuth(c.cfg.Username, c.cfg.AppPassword)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("wordpress %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode >= 300 {
		var e wpError
		json.Unmarshal(b, &e)
		msg := e.Message
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		se := &channel.SendError{Status: resp.StatusCode, Message: msg, Temporary: resp.StatusCode == 429 || resp.StatusCode >= 500}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			se.RetryAfter = time.Duration(s) * time.Second
		}
		if e.Code == "comment_duplicate" {
			return resp.Header, &duplicateError{se}
		}
		return resp.Header, se
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			return resp.Header, fmt.Errorf("wordpress answer to %s: %w", path, err)
		}
	}
	return resp.Header, nil
}

// CheckPrivate says why a commenter cannot be answered in private: the
// blog answers by e-mail, which needs reply_from and smtp.
func (c *Connector) CheckPrivate() error {
	if c.mail == nil {
		return errors.New("to answer a commenter by e-mail, set reply_from and smtp for this blog")
	}
	return nil
}

// noPublicReply says why a reply cannot be posted on the blog ("" when it
// can): a feed is read only, and WordPress takes a comment only from a
// site user's application password.
func (c *Connector) noPublicReply() string {
	if c.cfg.Kind != "wordpress" {
		return "comments from a feed cannot be answered on the blog; answer the commenter by e-mail"
	}
	if c.cfg.AppPassword == "" {
		return "set a WordPress application password to reply"
	}
	return ""
}

// Advise implements channel.Advisor: the agent is told before writing a
// public reply that the blog will not take it, not after the outbox fails
// it, and where to answer instead.
func (c *Connector) Advise(private bool, _ time.Time) (bool, string) {
	if private {
		return true, ""
	}
	why := c.noPublicReply()
	if why == "" {
		return true, ""
	}
	if c.CheckPrivate() == nil {
		why += ": use Continue in private"
	} else if c.cfg.Kind != "wordpress" {
		why += " (set reply_from and smtp for this blog)"
	}
	return false, why
}

// duplicateError is WordPress refusing a comment it already has: after a
// crash between posting and recording, the reply is there already.
type duplicateError struct{ *channel.SendError }

// Send posts a public reply under the comment answered, as the site user.
func (c *Connector) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if out.Private {
		if err := c.CheckPrivate(); err != nil {
			return channel.Sent{}, &channel.SendError{Message: err.Error()}
		}
		return c.mail.Send(ctx, out)
	}
	if why := c.noPublicReply(); why != "" {
		return channel.Sent{}, &channel.SendError{Message: why}
	}
	parent, err := strconv.ParseInt(out.ReplyTo, 10, 64)
	if err != nil || parent <= 0 {
		return channel.Sent{}, &channel.SendError{Message: "no comment to reply to"}
	}
	var pc Comment
	if _, err := c.wp(ctx, http.MethodGet, "/wp-json/wp/v2/comments/"+out.ReplyTo, nil, &pc); err != nil {
		return channel.Sent{}, err
	}
	var made Comment
	_, err = c.wp(ctx, http.MethodPost, "/wp-json/wp/v2/comments", map[string]any{"post": pc.Post, "parent": parent, "content": out.Text}, &made)
	if de, ok := err.(*duplicateError); ok {
		if sent, found, ferr := c.Find(ctx, out); ferr == nil && found {
			return sent, nil
		}
		return channel.Sent{}, de.SendError
	}
	if err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: strconv.FormatInt(made.ID, 10)}, nil
}

// Finds implements channel.Selective: a public reply on WordPress can be
// looked up, not a private one, which goes by e-mail, nor one to a feed.
// Without it a lost SMTP answer was taken for "not posted" and the
// commenter e-mailed twice.
func (c *Connector) Finds(out channel.Outgoing) bool {
	return !out.Private && c.cfg.Kind == "wordpress"
}

// Find looks for our reply under the parent comment, by its text.
func (c *Connector) Find(ctx context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	if c.cfg.Kind != "wordpress" || c.cfg.AppPassword == "" || out.ReplyTo == "" {
		return channel.Sent{}, false, nil
	}
	me, err := c.meID(ctx)
	if err != nil {
		return channel.Sent{}, false, err
	}
	q := url.Values{"parent": {out.ReplyTo}, "author": {strconv.FormatInt(me, 10)}, "context": {"edit"}, "per_page": {"100"}, "status": {"all"}}
	var list []Comment
	if _, err := c.wp(ctx, http.MethodGet, "/wp-json/wp/v2/comments?"+q.Encode(), nil, &list); err != nil {
		return channel.Sent{}, false, err
	}
	for _, cm := range list {
		if strings.TrimSpace(cm.Content.Raw) == strings.TrimSpace(out.Text) {
			return channel.Sent{ProviderID: strconv.FormatInt(cm.ID, 10)}, true, nil
		}
	}
	return channel.Sent{}, false, nil
}

// Poll reads new comments: WordPress by REST, anything else by its feed.
func (c *Connector) Poll(ctx context.Context, cursor string) ([]channel.Event, string, error) {
	if c.cfg.Kind == "feed" {
		return c.pollFeed(ctx, cursor)
	}
	return c.pollWordPress(ctx, cursor)
}

// meID is the id of the user replies are posted as (0 without a password).
func (c *Connector) meID(ctx context.Context) (int64, error) {
	if c.cfg.AppPassword == "" {
		return 0, nil
	}
	if id := c.me.Load(); id != 0 {
		return id, nil
	}
	var me struct {
		ID int64 `json:"id"`
	}
	if _, err := c.wp(ctx, http.MethodGet, "/wp-json/wp/v2/users/me", nil, &me); err != nil {
		return 0, err
	}
	c.me.Store(me.ID)
	return me.ID, nil
}

// postName is the post's address without the comment anchor.
func postName(link string) string {
	link, _, _ = strings.Cut(link, "#")
	if link == "" {
		return "our blog"
	}
	return link
}
