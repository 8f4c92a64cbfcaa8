package x

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
)

// Fields asked of the mentions timeline: enough to thread, credit retweets
// and quotes, and rank authors by reach.
var mentionQuery = url.Values{
	"tweet.fields": {"created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,entities,note_tweet,edit_history_tweet_ids"},
	"expansions":   {"author_id,referenced_tweets.id,referenced_tweets.id.author_id"},
	"user.fields":  {"public_metrics,verified,username,name"},
}

// timeline is one page of GET /2/users/:id/mentions.
type timeline struct {
	Data     []json.RawMessage `json:"data"`
	Includes includes          `json:"includes"`
	Meta     struct {
		NewestID  string `json:"newest_id"`
		OldestID  string `json:"oldest_id"`
		NextToken string `json:"next_token"`
	} `json:"meta"`
}

// cursor is where polling stands: High is the newest mention seen; when a
// poll stopped at its page bound, the mentions between Since and Until
// (both exclusive) are still to be read, and are read before newer ones.
type cursor struct{ High, Since, Until string }

func parseCursor(s string) cursor {
	parts := strings.Split(s, ":")
	if len(parts) == 3 {
		return cursor{parts[0], parts[1], parts[2]}
	}
	return cursor{High: s}
}

func (c cursor) String() string {
	if c.Until != "" {
		return c.High + ":" + c.Since + ":" + c.Until
	}
	return c.High
}

type polled struct {
	p   post
	raw json.RawMessage
	in  includes
}

// Poll reads the brand's mentions after cursor, oldest first. The first
// poll (empty cursor) reads only the newest page: the desk starts from the
// moment the account is connected rather than importing years of history.
// Later polls page back to the cursor's since_id up to MaxPages; what is
// left is remembered in the cursor and read next time. X keeps only the
// latest 800 mentions in this timeline, so a longer outage loses the rest
// unless webhook replay (POST /2/webhooks/replay) covers it.
func (c *Connector) Poll(ctx context.Context, cur string) ([]channel.Event, string, error) {
	at := parseCursor(cur)
	since, until := at.High, ""
	if at.Until != "" {
		since, until = at.Since, at.Until
	}
	pages := c.cfg.MaxPages
	if cur == "" {
		pages = 1
	}
	var got []polled
	var token string
	complete := false
	for range pages {
		q := url.Values{"max_results": {strconv.Itoa(c.cfg.PageSize)}}
		for k, v := range mentionQuery {
			q[k] = v
		}
		if since != "" {
			q.Set("since_id", since)
		}
		if until != "" {
			q.Set("until_id", until)
		}
		if token != "" {
			q.Set("pagination_token", token)
		}
		var page timeline
		if err := c.call(ctx, http.MethodGet, "/2/users/"+url.PathEscape(c.cfg.UserID)+"/mentions", q, nil, &page); err != nil {
			return nil, cur, err
		}
		for _, raw := range page.Data {
			var p post
			if json.Unmarshal(raw, &p) == nil && p.ID != "" {
				got = append(got, polled{p, raw, page.Includes})
			}
		}
		token = page.Meta.NextToken
		if token == "" {
			complete = true
			break
		}
	}
	slices.SortFunc(got, func(a, b polled) int { return compareIDs(a.p.ID, b.p.ID) })
	got = slices.CompactFunc(got, func(a, b polled) bool { return a.p.ID == b.p.ID })

	next := at
	if len(got) > 0 && compareIDs(got[len(got)-1].p.ID, next.High) > 0 {
		next.High = got[len(got)-1].p.ID
	}
	switch {
	case complete || cur == "":
		next.Since, next.Until = "", ""
	case len(got) > 0:
		// Stopped at the bound: the gap below the oldest read is next.
		next.Since, next.Until = since, got[0].p.ID
	}
	var events []channel.Event
	for _, g := range got {
		if ev, ok := v2Event(g.p, g.raw, g.in, c.cfg.UserID); ok {
			ev.Target = c.cfg.UserID
			events = append(events, ev)
		}
	}
	return events, next.String(), nil
}

// compareIDs orders X's snowflake ids, which are decimal strings of
// varying length; an empty id sorts first.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
