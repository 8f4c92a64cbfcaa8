package x

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
)

// Send posts a public reply (POST /2/tweets with reply.in_reply_to_tweet_id)
// or, for a private reply, a DM to RecipientID. X takes no idempotency
// key; Find covers a crash between sending and recording.
func (c *Connector) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if strings.TrimSpace(out.Text) == "" {
		return channel.Sent{}, &channel.SendError{Message: "the reply is empty"}
	}
	if out.Private {
		return c.sendDM(ctx, out)
	}
	if out.ReplyTo == "" {
		return channel.Sent{}, &channel.SendError{Message: "a public reply on X needs the post it answers"}
	}
	req := map[string]any{"text": out.Text, "reply": map[string]string{"in_reply_to_tweet_id": out.ReplyTo}}
	var res struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodPost, "/2/tweets", nil, req, &res); err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: res.Data.ID}, nil
}

// sendDM sends a DM. The first DM of a hand-off carries the public post as
// ReplyTo; a DM is addressed to the customer, so only RecipientID counts.
func (c *Connector) sendDM(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if out.RecipientID == "" {
		return channel.Sent{}, &channel.SendError{Message: "a DM on X needs the customer's user id"}
	}
	var res struct {
		Data struct {
			ConversationID string `json:"dm_conversation_id"`
			EventID        string `json:"dm_event_id"`
		} `json:"data"`
	}
	path := "/2/dm_conversations/with/" + url.PathEscape(out.RecipientID) + "/messages"
	if err := c.call(ctx, http.MethodPost, path, nil, map[string]string{"text": out.Text}, &res); err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: res.Data.EventID}, nil
}

// Advise implements channel.Advisor. DMs have no window on X. A public
// reply falls under the summoned rule, which depends on the post being
// answered; without it Advise can only state the rule, and ReplyAllowed
// gives the answer for a post when the desk has its payload.
func (c *Connector) Advise(private bool, _ time.Time) (bool, string) {
	if private {
		return true, ""
	}
	return true, "X lets the brand reply publicly only to posts that mention @" + c.cfg.Handle +
		" or quote one of its posts; if this customer did neither, X refuses the reply: hand off to a DM instead"
}

// ReplyAllowed says whether X will take the brand's public reply to the
// post whose payload is raw (the inbound message's Raw), with a reason for
// the agent, so the desk can offer a DM before the agent writes rather
// than after X refuses.
func (c *Connector) ReplyAllowed(raw json.RawMessage) (bool, string) {
	return ReplyAllowed(raw, c.cfg.UserID, c.cfg.Handle)
}

// dmShape holds the fields that tell a DM event from a post.
type dmShape struct {
	Type          string          `json:"type"`
	EventType     string          `json:"event_type"`
	MessageCreate json.RawMessage `json:"message_create"`
	SenderID      flexString      `json:"sender_id"`
}

// ReplyAllowed applies X's summoned rule (since 2026-02-23 on self-serve
// tiers): the brand brandID (@brandHandle) may reply publicly only to a
// post whose author mentioned it or quoted one of its posts. A reply to
// the brand's own post counts as being engaged, since X puts the @mention
// in it. When the payload does not tell, the reply is allowed and X
// decides; Send then explains a refusal the same way.
func ReplyAllowed(raw json.RawMessage, brandID, brandHandle string) (bool, string) {
	// The payload is a v1.1 tweet or a v2 post; the two share field names
	// with different shapes, so each is read on its own.
	var t v1Tweet
	var p post
	var dm dmShape
	if json.Unmarshal(raw, &dm) != nil {
		return true, "the post's payload is not available; X will refuse the reply if the author has not mentioned the brand"
	}
	if len(dm.MessageCreate) > 0 || dm.Type == "message_create" || dm.EventType == "MessageCreate" || dm.SenderID != "" {
		return true, "this is a DM: the summoned rule applies only to public replies"
	}
	_ = json.Unmarshal(raw, &t)
	_ = json.Unmarshal(raw, &p)
	handle := strings.ToLower(strings.TrimPrefix(brandHandle, "@"))
	is := func(id, name string) bool {
		return (id != "" && id == brandID) || (name != "" && handle != "" && strings.EqualFold(name, handle))
	}
	author := firstOf(t.User.id(), p.AuthorID)
	switch {
	case brandID == "":
	case author == brandID:
		return true, "this is the brand's own post"
	case t.InReplyToUserIDStr == brandID || p.InReplyToUserID == brandID:
		return true, "the author replied to the brand's post"
	case t.QuotedStatus != nil && t.QuotedStatus.User.id() == brandID:
		return true, "the author quoted the brand's post"
	}
	ents := []v1Entities{t.Entities}
	if t.ExtendedTweet != nil {
		ents = append(ents, t.ExtendedTweet.Entities)
	}
	for _, e := range ents {
		for _, m := range e.UserMentions {
			if is(m.IDStr, m.ScreenName) {
				return true, "the author mentioned the brand"
			}
		}
	}
	for _, m := range p.Entities.Mentions {
		if is(m.ID, m.Username) {
			return true, "the author mentioned the brand"
		}
	}
	if handle != "" && mentionsHandle(t.fullText()+" "+p.text(), handle) {
		return true, "the author mentioned the brand"
	}
	return false, "X allows a public reply only to posts that mention @" + handle + " or quote one of its posts, and this one does not: send the customer a DM instead"
}

var mentionRE = regexp.MustCompile(`@([A-Za-z0-9_]{1,15})`)

func mentionsHandle(text, handle string) bool {
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		if strings.EqualFold(m[1], handle) {
			return true
		}
	}
	return false
}
