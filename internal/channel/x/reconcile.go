package x

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
)

// X takes no idempotency key, so after a crash between sending and
// recording, Find looks at what the brand itself posted:
//   - a public reply among the brand's latest 300 posts
//     (GET /2/users/:id/tweets), replying to ReplyTo with the same text;
//   - a DM among the latest events of the 1:1 conversation
//     (GET /2/dm_conversations/with/:id/dm_events) sent by the brand since
//     the customer last wrote.
//
// Where X cannot tell: a reply pushed out of the latest 300 posts by a
// busy account, or deleted since, is reported as not found and would be
// sent again. X shortens links to t.co, so URLs are compared loosely. As a
// last guard X itself refuses a public post identical to one just made
// ("duplicate content"), which the agent then sees as a failed reply.

// findPages bounds how far back Find reads the brand's own posts.
const findPages = 3

// Find reports whether a reply like out was already delivered.
func (c *Connector) Find(ctx context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	if out.Private {
		return c.findDM(ctx, out)
	}
	if out.ReplyTo == "" {
		return channel.Sent{}, false, nil
	}
	q := url.Values{"max_results": {"100"}, "tweet.fields": {"referenced_tweets,created_at"}}
	var token string
	for range findPages {
		if token != "" {
			q.Set("pagination_token", token)
		}
		var res struct {
			Data []post `json:"data"`
			Meta struct {
				NextToken string `json:"next_token"`
			} `json:"meta"`
		}
		if err := c.call(ctx, http.MethodGet, "/2/users/"+url.PathEscape(c.cfg.UserID)+"/tweets", q, nil, &res); err != nil {
			return channel.Sent{}, false, err
		}
		for _, p := range res.Data {
			for _, r := range p.refs() {
				if r.Type == "replied_to" && r.ID == out.ReplyTo && sameText(p.text(), out.Text) {
					return channel.Sent{ProviderID: p.ID}, true, nil
				}
			}
		}
		if token = res.Meta.NextToken; token == "" {
			break
		}
	}
	return channel.Sent{}, false, nil
}

// findDM looks for our DM among the conversation's newest events, newer
// than the customer's last message: the same words sent in an earlier turn
// answer something else.
func (c *Connector) findDM(ctx context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	if out.RecipientID == "" {
		return channel.Sent{}, false, nil
	}
	q := url.Values{"max_results": {"50"}, "dm_event.fields": {"id,text,sender_id,created_at,event_type"}}
	var res struct {
		Data []v2DM `json:"data"`
	}
	path := "/2/dm_conversations/with/" + url.PathEscape(out.RecipientID) + "/dm_events"
	if err := c.call(ctx, http.MethodGet, path, q, nil, &res); err != nil {
		return channel.Sent{}, false, err
	}
	for _, d := range res.Data { // newest first
		if d.EventType != "" && d.EventType != "MessageCreate" {
			continue
		}
		if d.SenderID != c.cfg.UserID {
			break
		}
		if sameText(d.Text, out.Text) {
			return channel.Sent{ProviderID: d.ID}, true, nil
		}
	}
	return channel.Sent{}, false, nil
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// leadingMentions are the handles X puts before a reply's text.
var leadingMentions = regexp.MustCompile(`^(?:@\w{1,15}\s+)+`)

// sameText compares a sent text with what X shows: X escapes &, < and >
// as HTML entities, starts a reply's text with the handles it answers, and
// rewrites every link to t.co; whitespace is compared collapsed.
func sameText(a, b string) bool {
	norm := func(s string) string {
		s = leadingMentions.ReplaceAllString(html.UnescapeString(strings.TrimSpace(s)), "")
		return strings.Join(strings.Fields(linkRE.ReplaceAllString(s, "<link>")), " ")
	}
	return norm(a) == norm(b)
}

// Probe checks that the brand's profile is reachable with the desk's token
// and not suspended or protected (a protected account's replies reach only
// its followers).
func (c *Connector) Probe(ctx context.Context) error {
	var res struct {
		Data *struct {
			Username  string `json:"username"`
			Protected bool   `json:"protected"`
		} `json:"data"`
		Errors []struct {
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	q := url.Values{"user.fields": {"protected,username"}}
	if err := c.call(ctx, http.MethodGet, "/2/users/"+url.PathEscape(c.cfg.UserID), q, nil, &res); err != nil {
		return err
	}
	switch {
	case res.Data == nil && len(res.Errors) > 0:
		return errors.New("X cannot show the brand's profile: " + res.Errors[0].Detail)
	case res.Data == nil:
		return errors.New("X returned no profile for the brand's user id")
	case res.Data.Protected:
		return errors.New("the brand's X account is protected: public replies reach only its followers")
	}
	return nil
}
