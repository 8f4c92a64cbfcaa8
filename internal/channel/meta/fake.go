package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fake is an in-process Graph API for tests and demos. It answers the
// calls the connectors make (comments, replies, messages, conversations),
// enforces Meta's rules (24-hour window, HUMAN_AGENT for 7 days, one
// private reply per comment within 7 days, WhatsApp templates outside the
// window), records what it was sent, fails or throttles on cue, and pushes
// signed webhook events to a desk like Meta does.
type Fake struct {
	AppSecret     string
	VerifyToken   string
	AccessToken   string
	PageID        string
	IGUserID      string
	PhoneNumberID string
	// Client pushes webhooks; nil means http.DefaultClient.
	Client *http.Client

	mu       sync.Mutex
	now      func() time.Time
	seq      int
	requests []FakeRequest
	cues     []fakeCue
	last     map[string]time.Time    // customer id -> last inbound message
	comments map[string]time.Time    // comment id -> created
	private  map[string]bool         // comment id -> privately answered
	replies  map[string][]fakeReply  // parent id -> our replies, oldest first
	threads  map[string][]fakeThread // customer id -> messages, oldest first
	mentions map[string]fakeMention  // comment id -> mentioned comment
}

// FakeRequest is one call the fake received.
type FakeRequest struct {
	Method string
	Path   string // without the version, e.g. "123_456/comments"
	Query  url.Values
	Body   map[string]any
}

type fakeCue struct {
	status  int
	code    int
	subcode int
	message string
	header  http.Header
}

type fakeReply struct{ id, from, text string }

type fakeThread struct{ id, from, text string }

type fakeMention struct{ fromID, username, text, mediaID string }

// NewFake returns a fake for one Page, Instagram account and WhatsApp
// number, all answering to the same app secret and token.
func NewFake(appSecret, verifyToken, accessToken string) *Fake {
	return &Fake{
		AppSecret: appSecret, VerifyToken: verifyToken, AccessToken: accessToken,
		PageID: "104000000000001", IGUserID: "17841400000000001", PhoneNumberID: "106540352242922",
		now:  time.Now,
		last: map[string]time.Time{}, comments: map[string]time.Time{}, private: map[string]bool{},
		replies: map[string][]fakeReply{}, threads: map[string][]fakeThread{}, mentions: map[string]fakeMention{},
	}
}

// Config is the account config JSON that points a connector at this fake
// served at baseURL.
func (f *Fake) Config(baseURL string) json.RawMessage {
	b, _ := json.Marshal(Config{AppSecret: f.AppSecret, VerifyToken: f.VerifyToken, AccessToken: f.AccessToken,
		PageID: f.PageID, IGUserID: f.IGUserID, PhoneNumberID: f.PhoneNumberID,
		GraphURL: baseURL, GraphVersion: DefaultGraphVersion})
	return b
}

// SetClock replaces the fake's clock (window tests).
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// Requests returns the calls received so far.
func (f *Fake) Requests() []FakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeRequest(nil), f.requests...)
}

// Sends returns the POSTs received so far (what the connector sent).
func (f *Fake) Sends() []FakeRequest {
	var out []FakeRequest
	for _, r := range f.Requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// Fail makes the next n calls answer status (5xx) with Graph's transient
// error, and a Retry-After when retryAfter > 0.
func (f *Fake) Fail(n, status int, retryAfter time.Duration) {
	h := http.Header{}
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	}
	f.cue(n, fakeCue{status: status, code: 2, message: "An unexpected error has occurred. Please retry your request later.", header: h})
}

// RateLimit makes the next n calls answer as throttled: HTTP status (Meta
// uses 400 or 429, depending on the product), Graph error code (4 app, 17
// user, 32 Page, 80001.. business use case, 130429 WhatsApp), and the
// usage headers with estimated_time_to_regain_access in minutes.
func (f *Fake) RateLimit(n, status, code, regainMinutes int) {
	h := http.Header{}
	h.Set("X-App-Usage", `{"call_count":100,"total_cputime":40,"total_time":45}`)
	h.Set("X-Business-Use-Case-Usage", fmt.Sprintf(`{%q:[{"type":"pages","call_count":100,"total_cputime":12,"total_time":14,"estimated_time_to_regain_access":%d}]}`, f.PageID, regainMinutes))
	f.cue(n, fakeCue{status: status, code: code, message: "Application request limit reached", header: h})
}

// Reject makes the next n calls fail permanently with a Graph error.
func (f *Fake) Reject(n, status, code, subcode int, message string) {
	f.cue(n, fakeCue{status: status, code: code, subcode: subcode, message: message})
}

func (f *Fake) cue(n int, c fakeCue) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.cues = append(f.cues, c)
	}
}

// CustomerWrote records that a customer (PSID, IGSID or wa_id) wrote at t,
// which opens their messaging window, and adds it to their thread.
func (f *Fake) CustomerWrote(customer, mid, text string, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t.After(f.last[customer]) {
		f.last[customer] = t
	}
	f.threads[customer] = append(f.threads[customer], fakeThread{id: mid, from: customer, text: text})
}

// Commented records a customer's comment, which may then be answered
// privately once within 7 days.
func (f *Fake) Commented(commentID string, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments[commentID] = t
}

// Mentioned records the comment an Instagram mention webhook points at.
func (f *Fake) Mentioned(commentID, fromID, username, text, mediaID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mentions[commentID] = fakeMention{fromID, username, text, mediaID}
}

var versionPrefix = regexp.MustCompile(`^/v\d+\.\d+/`)

// ServeHTTP answers Graph API calls.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	loc := versionPrefix.FindStringIndex(r.URL.Path)
	if loc == nil {
		graphFail(w, fakeCue{status: 400, code: 2500, message: "Unknown path components: " + r.URL.Path})
		return
	}
	path := r.URL.Path[loc[1]:]
	var body map[string]any
	if r.Method == http.MethodPost {
		data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(data, &body); err != nil {
			graphFail(w, fakeCue{status: 400, code: 100, message: "Invalid JSON body"})
			return
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, FakeRequest{Method: r.Method, Path: path, Query: r.URL.Query(), Body: body})
	if r.Header.Get("Authorization") != "Bearer "+f.AccessToken {
		graphFail(w, fakeCue{status: 400, code: 190, message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	if len(f.cues) > 0 {
		c := f.cues[0]
		f.cues = f.cues[1:]
		graphFail(w, c)
		return
	}
	node, edge, _ := strings.Cut(path, "/")
	switch {
	case r.Method == http.MethodPost && (edge == "comments" || edge == "replies"):
		f.postComment(w, node, body)
	case r.Method == http.MethodPost && edge == "messages" && node == f.PhoneNumberID:
		f.postWhatsApp(w, body)
	case r.Method == http.MethodPost && edge == "messages":
		f.postMessage(w, node, body)
	case r.Method == http.MethodGet && (edge == "comments" || edge == "replies"):
		f.listReplies(w, node)
	case r.Method == http.MethodGet && edge == "conversations":
		f.listThread(w, node, r.URL.Query().Get("user_id"))
	case r.Method == http.MethodGet && edge == "" && strings.HasPrefix(r.URL.Query().Get("fields"), "mentioned_comment"):
		f.mentioned(w, r.URL.Query().Get("fields"))
	case r.Method == http.MethodGet && edge == "" && (node == f.PageID || node == f.IGUserID || node == f.PhoneNumberID):
		writeJSON(w, map[string]any{"id": node, "name": "Fake Page", "is_published": true, "username": "fake.brand",
			"display_phone_number": "+1 555-0100", "quality_rating": "GREEN"})
	case r.Method == http.MethodGet && edge == "" && r.URL.Query().Get("fields") == "can_reply_privately":
		writeJSON(w, map[string]any{"id": node, "can_reply_privately": !f.private[node]})
	default:
		graphFail(w, fakeCue{status: 400, code: 100, message: "Unsupported request: " + r.Method + " " + path})
	}
}

func (f *Fake) nextID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%d", prefix, 900000+f.seq)
}

func (f *Fake) postComment(w http.ResponseWriter, parent string, body map[string]any) {
	text, _ := body["message"].(string)
	if text == "" {
		graphFail(w, fakeCue{status: 400, code: 100, message: "(#100) Missing message"})
		return
	}
	from := f.PageID
	id := parent + "_" + f.nextID("")
	if !strings.Contains(parent, "_") { // Instagram ids have no underscore
		from, id = f.IGUserID, f.nextID("1790")
	}
	f.replies[parent] = append(f.replies[parent], fakeReply{id: id, from: from, text: text})
	writeJSON(w, map[string]string{"id": id})
}

func (f *Fake) postMessage(w http.ResponseWriter, node string, body map[string]any) {
	recipient, _ := body["recipient"].(map[string]any)
	message, _ := body["message"].(map[string]any)
	text, _ := message["text"].(string)
	if recipient == nil || text == "" {
		graphFail(w, fakeCue{status: 400, code: 100, message: "(#100) The parameter recipient and message are required"})
		return
	}
	now := f.now()
	if cid, _ := recipient["comment_id"].(string); cid != "" {
		created, ok := f.comments[cid]
		switch {
		case !ok:
			graphFail(w, fakeCue{status: 400, code: 100, subcode: 33, message: "Object with ID '" + cid + "' does not exist"})
		case f.private[cid]:
			graphFail(w, fakeCue{status: 400, code: 10900, message: "Activity already replied to"})
		case now.Sub(created) > 7*24*time.Hour:
			graphFail(w, fakeCue{status: 400, code: 10, subcode: 2018278, message: "(#10) This message is sent outside of allowed window."})
		default:
			f.private[cid] = true
			writeJSON(w, map[string]string{"recipient_id": "psid-of-" + cid, "message_id": f.nextID("m_private")})
		}
		return
	}
	to, _ := recipient["id"].(string)
	last, ok := f.last[to]
	if !ok {
		graphFail(w, fakeCue{status: 400, code: 100, subcode: 2018001, message: "(#100) No matching user found"})
		return
	}
	limit := 24 * time.Hour
	if body["messaging_type"] == "MESSAGE_TAG" && body["tag"] == HumanAgentTag {
		limit = 7 * 24 * time.Hour
	}
	if now.Sub(last) > limit {
		graphFail(w, fakeCue{status: 400, code: 10, subcode: 2018278, message: "(#10) This message is sent outside of allowed window."})
		return
	}
	mid := f.nextID("m_")
	f.threads[to] = append(f.threads[to], fakeThread{id: mid, from: node, text: text})
	writeJSON(w, map[string]string{"recipient_id": to, "message_id": mid})
}

func (f *Fake) postWhatsApp(w http.ResponseWriter, body map[string]any) {
	to, _ := body["to"].(string)
	if body["messaging_product"] != "whatsapp" || to == "" {
		graphFail(w, fakeCue{status: 400, code: 100, message: "(#100) Invalid parameter"})
		return
	}
	switch body["type"] {
	case "template":
		tpl, _ := body["template"].(map[string]any)
		if name, _ := tpl["name"].(string); name == "" || name == "unapproved" {
			graphFail(w, fakeCue{status: 404, code: 132001, message: "(#132001) Template name does not exist in the translation"})
			return
		}
	case "text":
		if last, ok := f.last[to]; !ok || f.now().Sub(last) > 24*time.Hour {
			graphFail(w, fakeCue{status: 400, code: 131047, message: "Re-engagement message",
				header: nil})
			return
		}
	default:
		graphFail(w, fakeCue{status: 400, code: 100, message: "(#100) Unsupported message type"})
		return
	}
	id := "wamid." + f.nextID("HBgLFAKE")
	writeJSON(w, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": to, "wa_id": to}},
		"messages":          []map[string]string{{"id": id}},
	})
}

func (f *Fake) listReplies(w http.ResponseWriter, parent string) {
	var data []map[string]any
	list := f.replies[parent]
	for i := len(list) - 1; i >= 0; i-- {
		r := list[i]
		data = append(data, map[string]any{"id": r.id, "message": r.text, "text": r.text, "from": map[string]string{"id": r.from}})
	}
	writeJSON(w, map[string]any{"data": data})
}

func (f *Fake) listThread(w http.ResponseWriter, node, user string) {
	list := f.threads[user]
	var msgs []map[string]any
	for i := len(list) - 1; i >= 0 && len(msgs) < 25; i-- {
		m := list[i]
		msgs = append(msgs, map[string]any{"id": m.id, "message": m.text, "from": map[string]string{"id": m.from}})
	}
	data := []map[string]any{}
	if len(list) > 0 {
		data = append(data, map[string]any{"id": "t_" + user, "messages": map[string]any{"data": msgs}})
	}
	writeJSON(w, map[string]any{"data": data})
}

var mentionID = regexp.MustCompile(`comment_id\(([^)]+)\)`)

func (f *Fake) mentioned(w http.ResponseWriter, fields string) {
	m := mentionID.FindStringSubmatch(fields)
	if m == nil {
		graphFail(w, fakeCue{status: 400, code: 100, message: "(#100) comment_id is required"})
		return
	}
	c, ok := f.mentions[m[1]]
	if !ok {
		graphFail(w, fakeCue{status: 400, code: 100, subcode: 33, message: "Object does not exist"})
		return
	}
	writeJSON(w, map[string]any{"id": f.IGUserID, "mentioned_comment": map[string]any{
		"id": m[1], "text": c.text, "username": c.username, "from": map[string]string{"id": c.fromID, "username": c.username},
		"media": map[string]string{"id": c.mediaID}, "timestamp": f.now().UTC().Format("2006-01-02T15:04:05-0700"),
	}})
}

func graphFail(w http.ResponseWriter, c fakeCue) {
	for k, v := range c.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(c.status)
	e := map[string]any{"message": c.message, "type": "OAuthException", "code": c.code, "fbtrace_id": "AFakeTraceId"}
	if c.subcode != 0 {
		e["error_subcode"] = c.subcode
	}
	if c.status >= 500 {
		e["is_transient"] = true
	}
	json.NewEncoder(w).Encode(map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// Subscribe performs Meta's subscription handshake against a desk URL
// with the given verify token and checks the challenge comes back.
func (f *Fake) Subscribe(ctx context.Context, deskURL, verifyToken string) error {
	challenge := "1158201444"
	u, err := url.Parse(deskURL)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", challenge)
	q.Set("hub.verify_token", verifyToken)
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
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || string(body) != challenge {
		return fmt.Errorf("handshake refused: %d %q", resp.StatusCode, body)
	}
	return nil
}

// DeliverOptions are the ways Meta's delivery goes wrong, on cue.
type DeliverOptions struct {
	// Redeliver sends every body twice, as Meta does when an answer is slow.
	Redeliver bool
	// Reverse sends the bodies newest first.
	Reverse bool
	// BadSignature signs with the wrong secret.
	BadSignature bool
}

// Deliver pushes webhook bodies to a desk URL, signed like Meta signs
// them, and returns the status of each push.
func (f *Fake) Deliver(ctx context.Context, deskURL string, opt DeliverOptions, bodies ...[]byte) ([]int, error) {
	order := append([][]byte(nil), bodies...)
	if opt.Reverse {
		for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
			order[i], order[j] = order[j], order[i]
		}
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
	secret := f.AppSecret
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
