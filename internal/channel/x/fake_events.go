package x

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The builders below make Account Activity API and X Activity API bodies
// in X's documented shapes, and record in the fake the posts and DMs they
// carry, so the fake's timelines, lookups and summoned rule agree with
// what was delivered.

// Post is a post by a customer, for the builders.
type Post struct {
	ID     string // empty: the fake assigns one
	Author User
	Text   string
	At     time.Time
	// ReplyTo is the post this one answers; Quote the post it quotes.
	ReplyTo string
	Quote   string
}

// AddUser makes an account known to the fake (mentions by @handle, lookups).
func (f *Fake) AddUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
}

// Publish records a post without delivering it: it appears in the
// mentions timeline when it mentions the brand (what polling catches up
// on), and may be replied to. It returns the post's id.
func (f *Fake) Publish(p Post) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.publish(p).id
}

func (f *Fake) publish(p Post) *fakePost {
	if p.Author.ID != "" {
		f.users[p.Author.ID] = p.Author
	}
	if p.At.IsZero() {
		p.At = f.now()
	}
	fp := &fakePost{id: p.ID, author: p.Author.ID, text: p.Text, at: p.At.UTC(), replyTo: p.ReplyTo, quoted: p.Quote}
	if fp.id == "" {
		fp.id = f.nextID()
	}
	if parent, ok := f.posts[p.ReplyTo]; ok {
		fp.replyToUser = parent.author
	}
	f.addPost(fp)
	return fp
}

var handleRE = regexp.MustCompile(`@([A-Za-z0-9_]{1,15})`)

// addPost records a post and the accounts it mentions.
func (f *Fake) addPost(p *fakePost) {
	for _, m := range handleRE.FindAllStringSubmatch(p.text, -1) {
		for _, u := range f.users {
			if strings.EqualFold(u.Handle, m[1]) && !slices.Contains(p.mentions, u.ID) {
				p.mentions = append(p.mentions, u.ID)
			}
		}
	}
	if _, ok := f.posts[p.id]; !ok {
		f.order = append(f.order, p.id)
	}
	f.posts[p.id] = p
}

// MentionBody returns a tweet_create_events body carrying posts that
// mention the brand (or any posts: the body is what X would send).
func (f *Fake) MentionBody(posts ...Post) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var events []any
	for _, p := range posts {
		events = append(events, f.v1(f.publish(p)))
	}
	return f.aaa("tweet_create_events", events, nil)
}

// ReplyBody returns a tweet_create_events body with a reply to p.ReplyTo.
func (f *Fake) ReplyBody(p Post) []byte { return f.MentionBody(p) }

// QuoteBody returns a tweet_create_events body with a quote of p.Quote.
func (f *Fake) QuoteBody(p Post) []byte { return f.MentionBody(p) }

// RetweetBody returns a tweet_create_events body with by's retweet of
// original, as X delivers a retweet of a post that concerns the brand.
func (f *Fake) RetweetBody(id string, by User, original string, at time.Time) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[by.ID] = by
	orig := f.posts[original]
	text := "RT"
	if orig != nil {
		text = "RT @" + f.users[orig.author].Handle + ": " + orig.text
	}
	p := &fakePost{id: id, author: by.ID, text: text, at: at.UTC(), retweeted: original}
	f.addPost(p)
	return f.aaa("tweet_create_events", []any{f.v1(p)}, nil)
}

// EditBody returns a tweet_create_events body with an edited version of
// the post initialID: X gives the new version its own id (p.ID) and names
// the first in edit_history; the fake's post takes the new text.
func (f *Fake) EditBody(initialID string, p Post) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	fp := f.publish(p)
	fp.editOf = initialID
	if orig, ok := f.posts[initialID]; ok {
		orig.editedBy = fp.id
	}
	t := f.v1(fp)
	t["edit_history"] = map[string]any{"initial_tweet_id": initialID, "edit_tweet_ids": []string{initialID, fp.id}}
	t["edit_controls"] = map[string]any{"edits_remaining": 4, "is_edit_eligible": true}
	return f.aaa("tweet_create_events", []any{t}, nil)
}

// DMBody returns a direct_message_events body with a customer's DM to the
// brand, with the users map X adds.
func (f *Fake) DMBody(from User, id, text string, at time.Time) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[from.ID] = from
	f.dms[from.ID] = append(f.dms[from.ID], fakeDM{id: id, sender: from.ID, text: text, at: at.UTC()})
	ev := map[string]any{
		"type": "message_create", "id": id, "created_timestamp": strconv.FormatInt(at.UnixMilli(), 10),
		"message_create": map[string]any{
			"target": map[string]string{"recipient_id": f.UserID}, "sender_id": from.ID,
			"message_data": map[string]any{"text": text, "entities": map[string]any{"hashtags": []any{}, "symbols": []any{}, "urls": []any{}, "user_mentions": []any{}}},
		},
	}
	users := map[string]any{from.ID: dmUserJSON(from), f.UserID: dmUserJSON(f.users[f.UserID])}
	return f.aaa("direct_message_events", []any{ev}, users)
}

// DeleteBody returns a tweet_delete_events body for a post, and deletes it
// in the fake.
func (f *Fake) DeleteBody(id, userID string, at time.Time) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.posts[id]; ok {
		p.deleted = true
	}
	return f.aaa("tweet_delete_events", []any{map[string]any{
		"status": map[string]string{"id": id, "user_id": userID}, "timestamp_ms": strconv.FormatInt(at.UnixMilli(), 10)}}, nil)
}

// ActivityBody returns an X Activity API envelope (event types
// post.mention.create, post.reply.create) carrying p as a v2 post.
func (f *Fake) ActivityBody(eventType, eventUUID string, p Post) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	fp := f.publish(p)
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"event_uuid": eventUUID, "filter": map[string]string{"user_id": f.UserID}, "event_type": eventType,
		"tag": "hark", "payload": f.v2(fp), "includes": map[string]any{"users": []any{v2UserJSON(f.users[fp.author])}},
	}})
	return b
}

func (f *Fake) aaa(key string, events []any, users map[string]any) []byte {
	body := map[string]any{"for_user_id": f.UserID, key: events}
	if key == "tweet_create_events" {
		body["user_has_blocked"] = false
	}
	if users != nil {
		body["users"] = users
	}
	b, _ := json.Marshal(body)
	return b
}

// v1 renders a post as a v1.1 tweet: text cut at 140 characters with
// truncated set and the whole in extended_tweet, as for long posts.
func (f *Fake) v1(p *fakePost) map[string]any {
	full := p.text
	t := map[string]any{
		"created_at": p.at.Format(time.RubyDate), "id_str": p.id, "text": full, "truncated": false,
		"user": v1UserJSON(f.users[p.author]), "timestamp_ms": strconv.FormatInt(p.at.UnixMilli(), 10),
		"entities": f.v1Entities(p), "is_quote_status": p.quoted != "", "lang": "en", "source": "<a href=\"https://x.com\">X Web App</a>",
		"in_reply_to_status_id_str": nil, "in_reply_to_user_id_str": nil, "in_reply_to_screen_name": nil,
	}
	if n, err := strconv.ParseInt(p.id, 10, 64); err == nil {
		t["id"] = n
	}
	if utf8.RuneCountInString(full) > 140 {
		t["text"] = string([]rune(full)[:139]) + "…"
		t["truncated"] = true
		t["extended_tweet"] = map[string]any{"full_text": full, "display_text_range": []int{0, utf8.RuneCountInString(full)}, "entities": f.v1Entities(p)}
	}
	if p.replyTo != "" {
		t["in_reply_to_status_id_str"] = p.replyTo
		if parent, ok := f.posts[p.replyTo]; ok {
			t["in_reply_to_user_id_str"] = parent.author
			t["in_reply_to_screen_name"] = f.users[parent.author].Handle
		}
	}
	if q, ok := f.posts[p.quoted]; ok {
		t["quoted_status_id_str"] = q.id
		t["quoted_status"] = f.v1(q)
	}
	if r, ok := f.posts[p.retweeted]; ok {
		t["retweeted_status"] = f.v1(r)
	}
	return t
}

func (f *Fake) v1Entities(p *fakePost) map[string]any {
	var mentions []any
	for _, id := range p.mentions {
		u := f.users[id]
		mentions = append(mentions, map[string]any{"id_str": u.ID, "screen_name": u.Handle, "name": u.Name})
	}
	if mentions == nil {
		mentions = []any{}
	}
	return map[string]any{"hashtags": []any{}, "urls": []any{}, "symbols": []any{}, "user_mentions": mentions}
}

func v1UserJSON(u User) map[string]any {
	m := map[string]any{"id_str": u.ID, "screen_name": u.Handle, "name": u.Name, "followers_count": u.Followers,
		"verified": u.Verified, "protected": false}
	if n, err := strconv.ParseInt(u.ID, 10, 64); err == nil {
		m["id"] = n
	}
	return m
}

func dmUserJSON(u User) map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "screen_name": u.Handle, "followers_count": u.Followers, "verified": u.Verified, "protected": false}
}

func v2UserJSON(u User) map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "username": u.Handle, "verified": u.Verified,
		"public_metrics": map[string]any{"followers_count": u.Followers}}
}

// v2 renders a post as a v2 post: 280 characters in text, the whole of a
// longer one in note_tweet.
func (f *Fake) v2(p *fakePost) map[string]any {
	root := p
	for i := 0; i < 50 && root.replyTo != ""; i++ {
		parent, ok := f.posts[root.replyTo]
		if !ok {
			break
		}
		root = parent
	}
	m := map[string]any{"id": p.id, "text": p.text, "author_id": p.author, "conversation_id": root.id,
		"created_at": p.at.Format("2006-01-02T15:04:05.000Z"), "edit_history_tweet_ids": []string{p.id}}
	if p.editOf != "" {
		m["edit_history_tweet_ids"] = []string{p.editOf, p.id}
	}
	if utf8.RuneCountInString(p.text) > 280 {
		m["text"] = string([]rune(p.text)[:280])
		m["note_tweet"] = map[string]any{"text": p.text}
	}
	var refs []map[string]string
	for _, r := range [][2]string{{"replied_to", p.replyTo}, {"quoted", p.quoted}, {"retweeted", p.retweeted}} {
		if r[1] != "" {
			refs = append(refs, map[string]string{"type": r[0], "id": r[1]})
		}
	}
	if refs != nil {
		m["referenced_tweets"] = refs
	}
	if p.replyToUser != "" {
		m["in_reply_to_user_id"] = p.replyToUser
	}
	var mentions []map[string]string
	for _, id := range p.mentions {
		mentions = append(mentions, map[string]string{"id": id, "username": f.users[id].Handle})
	}
	if mentions != nil {
		m["entities"] = map[string]any{"mentions": mentions}
	}
	return m
}
