package meta

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
)

// flexTime reads the timestamps Meta sends: Unix seconds or milliseconds,
// as a number or a string, or an ISO 8601 string (Graph API reads).
type flexTime time.Time

func (t *flexTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*t = flexTime(unixAuto(n))
		return nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = flexTime(v)
			return nil
		}
	}
	return nil // an unreadable time is not worth losing the message for
}

func (t flexTime) Time() time.Time { return time.Time(t) }

// unixAuto reads n as milliseconds when it is too large to be seconds.
func unixAuto(n int64) time.Time {
	if n <= 0 {
		return time.Time{}
	}
	if n > 1e11 {
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

type idName struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

// feedValue is a Page feed change.
type feedValue struct {
	Item        string   `json:"item"`
	Verb        string   `json:"verb"`
	CommentID   string   `json:"comment_id"`
	PostID      string   `json:"post_id"`
	ParentID    string   `json:"parent_id"`
	From        idName   `json:"from"`
	Message     string   `json:"message"`
	CreatedTime flexTime `json:"created_time"`
	Photo       string   `json:"photo"`
	Video       string   `json:"video"`
	Link        string   `json:"link"`
}

// pageChange maps one Page feed change. Comments and visitor posts become
// public messages; the Page's own comments and posts are ours and skipped;
// reactions, likes and shares are not messages.
func pageChange(e entry, c change) []channel.Event {
	if c.Field != "feed" {
		return nil
	}
	var v feedValue
	if json.Unmarshal(c.Value, &v) != nil {
		return nil
	}
	if v.From.ID != "" && v.From.ID == e.ID {
		return nil
	}
	m := ingest.Message{
		Visibility: "public",
		Author:     ingest.Author{ID: v.From.ID, Name: v.From.Name},
		Text:       v.Message,
		SentAt:     v.CreatedTime.Time(),
		Raw:        c.Value,
	}
	switch v.Item {
	case "comment":
		m.ProviderID = v.CommentID
		m.ReplyTo = v.ParentID
		if m.ReplyTo == "" {
			m.ReplyTo = v.PostID
		}
		if v.ParentID != "" && v.PostID != "" && v.ParentID != v.PostID {
			m.References = []string{v.PostID}
		}
	case "post", "status", "photo", "video", "share":
		m.ProviderID = v.PostID
	default:
		return nil
	}
	if m.ProviderID == "" {
		return nil
	}
	for _, u := range []struct{ url, kind string }{{v.Photo, "image"}, {v.Video, "video"}} {
		if isHTTP(u.url) {
			m.Attachments = append(m.Attachments, conversation.Attachment{URL: u.url, Type: u.kind})
		}
	}
	if m.Text == "" && v.Link != "" && isHTTP(v.Link) {
		m.Text = v.Link
	}
	kind := channel.Created
	switch v.Verb {
	case "add":
	case "edited":
		kind = channel.Edited
	case "remove", "hide":
		kind = channel.Deleted
	default:
		return nil
	}
	return []channel.Event{{Kind: kind, Target: e.ID, Msg: m}}
}

// messagingItem is one Messenger or Instagram messaging event.
type messagingItem struct {
	Sender    idName   `json:"sender"`
	Recipient idName   `json:"recipient"`
	Timestamp flexTime `json:"timestamp"`
	Message   *struct {
		MID       string `json:"mid"`
		Text      string `json:"text"`
		IsEcho    bool   `json:"is_echo"`
		IsDeleted bool   `json:"is_deleted"`
		IsUnsup   bool   `json:"is_unsupported"`
		ReplyTo   *struct {
			MID string `json:"mid"`
		} `json:"reply_to"`
		Attachments []struct {
			Type    string `json:"type"`
			Payload struct {
				URL   string `json:"url"`
				Title string `json:"title"`
			} `json:"payload"`
		} `json:"attachments"`
	} `json:"message"`
	MessageEdit *struct {
		MID  string `json:"mid"`
		Text string `json:"text"`
	} `json:"message_edit"`
	Postback *struct {
		MID     string `json:"mid"`
		Title   string `json:"title"`
		Payload string `json:"payload"`
	} `json:"postback"`
}

// messaging maps an entry's Messenger (or Instagram Direct) events. Echoes
// of what the business sent are ours and skipped; attachments are kept as
// references to the provider's URLs, never downloaded here.
func messaging(e entry, channelName string) []channel.Event {
	var out []channel.Event
	items := append(append([]json.RawMessage{}, e.Messaging...), e.Standby...)
	for _, raw := range items {
		var it messagingItem
		if json.Unmarshal(raw, &it) != nil {
			continue
		}
		target := e.ID
		if target == "" {
			target = it.Recipient.ID
		}
		m := ingest.Message{
			Visibility: "private",
			Author:     ingest.Author{ID: it.Sender.ID},
			SentAt:     it.Timestamp.Time(),
			Raw:        raw,
		}
		kind := channel.Created
		switch {
		case it.Message != nil:
			msg := it.Message
			if msg.IsEcho || (it.Sender.ID != "" && it.Sender.ID == e.ID) {
				continue
			}
			m.ProviderID = msg.MID
			if msg.IsDeleted {
				kind = channel.Deleted
				break
			}
			m.Text = msg.Text
			if msg.ReplyTo != nil {
				m.ReplyTo = msg.ReplyTo.MID
			}
			for _, a := range msg.Attachments {
				if isHTTP(a.Payload.URL) {
					m.Attachments = append(m.Attachments, conversation.Attachment{URL: a.Payload.URL, Type: a.Type, Name: a.Payload.Title})
				}
			}
			if m.Text == "" && len(m.Attachments) == 0 {
				continue // stickers without a URL, unsupported types
			}
		case it.MessageEdit != nil:
			kind = channel.Edited
			m.ProviderID, m.Text = it.MessageEdit.MID, it.MessageEdit.Text
		case it.Postback != nil:
			// A tapped button is the customer's answer, in the words shown.
			m.ProviderID, m.Text = it.Postback.MID, it.Postback.Title
			if m.Text == "" {
				m.Text = it.Postback.Payload
			}
		default:
			continue // reads, deliveries, reactions, referrals
		}
		if m.ProviderID == "" {
			continue
		}
		out = append(out, channel.Event{Kind: kind, Target: target, Msg: m})
	}
	return out
}

// igComment is an Instagram comments, live_comments or mentions value.
type igComment struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	ParentID string `json:"parent_id"`
	From     idName `json:"from"`
	Media    struct {
		ID string `json:"id"`
	} `json:"media"`
	Timestamp flexTime `json:"timestamp"`
	// mentions carry only the ids.
	CommentID string `json:"comment_id"`
	MediaID   string `json:"media_id"`
}

// instagramChange maps one Instagram change, in either envelope shape.
func instagramChange(e entry, c change) []channel.Event {
	var v igComment
	if json.Unmarshal(c.Value, &v) != nil {
		return nil
	}
	sent := v.Timestamp.Time()
	if sent.IsZero() {
		sent = unixAuto(e.Time)
	}
	m := ingest.Message{
		Visibility: "public",
		Author:     ingest.Author{ID: v.From.ID, Handle: v.From.Username},
		Text:       v.Text,
		SentAt:     sent,
		Raw:        c.Value,
	}
	switch c.Field {
	case "comments", "live_comments":
		if v.From.ID != "" && v.From.ID == e.ID {
			return nil // our own reply
		}
		m.ProviderID = v.ID
		m.ReplyTo = v.ParentID
		if m.ReplyTo == "" {
			m.ReplyTo = v.Media.ID
		}
		if v.ParentID != "" && v.Media.ID != "" {
			m.References = []string{v.Media.ID}
		}
	case "mentions":
		// A mention names only the comment and the media; Instagram.Enrich
		// fetches who wrote what.
		m.ProviderID = v.CommentID
		if m.ProviderID == "" {
			m.ProviderID = v.ID
		}
		m.ReplyTo = v.MediaID
		if m.ReplyTo == "" {
			m.ReplyTo = v.Media.ID
		}
	default:
		return nil
	}
	if m.ProviderID == "" {
		return nil
	}
	return []channel.Event{{Kind: channel.Created, Target: e.ID, Msg: m}}
}

func isHTTP(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}
