package x

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fake is an in-process X API for tests and demos. It answers the v2 calls
// the connector makes (mentions timeline, the brand's posts, POST /2/tweets,
// DMs and their lookup, the profile), enforces the summoned rule and X's
// refusal of duplicate posts, reports rate-limit headers, records what it
// was sent, fails or throttles on cue, and pushes CRC checks and signed
// Account Activity events to a desk like X does.
type Fake struct {
	ConsumerSecret string
	AccessToken    string
	UserID         string
	Handle         string
	// Client pushes webhooks and CRC checks; nil means http.DefaultClient.
	Client *http.Client

	mux *http.ServeMux

	mu        sync.Mutex
	now       func() time.Time
	seq       int64
	requests  []FakeRequest
	cues      []fakeCue
	users     map[string]User
	posts     map[string]*fakePost
	order     []string            // post ids, oldest first
	dms       map[string][]fakeDM // participant id -> DM events, oldest first
	delivered []FakeSent
	calls     int
}

// User is an X account the fake knows.
type User struct {
	ID        string
	Handle    string
	Name      string
	Followers int64
	Verified  bool
}

// FakeRequest is one call the fake received.
type FakeRequest struct {
	Method string
	Path   string
	Query  url.Values
	Body   map[string]any
}

// FakeSent is a post or DM the brand made through the fake.
type FakeSent struct {
	ID          string
	Private     bool
	Text        string
	ReplyTo     string // the post answered (public replies)
	RecipientID string // the customer (DMs)
}

type fakePost struct {
	id, author, text     string
	replyTo, replyToUser string
	quoted, retweeted    string
	at                   time.Time
	mentions             []string // user ids
	deleted              bool
	editOf, editedBy     string // the first version; the newer version
}

type fakeDM struct {
	id, sender, text string
	at               time.Time
}

type fakeCue struct {
	status int
	detail string
	header http.Header
	reset  time.Duration // 429: when the window reopens
}

// FakeRateLimit is the budget per 15-minute window the fake reports.
const FakeRateLimit = 300

// NewFake returns a fake X for the brand @harkdesk, answering to the given
// consumer secret and access token.
func NewFake(consumerSecret, accessToken string) *Fake {
	f := &Fake{
		ConsumerSecret: consumerSecret, AccessToken: accessToken,
		UserID: "1420000000000000001", Handle: "harkdesk",
		now:   time.Now,
		seq:   1800000000000000000,
		users: map[string]User{}, posts: map[string]*fakePost{}, dms: map[string][]fakeDM{},
	}
	f.users[f.UserID] = User{ID: f.UserID, Handle: f.Handle, Name: "Hark Desk", Followers: 12000, Verified: true}
	f.mux = http.NewServeMux()
	f.mux.HandleFunc("GET /2/users/{id}/mentions", f.mentions)
	f.mux.HandleFunc("GET /2/users/{id}/tweets", f.ownPosts)
	f.mux.HandleFunc("GET /2/users/{id}", f.profile)
	f.mux.HandleFunc("POST /2/tweets", f.postTweet)
	f.mux.HandleFunc("POST /2/dm_conversations/with/{id}/messages", f.postDM)
	f.mux.HandleFunc("GET /2/dm_conversations/with/{id}/dm_events", f.dmEvents)
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "Not Found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return f
}

// Config is the account config JSON that points a connector at this fake
// served at baseURL.
func (f *Fake) Config(baseURL string) json.RawMessage {
	b, _ := json.Marshal(Config{ConsumerSecret: f.ConsumerSecret, AccessToken: f.AccessToken,
		UserID: f.UserID, Handle: f.Handle, APIURL: baseURL})
	return b
}

// SetClock replaces the fake's clock (rate-limit resets, timestamps).
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// Requests returns the calls received so far.
func (f *Fake) Requests() []FakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// Sends returns the POSTs received so far, accepted or not.
func (f *Fake) Sends() []FakeRequest {
	var out []FakeRequest
	for _, r := range f.Requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// Delivered returns the posts and DMs the brand made, in order.
func (f *Fake) Delivered() []FakeSent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.delivered)
}

// Fail makes the next n calls answer status (5xx), with Retry-After when
// retryAfter > 0.
func (f *Fake) Fail(n, status int, retryAfter time.Duration) {
	h := http.Header{}
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	}
	f.cue(n, fakeCue{status: status, detail: "Service Unavailable", header: h})
}

// RateLimit makes the next n calls answer 429 with the budget used up
// until reset from now, as x-rate-limit-reset says.
func (f *Fake) RateLimit(n int, reset time.Duration) {
	f.cue(n, fakeCue{status: http.StatusTooManyRequests, detail: "Too Many Requests", reset: reset})
}

// Reject makes the next n calls fail permanently with X's detail.
func (f *Fake) Reject(n, status int, detail string) {
	f.cue(n, fakeCue{status: status, detail: detail})
}

func (f *Fake) cue(n int, c fakeCue) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.cues = append(f.cues, c)
	}
}

// ServeHTTP answers v2 API calls.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if r.Method == http.MethodPost {
		data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(data, &body); err != nil {
			problem(w, http.StatusBadRequest, "Invalid Request", "the request body is not JSON")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, FakeRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body})
	if r.Header.Get("Authorization") != "Bearer "+f.AccessToken {
		problem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		return
	}
	f.calls++
	reset := f.now().Add(15 * time.Minute).Unix()
	w.Header().Set(HeaderLimit, strconv.Itoa(FakeRateLimit))
	w.Header().Set(HeaderRemaining, strconv.Itoa(max(0, FakeRateLimit-f.calls)))
	w.Header().Set(HeaderReset, strconv.FormatInt(reset, 10))
	if len(f.cues) > 0 {
		c := f.cues[0]
		f.cues = f.cues[1:]
		for k, v := range c.header {
			w.Header()[k] = v
		}
		if c.status == http.StatusTooManyRequests {
			w.Header().Set(HeaderRemaining, "0")
			w.Header().Set(HeaderReset, strconv.FormatInt(f.now().Add(c.reset).Unix(), 10))
		}
		problem(w, c.status, http.StatusText(c.status), c.detail)
		return
	}
	f.mux.ServeHTTP(w, r)
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": title, "detail": detail, "type": "about:blank", "status": status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *Fake) nextID() string {
	f.seq++
	return strconv.FormatInt(f.seq, 10)
}

// summoned is X's rule: the brand may reply to a post whose author
// mentioned it, quoted it, or replied to it, and to its own posts.
func (f *Fake) summoned(p *fakePost) bool {
	if p.author == f.UserID || p.replyToUser == f.UserID || slices.Contains(p.mentions, f.UserID) {
		return true
	}
	q, ok := f.posts[p.quoted]
	return ok && q.author == f.UserID
}

// page returns posts (newest first) between since and until, from the
// offset a pagination_token names.
func page(posts []*fakePost, q url.Values) (out []*fakePost, next string) {
	since, until := q.Get("since_id"), q.Get("until_id")
	var in []*fakePost
	for _, p := range posts {
		if (since == "" || compareIDs(p.id, since) > 0) && (until == "" || compareIDs(p.id, until) < 0) {
			in = append(in, p)
		}
	}
	slices.SortFunc(in, func(a, b *fakePost) int { return compareIDs(b.id, a.id) })
	size, err := strconv.Atoi(q.Get("max_results"))
	if err != nil || size < 5 || size > 100 {
		size = 10
	}
	from, _ := strconv.Atoi(strings.TrimPrefix(q.Get("pagination_token"), "page-"))
	from = min(max(from, 0), len(in))
	to := min(from+size, len(in))
	if to < len(in) {
		next = "page-" + strconv.Itoa(to)
	}
	return in[from:to], next
}

func (f *Fake) timeline(w http.ResponseWriter, posts []*fakePost, q url.Values) {
	list, next := page(posts, q)
	meta := map[string]any{"result_count": len(list)}
	if len(list) > 0 {
		meta["newest_id"], meta["oldest_id"] = list[0].id, list[len(list)-1].id
	}
	if next != "" {
		meta["next_token"] = next
	}
	res := map[string]any{"meta": meta}
	if len(list) > 0 {
		var data, tweets []map[string]any
		users := map[string]bool{}
		var ulist []map[string]any
		addUser := func(id string) {
			if u, ok := f.users[id]; ok && !users[id] {
				users[id] = true
				ulist = append(ulist, v2UserJSON(u))
			}
		}
		for _, p := range list {
			data = append(data, f.v2(p))
			addUser(p.author)
			for _, ref := range []string{p.replyTo, p.quoted, p.retweeted} {
				if rp, ok := f.posts[ref]; ok {
					tweets = append(tweets, f.v2(rp))
					addUser(rp.author)
				}
			}
		}
		res["data"] = data
		inc := map[string]any{"users": ulist}
		if len(tweets) > 0 {
			inc["tweets"] = tweets
		}
		res["includes"] = inc
	}
	writeJSON(w, http.StatusOK, res)
}

func (f *Fake) mentions(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != f.UserID {
		problem(w, http.StatusForbidden, "Forbidden", "You are not permitted to read another account's mentions with this token.")
		return
	}
	var list []*fakePost
	for _, id := range f.order {
		p := f.posts[id]
		if !p.deleted && p.editedBy == "" && p.author != f.UserID && slices.Contains(p.mentions, f.UserID) {
			list = append(list, p)
		}
	}
	f.timeline(w, list, r.URL.Query())
}

func (f *Fake) ownPosts(w http.ResponseWriter, r *http.Request) {
	var list []*fakePost
	for _, id := range f.order {
		if p := f.posts[id]; !p.deleted && p.author == r.PathValue("id") {
			list = append(list, p)
		}
	}
	q := r.URL.Query()
	q.Del("since_id") // the desk reads its latest posts only
	f.timeline(w, list, q)
}

func (f *Fake) profile(w http.ResponseWriter, r *http.Request) {
	u, ok := f.users[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]any{
			"detail": "Could not find user with id: [" + r.PathValue("id") + "].", "title": "Not Found Error", "type": "https://api.twitter.com/2/problems/resource-not-found"}}})
		return
	}
	d := v2UserJSON(u)
	d["protected"] = false
	writeJSON(w, http.StatusOK, map[string]any{"data": d})
}

func (f *Fake) postTweet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text  string `json:"text"`
		Reply *struct {
			To string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
	}
	data, _ := io.ReadAll(r.Body)
	if json.Unmarshal(data, &in) != nil || strings.TrimSpace(in.Text) == "" {
		problem(w, http.StatusBadRequest, "Invalid Request", "One or more parameters to your request was invalid: text is required.")
		return
	}
	p := &fakePost{id: f.nextID(), author: f.UserID, text: in.Text, at: f.now().UTC()}
	if in.Reply != nil {
		parent, ok := f.posts[in.Reply.To]
		switch {
		case !ok || parent.deleted:
			problem(w, http.StatusForbidden, "Forbidden", "You attempted to reply to a Tweet that is deleted or not visible to you.")
			return
		case !f.summoned(parent):
			problem(w, http.StatusForbidden, "Forbidden", ReplyNotAllowed)
			return
		}
		p.replyTo, p.replyToUser = parent.id, parent.author
	}
	for _, id := range f.order {
		if q := f.posts[id]; q.author == f.UserID && !q.deleted && q.text == in.Text {
			problem(w, http.StatusForbidden, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
			return
		}
	}
	f.addPost(p)
	f.delivered = append(f.delivered, FakeSent{ID: p.id, Text: p.text, ReplyTo: p.replyTo})
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{"id": p.id, "text": p.text, "edit_history_tweet_ids": []string{p.id}}})
}

func (f *Fake) postDM(w http.ResponseWriter, r *http.Request) {
	to := r.PathValue("id")
	var in struct {
		Text string `json:"text"`
	}
	data, _ := io.ReadAll(r.Body)
	if json.Unmarshal(data, &in) != nil || strings.TrimSpace(in.Text) == "" {
		problem(w, http.StatusBadRequest, "Invalid Request", "One or more parameters to your request was invalid: text is required.")
		return
	}
	if to == f.UserID {
		problem(w, http.StatusForbidden, "Forbidden", "You cannot send a Direct Message to yourself.")
		return
	}
	d := fakeDM{id: f.nextID(), sender: f.UserID, text: in.Text, at: f.now().UTC()}
	f.dms[to] = append(f.dms[to], d)
	f.delivered = append(f.delivered, FakeSent{ID: d.id, Private: true, Text: d.text, RecipientID: to})
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{"dm_conversation_id": dmConversation(f.UserID, to), "dm_event_id": d.id}})
}

func (f *Fake) dmEvents(w http.ResponseWriter, r *http.Request) {
	list := f.dms[r.PathValue("id")]
	var data []map[string]any
	for i := len(list) - 1; i >= 0 && len(data) < 50; i-- {
		d := list[i]
		data = append(data, map[string]any{"id": d.id, "event_type": "MessageCreate", "text": d.text, "sender_id": d.sender,
			"created_at": d.at.Format("2006-01-02T15:04:05.000Z"), "dm_conversation_id": dmConversation(f.UserID, r.PathValue("id"))})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"result_count": len(data)}})
}

func dmConversation(a, b string) string {
	if compareIDs(a, b) > 0 {
		a, b = b, a
	}
	return a + "-" + b
}

// Subscribe performs X's Challenge-Response Check against a desk URL and
// checks the response_token, as X does before it delivers anything.
func (f *Fake) Subscribe(ctx context.Context, deskURL string) error {
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	u, err := url.Parse(deskURL)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("crc_token", token)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var res struct {
		ResponseToken string `json:"response_token"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &res) != nil {
		return fmt.Errorf("CRC check failed: %d %q", resp.StatusCode, body)
	}
	if want := Sign(f.ConsumerSecret, []byte(token)); !hmac.Equal([]byte(res.ResponseToken), []byte(want)) {
		return fmt.Errorf("CRC check failed: response_token %q does not match", res.ResponseToken)
	}
	return nil
}

// DeliverOptions are the ways X's delivery goes wrong, on cue.
type DeliverOptions struct {
	// Redeliver sends every body twice, as X does for each subscribed user
	// and app sharing the URL, and on retries.
	Redeliver bool
	// Reverse sends the bodies newest first.
	Reverse bool
	// BadSignature signs with the wrong secret.
	BadSignature bool
}

// Deliver pushes webhook bodies to a desk URL, signed like X signs them,
// and returns the status of each push.
func (f *Fake) Deliver(ctx context.Context, deskURL string, opt DeliverOptions, bodies ...[]byte) ([]int, error) {
	order := slices.Clone(bodies)
	if opt.Reverse {
		slices.Reverse(order)
	}
	var statuses []int
	for _, b := range order {
		times := 1
		if opt.Redeliver {
			times = 2
		}
		for range times {
			s, err := f.push(ctx, deskURL, b, opt.BadSignature)
			if err != nil {
				return statuses, err
			}
			statuses = append(statuses, s)
		}
	}
	return statuses, nil
}

func (f *Fake) push(ctx context.Context, deskURL string, body []byte, bad bool) (int, error) {
	secret := f.ConsumerSecret
	if bad {
		secret = "not-" + secret
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, deskURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	resp, err := f.client().Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (f *Fake) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}
