package meta

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
)

// Meta takes no idempotency key, so after a crash between sending and
// recording, Find looks at what the account itself posted. The Graph API
// lists a comment's replies and a Messenger thread's latest messages, and
// says whether a comment can still be answered privately (once only). A
// WhatsApp phone number cannot list what it sent: WhatsApp has no Find.

// Find reports whether a reply like out was already delivered by the Page.
func (p *Page) Find(ctx context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	switch {
	case !out.Private:
		return p.findReply(ctx, out.ReplyTo+"/comments", p.cfg.PageID, out.Text, "message")
	case isCommentID(out.ReplyTo):
		return p.findPrivateReply(ctx, out.ReplyTo)
	default:
		return p.findMessage(ctx, p.cfg.PageID, p.cfg.PageID, out)
	}
}

// Find reports whether a reply like out was already delivered by the
// Instagram account.
func (g *Instagram) Find(ctx context.Context, out channel.Outgoing) (channel.Sent, bool, error) {
	switch {
	case !out.Private:
		return g.findReply(ctx, out.ReplyTo+"/replies", g.cfg.IGUserID, out.Text, "text")
	case isCommentID(out.ReplyTo):
		return g.findPrivateReply(ctx, out.ReplyTo)
	default:
		return g.findMessage(ctx, g.messagingID(), g.cfg.IGUserID, out)
	}
}

// findReply looks for our reply among the answers to a comment or post.
func (b *base) findReply(ctx context.Context, path, self, text, textField string) (channel.Sent, bool, error) {
	if strings.TrimSuffix(strings.TrimSuffix(path, "/comments"), "/replies") == "" {
		return channel.Sent{}, false, nil
	}
	q := url.Values{"fields": {"id,from,message,text"}, "limit": {"100"}, "order": {"reverse_chronological"}}
	var res struct {
		Data []struct {
			ID      string `json:"id"`
			From    idName `json:"from"`
			Message string `json:"message"`
			Text    string `json:"text"`
		} `json:"data"`
	}
	if err := b.call(ctx, http.MethodGet, path, q, nil, &res); err != nil {
		return channel.Sent{}, false, err
	}
	for _, c := range res.Data {
		body := c.Message
		if textField == "text" {
			body = c.Text
		}
		if c.From.ID == self && sameText(body, text) {
			return channel.Sent{ProviderID: c.ID}, true, nil
		}
	}
	return channel.Sent{}, false, nil
}

// findPrivateReply asks whether the comment can still be answered
// privately: Meta allows one private reply, so "no" means ours went out.
// Meta does not return the message id then.
func (b *base) findPrivateReply(ctx context.Context, commentID string) (channel.Sent, bool, error) {
	var res struct {
		CanReplyPrivately *bool `json:"can_reply_privately"`
	}
	if err := b.call(ctx, http.MethodGet, commentID, url.Values{"fields": {"can_reply_privately"}}, nil, &res); err != nil {
		return channel.Sent{}, false, err
	}
	if res.CanReplyPrivately != nil && !*res.CanReplyPrivately {
		return channel.Sent{}, true, nil
	}
	return channel.Sent{}, false, nil
}

// findMessage looks for our message among the latest of the customer's
// thread, newer than the customer's last message: a reply identical to one
// sent earlier in the same turn counts as delivered.
func (b *base) findMessage(ctx context.Context, node, self string, out channel.Outgoing) (channel.Sent, bool, error) {
	q := url.Values{
		"user_id": {out.RecipientID},
		"fields":  {"messages.limit(25){id,message,from,created_time}"},
	}
	if b.channel == "instagram" {
		q.Set("platform", "instagram")
	}
	var res struct {
		Data []struct {
			Messages struct {
				Data []struct {
					ID      string `json:"id"`
					Message string `json:"message"`
					From    idName `json:"from"`
				} `json:"data"`
			} `json:"messages"`
		} `json:"data"`
	}
	if err := b.call(ctx, http.MethodGet, node+"/conversations", q, nil, &res); err != nil {
		return channel.Sent{}, false, err
	}
	for _, conv := range res.Data {
		for _, m := range conv.Messages.Data { // newest first
			if m.From.ID != self {
				break
			}
			if sameText(m.Message, out.Text) {
				return channel.Sent{ProviderID: m.ID}, true, nil
			}
		}
	}
	return channel.Sent{}, false, nil
}

func sameText(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }
