package meta

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/harkdesk/hark/internal/channel"
)

// Enrich completes Instagram mention events, which name only a comment
// and a media: it fetches who wrote the comment and what it says
// (GET /{ig-user-id}?fields=mentioned_comment.comment_id(ID){...}). Events
// that need nothing are returned as they are; a mention that cannot be
// fetched for good (deleted, or not this app's to read) keeps its ids and
// fails ingest's checks rather than the batch; a temporary failure fails
// the push, which Meta then redelivers.
func (g *Instagram) Enrich(ctx context.Context, events []channel.Event) ([]channel.Event, error) {
	for i := range events {
		m := &events[i].Msg
		if m.Text != "" || m.Author.ID != "" || m.ProviderID == "" {
			continue
		}
		q := url.Values{"fields": {fmt.Sprintf("mentioned_comment.comment_id(%s){id,text,timestamp,username,from,media{id}}", m.ProviderID)}}
		var res struct {
			Mentioned *struct {
				ID        string   `json:"id"`
				Text      string   `json:"text"`
				Timestamp flexTime `json:"timestamp"`
				Username  string   `json:"username"`
				From      idName   `json:"from"`
				Media     struct {
					ID string `json:"id"`
				} `json:"media"`
			} `json:"mentioned_comment"`
		}
		if err := g.call(ctx, http.MethodGet, g.cfg.IGUserID, q, nil, &res); err != nil {
			if channel.IsTemporary(err) {
				return events, fmt.Errorf("instagram mention %s: %w", m.ProviderID, err)
			}
			// A comment deleted since, or one this app may not read, will
			// never be fetched: retrying would hold back the push's other
			// events for good, so this one goes on without its text.
			continue
		}
		c := res.Mentioned
		if c == nil {
			continue
		}
		m.Text = c.Text
		m.Author.ID, m.Author.Handle = c.From.ID, c.From.Username
		if m.Author.Handle == "" {
			m.Author.Handle = c.Username
		}
		if m.Author.ID == "" && m.Author.Handle != "" {
			m.Author.ID = "ig:" + m.Author.Handle // the API gives some apps only the username
		}
		if t := c.Timestamp.Time(); !t.IsZero() {
			m.SentAt = t
		}
		if m.ReplyTo == "" {
			m.ReplyTo = c.Media.ID
		}
	}
	return events, nil
}
