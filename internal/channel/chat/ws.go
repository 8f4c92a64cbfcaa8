package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/workspace"
)

// Limits on what a visitor may send.
const (
	MaxMessageRunes = 4000
	maxFrameBytes   = 32 << 10
	helloTimeout    = 10 * time.Second
	pingInterval    = 25 * time.Second
)

// errStopping ends a session when the node is told to stop.
var errStopping = errors.New("the node is stopping")

const goingAway = "the server is restarting"

// Deps are the parts of the desk the chat channel uses.
type Deps struct {
	Workspaces    *workspace.Store
	Contacts      *contact.Store
	Conversations *conversation.Store
	Pipeline      *ingest.Pipeline
	Bus           live.Bus
	Auth          *auth.Authenticator
	Log           *slog.Logger
	// Mail, when set, keeps the visitor's address and what their widget
	// saw, so that replies they miss are e-mailed.
	Mail *Mailer
}

// Server serves the widget, its WebSocket and the agent's typing signal.
type Server struct {
	d       Deps
	limiter *auth.Limiter
	// Transcripts, by conversation and by client address.
	mailPerConversation, mailPerIP *auth.Limiter
}

// New returns a chat server.
func New(d Deps) *Server {
	return &Server{d: d,
		// A visitor may send a burst of 20 messages, then one every 2 s.
		limiter: auth.NewLimiter(20, 2*time.Second),
		// Three transcripts of a conversation, then one an hour; ten
		// from one address (an office behind one NAT), then one every 6
		// minutes.
		mailPerConversation: auth.NewLimiter(3, time.Hour),
		mailPerIP:           auth.NewLimiter(10, 6*time.Minute),
	}
}

// Register mounts the chat routes.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /chat/widget.js", s.widget)
	mux.HandleFunc("GET /chat/{account}/ws", s.socket)
	mux.HandleFunc("GET /chat/{account}/demo", s.demo)
	mux.Handle("POST /chat/typing/{conversation}", s.d.Auth.Identify(http.HandlerFunc(s.agentTyping)))
}

// frame is every message on the socket, both ways.
type frame struct {
	Type string `json:"type"`
	// hello
	Visitor  string    `json:"visitor,omitempty"`
	Name     string    `json:"name,omitempty"`
	Email    string    `json:"email,omitempty"`
	Identity *Identity `json:"identity,omitempty"`
	// Acks: the widget sends "seen" for the replies it shows. One that
	// does not (widget.js before it did) has what it is sent counted seen.
	Acks bool `json:"acks,omitempty"`
	// message, ack
	ClientID       string        `json:"client_id,omitempty"`
	Text           string        `json:"text,omitempty"`
	MessageID      int64         `json:"message_id,omitempty,string"`
	ConversationID int64         `json:"conversation_id,omitempty,string"`
	Message        *chatMessage  `json:"message,omitempty"`
	Messages       []chatMessage `json:"messages,omitempty"`
	// welcome
	Online   bool   `json:"online,omitempty"`
	Greeting string `json:"greeting,omitempty"`
	AskEmail bool   `json:"ask_email,omitempty"`
	// MailReplies: a reply this visitor does not see in time is e-mailed.
	MailReplies bool   `json:"mail_replies,omitempty"`
	Error       string `json:"error,omitempty"`
}

// chatMessage is what the widget shows: no internal notes, no raw payloads.
type chatMessage struct {
	ID     int64  `json:"id,string"`
	From   string `json:"from"` // "visitor" or "agent"
	Author string `json:"author"`
	Text   string `json:"text"`
	At     int64  `json:"at"`
	Status string `json:"status,omitempty"`
}

// session is one connected widget.
type session struct {
	s       *Server
	conn    *websocket.Conn
	acct    workspace.Account
	cfg     Config
	author  ingest.Author
	convID  int64
	visitor string
	ip      string // the client's network, as the limits count it (auth.ClientNet)
	// seenUpTo is the newest reply recorded as seen by this session.
	seenUpTo int64
	// email is the visitor's own address, where transcripts go: the one
	// they gave when the chat began, their signed identity's, or the one
	// their first transcript went to.
	email string
	// signed: the brand's site said who the visitor is (an identity), so
	// the brand can reach them without an address typed here.
	signed bool
	// mailing: a transcript is on its way; its outcome comes on mailed.
	mailing bool
	mailed  chan error
	// acks: the widget says which replies it showed (frame.Acks).
	acks bool
	// addressed is the address last recorded for the conversation's
	// replies, and in which conversation.
	addressed     string
	addressedConv int64
}

func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	acct, cfg, err := s.account(r.Context(), r.PathValue("account"))
	if err != nil {
		http.Error(w, "no such chat", http.StatusNotFound)
		return
	}
	// Counted before the socket is hijacked, when Shutdown stops waiting
	// for it: the drain waits for it from then on.
	defer live.Hold(r.Context())()
	// Visitors authenticate with a token from localStorage, never a cookie,
	// so any site the brand embeds the widget in may connect.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxFrameBytes)
	ss := &session{s: s, conn: conn, acct: acct, cfg: cfg, ip: auth.ClientNet(s.d.Auth.ClientIP(r)), mailed: make(chan error, 1)}
	ctx := r.Context()
	err = ss.run(ctx)
	if errors.Is(err, errStopping) {
		// The widget reconnects, to another node behind a load balancer,
		// and sends again what was not acknowledged.
		conn.Close(websocket.StatusGoingAway, goingAway)
		return
	}
	if err != nil && !isClosed(err) {
		s.d.Log.Debug("chat session ended", "err", err)
		conn.Close(websocket.StatusPolicyViolation, truncate(err.Error(), 120))
		return
	}
	conn.Close(websocket.StatusNormalClosure, "")
}

func (ss *session) run(ctx context.Context) error {
	stopping := live.Stopping(ctx)
	hctx, cancel := context.WithTimeout(ctx, helloTimeout)
	go func() {
		select {
		case <-stopping: // ends the read below
			ss.conn.Close(websocket.StatusGoingAway, goingAway)
		case <-hctx.Done():
		}
	}()
	var hello frame
	err := wsjson.Read(hctx, ss.conn, &hello)
	cancel()
	select {
	case <-stopping:
		return errStopping
	default:
	}
	if err != nil {
		return err
	}
	if hello.Type != "hello" {
		return errors.New("the first frame must be hello")
	}
	if err := ss.identify(ctx, hello); err != nil {
		ss.send(ctx, frame{Type: "error", Error: err.Error()})
		return err
	}
	ss.acks = hello.Acks
	ss.recordAddress(ctx)
	events, unsubscribe := ss.s.d.Bus.Subscribe()
	defer unsubscribe()
	msgs, err := ss.history(ctx)
	if err != nil {
		return err
	}
	welcome := frame{Type: "welcome", Visitor: visitorToken(ss.cfg.Secret, ss.visitor), ConversationID: ss.convID,
		Messages: msgs, Online: ss.cfg.Hours.Open(time.Now()), Greeting: ss.cfg.Greeting, AskEmail: ss.cfg.RequireEmail,
		MailReplies: ss.s.d.Mail != nil && ss.cfg.MailDelay() > 0 && ss.email != ""}
	if err := ss.send(ctx, welcome); err != nil {
		return err
	}
	ss.deliveredAll(ctx, msgs)
	frames := make(chan frame)
	readErr := make(chan error, 1)
	go func() {
		for {
			var f frame
			if err := wsjson.Read(ctx, ss.conn, &f); err != nil {
				readErr <- err
				return
			}
			select {
			case frames <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	for {
		select {
		case err := <-readErr:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-stopping:
			return errStopping
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := ss.conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		case f := <-frames:
			if err := ss.handle(ctx, f); err != nil {
				return err
			}
		case e := <-events:
			if err := ss.event(ctx, e); err != nil {
				return err
			}
		case err := <-ss.mailed:
			ss.mailing = false
			reply := frame{Type: "transcript"}
			if err != nil {
				ss.s.d.Log.Warn("chat transcript", "account", ss.acct.ID, "err", err)
				reply.Error = "the transcript could not be sent; try again later"
			}
			if err := ss.send(ctx, reply); err != nil {
				return err
			}
		}
	}
}

// identify works out who the visitor is: a signed identity from the brand's
// site, a returning visitor's token, or a new visitor.
//
// Only a signed identity's e-mail address joins the visitor to a customer
// the desk knows. An address typed in the pre-chat form is anyone's: as the
// contact's address it joined whoever had it, and put the visitor in their
// conversation, with its history and the agent's replies. It is kept as
// the visitor's handle on the chat instead, where agents see it, find it
// by search and are offered the contacts that gave it too as possible
// matches to merge; and it is where transcripts and e-mailed replies go.
func (ss *session) identify(ctx context.Context, hello frame) error {
	name := truncate(strings.TrimSpace(hello.Name), 100)
	email := truncate(strings.TrimSpace(hello.Email), 254)
	if email != "" && !strings.Contains(email, "@") {
		return fmt.Errorf("%w: that e-mail address does not look right", hark.ErrInvalid)
	}
	unverified := contact.NormalizeEmail(email)
	switch {
	case hello.Identity != nil:
		id := *hello.Identity
		if err := id.Verify(ss.cfg.IdentitySecret, time.Now()); err != nil {
			return err
		}
		ss.author = ingest.Author{ID: "u:" + id.UserID, Name: firstNonEmpty(id.Name, name), Email: id.Email}
		if id.Email == "" {
			ss.author.Handle = unverified
		}
		ss.visitor = newVisitorID()
		// Replies are mailed only where the site says this user is: an
		// address sent beside the identity may be another visitor's, kept
		// in a shared browser.
		ss.email = id.Email
		ss.signed = true
	default:
		if v, ok := checkVisitorToken(ss.cfg.Secret, hello.Visitor); ok {
			ss.visitor = v
		} else {
			ss.visitor = newVisitorID()
		}
		ss.author = ingest.Author{ID: "v:" + ss.visitor, Name: firstNonEmpty(name, "Visitor "+ss.visitor[:4]), Handle: unverified}
		ss.email = email
	}
	contactID, err := ss.s.d.Contacts.ByIdentity(ctx, ss.acct.WorkspaceID, "chat", ss.author.ID)
	if errors.Is(err, hark.ErrNotFound) {
		return nil // a new visitor: the conversation starts with their first message
	}
	if err != nil {
		return err
	}
	convs, err := ss.s.d.Conversations.OfContact(ctx, contactID)
	if err != nil {
		return err
	}
	for _, c := range convs {
		if c.AccountID == ss.acct.ID {
			ss.convID = c.ID
			break
		}
	}
	return nil
}

func (ss *session) history(ctx context.Context) ([]chatMessage, error) {
	if ss.convID == 0 {
		return []chatMessage{}, nil
	}
	msgs, err := ss.s.d.Conversations.Messages(ctx, ss.convID)
	if err != nil {
		return nil, err
	}
	out := make([]chatMessage, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, toChat(m))
	}
	return out, nil
}

func toChat(m conversation.Message) chatMessage {
	from := "visitor"
	if m.Direction == "out" {
		from = "agent"
	}
	return chatMessage{ID: m.ID, From: from, Author: m.Author.Name, Text: m.Text, At: m.SentAt, Status: m.SendStatus}
}

func (ss *session) handle(ctx context.Context, f frame) error {
	switch f.Type {
	case "message":
		return ss.message(ctx, f)
	case "typing":
		if ss.convID != 0 {
			ss.s.d.Bus.Publish(live.Event{Kind: "visitor_typing", WorkspaceID: ss.acct.WorkspaceID, ConversationID: ss.convID})
		}
		return nil
	case "transcript":
		// Answered when the mail is sent (see run), or now if refused.
		if err := ss.transcript(ctx, f.Email); err != nil {
			return ss.send(ctx, frame{Type: "transcript", Error: err.Error()})
		}
		return nil
	case "seen":
		return ss.seen(ctx, f.MessageID)
	case "ping":
		return ss.send(ctx, frame{Type: "pong"})
	}
	return ss.send(ctx, frame{Type: "error", Error: "unknown frame type"})
}

func (ss *session) message(ctx context.Context, f frame) error {
	text := strings.TrimSpace(f.Text)
	if text == "" || utf8.RuneCountInString(text) > MaxMessageRunes {
		return ss.send(ctx, frame{Type: "error", ClientID: f.ClientID, Error: fmt.Sprintf("a message needs 1 to %d characters", MaxMessageRunes)})
	}
	if f.ClientID == "" || len(f.ClientID) > 64 {
		return ss.send(ctx, frame{Type: "error", Error: "a message needs a client_id"})
	}
	if ss.cfg.RequireEmail && ss.email == "" && !ss.signed {
		return ss.send(ctx, frame{Type: "error", ClientID: f.ClientID, Error: "please give your e-mail address before you write"})
	}
	if !ss.s.limiter.Allow(ss.ip) || !ss.s.limiter.Allow(ss.visitor) {
		return ss.send(ctx, frame{Type: "error", ClientID: f.ClientID, Error: "you are sending messages too fast; wait a moment"})
	}
	// The client id makes a resend after a reconnect a duplicate, not a
	// second message: keyed by who sent it, which for a signed identity is
	// its user (its visitor id is new at every connection).
	sender := ss.visitor
	if strings.HasPrefix(ss.author.ID, "u:") {
		sender = ss.author.ID
	}
	res, err := ss.s.d.Pipeline.Ingest(ctx, ss.acct.ID, ingest.Message{
		ProviderID: "chat:" + sender + ":" + f.ClientID, Visibility: "private", Author: ss.author, Text: text, SentAt: time.Now(),
	})
	if err == nil && res[0].Err != nil {
		err = res[0].Err
	}
	if err != nil {
		if errors.Is(err, hark.ErrInvalid) {
			return ss.send(ctx, frame{Type: "error", ClientID: f.ClientID, Error: err.Error()})
		}
		ss.s.d.Log.Error("chat ingest", "err", err)
		return ss.send(ctx, frame{Type: "error", ClientID: f.ClientID, Error: "the message could not be saved; it will be retried"})
	}
	ss.convID = res[0].ConversationID
	ss.recordAddress(ctx)
	return ss.send(ctx, frame{Type: "ack", ClientID: f.ClientID, MessageID: res[0].MessageID, ConversationID: ss.convID})
}

// recordAddress keeps the address the visitor gave (a signed identity's,
// or typed in the widget) as where the conversation's unseen replies go:
// never an address of the contact's, which a merge may have brought from
// another customer.
func (ss *session) recordAddress(ctx context.Context) {
	if ss.s.d.Mail == nil || ss.convID == 0 || ss.email == "" || (ss.addressedConv == ss.convID && ss.addressed == ss.email) {
		return
	}
	if err := ss.s.d.Mail.SetAddress(ctx, ss.convID, ss.acct.ID, ss.email); err != nil {
		ss.s.d.Log.Warn("chat: record the visitor's address", "conversation", ss.convID, "err", err)
		return
	}
	ss.addressed, ss.addressedConv = ss.email, ss.convID
}

// seen records that the widget showed the conversation's replies up to
// id, which are then not e-mailed.
func (ss *session) seen(ctx context.Context, id int64) error {
	if ss.s.d.Mail == nil || ss.convID == 0 || id == 0 {
		return nil
	}
	if id <= ss.seenUpTo {
		return nil // recorded already
	}
	m, err := ss.s.d.Conversations.Message(ctx, id)
	if err != nil || m.ConversationID != ss.convID || m.Direction != "out" {
		return nil // not this visitor's to acknowledge
	}
	ss.markSeen(ctx, id)
	return nil
}

// markSeen records the replies up to id as seen, once per newer id: old
// widgets have every message event and every resync count, and each is a
// write.
func (ss *session) markSeen(ctx context.Context, id int64) {
	if id <= ss.seenUpTo {
		return
	}
	if err := ss.s.d.Mail.Seen(ctx, ss.convID, ss.acct.ID, id); err != nil {
		ss.s.d.Log.Warn("chat: record a seen reply", "conversation", ss.convID, "err", err)
		return
	}
	ss.seenUpTo = id
}

// deliveredAll is delivered for the newest reply of a history written.
func (ss *session) deliveredAll(ctx context.Context, msgs []chatMessage) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].From == "agent" {
			ss.delivered(ctx, msgs[i].ID)
			return
		}
	}
}

// delivered counts a reply written to a widget that sends no "seen" as
// seen: it cannot say more.
func (ss *session) delivered(ctx context.Context, id int64) {
	if ss.acks || ss.s.d.Mail == nil || ss.convID == 0 {
		return
	}
	ss.markSeen(ctx, id)
}

func (ss *session) event(ctx context.Context, e live.Event) error {
	switch {
	case e.Kind == "resync":
		msgs, err := ss.history(ctx)
		if err != nil {
			return err
		}
		if err := ss.send(ctx, frame{Type: "history", Messages: msgs}); err != nil {
			return err
		}
		ss.deliveredAll(ctx, msgs)
		return nil
	case ss.convID == 0 || e.ConversationID != ss.convID:
		return nil
	case e.Kind == "agent_typing":
		return ss.send(ctx, frame{Type: "typing"})
	case e.MessageID != 0:
		m, err := ss.s.d.Conversations.Message(ctx, e.MessageID)
		if err != nil {
			return nil // not visible yet on this reader; the next event resyncs
		}
		if m.ConversationID != ss.convID || m.Direction != "out" {
			return nil
		}
		cm := toChat(m)
		if err := ss.send(ctx, frame{Type: "message", Message: &cm}); err != nil {
			return err
		}
		ss.delivered(ctx, m.ID)
		return nil
	}
	return nil
}

func (ss *session) send(ctx context.Context, f frame) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return wsjson.Write(wctx, ss.conn, f)
}

// account loads a chat account and makes sure it has a signing secret.
func (s *Server) account(ctx context.Context, idText string) (workspace.Account, Config, error) {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return workspace.Account{}, Config{}, hark.ErrNotFound
	}
	acct, err := s.d.Workspaces.Account(ctx, id)
	if err != nil {
		return acct, Config{}, err
	}
	if acct.Channel != "chat" {
		return acct, Config{}, hark.ErrNotFound
	}
	cfg, err := ParseConfig(acct.Config)
	if err != nil || cfg.Secret != "" {
		return acct, cfg, err
	}
	if err := s.addSecret(ctx, acct.ID); err != nil {
		return acct, cfg, err
	}
	// Made here or by a request beside this one: read the winner.
	if acct, err = s.d.Workspaces.Account(ctx, id); err != nil {
		return acct, Config{}, err
	}
	cfg, err = ParseConfig(acct.Config)
	return acct, cfg, err
}

// addSecret gives a chat account its signing secret, once: the first
// visitors of a new chat connect at once, and a second secret written over
// the first would make strangers of those the first signed. It is added
// to the config as stored, in the transaction that reads it, so an
// admin's edit made meanwhile is kept too.
func (s *Server) addSecret(ctx context.Context, accountID int64) error {
	return s.d.Workspaces.UpdateConfig(ctx, accountID, func(cur workspace.Account, _ []workspace.Account) (json.RawMessage, error) {
		var raw map[string]any
		json.Unmarshal(cur.Config, &raw)
		if raw == nil {
			raw = map[string]any{}
		}
		if sec, _ := raw["chat_secret"].(string); sec != "" {
			return cur.Config, nil
		}
		raw["chat_secret"] = workspace.NewToken("")
		return json.Marshal(raw)
	})
}

// agentTyping tells the visitor an agent is writing.
func (s *Server) agentTyping(w http.ResponseWriter, r *http.Request) {
	c, ok := auth.From(r.Context())
	if !ok || !c.User.Can("work") {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if !auth.CheckCSRF(r) {
		http.Error(w, "bad CSRF token", http.StatusForbidden)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("conversation"), 10, 64)
	conv, err := s.d.Conversations.Get(r.Context(), id)
	if err != nil {
		http.Error(w, "no such conversation", http.StatusNotFound)
		return
	}
	s.d.Bus.Publish(live.Event{Kind: "agent_typing", WorkspaceID: conv.WorkspaceID, ConversationID: conv.ID})
	w.WriteHeader(http.StatusNoContent)
}

func isClosed(err error) bool {
	s := websocket.CloseStatus(err)
	return s == websocket.StatusNormalClosure || s == websocket.StatusGoingAway || errors.Is(err, context.Canceled)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
