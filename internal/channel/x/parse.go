package x

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
)

// flexString reads an id or timestamp X sends as a string in one payload
// and a number in another. Numbers are kept as written: ids exceed what a
// float64 holds exactly.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null" || b[0] == '{' || b[0] == '[':
		return nil
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	default:
		*s = flexString(b)
	}
	return nil
}

// v1User is a user object in Account Activity payloads (tweet authors and
// the DM users map).
type v1User struct {
	IDStr      string     `json:"id_str"`
	ID         flexString `json:"id"`
	ScreenName string     `json:"screen_name"`
	Name       string     `json:"name"`
	Followers  int64      `json:"followers_count"`
	Verified   bool       `json:"verified"`
}

func (u v1User) id() string {
	if u.IDStr != "" {
		return u.IDStr
	}
	return string(u.ID)
}

func (u v1User) author() ingest.Author {
	return ingest.Author{ID: u.id(), Handle: u.ScreenName, Name: u.Name, Followers: u.Followers, Verified: u.Verified}
}

type v1Entities struct {
	UserMentions []struct {
		IDStr      string `json:"id_str"`
		ScreenName string `json:"screen_name"`
	} `json:"user_mentions"`
	Media []struct {
		MediaURLHTTPS string `json:"media_url_https"`
		Type          string `json:"type"`
	} `json:"media"`
}

// v1Tweet is a tweet in tweet_create_events, as v1.1 shaped it.
type v1Tweet struct {
	IDStr         string     `json:"id_str"`
	CreatedAt     string     `json:"created_at"`
	TimestampMS   flexString `json:"timestamp_ms"`
	Text          string     `json:"text"`
	FullText      string     `json:"full_text"`
	Truncated     bool       `json:"truncated"`
	ExtendedTweet *struct {
		FullText         string     `json:"full_text"`
		Entities         v1Entities `json:"entities"`
		ExtendedEntities v1Entities `json:"extended_entities"`
	} `json:"extended_tweet"`
	// note_tweet carries posts longer than 280 characters in newer payloads.
	NoteTweet *struct {
		Text string `json:"text"`
	} `json:"note_tweet"`
	InReplyToStatusIDStr string     `json:"in_reply_to_status_id_str"`
	InReplyToUserIDStr   string     `json:"in_reply_to_user_id_str"`
	User                 v1User     `json:"user"`
	Entities             v1Entities `json:"entities"`
	ExtendedEntities     v1Entities `json:"extended_entities"`
	RetweetedStatus      *v1Tweet   `json:"retweeted_status"`
	QuotedStatus         *v1Tweet   `json:"quoted_status"`
	QuotedStatusIDStr    string     `json:"quoted_status_id_str"`
	EditHistory          *struct {
		InitialTweetID string `json:"initial_tweet_id"`
	} `json:"edit_history"`
}

// fullText is the whole post: text is cut at 140 characters when
// truncated is set, and the rest is in extended_tweet or note_tweet.
func (t *v1Tweet) fullText() string {
	best := t.Text
	for _, s := range []string{t.FullText, extendedText(t), noteText(t.NoteTweet)} {
		if len(s) > len(best) {
			best = s
		}
	}
	return best
}

func extendedText(t *v1Tweet) string {
	if t.ExtendedTweet == nil {
		return ""
	}
	return t.ExtendedTweet.FullText
}

func noteText(n *struct {
	Text string `json:"text"`
}) string {
	if n == nil {
		return ""
	}
	return n.Text
}

func (t *v1Tweet) sentAt() time.Time {
	if v, err := time.Parse(time.RubyDate, t.CreatedAt); err == nil {
		return v.UTC()
	}
	return unixMilli(string(t.TimestampMS))
}

func (t *v1Tweet) attachments() []conversation.Attachment {
	ents := []v1Entities{t.ExtendedEntities, t.Entities}
	if t.ExtendedTweet != nil {
		ents = append([]v1Entities{t.ExtendedTweet.ExtendedEntities, t.ExtendedTweet.Entities}, ents...)
	}
	var out []conversation.Attachment
	seen := map[string]bool{}
	for _, e := range ents {
		for _, m := range e.Media {
			if isHTTP(m.MediaURLHTTPS) && !seen[m.MediaURLHTTPS] {
				seen[m.MediaURLHTTPS] = true
				out = append(out, conversation.Attachment{URL: m.MediaURLHTTPS, Type: mediaType(m.Type)})
			}
		}
	}
	return out
}

// v1DM is one of direct_message_events.
type v1DM struct {
	Type             string     `json:"type"`
	ID               flexString `json:"id"`
	CreatedTimestamp flexString `json:"created_timestamp"`
	MessageCreate    struct {
		Target struct {
			RecipientID flexString `json:"recipient_id"`
		} `json:"target"`
		SenderID    flexString `json:"sender_id"`
		MessageData struct {
			Text       string `json:"text"`
			Attachment *struct {
				Media struct {
					MediaURLHTTPS string `json:"media_url_https"`
					Type          string `json:"type"`
				} `json:"media"`
			} `json:"attachment"`
		} `json:"message_data"`
	} `json:"message_create"`
}

// aaaBody is an Account Activity API delivery. One body carries one kind
// of event for one subscribed user (for_user_id).
type aaaBody struct {
	ForUserID     flexString                 `json:"for_user_id"`
	TweetCreate   []json.RawMessage          `json:"tweet_create_events"`
	DirectMessage []json.RawMessage          `json:"direct_message_events"`
	Users         map[string]json.RawMessage `json:"users"`
	TweetDelete   []json.RawMessage          `json:"tweet_delete_events"`
	// Data is the X Activity API envelope, which has nothing else.
	Data json.RawMessage `json:"data"`
}

// Parse reads an Account Activity API body or an X Activity API envelope
// for the brand account self. The brand's own posts and DMs are
// skipped; likes, follows, typing and read receipts are not messages.
//
// X's v1.1-shaped payloads carry no edits: an edited post arrives as a new
// post whose edit_history names the first version, and is reported as an
// Edited event on that first id (its creation may predate the desk, in
// which case the store keeps it as new).
func Parse(body []byte, self string) ([]channel.Event, error) {
	var b aaaBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("%w: x webhook: %v", hark.ErrInvalid, err)
	}
	target := string(b.ForUserID)
	if target == "" {
		target = self
	}
	if self == "" {
		self = target
	}
	var out []channel.Event
	for _, raw := range b.TweetCreate {
		var t v1Tweet
		if json.Unmarshal(raw, &t) != nil {
			continue
		}
		if ev, ok := v1Event(t, raw, self); ok {
			ev.Target = target
			out = append(out, ev)
		}
	}
	for _, raw := range b.DirectMessage {
		var d v1DM
		if json.Unmarshal(raw, &d) != nil {
			continue
		}
		if ev, ok := v1DMEvent(d, raw, b.Users, self); ok {
			ev.Target = target
			out = append(out, ev)
		}
	}
	for _, raw := range b.TweetDelete {
		var d struct {
			Status struct {
				ID     flexString `json:"id"`
				UserID flexString `json:"user_id"`
			} `json:"status"`
			TimestampMS flexString `json:"timestamp_ms"`
		}
		if json.Unmarshal(raw, &d) != nil || d.Status.ID == "" {
			continue
		}
		out = append(out, channel.Event{Kind: channel.Deleted, Target: target, Msg: ingest.Message{
			ProviderID: string(d.Status.ID), Visibility: "public", Author: ingest.Author{ID: string(d.Status.UserID)},
			SentAt: unixMilli(string(d.TimestampMS)), Raw: raw,
		}})
	}
	if len(b.Data) > 0 && string(b.Data) != "null" {
		out = append(out, activityEvents(b.Data, self)...)
	}
	return out, nil
}

// v1Event maps a tweet_create_events item. Mentions and replies become
// public messages; a retweet or quote is its own message whose References
// name the original, so its reach is credited to the original's thread.
func v1Event(t v1Tweet, raw json.RawMessage, self string) (channel.Event, bool) {
	if t.IDStr == "" || t.User.id() == self {
		return channel.Event{}, false
	}
	m := ingest.Message{
		ProviderID:  t.IDStr,
		Visibility:  "public",
		Author:      t.User.author(),
		Text:        t.fullText(),
		ReplyTo:     t.InReplyToStatusIDStr,
		SentAt:      t.sentAt(),
		Attachments: t.attachments(),
		Raw:         raw,
	}
	if rt := t.RetweetedStatus; rt != nil && rt.IDStr != "" {
		m.Text = "RT @" + rt.User.ScreenName + ": " + rt.fullText()
		m.ReplyTo = ""
		m.References = []string{rt.IDStr}
		m.Attachments = rt.attachments()
	}
	quoted := t.QuotedStatusIDStr
	if t.QuotedStatus != nil && t.QuotedStatus.IDStr != "" {
		quoted = t.QuotedStatus.IDStr
	}
	if quoted != "" && t.RetweetedStatus == nil {
		m.References = append(m.References, quoted)
	}
	kind := channel.Created
	if t.EditHistory != nil && t.EditHistory.InitialTweetID != "" && t.EditHistory.InitialTweetID != t.IDStr {
		kind, m.ProviderID = channel.Edited, t.EditHistory.InitialTweetID
	}
	return channel.Event{Kind: kind, Msg: m}, true
}

// v1DMEvent maps a message_create; the brand's own DMs, which X echoes
// back, are skipped.
func v1DMEvent(d v1DM, raw json.RawMessage, users map[string]json.RawMessage, self string) (channel.Event, bool) {
	sender := string(d.MessageCreate.SenderID)
	if d.Type != "message_create" || d.ID == "" || sender == "" || sender == self {
		return channel.Event{}, false
	}
	author := ingest.Author{ID: sender}
	var u v1User
	if json.Unmarshal(users[sender], &u) == nil && u.id() != "" {
		author = u.author()
		author.ID = sender
	}
	m := ingest.Message{
		ProviderID: string(d.ID),
		Visibility: "private",
		Author:     author,
		Text:       d.MessageCreate.MessageData.Text,
		SentAt:     unixMilli(string(d.CreatedTimestamp)),
		Raw:        raw,
	}
	if a := d.MessageCreate.MessageData.Attachment; a != nil && isHTTP(a.Media.MediaURLHTTPS) {
		m.Attachments = []conversation.Attachment{{URL: a.Media.MediaURLHTTPS, Type: mediaType(a.Media.Type)}}
	}
	return channel.Event{Kind: channel.Created, Msg: m}, true
}

// post is a v2 post (the mentions timeline, X Activity API payloads). The
// 2026 OpenAPI spec renames referenced_tweets to referenced_posts: both
// are read.
type post struct {
	ID               string    `json:"id"`
	Text             string    `json:"text"`
	AuthorID         string    `json:"author_id"`
	ConversationID   string    `json:"conversation_id"`
	CreatedAt        string    `json:"created_at"`
	InReplyToUserID  string    `json:"in_reply_to_user_id"`
	ReferencedTweets []postRef `json:"referenced_tweets"`
	ReferencedPosts  []postRef `json:"referenced_posts"`
	NoteTweet        *struct {
		Text string `json:"text"`
	} `json:"note_tweet"`
	Entities struct {
		Mentions []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"mentions"`
	} `json:"entities"`
	EditHistory []string `json:"edit_history_tweet_ids"`
}

type postRef struct {
	Type string `json:"type"` // replied_to, quoted or retweeted
	ID   string `json:"id"`
}

func (p post) refs() []postRef {
	return append(append([]postRef{}, p.ReferencedTweets...), p.ReferencedPosts...)
}

func (p post) text() string {
	if n := noteText(p.NoteTweet); len(n) > len(p.Text) {
		return n
	}
	return p.Text
}

type v2User struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Username      string `json:"username"`
	Verified      bool   `json:"verified"`
	PublicMetrics struct {
		Followers int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

// includes are the objects a v2 answer expands (authors, referenced posts).
type includes struct {
	Users  []v2User `json:"users"`
	Tweets []post   `json:"tweets"`
	Posts  []post   `json:"posts"`
}

func (in includes) user(id string) (v2User, bool) {
	for _, u := range in.Users {
		if u.ID == id {
			return u, true
		}
	}
	return v2User{}, false
}

func (in includes) post(id string) (post, bool) {
	for _, p := range append(append([]post{}, in.Tweets...), in.Posts...) {
		if p.ID == id {
			return p, true
		}
	}
	return post{}, false
}

func (in includes) author(id string) ingest.Author {
	a := ingest.Author{ID: id}
	if u, ok := in.user(id); ok {
		a.Handle, a.Name, a.Followers, a.Verified = u.Username, u.Name, u.PublicMetrics.Followers, u.Verified
	}
	return a
}

// v2Event maps a v2 post the same way v1Event maps a v1.1 tweet. A reply
// also names its conversation's root, so it threads even when the post it
// answers was never seen.
func v2Event(p post, raw json.RawMessage, in includes, self string) (channel.Event, bool) {
	if p.ID == "" || p.AuthorID == self {
		return channel.Event{}, false
	}
	m := ingest.Message{
		ProviderID: p.ID,
		Visibility: "public",
		Author:     in.author(p.AuthorID),
		Text:       p.text(),
		SentAt:     parseISO(p.CreatedAt),
		Raw:        raw,
	}
	for _, r := range p.refs() {
		switch r.Type {
		case "replied_to":
			m.ReplyTo = r.ID
		case "retweeted":
			m.References = append(m.References, r.ID)
			if orig, ok := in.post(r.ID); ok {
				a := in.author(orig.AuthorID)
				m.Text = "RT @" + a.Handle + ": " + orig.text()
			}
		case "quoted":
			m.References = append(m.References, r.ID)
		}
	}
	if c := p.ConversationID; c != "" && c != p.ID && c != m.ReplyTo && m.ReplyTo != "" {
		m.References = append(m.References, c)
	}
	kind := channel.Created
	if len(p.EditHistory) > 1 && p.EditHistory[0] != p.ID {
		kind, m.ProviderID = channel.Edited, p.EditHistory[0]
	}
	return channel.Event{Kind: kind, Msg: m}, true
}

// activity is the X Activity API envelope's data.
type activity struct {
	EventUUID string `json:"event_uuid"`
	Filter    struct {
		UserID string `json:"user_id"`
	} `json:"filter"`
	EventType string          `json:"event_type"`
	Payload   json.RawMessage `json:"payload"`
	Includes  includes        `json:"includes"`
}

// v2DM is a v2 DM event (dm.received payloads).
type v2DM struct {
	ID        string `json:"id"`
	EventType string `json:"event_type"`
	Text      string `json:"text"`
	SenderID  string `json:"sender_id"`
	CreatedAt string `json:"created_at"`
}

// activityEvents maps X Activity API deliveries (one envelope, or a list
// of them). The provider ids are the post and DM ids, not event_uuid, so a
// post that also arrives through the Account Activity API or a poll is a
// duplicate.
func activityEvents(data json.RawMessage, self string) []channel.Event {
	var list []activity
	if json.Unmarshal(data, &list) != nil {
		var one activity
		if json.Unmarshal(data, &one) != nil {
			return nil
		}
		list = []activity{one}
	}
	var out []channel.Event
	for _, a := range list {
		target := a.Filter.UserID
		if target == "" {
			target = self
		}
		switch a.EventType {
		case "post.mention.create", "post.reply.create", "post.quote.create", "post.create":
			var p post
			if json.Unmarshal(a.Payload, &p) != nil {
				continue
			}
			if ev, ok := v2Event(p, a.Payload, a.Includes, self); ok {
				ev.Target = target
				out = append(out, ev)
			}
		case "post.delete":
			var p struct {
				ID       string `json:"id"`
				PostID   string `json:"post_id"`
				TweetID  string `json:"tweet_id"`
				AuthorID string `json:"author_id"`
			}
			if json.Unmarshal(a.Payload, &p) != nil {
				continue
			}
			id := firstOf(p.ID, p.PostID, p.TweetID)
			if id == "" {
				continue
			}
			out = append(out, channel.Event{Kind: channel.Deleted, Target: target, Msg: ingest.Message{
				ProviderID: id, Visibility: "public", Author: ingest.Author{ID: p.AuthorID}, Raw: a.Payload}})
		case "dm.received":
			var d v2DM
			if json.Unmarshal(a.Payload, &d) != nil || d.ID == "" || d.SenderID == "" || d.SenderID == self {
				continue
			}
			out = append(out, channel.Event{Kind: channel.Created, Target: target, Msg: ingest.Message{
				ProviderID: d.ID, Visibility: "private", Author: a.Includes.author(d.SenderID),
				Text: d.Text, SentAt: parseISO(d.CreatedAt), Raw: a.Payload,
			}})
		}
	}
	return out
}

func parseISO(s string) time.Time {
	if v, err := time.Parse(time.RFC3339, s); err == nil {
		return v.UTC()
	}
	return time.Time{}
}

func unixMilli(s string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func mediaType(t string) string {
	switch t {
	case "photo":
		return "image"
	case "video", "animated_gif":
		return "video"
	}
	return t
}

func isHTTP(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
