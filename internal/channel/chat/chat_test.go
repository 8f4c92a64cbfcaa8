package chat_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/chat"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/smtp/smtptest"
	"github.com/harkdesk/hark/internal/workspace"
)

type frame map[string]any

func (f frame) s(k string) string { v, _ := f[k].(string); return v }

type visitor struct {
	t    *testing.T
	conn *websocket.Conn
}

func dial(t *testing.T, url string, hello frame) (*visitor, frame) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	v := &visitor{t: t, conn: conn}
	hello["type"] = "hello"
	v.send(hello)
	return v, v.next()
}

func (v *visitor) send(f frame) {
	v.t.Helper()
	if err := wsjson.Write(context.Background(), v.conn, f); err != nil {
		v.t.Fatal(err)
	}
}

func (v *visitor) next() frame {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var f frame
	if err := wsjson.Read(ctx, v.conn, &f); err != nil {
		v.t.Fatalf("reading a frame: %v", err)
	}
	return f
}

func setup(t *testing.T, d *db.DB, cfg string) (*app.App, workspace.Account, string) {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: d.DSN, Migrate: false})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ws, _ := a.Workspaces.Create(ctx, "shop", "Shop")
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "chat", Handle: "site", Name: "Shop support"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg != "" {
		if err := a.Workspaces.SetConfig(ctx, acct.ID, json.RawMessage(cfg)); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(server.Handler(a))
	t.Cleanup(srv.Close)
	return a, acct, "ws" + strings.TrimPrefix(srv.URL, "http") + "/chat/" + strconv.FormatInt(acct.ID, 10) + "/ws"
}

func TestChatVisitorAgentRoundTripAndResume(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, _, url := setup(t, d, "")
		ctx := context.Background()
		v, welcome := dial(t, url, frame{"name": "Dana", "email": "dana@example.com"})
		if welcome.s("type") != "welcome" || welcome.s("visitor") == "" || welcome["online"] != true {
			t.Fatalf("welcome %v", welcome)
		}
		v.send(frame{"type": "message", "client_id": "c1", "text": "Is my order 1234 shipped?"})
		ack := v.next()
		if ack.s("type") != "ack" || ack.s("client_id") != "c1" || ack.s("message_id") == "" {
			t.Fatalf("ack %v", ack)
		}
		convID, _ := strconv.ParseInt(ack.s("conversation_id"), 10, 64)
		// A resend after a lost ack is the same message.
		v.send(frame{"type": "message", "client_id": "c1", "text": "Is my order 1234 shipped?"})
		if again := v.next(); again.s("message_id") != ack.s("message_id") {
			t.Fatalf("resend made a new message: %v vs %v", again, ack)
		}
		conv, err := a.Conversations.Get(ctx, convID)
		if err != nil || conv.Channel != "chat" || conv.Visibility != "private" || conv.ContactName != "Dana" {
			t.Fatalf("conversation %+v %v", conv, err)
		}
		// The agent answers in the desk; the widget shows it within a second.
		start := time.Now()
		if _, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: convID, Text: "Yes, it left today!", Author: conversation.Author{Name: "Sam"}}); err != nil {
			t.Fatal(err)
		}
		for {
			f := v.next()
			if f.s("type") != "message" {
				continue
			}
			m := f["message"].(map[string]any)
			if m["text"] != "Yes, it left today!" || m["from"] != "agent" || m["author"] != "Sam" {
				t.Fatalf("pushed message %v", m)
			}
			break
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("the reply took %v to reach the widget", d)
		}
		// The visitor reloads: same visitor, same conversation, whole history.
		v.conn.Close(websocket.StatusNormalClosure, "")
		_, back := dial(t, url, frame{"visitor": welcome.s("visitor")})
		if back.s("conversation_id") != ack.s("conversation_id") {
			t.Fatalf("after reload conversation %v, want %v", back["conversation_id"], ack["conversation_id"])
		}
		if msgs, _ := back["messages"].([]any); len(msgs) != 2 {
			t.Fatalf("after reload %d messages, want 2", len(msgs))
		}
		// A forged token is a new visitor, not someone else's conversation.
		forged := strings.Split(welcome.s("visitor"), ".")[0] + ".AAAA"
		_, other := dial(t, url, frame{"visitor": forged})
		if other.s("conversation_id") != "" || other.s("visitor") == welcome.s("visitor") {
			t.Fatalf("a forged token got %v", other)
		}
	})
}

func TestChatRejectsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, _, url := setup(t, d, `{"identity_secret":"s3cret","hours":{"tz":"UTC","days":"sun","from":"00:00","to":"00:01"}}`)
		v, welcome := dial(t, url, frame{})
		if welcome["online"] == true && time.Now().UTC().Weekday() != time.Sunday {
			t.Fatal("closed hours shown as online")
		}
		v.send(frame{"type": "message", "client_id": "x", "text": strings.Repeat("a", chat.MaxMessageRunes+1)})
		if f := v.next(); f.s("type") != "error" {
			t.Fatalf("oversized message: %v", f)
		}
		v.send(frame{"type": "message", "text": "no client id"})
		if f := v.next(); f.s("type") != "error" {
			t.Fatalf("no client id: %v", f)
		}
		v.send(frame{"type": "bogus"})
		if f := v.next(); f.s("type") != "error" {
			t.Fatalf("unknown frame: %v", f)
		}
		// A signed identity from the brand's site is accepted; a bad one is not.
		ts := time.Now().Unix()
		good := frame{"user_id": "42", "email": "kim@example.com", "name": "Kim", "ts": ts, "sig": chat.SignIdentity("s3cret", "42", "kim@example.com", ts)}
		_, ok := dial(t, url, frame{"identity": good})
		if ok.s("type") != "welcome" {
			t.Fatalf("signed identity refused: %v", ok)
		}
		bad := frame{"user_id": "43", "email": "kim@example.com", "ts": ts, "sig": good["sig"]}
		_, refused := dial(t, url, frame{"identity": bad})
		if refused.s("type") != "error" || !strings.Contains(refused.s("error"), "signature") {
			t.Fatalf("forged identity: %v", refused)
		}
		stale := frame{"user_id": "42", "email": "kim@example.com", "ts": ts - 3*86400, "sig": chat.SignIdentity("s3cret", "42", "kim@example.com", ts-3*86400)}
		_, old := dial(t, url, frame{"identity": stale})
		if old.s("type") != "error" {
			t.Fatalf("stale identity: %v", old)
		}
	})
}

func TestChatTranscriptByEmail(t *testing.T) {
	mail := smtptest.Start(t, 0)
	sink, got := mail.Addr, mail.Got
	d := dbtest.Open(t, db.SQLite)
	_, _, url := setup(t, d, `{"smtp":"`+sink+`","mail_from":"support@shop.test"}`)
	v, _ := dial(t, url, frame{"name": "Dana"})
	v.send(frame{"type": "message", "client_id": "c1", "text": "Where is <b>my</b> parcel?"})
	v.next()
	v.send(frame{"type": "transcript", "email": "dana@example.com"})
	if f := v.next(); f.s("type") != "transcript" || f.s("error") != "" {
		t.Fatalf("transcript: %v", f)
	}
	select {
	case mail := <-got:
		if !strings.Contains(mail, "To: dana@example.com") || !strings.Contains(mail, "Where is <b>my</b> parcel?") || !strings.Contains(mail, "Message-ID:") {
			t.Fatalf("mail:\n%s", mail)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no transcript arrived")
	}
}

// A signed-in visitor's ack is lost, the widget reconnects and resends the
// pending message with the same client_id (as widget.js does at every
// welcome): it is a duplicate, though the new connection has a new
// visitor id.
func TestASignedInVisitorsResendIsADuplicate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, _, url := setup(t, d, `{"identity_secret":"s3cret"}`)
		ts := time.Now().Unix()
		id := frame{"user_id": "42", "email": "kim@example.com", "name": "Kim", "ts": ts, "sig": chat.SignIdentity("s3cret", "42", "kim@example.com", ts)}
		v1, w1 := dial(t, url, frame{"identity": id})
		v1.send(frame{"type": "message", "client_id": "c1", "text": "where is my parcel"})
		ack1 := v1.next()
		v1.conn.CloseNow()
		v2, _ := dial(t, url, frame{"identity": id, "visitor": w1.s("visitor")})
		v2.send(frame{"type": "message", "client_id": "c1", "text": "where is my parcel"})
		ack2 := v2.next()
		if ack1.s("message_id") == "" || ack1.s("message_id") != ack2.s("message_id") {
			t.Fatalf("the resend after a reconnect: messages %q and %q, want one", ack1.s("message_id"), ack2.s("message_id"))
		}
	})
}

// A node told to stop ends its chat sockets with "going away", so the
// widget reconnects to another node, and waits for them before it closes
// the store they write to. Shutdown alone neither ends nor waits for a
// hijacked socket: before, it stayed open until the process exited.
func TestChatSocketsEndWithTheDrain(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a, acct, _ := setup(t, dbtest.Open(t, db.SQLite), "")
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- server.Serve(ctx, a, "127.0.0.1:0", func(addr net.Addr) { ready <- addr }) }()
	url := "ws://" + (<-ready).String() + "/chat/" + strconv.FormatInt(acct.ID, 10) + "/ws"
	v, welcome := dial(t, url, frame{"name": "Dana"})
	if welcome.s("type") != "welcome" {
		t.Fatalf("welcome %v", welcome)
	}
	// A socket still to say hello is ended too, not left to its timeout.
	quiet, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.CloseNow()

	began := time.Now()
	stop()
	for _, c := range []*websocket.Conn{v.conn, quiet} {
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var f frame
		err := wsjson.Read(rctx, c, &f)
		cancel()
		if websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Fatalf("the socket ended with %v, want going away", err)
		}
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("the server was still draining after 8 s")
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("stopping took %v with a chat socket open", d)
	}
}

// Hours that run past midnight (a night shift, "22:00" to "06:00") are
// open at night: the widget said "We're away right now" during the very
// hours agents answered. The early hours belong to the shift that began
// the day before, so a Friday night shift is open early on Saturday.
func TestOvernightHoursAreOpenAtNight(t *testing.T) {
	h := &chat.Hours{TZ: "UTC", From: "22:00", To: "06:00"}
	for _, at := range []string{"2026-11-24T23:00:00Z", "2026-11-25T02:00:00Z"} {
		tm, _ := time.Parse(time.RFC3339, at)
		if !h.Open(tm) {
			t.Errorf("hours 22:00-06:00 closed at %s", at)
		}
	}
	shifts := &chat.Hours{TZ: "UTC", Days: "mon-fri", From: "22:00", To: "06:00"}
	for at, want := range map[string]bool{
		"2026-11-28T02:00:00Z": true,  // Saturday early: Friday's shift
		"2026-11-28T23:00:00Z": false, // Saturday night
		"2026-11-30T02:00:00Z": false, // Monday early: Sunday had none
		"2026-11-25T12:00:00Z": false, // Wednesday noon
	} {
		tm, _ := time.Parse(time.RFC3339, at)
		if got := shifts.Open(tm); got != want {
			t.Errorf("mon-fri 22:00-06:00 at %s: open %v, want %v", at, got, want)
		}
	}
}

// Days the code cannot read ("weekdays", "mon-fir") mean open, as the
// doc of Hours.Open promises: they had closed the chat for good, a typo
// hiding it. Check names the fault, for the admin who saves such hours.
func TestUnreadableDaysMeanOpen(t *testing.T) {
	tm, _ := time.Parse(time.RFC3339, "2026-11-25T10:00:00Z") // a Wednesday
	for _, days := range []string{"weekdays", "mon-fir"} {
		h := &chat.Hours{TZ: "UTC", Days: days, From: "09:00", To: "17:00"}
		if !h.Open(tm) {
			t.Errorf("days %q: closed on a Wednesday at 10:00 (a typo hides the chat)", days)
		}
		if err := h.Check(); err == nil || !strings.Contains(err.Error(), days) {
			t.Errorf("days %q: Check said %v", days, err)
		}
	}
	for _, h := range []chat.Hours{{TZ: "Mars/Olympus"}, {TZ: "UTC", From: "9am", To: "17:00"}, {TZ: "UTC", From: "09:00", To: "25:00"}} {
		if h.Check() == nil {
			t.Errorf("hours %+v passed Check", h)
		}
	}
	if err := (&chat.Hours{TZ: "Europe/London", Days: "mon-fri,sun", From: "22:00", To: "06:00"}).Check(); err != nil {
		t.Errorf("good hours refused: %v", err)
	}
	// Hours that end when they start are the whole day, on the days named.
	for _, hh := range [][2]string{{"00:00", "00:00"}, {"09:00", "09:00"}, {"00:00", "24:00"}} {
		h := &chat.Hours{TZ: "UTC", Days: "mon-fri", From: hh[0], To: hh[1]}
		for _, at := range []string{"2026-11-25T00:00:00Z", "2026-11-25T08:59:00Z", "2026-11-25T23:59:00Z"} {
			tt, _ := time.Parse(time.RFC3339, at)
			if h.Check() != nil || !h.Open(tt) {
				t.Errorf("hours %s to %s: closed on a Wednesday at %s (check %v)", hh[0], hh[1], at, h.Check())
			}
		}
		if sat, _ := time.Parse(time.RFC3339, "2026-11-28T12:00:00Z"); h.Open(sat) {
			t.Errorf("hours %s to %s on mon-fri: open on a Saturday", hh[0], hh[1])
		}
	}
	// A stray comma names no day: the other days still count, and a
	// Saturday outside them is closed.
	sat, _ := time.Parse(time.RFC3339, "2026-11-28T10:00:00Z")
	for _, days := range []string{"mon-fri,", "mon-fri, ", ",mon-fri", "mon,,tue-fri"} {
		h := &chat.Hours{TZ: "UTC", Days: days, From: "09:00", To: "17:00"}
		if err := h.Check(); err != nil {
			t.Errorf("days %q refused: %v", days, err)
		}
		if !h.Open(tm) || h.Open(sat) {
			t.Errorf("days %q: open on Wednesday %v, on Saturday %v; want true, false", days, h.Open(tm), h.Open(sat))
		}
	}
}

// A new chat account's first visitors connect at once, and the account's
// signing secret is made by whichever gets there: it is made once, so
// each of them is recognised at their next page load. Before, each
// request wrote its own secret, the last write won, and a visitor signed
// with a losing one became a stranger (new id, an empty widget, a second
// conversation).
func TestANewChatsFirstVisitorsKeepTheirIdentity(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	a, acct, url0 := setup(t, d, "")
	base := strings.TrimSuffix(url0, strconv.FormatInt(acct.ID, 10)+"/ws")
	lost, total := 0, 0
	for round := range 6 {
		// a fresh chat account each round: its secret is made on first use
		ac, _, err := a.Workspaces.AddAccount(context.Background(), workspace.Account{WorkspaceID: acct.WorkspaceID, Channel: "chat", Handle: "site" + strconv.Itoa(round)})
		if err != nil {
			t.Fatal(err)
		}
		url := base + strconv.FormatInt(ac.ID, 10) + "/ws"
		const n = 20
		tokens := make(chan string, n)
		start := make(chan struct{})
		for range n {
			go func() {
				<-start
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				conn, _, err := websocket.Dial(ctx, url, nil)
				if err != nil {
					tokens <- ""
					return
				}
				defer conn.CloseNow()
				wsjson.Write(ctx, conn, map[string]any{"type": "hello"})
				var f map[string]any
				wsjson.Read(ctx, conn, &f)
				s, _ := f["visitor"].(string)
				tokens <- s
			}()
		}
		close(start)
		for range n {
			tok := <-tokens
			if tok == "" {
				t.Fatal("a visitor could not connect")
			}
			total++
			_, back := dial(t, url, frame{"visitor": tok})
			if back.s("visitor") != tok {
				lost++
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d first visitors were not recognised at their next page load", lost, total)
	}
}

// stalledMailServer accepts connections and never says a word, as an
// overloaded or tarpitting server, or a dead relay behind a load balancer.
func stalledMailServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return ln.Addr().String()
}

// A transcript waiting on a stalled mail server leaves the chat working:
// the next message is acknowledged at once. The mail was sent inside the
// session's only loop with no deadline, which froze the session for good
// (no pings, no agents' replies, no acks) and kept it after the visitor
// left.
func TestAStalledMailServerDoesNotFreezeTheChat(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	_, _, url := setup(t, d, `{"smtp":"`+stalledMailServer(t)+`","mail_from":"support@shop.test"}`)
	v, _ := dial(t, url, frame{"name": "Dana"})
	v.send(frame{"type": "message", "client_id": "c1", "text": "hello"})
	v.next()
	v.send(frame{"type": "transcript", "email": "dana@example.com"})
	v.send(frame{"type": "message", "client_id": "c2", "text": "are you there?"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for {
		var f map[string]any
		if err := wsjson.Read(ctx, v.conn, &f); err != nil {
			t.Fatalf("3 s after asking for a transcript the chat still has not answered the next message: %v", err)
		}
		if f["type"] == "ack" && f["client_id"] == "c2" {
			break
		}
	}
	// A second request while the first is on its way is refused, not queued.
	v.send(frame{"type": "transcript", "email": "dana@example.com"})
	if f := v.next(); f.s("type") != "transcript" || f.s("error") == "" {
		t.Fatalf("a second transcript while one is on its way: %v", f)
	}
}

// The SMTP dialogue ends at its deadline, whatever the server does: a
// server that accepts and never greets is given up on.
func TestMailToAStalledServerEndsAtItsDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := chat.SendMail(ctx, stalledMailServer(t), "support@shop.test", "dana@example.com", "hi", "body")
	if err == nil {
		t.Fatal("a server that never answered took the mail")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("gave up after %v, want about 300 ms", d)
	}
}

// The transcript is no open relay. It goes to the visitor's own address
// (the one given when the chat began, or the first it went to), a handful
// of times per conversation and per client address. It went to any
// address a visitor typed, limited only per visitor id, which is new at
// every connection: one anonymous visitor who wrote one line could have
// the brand's mail server send it to stranger after stranger.
func TestTheTranscriptIsNoOpenRelay(t *testing.T) {
	mail := smtptest.Start(t, 0)
	sink, got := mail.Addr, mail.Got
	delivered := make(chan []string)
	go func() {
		var to []string
		for {
			select {
			case m := <-got:
				to = append(to, m[strings.Index(m, "To: ")+4:][:strings.Index(m[strings.Index(m, "To: ")+4:], "\r\n")])
			case delivered <- to:
				return
			}
		}
	}()
	d := dbtest.Open(t, db.SQLite)
	_, _, url := setup(t, d, `{"smtp":"`+sink+`","mail_from":"support@shop.test"}`)
	// transcript asks for one and waits for its answer, which comes when
	// the mail is sent.
	transcript := func(v *visitor, to string) bool {
		v.send(frame{"type": "transcript", "email": to})
		for {
			if f := v.next(); f.s("type") == "transcript" {
				return f.s("error") == ""
			}
		}
	}
	v, _ := dial(t, url, frame{})
	v.send(frame{"type": "message", "client_id": "c1", "text": "Cheap pills at spam.example"})
	v.next()
	sent := 0
	for i := range 25 {
		if transcript(v, "stranger"+strconv.Itoa(i)+"@victims.example") {
			sent++
		}
	}
	if sent != 1 {
		t.Fatalf("one anonymous visitor had the desk e-mail %d strangers", sent)
	}
	// A visitor who gave an address at the start gets it there, and only there.
	dana, _ := dial(t, url, frame{"name": "Dana", "email": "dana@example.com"})
	dana.send(frame{"type": "message", "client_id": "c1", "text": "Where is my parcel?"})
	dana.next()
	if transcript(dana, "someone@victims.example") {
		t.Fatal("a transcript went to another address than the one the visitor gave")
	}
	if !transcript(dana, "") || !transcript(dana, "DANA@example.com") {
		t.Fatal("the visitor's own transcript was refused")
	}
	// Each conversation gets a handful; each client address a few more.
	sent = 0
	for i := range 6 {
		w, _ := dial(t, url, frame{"name": "W", "email": "w" + strconv.Itoa(i) + "@victims.example"})
		w.send(frame{"type": "message", "client_id": "c1", "text": "spam"})
		w.next()
		for range 4 {
			if transcript(w, "") {
				sent++
			}
		}
	}
	if sent > 7 { // 10 per client address, 3 spent above
		t.Fatalf("visitors from one address sent %d transcripts", sent)
	}
	time.Sleep(200 * time.Millisecond)
	to := <-delivered
	if len(to) != 3+sent {
		t.Fatalf("%d mails delivered, want %d: %v", len(to), 3+sent, to)
	}
	for _, addr := range to[1:3] {
		if addr != "dana@example.com" {
			t.Fatalf("Dana's transcripts went to %v", to)
		}
	}
}

// An e-mail address typed in the pre-chat form is anyone's: it joins the
// visitor to no other customer, nor to their conversation. A stranger who
// typed a customer's address was put in that customer's chat, saw its
// history and got the agent's replies; with a signed identity too, whose
// own address the typed one stood in for. Only a signed identity's
// address joins a known customer. Agents still see the typed address
// (the visitor's handle on the chat), find the visitor by it, and are
// offered the other visitors who gave it as possible matches.
func TestAnUnverifiedEmailJoinsNoOtherCustomer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, _, url := setup(t, d, `{"identity_secret":"s3cret"}`)
		ctx := context.Background()
		dana, _ := dial(t, url, frame{"name": "Dana", "email": "dana@example.com"})
		dana.send(frame{"type": "message", "client_id": "c1", "text": "My address is 1 Secret Lane"})
		ack := dana.next()
		danaConv, _ := strconv.ParseInt(ack.s("conversation_id"), 10, 64)
		if _, err := a.Conversations.Reply(ctx, conversation.ReplyInput{ConversationID: danaConv, Text: "Your new card ends 4242", Author: conversation.Author{Name: "Sam"}}); err != nil {
			t.Fatal(err)
		}
		dana.conn.CloseNow()

		// Eve, on another browser, types Dana's address; so does Mal, who
		// is signed in on the brand's site with an identity of no address.
		ts := time.Now().Unix()
		mal := frame{"user_id": "66", "name": "Mal", "ts": ts, "sig": chat.SignIdentity("s3cret", "66", "", ts)}
		for _, who := range []frame{{"name": "Eve", "email": "Dana@Example.com"}, {"identity": mal, "email": "dana@example.com"}} {
			eve, welcome := dial(t, url, who)
			if msgs, _ := welcome["messages"].([]any); len(msgs) != 0 || welcome.s("conversation_id") != "" {
				t.Fatalf("%v: the welcome shows Dana's chat: %v", who, welcome)
			}
			eve.send(frame{"type": "message", "client_id": "e1", "text": "hi"})
			eack := eve.next()
			if eack.s("conversation_id") == ack.s("conversation_id") {
				t.Fatalf("%v: the message went into Dana's conversation %s", who, ack.s("conversation_id"))
			}
			eve.conn.CloseNow()
			_, back := dial(t, url, frame{"visitor": welcome.s("visitor"), "identity": who["identity"]})
			msgs, _ := back["messages"].([]any)
			for _, m := range msgs {
				if txt, _ := m.(map[string]any)["text"].(string); strings.Contains(txt, "Secret Lane") || strings.Contains(txt, "4242") {
					t.Fatalf("%v: the widget shows Dana's history: %q", who, txt)
				}
			}
			if len(msgs) != 1 {
				t.Fatalf("%v: after a reload %d messages, want their own 1", who, len(msgs))
			}
		}

		// Agents find the visitors by the address they typed, and are
		// offered them as possible matches for Dana.
		danaC, _ := a.Conversations.Get(ctx, danaConv)
		found, err := a.Contacts.Search(ctx, danaC.WorkspaceID, "dana@example.com")
		if err != nil || len(found) != 3 {
			t.Fatalf("a search for the address found %v (%v), want Dana, Eve and Mal", found, err)
		}
		dc, _ := a.Contacts.Get(ctx, danaC.ContactID)
		sugg, err := a.Contacts.Suggest(ctx, dc)
		if err != nil || len(sugg) != 2 || !strings.Contains(sugg[0].Because, "dana@example.com") {
			t.Fatalf("suggestions for Dana: %+v %v", sugg, err)
		}

		// A customer who wrote by e-mail is joined by a signed identity
		// with their address, and by no typed one.
		mail, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: danaC.WorkspaceID, Channel: "email", Handle: "support@shop.test"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.Pipeline.Ingest(ctx, mail.ID, ingest.Message{ProviderID: "<1@mail>", Author: ingest.Author{ID: "jo@example.com", Email: "jo@example.com", Name: "Jo"}, Text: "my card", SentAt: time.Now()})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		byMail, _ := a.Conversations.Get(ctx, res[0].ConversationID)
		contactOf := func(hello frame) int64 {
			v, _ := dial(t, url, hello)
			v.send(frame{"type": "message", "client_id": "j1", "text": "hello"})
			id, _ := strconv.ParseInt(v.next().s("conversation_id"), 10, 64)
			c, _ := a.Conversations.Get(ctx, id)
			return c.ContactID
		}
		if contactOf(frame{"name": "Jo", "email": "jo@example.com"}) == byMail.ContactID {
			t.Fatal("a typed address joined the customer who wrote from it")
		}
		jo := frame{"user_id": "7", "email": "jo@example.com", "name": "Jo", "ts": ts, "sig": chat.SignIdentity("s3cret", "7", "jo@example.com", ts)}
		if contactOf(frame{"identity": jo}) != byMail.ContactID {
			t.Fatal("a signed identity did not join the customer with its address")
		}
	})
}

// A chat that requires an e-mail address takes no message from a visitor
// who gave none, and says why; the widget shows the pre-chat form again.
// RequireEmail was sent to the widget as ask_email, which ignored it, and
// the desk took messages without an address all the same.
func TestAChatThatAsksForAnEmailTakesNoMessageWithout(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	_, _, url := setup(t, d, `{"require_email":true,"identity_secret":"s3cret"}`)
	v, welcome := dial(t, url, frame{"name": "Dana"})
	if welcome["ask_email"] != true {
		t.Fatalf("welcome %v", welcome)
	}
	v.send(frame{"type": "message", "client_id": "c1", "text": "hello"})
	if f := v.next(); f.s("type") != "error" || f.s("client_id") != "c1" || !strings.Contains(f.s("error"), "e-mail") {
		t.Fatalf("a message without an address: %v", f)
	}
	v.conn.CloseNow()
	w, _ := dial(t, url, frame{"visitor": welcome.s("visitor"), "name": "Dana", "email": "dana@example.com"})
	w.send(frame{"type": "message", "client_id": "c1", "text": "hello"})
	if f := w.next(); f.s("type") != "ack" {
		t.Fatalf("a message with an address: %v", f)
	}
	// A visitor the brand's site signed in is known to the brand, address
	// or not: the widget shows them no form to type one in.
	ts := time.Now().Unix()
	signed, _ := dial(t, url, frame{"identity": frame{"user_id": "42", "name": "Kim", "ts": ts, "sig": chat.SignIdentity("s3cret", "42", "", ts)}})
	signed.send(frame{"type": "message", "client_id": "c1", "text": "hello"})
	if f := signed.next(); f.s("type") != "ack" {
		t.Fatalf("a signed-in visitor whose identity gives no address: %v", f)
	}
}
