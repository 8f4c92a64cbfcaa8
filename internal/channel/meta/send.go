package meta

import (
	"context"
	"net/http"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
)

// Send delivers a reply on a Facebook Page: a public reply to a comment or
// post, a private reply to a comment (Outgoing.Private with ReplyTo a
// comment id), or a Messenger message to RecipientID.
func (p *Page) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if err := checkText(out); err != nil {
		return channel.Sent{}, err
	}
	switch {
	case !out.Private:
		if out.ReplyTo == "" {
			return channel.Sent{}, permanent("a public reply needs the comment or post it answers")
		}
		return p.postComment(ctx, out.ReplyTo+"/comments", out.Text)
	case isCommentID(out.ReplyTo):
		return p.privateReply(ctx, p.cfg.PageID, out)
	default:
		return p.message(ctx, p.cfg.PageID, out)
	}
}

// Send delivers a reply on Instagram: a public reply to a comment
// (POST /{ig-comment-id}/replies), a private reply to a comment, or a DM.
func (g *Instagram) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if err := checkText(out); err != nil {
		return channel.Sent{}, err
	}
	switch {
	case !out.Private:
		if out.ReplyTo == "" {
			return channel.Sent{}, permanent("an Instagram reply needs the comment it answers")
		}
		return g.postComment(ctx, out.ReplyTo+"/replies", out.Text)
	case isCommentID(out.ReplyTo):
		return g.privateReply(ctx, g.messagingID(), out)
	default:
		return g.message(ctx, g.messagingID(), out)
	}
}

// messagingID is the node Instagram DMs are sent through: the linked Page
// with Facebook Login, the Instagram account itself with Instagram Login.
func (g *Instagram) messagingID() string {
	if g.cfg.PageID != "" {
		return g.cfg.PageID
	}
	return g.cfg.IGUserID
}

func (b *base) postComment(ctx context.Context, path, text string) (channel.Sent, error) {
	var res struct {
		ID string `json:"id"`
	}
	if err := b.call(ctx, http.MethodPost, path, nil, map[string]string{"message": text}, &res); err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: res.ID}, nil
}

type sendAnswer struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id"`
}

// privateReply answers a comment in the commenter's inbox. Meta allows one
// per comment, within 7 days of it, and says so when refusing.
func (b *base) privateReply(ctx context.Context, node string, out channel.Outgoing) (channel.Sent, error) {
	req := map[string]any{
		"recipient": map[string]string{"comment_id": out.ReplyTo},
		"message":   map[string]string{"text": out.Text},
	}
	var res sendAnswer
	if err := b.call(ctx, http.MethodPost, node+"/messages", nil, req, &res); err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: res.MessageID}, nil
}

// message sends a Messenger or Instagram message inside the window, with
// the HUMAN_AGENT tag in the extended window, and refuses outside it.
func (b *base) message(ctx context.Context, node string, out channel.Outgoing) (channel.Sent, error) {
	if out.RecipientID == "" {
		return channel.Sent{}, permanent("a private message needs the customer's id on the channel")
	}
	req := map[string]any{
		"recipient":      map[string]string{"id": out.RecipientID},
		"messaging_type": "RESPONSE",
		"message":        map[string]string{"text": out.Text},
	}
	w, known, err := b.window(ctx, out.RecipientID)
	if err != nil {
		return channel.Sent{}, err
	}
	if known {
		if !w.Allowed() {
			return channel.Sent{}, permanent(w.Reason)
		}
		if !w.FreeForm {
			req["messaging_type"] = "MESSAGE_TAG"
			req["tag"] = w.Tag
		}
	}
	var res sendAnswer
	if err := b.call(ctx, http.MethodPost, node+"/messages", nil, req, &res); err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: res.MessageID}, nil
}

// window looks up the customer's window when the desk told us how; known
// is false when it cannot tell, and the provider decides.
func (b *base) window(ctx context.Context, recipient string) (w Window, known bool, err error) {
	if b.lastInbound == nil {
		return Window{}, false, nil
	}
	last, err := b.lastInbound(ctx, recipient)
	if err != nil {
		return Window{}, false, err
	}
	return b.Policy().Check(last, b.now()), true, nil
}

func checkText(out channel.Outgoing) error {
	if strings.TrimSpace(out.Text) == "" {
		return permanent("the reply is empty")
	}
	return nil
}

func permanent(msg string) *channel.SendError { return &channel.SendError{Message: msg} }

// isCommentID tells a Page or Instagram comment id (digits, or
// post_comment digits) from a Messenger message id ("m_...", "mid...") or
// an Instagram one (base64).
func isCommentID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
