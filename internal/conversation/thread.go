package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// Threading windows. A public follow-up by the same author soon after their
// last post belongs to the same thread; a private thread resolved recently is
// reopened rather than duplicated.
var (
	FollowUpWindow = time.Hour
	ReopenWindow   = 7 * 24 * time.Hour
)

// Inbound is a customer's message ready to be stored: normalised, with its
// author resolved to a contact.
type Inbound struct {
	WorkspaceID   int64
	AccountID     int64
	Channel       string
	Visibility    string // public or private
	ProviderID    string
	ReplyTo       []string // provider ids of the messages it answers, nearest first
	ByParticipant bool     // thread private messages by who sent them (DMs, chat, SMS)
	ContactID     int64
	NewContact    bool // made in this transaction: it has no stored thread
	ContactName   string
	ContactHandle string
	Author        Author
	Text          string
	Subject       string
	Attachments   []Attachment
	Labels        json.RawMessage
	// Thread, when set, is what the message makes of its conversation's
	// labels: the thread carries its latest customer message's.
	Thread     *ThreadLabels
	SentAt     int64
	ReceivedAt int64
	Raw        []byte
}

// Stored says where an inbound message went.
type Stored struct {
	MessageID       int64 `json:"message_id"`
	ConversationID  int64 `json:"conversation_id"`
	Duplicate       bool  `json:"duplicate"`
	NewConversation bool  `json:"new_conversation"`
	Reopened        bool  `json:"reopened"`
}

var writerQueries = []string{"MessageByProvider", "MessagesByProvider", "LatestThread", "LatestThreads"}

// insertQueries are the writer's multi-row inserts (db.Inserts).
var insertQueries = []string{"InsertInboundMessages", "CreateConversations", "InsertActivities"}

// updateQueries are the writer's multi-row updates (db.PrepareUpdates).
var updateQueries = []string{"TouchInbound"}

// WriterStatements are the ingest writer's statements, prepared once on the
// store and shared by every batch's transaction (re-preparing them for each
// group commit cost more than the inserts of a small batch).
type WriterStatements struct {
	dialect db.Dialect
	named   map[string]*sql.Stmt
	multi   map[string]db.Inserts // multi-row statements, by name
}

// PrepareWriter prepares the writer's statements on d's write pool.
func PrepareWriter(ctx context.Context, d *db.DB) (*WriterStatements, error) {
	s := &WriterStatements{dialect: d.Dialect, named: map[string]*sql.Stmt{}, multi: map[string]db.Inserts{}}
	for _, name := range writerQueries {
		st, err := d.W.PrepareContext(ctx, queries.Get(s.dialect, name))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		s.named[name] = st
	}
	for _, name := range insertQueries {
		in, err := db.PrepareInserts(ctx, d, queries.Get(s.dialect, name))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		s.multi[name] = in
	}
	for _, name := range updateQueries {
		up, err := db.PrepareUpdates(ctx, d, queries.Get(s.dialect, name))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		s.multi[name] = up
	}
	return s, nil
}

// Close releases the statements.
func (s *WriterStatements) Close() {
	for _, st := range s.named {
		st.Close()
	}
	for _, st := range s.multi {
		st.Close()
	}
}

// Writer returns a Writer for one batch on tx. It holds the batch's messages
// and thread updates in memory until Flush, which must run before commit.
func (s *WriterStatements) Writer(ctx context.Context, tx *sql.Tx) *Writer {
	return newWriter(ctx, tx, s)
}

// Writer stores inbound messages inside one ingest transaction. It keeps what
// the batch has learned (provider ids seen, threads and their state) so that
// repeat authors, follow-ups and redeliveries in one batch cost no queries.
type Writer struct {
	ctx   context.Context
	tx    *sql.Tx
	stmts *WriterStatements
	bound map[*sql.Stmt]*sql.Stmt

	known   map[providerKey]knownMessage
	stored  map[threadKey]storedThread // the store's latest thread per key, as LookupThreads found it
	threads map[int64]*threadState
	latest  map[threadKey]*threadState // the newest thread per key, once looked up
	ahead   map[threadKey]*threadState // the newest thread per key this batch touched
	order   []*threadState             // threads changed in this batch, in first-touch order
	pending []pendingMessage
	acts    []pendingActivity
}

type providerKey struct {
	account int64
	id      string
}

// knownMessage is a provider id's fate in this batch; msgID 0 means not stored.
type knownMessage struct{ msgID, convID int64 }

// storedThread is a key's latest thread in the store; id 0 means none.
type storedThread struct {
	id, lastMsg, lastIn int64
	status              string
}

type threadKey struct {
	account, contact int64
	visibility       string
}

// threadState is a conversation's threading state with this batch's messages
// applied, and the update Flush will write for them.
type threadState struct {
	id                      int64
	key                     threadKey
	status                  string
	lastMsg, lastIn         int64
	created                 bool // new in this batch: Flush inserts it
	in                      *Inbound
	count                   int64
	firstSent, maxSent, now int64
	preview                 string
	ownerName, ownerHandle  string
	ownerSeen               bool
	labels                  *ThreadLabels // the batch's labelled messages' together (touch)
	labelAt                 int64         // the newest's sent-at
	// The batch's latest named language and its sent-at: a batch whose
	// last message names none ("ok") keeps an earlier one's; "" names
	// none, and TouchInbound then leaves the thread's as it is.
	lang   string
	langAt int64
}

// ThreadLabels are the labels a conversation shows and filters by.
type ThreadLabels struct {
	Intent     string
	Sentiment  string
	NeedsReply bool
	// Language is the message's language when the classifier could name
	// it, else "": the thread then keeps the one it had.
	Language string
}

// pendingActivity is an activity row Flush writes: what the batch did to
// a thread (created, reopened by the customer).
type pendingActivity struct {
	id, workspaceID, convID int64
	kind, detail            string
	at                      int64
}

type pendingMessage struct {
	in            *Inbound
	msgID, convID int64
	replyTo       string
	att, labels   string
}

func newWriter(ctx context.Context, tx *sql.Tx, s *WriterStatements) *Writer {
	return &Writer{ctx: ctx, tx: tx, stmts: s, bound: map[*sql.Stmt]*sql.Stmt{},
		known: map[providerKey]knownMessage{}, stored: map[threadKey]storedThread{}, threads: map[int64]*threadState{},
		latest: map[threadKey]*threadState{}, ahead: map[threadKey]*threadState{}}
}

// stmt binds a shared statement to this transaction once.
func (w *Writer) stmt(st *sql.Stmt) *sql.Stmt {
	b, ok := w.bound[st]
	if !ok {
		b = w.tx.StmtContext(w.ctx, st)
		w.bound[st] = b
	}
	return b
}

func (w *Writer) named(name string) *sql.Stmt { return w.stmt(w.stmts.named[name]) }

// Close releases the statements bound to the transaction.
func (w *Writer) Close() {
	for _, b := range w.bound {
		b.Close()
	}
}

// Existing finds a message already stored under a provider id, in the store
// or earlier in this batch.
func (w *Writer) Existing(ctx context.Context, accountID int64, providerID string) (msgID, convID int64, err error) {
	k := providerKey{accountID, providerID}
	if m, ok := w.known[k]; ok {
		return m.msgID, m.convID, nil
	}
	var t threadState
	err = w.named("MessageByProvider").QueryRowContext(ctx, accountID, providerID).
		Scan(&msgID, &convID, &t.key.contact, &t.key.visibility, &t.status, &t.lastMsg, &t.lastIn)
	if errors.Is(err, sql.ErrNoRows) {
		w.known[k] = knownMessage{}
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("look up message %s: %w", providerID, err)
	}
	t.id, t.key.account = convID, accountID
	w.remember(k, msgID, &t)
	return msgID, convID, nil
}

// Lookup loads many provider ids of one account at once, so that Existing
// answers the batch's duplicates and replies without a query each.
func (w *Writer) Lookup(ctx context.Context, accountID int64, providerIDs []string) error {
	var ask []string
	for _, id := range providerIDs {
		// An id that is not valid UTF-8 would not survive the JSON array
		// (it becomes U+FFFD), so Existing asks for it alone.
		if _, ok := w.known[providerKey{accountID, id}]; !ok && id != "" && utf8.ValidString(id) {
			ask = append(ask, id)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	list, _ := json.Marshal(ask)
	rows, err := w.named("MessagesByProvider").QueryContext(ctx, accountID, string(list))
	if err != nil {
		return fmt.Errorf("look up %d provider ids: %w", len(ask), err)
	}
	defer rows.Close()
	for _, id := range ask {
		w.known[providerKey{accountID, id}] = knownMessage{}
	}
	for rows.Next() {
		var pid string
		var msgID int64
		t := threadState{key: threadKey{account: accountID}}
		if err := rows.Scan(&pid, &msgID, &t.id, &t.key.contact, &t.key.visibility, &t.status, &t.lastMsg, &t.lastIn); err != nil {
			return err
		}
		w.remember(providerKey{accountID, pid}, msgID, &t)
	}
	return rows.Err()
}

// remember records a stored message and its thread; a thread this batch has
// already changed keeps its newer state.
func (w *Writer) remember(k providerKey, msgID int64, t *threadState) {
	w.known[k] = knownMessage{msgID, t.id}
	if _, ok := w.threads[t.id]; !ok {
		w.threads[t.id] = t
	}
}

// AddInbound threads and stores one inbound message. The caller has checked
// for duplicates with Existing in the same transaction.
func (w *Writer) AddInbound(ctx context.Context, in *Inbound) (Stored, error) {
	var st Stored
	t, reopened, err := w.thread(ctx, in)
	if err != nil {
		return st, err
	}
	now := db.Now()
	if t == nil {
		t = &threadState{id: db.NewID(), key: threadKey{in.AccountID, in.ContactID, in.Visibility}, created: true, in: in, status: hark.StatusOpen}
		w.threads[t.id] = t
		st.NewConversation = true
		w.activity(in.WorkspaceID, t.id, "created", map[string]any{"channel": in.Channel, "visibility": in.Visibility})
	}
	if reopened {
		st.Reopened = true
		w.activity(in.WorkspaceID, t.id, "reopened", map[string]any{"by": "customer"})
	}
	w.touch(t, in, now)
	st.MessageID, st.ConversationID = db.NewID(), t.id
	att := "[]"
	if in.Attachments != nil {
		b, _ := json.Marshal(in.Attachments)
		att = string(b)
	}
	labels := string(in.Labels)
	if labels == "" {
		labels = "{}"
	}
	replyTo := ""
	if len(in.ReplyTo) > 0 {
		replyTo = in.ReplyTo[0]
	}
	w.pending = append(w.pending, pendingMessage{in: in, msgID: st.MessageID, convID: t.id, replyTo: replyTo, att: att, labels: labels})
	w.known[providerKey{in.AccountID, in.ProviderID}] = knownMessage{st.MessageID, t.id}
	return st, nil
}

// touch applies a message to its thread's state as TouchInbound would.
func (w *Writer) touch(t *threadState, in *Inbound, now int64) {
	if t.count == 0 {
		w.order = append(w.order, t)
		t.firstSent = in.SentAt
	}
	t.firstSent = min(t.firstSent, in.SentAt) // waiting_since: the earliest unanswered
	t.count++
	if t.count == 1 || in.SentAt >= t.maxSent {
		t.preview = Preview(in.Text) // the batch's newest message's
	}
	t.maxSent = max(t.maxSent, in.SentAt)
	t.lastMsg, t.lastIn = max(t.lastMsg, in.SentAt), max(t.lastIn, in.SentAt)
	t.status = hark.StatusOpen
	t.now = now
	if in.ContactID == t.key.contact {
		t.ownerName, t.ownerHandle, t.ownerSeen = in.ContactName, in.ContactHandle, true
	}
	// A batch's messages all wait for our reply: the thread shows what
	// they say together (fold), and the newest's sentiment.
	switch {
	case in.Thread == nil:
	case t.labels == nil:
		l := *in.Thread
		t.labels, t.labelAt = &l, in.SentAt
	case in.SentAt >= t.labelAt:
		older := *t.labels
		*t.labels = *in.Thread
		t.labels.fold(older)
		t.labelAt = in.SentAt
	default:
		t.labels.fold(*in.Thread)
	}
	if in.Thread != nil && in.Thread.Language != "" && (t.lang == "" || in.SentAt >= t.langAt) {
		t.lang, t.langAt = in.Thread.Language, in.SentAt
	}
	if a := w.ahead[t.key]; a == nil || t.lastMsg >= a.lastMsg {
		w.ahead[t.key] = t
	}
	if cur, ok := w.latest[t.key]; ok && (cur == nil || t.lastMsg >= cur.lastMsg) {
		w.latest[t.key] = t
	}
}

// thread picks the conversation an inbound message belongs to: the thread of
// the message it replies to; else, for private channels, the customer's
// current thread on this account; else, in public, the same author's thread
// if they posted within the follow-up window. Nil means a new conversation.
func (w *Writer) thread(ctx context.Context, in *Inbound) (t *threadState, reopened bool, err error) {
	for _, ref := range in.ReplyTo {
		if ref == "" {
			continue
		}
		_, convID, err := w.Existing(ctx, in.AccountID, ref)
		if err != nil {
			return nil, false, err
		}
		if convID != 0 {
			t := w.threads[convID]
			return t, t.status == hark.StatusResolved, nil
		}
	}
	if !threadedByAuthor(in.Visibility, in.ByParticipant) {
		return nil, false, nil
	}
	t, err = w.latestThread(ctx, threadKey{in.AccountID, in.ContactID, in.Visibility}, in.NewContact)
	if t == nil || err != nil {
		return nil, false, err
	}
	if in.Visibility == "private" {
		if t.status != hark.StatusResolved {
			return t, false, nil
		}
		if in.SentAt-t.lastMsg <= ReopenWindow.Milliseconds() {
			return t, true, nil
		}
		return nil, false, nil
	}
	if t.status != hark.StatusResolved && in.SentAt-t.lastIn <= FollowUpWindow.Milliseconds() {
		return t, false, nil
	}
	return nil, false, nil
}

// latestThread is the most recently active conversation under a key, taking
// this batch's unwritten changes into account. A contact made in this
// transaction has none in the store, so the store is not asked.
func (w *Writer) latestThread(ctx context.Context, k threadKey, newContact bool) (*threadState, error) {
	if t, ok := w.latest[k]; ok {
		return t, nil
	}
	var best *threadState
	if !newContact {
		st, err := w.storedThread(ctx, k)
		if err != nil {
			return nil, err
		}
		if st.id != 0 {
			best = w.threads[st.id]
			if best == nil {
				best = &threadState{id: st.id, key: k, status: st.status, lastMsg: st.lastMsg, lastIn: st.lastIn}
				w.threads[st.id] = best
			}
		}
	}
	// A thread this batch created or moved ahead is newer than the store knows.
	if a := w.ahead[k]; a != nil && (best == nil || a.lastMsg > best.lastMsg) {
		best = a
	}
	w.latest[k] = best
	return best, nil
}

// threadedByAuthor says whether a message with no known parent joins its
// author's latest thread: a public one within the follow-up window, a
// private one on channels threaded by who sent it (DMs, chat, SMS).
func threadedByAuthor(visibility string, byParticipant bool) bool {
	return visibility != "private" || byParticipant
}

// storedThread is the store's latest thread under k: as LookupThreads
// found it, else asked alone.
func (w *Writer) storedThread(ctx context.Context, k threadKey) (storedThread, error) {
	if st, ok := w.stored[k]; ok {
		return st, nil
	}
	var st storedThread
	err := w.named("LatestThread").QueryRowContext(ctx, k.account, k.contact, k.visibility).Scan(&st.id, &st.status, &st.lastMsg, &st.lastIn)
	if errors.Is(err, sql.ErrNoRows) {
		return storedThread{}, nil
	}
	if err != nil {
		return st, fmt.Errorf("find thread: %w", err)
	}
	return st, nil
}

// ThreadOf is a stored contact whose message on an account may join their
// latest thread there.
type ThreadOf struct {
	ContactID     int64
	Visibility    string
	ByParticipant bool // as Inbound's
}

// LookupThreads loads the latest stored thread of many of an account's
// contacts with one query, so that AddInbound asks the store about none of
// them again (a query each was a round trip per message on PostgreSQL).
// The writer writes no thread before Flush, so the store's answer is the
// one AddInbound would have had.
func (w *Writer) LookupThreads(ctx context.Context, accountID int64, of []ThreadOf) error {
	ask := map[threadKey]bool{}
	var list [][2]string
	for _, a := range of {
		k := threadKey{accountID, a.ContactID, a.Visibility}
		if !threadedByAuthor(a.Visibility, a.ByParticipant) || ask[k] {
			continue
		}
		if _, ok := w.stored[k]; ok {
			continue
		}
		if _, ok := w.latest[k]; ok {
			continue
		}
		ask[k] = true
		list = append(list, [2]string{strconv.FormatInt(a.ContactID, 10), a.Visibility})
	}
	if len(list) == 0 {
		return nil
	}
	b, _ := json.Marshal(list)
	rows, err := w.named("LatestThreads").QueryContext(ctx, accountID, string(b))
	if err != nil {
		return fmt.Errorf("find %d threads: %w", len(list), err)
	}
	defer rows.Close()
	for k := range ask {
		w.stored[k] = storedThread{}
	}
	for rows.Next() {
		k := threadKey{account: accountID}
		var st storedThread
		if err := rows.Scan(&k.contact, &k.visibility, &st.id, &st.status, &st.lastMsg, &st.lastIn); err != nil {
			return fmt.Errorf("find threads: %w", err)
		}
		w.stored[k] = st
	}
	return rows.Err()
}

// Flush writes what the batch holds: the threads it changed, its new
// threads, what it logged of them, then its messages, each in a few
// multi-row statements. Run it before commit.
func (w *Writer) Flush(ctx context.Context) error {
	var created, touched []*threadState
	for _, t := range w.order {
		if t.created {
			created = append(created, t)
		} else {
			touched = append(touched, t)
		}
	}
	// w.order holds each thread once, as a multi-row update needs.
	err := w.stmts.multi["TouchInbound"].Exec(ctx, w.tx, len(touched), func(i int, args []any) []any {
		return touchArgs(args, touched[i])
	})
	if err != nil {
		return fmt.Errorf("update %d conversations: %w", len(touched), err)
	}
	err = w.stmts.multi["CreateConversations"].Exec(ctx, w.tx, len(created), func(i int, args []any) []any {
		return createArgs(args, created[i])
	})
	if err != nil {
		return fmt.Errorf("create %d conversations: %w", len(created), err)
	}
	clear(w.stored) // the store's threads are no longer what LookupThreads found
	for _, t := range w.order {
		t.count, t.created, t.ownerSeen, t.in, t.labels, t.lang = 0, false, false, nil, nil, ""
	}
	w.order = w.order[:0]
	err = w.stmts.multi["InsertActivities"].Exec(ctx, w.tx, len(w.acts), func(i int, args []any) []any {
		a := w.acts[i]
		return append(args, a.id, a.workspaceID, a.convID, a.kind, a.detail, a.at)
	})
	if err != nil {
		return fmt.Errorf("log %d activities: %w", len(w.acts), err)
	}
	w.acts = w.acts[:0]
	err = w.stmts.multi["InsertInboundMessages"].Exec(ctx, w.tx, len(w.pending), func(i int, args []any) []any {
		p := w.pending[i]
		in := p.in
		return append(args, p.msgID, in.WorkspaceID, p.convID, in.AccountID, in.ProviderID, in.Author.ExternalID,
			in.Author.Name, in.Author.Handle, in.Author.Followers, in.Author.Verified, in.Text, SearchText(in.Text), p.att,
			p.replyTo, p.labels, in.SentAt, in.ReceivedAt, string(in.Raw))
	})
	if err != nil {
		return fmt.Errorf("insert %d messages (first %s): %w", len(w.pending), w.pending[0].in.ProviderID, err)
	}
	w.pending = w.pending[:0]
	return nil
}

// threadLabels are the labels a thread's update writes and the sent-at
// they date from: a thread keeps its latest customer message's, so they
// apply unless an older message arrived late (-1 never applies).
func (t *threadState) threadLabels() (ThreadLabels, int64) {
	if t.labels != nil {
		return *t.labels, t.labelAt
	}
	return ThreadLabels{}, -1
}

// createArgs appends a new thread's values for CreateConversations.
func createArgs(args []any, t *threadState) []any {
	l, _ := t.threadLabels()
	in := t.in
	name, handle := in.ContactName, in.ContactHandle
	if t.ownerSeen {
		name, handle = t.ownerName, t.ownerHandle
	}
	return append(args, t.id, in.WorkspaceID, in.AccountID, in.Channel, in.ContactID,
		in.Visibility, in.Subject, name, handle, t.preview, t.count, t.maxSent, t.maxSent, t.firstSent, t.now, t.now,
		l.Intent, l.Sentiment, boolInt(l.NeedsReply), t.lang)
}

// touchArgs appends what the batch did to a stored thread, for TouchInbound.
func touchArgs(args []any, t *threadState) []any {
	l, at := t.threadLabels()
	owner := int64(0) // matches no contact: this batch said nothing about the owner
	if t.ownerSeen {
		owner = t.key.contact
	}
	return append(args, t.preview, owner, t.ownerName, owner, t.ownerHandle, t.count,
		t.maxSent, t.maxSent, t.firstSent, t.now, at, l.Intent, l.Sentiment, boolInt(l.NeedsReply), t.lang, t.id, t.langAt)
}

// activity logs, for Flush to write, what the batch did to a thread.
func (w *Writer) activity(workspaceID, convID int64, kind string, detail any) {
	b, _ := json.Marshal(detail)
	w.acts = append(w.acts, pendingActivity{db.NewID(), workspaceID, convID, kind, string(b), db.Now()})
}
