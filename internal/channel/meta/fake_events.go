package meta

import (
	"encoding/json"
	"strconv"
	"time"
)

// The builders below make webhook bodies in Meta's documented shapes and
// record, in the fake, what they imply (a comment that may be answered
// privately, a customer whose window opened).

// FeedComment is a Page feed comment change.
type FeedComment struct {
	Verb      string // add, edited or remove
	CommentID string
	PostID    string
	ParentID  string // empty for a top-level comment
	FromID    string
	FromName  string
	Message   string
	At        time.Time
}

// FeedBody returns a Page webhook body carrying feed comment changes.
func (f *Fake) FeedBody(comments ...FeedComment) []byte {
	var changes []map[string]any
	for _, c := range comments {
		if c.Verb == "" {
			c.Verb = "add"
		}
		if c.Verb == "add" {
			f.Commented(c.CommentID, c.At)
		}
		parent := c.ParentID
		if parent == "" {
			parent = c.PostID
		}
		v := map[string]any{
			"from": map[string]string{"id": c.FromID, "name": c.FromName}, "item": "comment", "verb": c.Verb,
			"comment_id": c.CommentID, "post_id": c.PostID, "parent_id": parent, "created_time": c.At.Unix(),
		}
		if c.Verb != "remove" {
			v["message"] = c.Message
		}
		changes = append(changes, map[string]any{"field": "feed", "value": v})
	}
	return envelopeJSON("page", map[string]any{"id": f.PageID, "time": f.now().Unix(), "changes": changes})
}

// MessengerBody returns a Page webhook body with a customer's text message,
// and opens their window in the fake.
func (f *Fake) MessengerBody(psid, mid, text string, at time.Time) []byte {
	f.CustomerWrote(psid, mid, text, at)
	return envelopeJSON("page", map[string]any{"id": f.PageID, "time": at.UnixMilli(), "messaging": []any{map[string]any{
		"sender": map[string]string{"id": psid}, "recipient": map[string]string{"id": f.PageID},
		"timestamp": at.UnixMilli(), "message": map[string]any{"mid": mid, "text": text},
	}}})
}

// IGComment is an Instagram comment notification.
type IGComment struct {
	ID       string
	FromID   string
	Username string
	Text     string
	MediaID  string
	ParentID string
	At       time.Time
}

// InstagramCommentBody returns an Instagram comments notification, in the
// entry[].changes[] envelope or, with flat, with field and value directly
// on the entry (both are delivered).
func (f *Fake) InstagramCommentBody(c IGComment, flat bool) []byte {
	f.Commented(c.ID, c.At)
	v := map[string]any{"id": c.ID, "text": c.Text,
		"from":  map[string]string{"id": c.FromID, "username": c.Username},
		"media": map[string]string{"id": c.MediaID, "media_product_type": "FEED"}}
	if c.ParentID != "" {
		v["parent_id"] = c.ParentID
	}
	e := map[string]any{"id": f.IGUserID, "time": c.At.Unix()}
	if flat {
		e["field"], e["value"] = "comments", v
	} else {
		e["changes"] = []any{map[string]any{"field": "comments", "value": v}}
	}
	return envelopeJSON("instagram", e)
}

// InstagramMentionBody returns a mentions notification, which carries only
// the comment and media ids; the fake answers the lookup Enrich makes.
func (f *Fake) InstagramMentionBody(commentID, mediaID, fromID, username, text string, at time.Time) []byte {
	f.Mentioned(commentID, fromID, username, text, mediaID)
	return envelopeJSON("instagram", map[string]any{"id": f.IGUserID, "time": at.Unix(), "changes": []any{
		map[string]any{"field": "mentions", "value": map[string]string{"comment_id": commentID, "media_id": mediaID}}}})
}

// InstagramDMBody returns an Instagram Direct message notification.
func (f *Fake) InstagramDMBody(igsid, mid, text string, at time.Time) []byte {
	f.CustomerWrote(igsid, mid, text, at)
	return envelopeJSON("instagram", map[string]any{"id": f.IGUserID, "time": at.UnixMilli(), "messaging": []any{map[string]any{
		"sender": map[string]string{"id": igsid}, "recipient": map[string]string{"id": f.IGUserID},
		"timestamp": at.UnixMilli(), "message": map[string]any{"mid": mid, "text": text},
	}}})
}

// WhatsAppTextBody returns a WhatsApp text message notification.
func (f *Fake) WhatsAppTextBody(waID, name, wamid, text string, at time.Time) []byte {
	f.CustomerWrote(waID, wamid, text, at)
	return f.whatsapp(map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]string{"name": name}, "wa_id": waID}},
		"messages": []any{map[string]any{"from": waID, "id": wamid, "timestamp": strconv.FormatInt(at.Unix(), 10),
			"type": "text", "text": map[string]string{"body": text}}},
	})
}

// WhatsAppStatusBody returns a delivery report for a message we sent.
func (f *Fake) WhatsAppStatusBody(wamid, recipient, status string, at time.Time) []byte {
	s := map[string]any{"id": wamid, "status": status, "timestamp": strconv.FormatInt(at.Unix(), 10), "recipient_id": recipient}
	if status == "failed" {
		s["errors"] = []any{map[string]any{"code": 131026, "title": "Message undeliverable",
			"message": "Message undeliverable", "error_data": map[string]string{"details": "Message could not be delivered"}}}
	}
	return f.whatsapp(map[string]any{"statuses": []any{s}})
}

func (f *Fake) whatsapp(value map[string]any) []byte {
	value["messaging_product"] = "whatsapp"
	value["metadata"] = map[string]string{"display_phone_number": "15550783881", "phone_number_id": f.PhoneNumberID}
	return envelopeJSON("whatsapp_business_account", map[string]any{"id": "102290129340398",
		"changes": []any{map[string]any{"field": "messages", "value": value}}})
}

func envelopeJSON(object string, entry map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"object": object, "entry": []any{entry}})
	return b
}
