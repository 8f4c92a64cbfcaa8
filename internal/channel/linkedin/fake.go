package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fake is an in-process LinkedIn REST API for tests and demos: it serves
// the comments of an organisation's posts, takes the organisation's
// replies, insists on LinkedIn's versioning headers, fails or throttles
// on cue, records what it was sent, and pushes signed organisation social
// action notifications to a desk.
type Fake struct {
	ClientSecret  string
	AccessToken   string
	Organization  string // URN
	Version       string // the LinkedIn-Version accepted; empty accepts any
	SignatureMode string
	// Client pushes webhooks; nil means http.DefaultClient.
	Client *http.Client

	mu       sync.Mutex
	now      func() time.Time
	seq      int64
	notes    int64
	comments map[string]*fakeComment // by URN
	requests []FakeRequest
	cues     []fakeCue
}

// FakeRequest is one call the fake received.
type FakeRequest struct {
	Method string
	Path   string // unescaped, e.g. /rest/socialActions/urn:li:share:1/comments
	Header http.Header
	Body   map[string]any
}

type fakeComment struct {
	URN, ID, Post, Parent, Actor, Text string
	Created, Modified                  int64
	Deleted                            bool
}

type fakeCue struct {
	status     int
	retryAfter time.Duration
	message    string
}

// NewFake returns a fake for one organisation.
func NewFake(clientSecret, accessToken, orgID string) *Fake {
	return &Fake{ClientSecret: clientSecret, AccessToken: accessToken, Organization: "urn:li:organization:" + orgID,
		Version: DefaultVersion, SignatureMode: SignPrefixed, now: time.Now, comments: map[string]*fakeComment{}}
}

// Config is the account config JSON that points a connector at this fake.
func (f *Fake) Config(baseURL string, posts ...string) json.RawMessage {
	b, _ := json.Marshal(Config{ClientSecret: f.ClientSecret, AccessToken: f.AccessToken, Organization: f.Organization,
		Posts: posts, APIURL: baseURL, Version: f.Version, SignatureMode: f.SignatureMode})
	return b
}

// SetClock replaces the fake's clock.
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// Comment adds a member's comment on post (or under parent, a comment
// URN) and returns its URN.
func (f *Fake) Comment(post, parent, actor, text string, at time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.add(post, parent, actor, text, at.UnixMilli())
}

func (f *Fake) add(post, parent, actor, text string, at int64) string {
	f.seq++
	id := strconv.FormatInt(7100000000000000000+f.seq, 10)
	urn := "urn:li:comment:(" + post + "," + id + ")"
	f.comments[urn] = &fakeComment{URN: urn, ID: id, Post: post, Parent: parent, Actor: actor, Text: text, Created: at, Modified: at}
	return urn
}

// Edit changes a comment's text, as its author does.
func (f *Fake) Edit(urn, text string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.comments[urn]; c != nil {
		c.Text, c.Modified = text, at.UnixMilli()
	}
}

// Delete removes a comment, as its author does.
func (f *Fake) Delete(urn string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.comments[urn]; c != nil {
		c.Deleted = true
	}
}

// Requests returns the calls received so far.
func (f *Fake) Requests() []FakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeRequest(nil), f.requests...)
}

// Sends returns the POSTs received so far.
func (f *Fake) Sends() []FakeRequest {
	var out []FakeRequest
	for _, r := range f.Requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// RateLimit makes the next n calls answer 429, with Retry-After when given.
func (f *Fake) RateLimit(n int, retryAfter time.Duration) {
	f.cue(n, fakeCue{status: http.StatusTooManyRequests, retryAfter: retryAfter, message: "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."})
}

// Fail makes the next n calls answer status.
func (f *Fake) Fail(n, status int, retryAfter time.Duration) {
	f.cue(n, fakeCue{status: status, retryAfter: retryAfter, message: "Internal Server Error"})
}

func (f *Fake) cue(n int, c fakeCue) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.cues = append(f.cues, c)
	}
}

// ServeHTTP answers the comments API.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, _ := url.PathUnescape(r.URL.EscapedPath())
	var body map[string]any
	if r.Method == http.MethodPost {
		data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if json.Unmarshal(data, &body) != nil {
			liFail(w, fakeCue{status: 400, message: "Unable to parse the request body"})
			return
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, FakeRequest{Method: r.Method, Path: path, Header: r.Header.Clone(), Body: body})
	switch {
	case r.Header.Get("Authorization") != "Bearer "+f.AccessToken:
		liFail(w, fakeCue{status: 401, message: "Invalid access token"})
		return
	case r.Header.Get("LinkedIn-Version") == "":
		liFail(w, fakeCue{status: 400, message: "A version must be present. Please specify a version by adding the LinkedIn-Version header."})
		return
	case f.Version != "" && r.Header.Get("LinkedIn-Version") != f.Version:
		liFail(w, fakeCue{status: 426, message: "Requested version " + r.Header.Get("LinkedIn-Version") + " is not active"})
		return
	case r.Header.Get("X-Restli-Protocol-Version") != "2.0.0":
		liFail(w, fakeCue{status: 400, message: "X-Restli-Protocol-Version 2.0.0 is required"})
		return
	}
	if len(f.cues) > 0 {
		c := f.cues[0]
		f.cues = f.cues[1:]
		liFail(w, c)
		return
	}
	parent, ok := strings.CutPrefix(path, "/rest/socialActions/")
	parent, ok2 := strings.CutSuffix(parent, "/comments")
	if !ok || !ok2 || parent == "" {
		liFail(w, fakeCue{status: 404, message: "No virtual resource found"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		f.list(w, r, parent)
	case http.MethodPost:
		f.create(w, parent, body)
	default:
		liFail(w, fakeCue{status: 405, message: "method not allowed"})
	}
}

// list answers newest first, as LinkedIn does, with start/count paging.
func (f *Fake) list(w http.ResponseWriter, r *http.Request, parent string) {
	var all []*fakeComment
	for _, c := range f.comments {
		top := c.Post == parent && c.Parent == ""
		if !c.Deleted && (top || c.Parent == parent) {
			all = append(all, c)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Created != all[j].Created {
			return all[i].Created > all[j].Created
		}
		return all[i].URN > all[j].URN
	})
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	count, _ := strconv.Atoi(r.URL.Query().Get("count"))
	if count <= 0 {
		count = 10
	}
	elems := []map[string]any{}
	for i := start; i < len(all) && i < start+count; i++ {
		elems = append(elems, f.element(all[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"paging":   map[string]any{"start": start, "count": count, "total": len(all), "links": []any{}},
		"elements": elems,
	})
}

func (f *Fake) element(c *fakeComment) map[string]any {
	e := map[string]any{
		"actor": c.Actor, "agent": c.Actor, "commentUrn": c.URN, "$URN": c.URN, "id": c.ID, "object": c.Post,
		"message":      map[string]any{"attributes": []any{}, "text": c.Text},
		"created":      map[string]any{"actor": c.Actor, "time": c.Created},
		"lastModified": map[string]any{"actor": c.Actor, "time": c.Modified},
		"likesSummary": map[string]any{"totalLikes": 0, "likedByCurrentUser": false},
	}
	if c.Parent != "" {
		e["parentComment"] = c.Parent
	}
	return e
}

func (f *Fake) create(w http.ResponseWriter, post string, body map[string]any) {
	actor, _ := body["actor"].(string)
	object, _ := body["object"].(string)
	msg, _ := body["message"].(map[string]any)
	text, _ := msg["text"].(string)
	parent, _ := body["parentComment"].(string)
	switch {
	case actor == "" || object == "" || text == "":
		liFail(w, fakeCue{status: 422, message: "actor, object and message.text are required"})
		return
	case object != post:
		liFail(w, fakeCue{status: 400, message: "object does not match the URN in the path"})
		return
	case actor != f.Organization:
		liFail(w, fakeCue{status: 403, message: "Not enough permissions to comment as " + actor})
		return
	}
	if parent != "" {
		if p := f.comments[parent]; p == nil || p.Deleted {
			liFail(w, fakeCue{status: 404, message: "Parent comment " + parent + " does not exist"})
			return
		}
	}
	urn := f.add(post, parent, actor, text, f.now().UnixMilli())
	w.Header().Set("X-Restli-Id", f.comments[urn].ID)
	writeJSON(w, http.StatusCreated, f.element(f.comments[urn]))
}

func liFail(w http.ResponseWriter, c fakeCue) {
	if c.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(c.retryAfter/time.Second)))
	}
	writeJSON(w, c.status, map[string]any{"message": c.message, "status": c.status, "serviceErrorCode": 65600 + c.status%100})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Notification returns an organisation social action notification about a
// comment the fake holds: action is COMMENT, COMMENT_EDIT or
// COMMENT_DELETE. Its shape follows LinkedIn's documented example.
func (f *Fake) Notification(action, urn string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes++
	c := f.comments[urn]
	if c == nil {
		c = &fakeComment{URN: urn, Post: PostOf(urn)}
	}
	n := map[string]any{
		"notificationId":       5603453321 + f.notes,
		"organizationalEntity": f.Organization,
		"action":               action,
		"sourcePost":           c.Post,
		"decoratedSourcePost":  map[string]any{"owner": f.Organization, "entity": c.Post, "mediaCategory": "NONE"},
		"lastModifiedAt":       max(c.Modified, f.now().UnixMilli()),
		"subscriber":           "urn:li:person:zLqTygBP8S",
		// The generated activity is shortened as in LinkedIn's example.
		"generatedActivity": strings.Replace(urn, "(urn:li:", "(", 1),
	}
	comment := map[string]any{"owner": c.Actor, "entity": urn, "object": c.Post}
	if action != "COMMENT_DELETE" {
		comment["text"] = c.Text
	}
	if c.Parent != "" {
		comment["parentComment"] = c.Parent
	}
	n["decoratedGeneratedActivity"] = map[string]any{"comment": comment}
	return n
}

// Body wraps notifications in the batch envelope LinkedIn pushes.
func Body(notifications ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": notifications})
	return b
}

// Validate performs LinkedIn's challenge against a desk URL and checks
// the answer.
func (f *Fake) Validate(ctx context.Context, deskURL string) error {
	code := "890e4665-4dfe-4ab1-b689-ed553bceeed3"
	u, err := url.Parse(deskURL)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("challengeCode", code)
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
	var got struct {
		ChallengeCode     string `json:"challengeCode"`
		ChallengeResponse string `json:"challengeResponse"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil {
		return fmt.Errorf("validation answered %d", resp.StatusCode)
	}
	if got.ChallengeCode != code || got.ChallengeResponse != ChallengeResponse(f.ClientSecret, code) {
		return fmt.Errorf("this URL did not pass the security challenge check: %+v", got)
	}
	return nil
}

// DeliverOptions are the ways delivery goes wrong, on cue.
type DeliverOptions struct {
	Redeliver    bool // every body twice (LinkedIn retries for 8 hours)
	Reverse      bool // newest first
	BadSignature bool // signed with the wrong secret
}

// Deliver pushes bodies to a desk URL, signed with X-LI-Signature, and
// returns each push's status.
func (f *Fake) Deliver(ctx context.Context, deskURL string, opt DeliverOptions, bodies ...[]byte) ([]int, error) {
	order := append([][]byte(nil), bodies...)
	if opt.Reverse {
		for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
			order[i], order[j] = order[j], order[i]
		}
	}
	secret := f.ClientSecret
	if opt.BadSignature {
		secret = "not-" + secret
	}
	var out []int
	for _, b := range order {
		times := 1
		if opt.Redeliver {
			times = 2
		}
		for range times {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, deskURL, bytes.NewReader(b))
			if err != nil {
				return out, err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(SignatureHeader, Sign(secret, f.SignatureMode, b))
			resp, err := f.client().Do(req)
			if err != nil {
				return out, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			out = append(out, resp.StatusCode)
		}
	}
	return out, nil
}

func (f *Fake) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}
