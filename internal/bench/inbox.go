package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// InboxOptions shape an inbox run.
type InboxOptions struct {
	Sizes   []int     // conversation counts to grow through, measuring at each
	Samples int       // timed queries per view and size
	Dir     string    // where the SQLite file goes
	Out     io.Writer // where the tables go
}

// Fixture is a bulk-built inbox data set: a few workspaces, of which the
// first (measured) holds 80% of the conversations.
type Fixture struct {
	DB         *db.DB
	Workspace  int64
	Users      []int64
	Channels   []string
	Tags       []string
	Size       int
	path       string // the SQLite file, which the desk's timings open again
	workspaces []int64
	accounts   map[int64][]fixtureAccount
	rand       *rand.Rand
	labels     *rand.Rand // a stream of its own, so the other columns are as they were before labels
}

type fixtureAccount struct {
	id      int64
	channel string
}

var (
	fixtureChannels = []string{"x", "facebook", "instagram", "email", "whatsapp", "chat"}
	// Tags by how often they are used: the first is on many threads, the last on few.
	fixtureTags = []string{"refund", "baggage", "delay", "booking", "complaint", "praise", "vip", "press", "legal", "outage"}
)

// fixtureIntents are what the classifier makes of customers' messages:
// `hark classify` over the demo's messages and the shared complaints
// corpus (4,868 messages) gave each intent its share of messages (per
// thousand), the share of them needing a reply, and their sentiments
// (negative, neutral, positive, per hundred). The intent and sentiment
// filters' common and rare values come from here: complaint 21%, peer 0.2%.
var fixtureIntents = []struct {
	intent        string
	perMille      int
	needsReply    int // per hundred
	neg, neu, pos int
}{
	{"request", 447, 100, 63, 34, 3},
	{"other", 223, 0, 30, 40, 30},
	{"complaint", 207, 97, 93, 3, 4},
	{"praise", 94, 0, 11, 2, 87},
	{"share", 27, 0, 16, 60, 24},
	{"peer", 2, 50, 30, 60, 10},
}

// fixtureLanguages are the languages the classifier named in the same
// messages, per ten thousand: English, none it could name (empty), and a
// tail of twenty.
var fixtureLanguages = []struct {
	lang string
	n    int
}{
	{"en", 9540}, {"", 236}, {"pt", 23}, {"zh", 23}, {"ja", 23}, {"th", 21}, {"nl", 16}, {"fr", 14}, {"es", 14}, {"it", 12},
	{"ar", 12}, {"he", 10}, {"de", 8}, {"ru", 8}, {"el", 8}, {"hi", 8}, {"ko", 6}, {"tr", 6}, {"pl", 4}, {"vi", 4}, {"uk", 2}, {"id", 2},
}

// fixtureLabels draws a conversation's labels: intent, sentiment, whether
// it needs a reply, and language.
func fixtureLabels(r *rand.Rand) (intent, sentiment string, needsReply int, lang string) {
	k := r.IntN(1000)
	for _, x := range fixtureIntents {
		if k -= x.perMille; k < 0 || x.intent == "peer" {
			intent = x.intent
			if r.IntN(100) < x.needsReply {
				needsReply = 1
			}
			switch s := r.IntN(x.neg + x.neu + x.pos); {
			case s < x.neg:
				sentiment = "negative"
			case s < x.neg+x.neu:
				sentiment = "neutral"
			default:
				sentiment = "positive"
			}
			break
		}
	}
	k = r.IntN(10000)
	for _, x := range fixtureLanguages {
		if k -= x.n; k < 0 {
			return intent, sentiment, needsReply, x.lang
		}
	}
	return intent, sentiment, needsReply, "en"
}

// NewFixture creates an empty fixture database at path.
func NewFixture(ctx context.Context, path string) (*Fixture, error) {
	d, err := openFresh(ctx, path)
	if err != nil {
		return nil, err
	}
	f := &Fixture{DB: d, path: path, Channels: fixtureChannels, Tags: fixtureTags, accounts: map[int64][]fixtureAccount{}, rand: rand.New(rand.NewPCG(7, 7)), labels: rand.New(rand.NewPCG(7, 8))}
	now := db.Now()
	for w := 0; w < 3; w++ {
		id := db.NewID()
		if _, err := d.W.ExecContext(ctx, "INSERT INTO workspaces (id, slug, name, created_at) VALUES (?, ?, ?, ?)", id, fmt.Sprint("ws", w), fmt.Sprint("Workspace ", w), now); err != nil {
			return nil, err
		}
		f.workspaces = append(f.workspaces, id)
		for _, ch := range fixtureChannels {
			a := fixtureAccount{db.NewID(), ch}
			_, err := d.W.ExecContext(ctx, "INSERT INTO channel_accounts (id, workspace_id, channel, handle, name, purpose, created_at) VALUES (?, ?, ?, ?, ?, 'both', ?)",
				a.id, id, ch, ch+"-handle", ch, now)
			if err != nil {
				return nil, err
			}
			f.accounts[id] = append(f.accounts[id], a)
		}
	}
	f.Workspace = f.workspaces[0]
	for u := 0; u < 40; u++ {
		id := db.NewID()
		if _, err := d.W.ExecContext(ctx, "INSERT INTO users (id, email, name, role, created_at) VALUES (?, ?, ?, 'agent', ?)", id, fmt.Sprintf("agent%d@bench.test", u), fmt.Sprint("Agent ", u), now); err != nil {
			return nil, err
		}
		f.Users = append(f.Users, id)
	}
	return f, nil
}

// Close closes the fixture's database.
func (f *Fixture) Close() error { return f.DB.Close() }

// conversationIndexes are dropped while a fixture grows and built again
// after, which is many times faster than keeping them up to date row by row.
func (f *Fixture) conversationIndexes(ctx context.Context) ([]string, error) {
	rows, err := f.DB.W.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('conversations', 'conversation_tags', 'messages', 'contacts') AND sql IS NOT NULL")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, q string
		if err := rows.Scan(&name, &q); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(q, "CREATE UNIQUE") { // keep constraints in force
			out = append(out, name+"\x00"+q)
		}
	}
	return out, rows.Err()
}

// Grow adds conversations until the fixture holds n: each with its contact,
// its last message (full-text indexed), the classifier's labels as it
// gives them (fixtureIntents, fixtureLanguages) and, for a quarter, tags.
// Statuses, assignees and ages follow a busy desk: most threads resolved,
// open ones recent, three quarters assigned.
func (f *Fixture) Grow(ctx context.Context, n int) error {
	if n <= f.Size {
		return nil
	}
	idx, err := f.conversationIndexes(ctx)
	if err != nil {
		return err
	}
	for _, x := range idx {
		name, _, _ := strings.Cut(x, "\x00")
		if _, err := f.DB.W.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return err
		}
	}
	r := f.rand
	now := db.Now()
	year := int64(365 * 24 * time.Hour / time.Millisecond)
	tx, err := f.DB.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	ins := newBulk(tx)
	defer func() { ins.close() }()
	for i := f.Size; i < n; i++ {
		ws := f.workspaces[0]
		if k := r.IntN(10); k >= 8 {
			ws = f.workspaces[k-7]
		}
		acct := f.accounts[ws][r.IntN(len(fixtureChannels))]
		status := hark.StatusResolved
		age := r.Int64N(year)
		switch k := r.IntN(100); {
		case k < 15:
			status, age = hark.StatusOpen, r.Int64N(year/12)
		case k < 23:
			status, age = hark.StatusPending, r.Int64N(year/12)
		case k < 27:
			status = hark.StatusSnoozed
		}
		last := now - age
		var assignee any
		if r.IntN(4) > 0 {
			assignee = f.Users[r.IntN(len(f.Users))]
		}
		var tags []string
		if r.IntN(4) == 0 {
			// Squaring skews towards the first tags.
			for t := 0; t < 1+r.IntN(2); t++ {
				x := r.Float64()
				tag := fixtureTags[int(x*x*float64(len(fixtureTags)))]
				if !slices.Contains(tags, tag) {
					tags = append(tags, tag)
				}
			}
		}
		intent, sentiment, needsReply, lang := fixtureLabels(f.labels)
		vis := hark.DefaultVisibility(acct.channel)
		contactID, convID, msgID := db.NewID(), db.NewID(), db.NewID()
		txt := text(r)
		if i%20 == 19 {
			txt = textWithoutSpaces(r)
		}
		name := fmt.Sprintf("Customer %d", i)
		ins.add(ctx, "contacts", []any{contactID, ws, name, "", "", 0, 0, last, last})
		ins.add(ctx, "conversations", []any{convID, ws, acct.id, acct.channel, contactID, vis, status, assignee, nil, r.IntN(3),
			"", strings.Join(tags, " "), name, fmt.Sprintf("cust%d", i), conversation.Preview(txt), 1 + r.IntN(5), last, last,
			waiting(status, last), 0, nil, last, last, intent, sentiment, needsReply, lang})
		ins.add(ctx, "messages", []any{msgID, ws, convID, acct.id, "in", fmt.Sprint("fx", i), fmt.Sprint(i), name,
			fmt.Sprintf("cust%d", i), 0, 0, nil, txt, conversation.SearchText(txt), "[]", "", "", "", "{}", last, last, ""})
		for _, t := range tags {
			ins.add(ctx, "conversation_tags", []any{convID, t})
		}
		if ins.err != nil {
			tx.Rollback()
			return ins.err
		}
		if (i+1)%50000 == 0 {
			if err := ins.flush(ctx); err != nil {
				tx.Rollback()
				return err
			}
			ins.close()
			if err := tx.Commit(); err != nil {
				return err
			}
			if tx, err = f.DB.W.BeginTx(ctx, nil); err != nil {
				return err
			}
			ins = newBulk(tx)
		}
	}
	if err := ins.flush(ctx); err != nil {
		tx.Rollback()
		return err
	}
	ins.close()
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, x := range idx {
		_, q, _ := strings.Cut(x, "\x00")
		if _, err := f.DB.W.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	f.Size = n
	_, err = f.DB.W.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

func waiting(status string, last int64) int64 {
	if status == hark.StatusOpen {
		return last
	}
	return 0
}

// bulk buffers rows per table and writes them 64 to a statement, in one
// transaction (the writer's only connection is the transaction's).
type bulk struct {
	tx    *sql.Tx
	cols  map[string]int
	rows  map[string][]any
	stmts map[string]*sql.Stmt
	err   error
}

var bulkColumns = map[string]string{
	"contacts":          "id, workspace_id, name, email, phone, followers, verified, created_at, updated_at",
	"conversations":     "id, workspace_id, account_id, channel, contact_id, visibility, status, assignee_id, team_id, priority, subject, tags, contact_name, contact_handle, preview, message_count, last_message_at, last_inbound_at, waiting_since, snoozed_until, linked_id, created_at, updated_at, intent, sentiment, needs_reply, language",
	"messages":          "id, workspace_id, conversation_id, account_id, direction, provider_id, author_external_id, author_name, author_handle, author_followers, author_verified, user_id, text, search_text, attachments, reply_to_provider_id, send_status, send_error, labels, sent_at, received_at, raw",
	"conversation_tags": "conversation_id, tag",
}

const bulkRows = 64

func newBulk(tx *sql.Tx) *bulk {
	b := &bulk{tx: tx, cols: map[string]int{}, rows: map[string][]any{}, stmts: map[string]*sql.Stmt{}}
	for t, c := range bulkColumns {
		b.cols[t] = len(strings.Split(c, ","))
	}
	return b
}

func (b *bulk) add(ctx context.Context, table string, row []any) {
	if b.err != nil {
		return
	}
	b.rows[table] = append(b.rows[table], row...)
	// Every conversation brings one contact and one message: when its buffer
	// is full, all are written, parents first.
	if table == "conversations" && len(b.rows[table]) == bulkRows*b.cols[table] {
		b.err = b.flush(ctx)
	}
}

func (b *bulk) write(ctx context.Context, table string) error {
	vals := b.rows[table]
	n := len(vals) / b.cols[table]
	if n == 0 {
		return nil
	}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", b.cols[table]), ", ") + ")"
	q := "INSERT INTO " + table + " (" + bulkColumns[table] + ") VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
	var err error
	if n == bulkRows {
		st, ok := b.stmts[table]
		if !ok {
			if st, err = b.tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			b.stmts[table] = st
		}
		_, err = st.ExecContext(ctx, vals...)
	} else {
		_, err = b.tx.ExecContext(ctx, q, vals...)
	}
	b.rows[table] = vals[:0]
	if err != nil {
		return fmt.Errorf("fixture insert into %s: %w", table, err)
	}
	return nil
}

// flush writes what is buffered, parents first.
func (b *bulk) flush(ctx context.Context) error {
	for _, t := range []string{"contacts", "conversations", "messages", "conversation_tags"} {
		if err := b.write(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

func (b *bulk) close() {
	for _, st := range b.stmts {
		st.Close()
	}
	b.stmts = map[string]*sql.Stmt{}
}

// searches are what the bench's agents search for.
var searches = []string{"refund Lisbon", "charged twice", "lost bag", "voucher Porto"}

// searchesWithoutSpaces are what they search for in the Japanese and
// Chinese messages (one in 20): words of two to five letters, and two
// words.
var searchesWithoutSpaces = []string{"荷物", "返金 羽田", "退款", "行李还没到"}

// rareLanguages are a few of the fixture's, each on 0.1–0.2% of threads.
var rareLanguages = []string{"fr", "es", "it", "de"}

// View is one inbox query the desk makes: a name and the filter for sample i.
type View struct {
	Name   string
	Filter func(i int) conversation.Filter
}

// Views are the first pages the desk asks for, 50 rows each.
func (f *Fixture) Views(ctx context.Context) ([]View, error) {
	ws := f.Workspace
	convs := conversation.New(f.DB)
	// The cursor of the 20th page of the open inbox: 1,000 rows deep.
	cursor := ""
	for p := 0; p < 20; p++ {
		page, err := convs.List(ctx, conversation.Filter{WorkspaceID: ws, Status: hark.StatusOpen, Cursor: cursor, Limit: 50})
		if err != nil {
			return nil, err
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return []View{
		{"open inbox", func(int) conversation.Filter { return conversation.Filter{WorkspaceID: ws, Status: hark.StatusOpen} }},
		{"all", func(int) conversation.Filter { return conversation.Filter{WorkspaceID: ws} }},
		{"channel, open", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Channel: f.Channels[i%len(f.Channels)], Status: hark.StatusOpen}
		}},
		{"assignee, open", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, AssigneeID: f.Users[i%len(f.Users)], Status: hark.StatusOpen}
		}},
		{"tag (common), any status", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Tag: f.Tags[i%3]}
		}},
		{"tag (rare), any status", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Tag: f.Tags[len(f.Tags)-1-i%3]}
		}},
		{"open inbox, page 21 by cursor", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Status: hark.StatusOpen, Cursor: cursor}
		}},
		{"full-text search", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Query: searches[i%len(searches)]}
		}},
		{"full-text search, text without spaces", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Query: searchesWithoutSpaces[i%len(searchesWithoutSpaces)]}
		}},
		// The classifier's labels, as the inbox's filters ask for them
		// (?needs=1, ?intent=, ?sentiment=, ?lang=): alone, with a status,
		// together, and at their rare values.
		{"needs reply, open", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, NeedsReply: true, Status: hark.StatusOpen}
		}},
		{"intent (complaint), open", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Intent: "complaint", Status: hark.StatusOpen}
		}},
		{"intent (complaint), any status", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Intent: "complaint"}
		}},
		{"intent (rare: peer), open", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Intent: "peer", Status: hark.StatusOpen}
		}},
		{"intent (rare: peer), any status", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Intent: "peer"}
		}},
		{"sentiment (negative), open", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Sentiment: "negative", Status: hark.StatusOpen}
		}},
		{"sentiment (positive), pending", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Sentiment: "positive", Status: hark.StatusPending}
		}},
		{"needs reply, complaint, open", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, NeedsReply: true, Intent: "complaint", Status: hark.StatusOpen}
		}},
		{"needs reply, intent (rare: peer), open", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, NeedsReply: true, Intent: "peer", Status: hark.StatusOpen}
		}},
		{"complaint, negative, open", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Intent: "complaint", Sentiment: "negative", Status: hark.StatusOpen}
		}},
		{"language (rare), open", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, Language: rareLanguages[i%len(rareLanguages)], Status: hark.StatusOpen}
		}},
		{"needs reply, language (rare), open", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: ws, NeedsReply: true, Language: rareLanguages[i%len(rareLanguages)], Status: hark.StatusOpen}
		}},
	}, nil
}

// Timing is one view's latencies at one size.
type Timing struct {
	View     string
	P50, P99 time.Duration
	Rows     int // rows on the first sample's page
}

// Measure times samples first pages of every view, and a baseline: 50 rows
// read by primary key, the least any page of 50 costs.
func (f *Fixture) Measure(ctx context.Context, samples int) (base Timing, out []Timing, err error) {
	views, err := f.Views(ctx)
	if err != nil {
		return base, nil, err
	}
	convs := conversation.New(f.DB)
	var maxID int64
	f.DB.R.QueryRowContext(ctx, "SELECT MAX(id) FROM conversations").Scan(&maxID)
	base, err = timeIt("baseline: 50 rows by primary key", samples, func(i int) (int, error) {
		rows, err := f.DB.R.QueryContext(ctx, "SELECT * FROM conversations WHERE id < ? ORDER BY id DESC LIMIT 50", maxID-int64(i)*1000)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		return n, rows.Err()
	})
	if err != nil {
		return base, nil, err
	}
	for _, v := range views {
		t, err := timeIt(v.Name, samples, func(i int) (int, error) {
			p, err := convs.List(ctx, v.Filter(i))
			return len(p.Conversations), err
		})
		if err != nil {
			return base, nil, fmt.Errorf("%s: %w", v.Name, err)
		}
		out = append(out, t)
	}
	// What an agent waits for when Count answers from its cache (a count
	// over 10 ms is kept for 5 s): a store that caches every count.
	cached := conversation.New(f.DB)
	cached.CacheCountsAfter(-1)
	hits, err := timeIt("counts by status, cache hit", max(samples/10, 5), func(int) (int, error) {
		m, err := cached.Count(ctx, conversation.Filter{WorkspaceID: f.Workspace})
		return len(m), err
	})
	if err != nil {
		return base, out, err
	}
	// The inbox's status counts, alone and under its other filters. A fresh
	// store each time, so the query is timed, not Count's cache of slow
	// results (what an agent waits for the first time they filter).
	for _, c := range []struct {
		name   string
		filter func(i int) conversation.Filter
	}{
		{"counts by status, uncached", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: f.Workspace}
		}},
		{"counts under a channel, uncached", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: f.Workspace, Channel: f.Channels[i%len(f.Channels)]}
		}},
		{"counts under the commonest tag, uncached", func(int) conversation.Filter {
			return conversation.Filter{WorkspaceID: f.Workspace, Tag: f.Tags[0]}
		}},
		{"counts under a search, uncached", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: f.Workspace, Query: searches[i%len(searches)]}
		}},
		{"counts under an intent, uncached", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: f.Workspace, Intent: hark.Intents[i%len(hark.Intents)]}
		}},
		{"counts under needs + sentiment, uncached", func(i int) conversation.Filter {
			return conversation.Filter{WorkspaceID: f.Workspace, NeedsReply: true, Sentiment: hark.Sentiments[i%len(hark.Sentiments)]}
		}},
	} {
		t, err := timeIt(c.name, max(samples/10, 5), func(i int) (int, error) {
			m, err := conversation.New(f.DB).Count(ctx, c.filter(i))
			return len(m), err
		})
		if err != nil {
			return base, out, fmt.Errorf("%s: %w", c.name, err)
		}
		out = append(out, t)
	}
	return base, append(out, hits), nil
}

func timeIt(name string, samples int, run func(i int) (int, error)) (Timing, error) {
	t := Timing{View: name}
	for i := 0; i < 5; i++ { // warm the page cache
		if _, err := run(i); err != nil {
			return t, err
		}
	}
	lat := make([]time.Duration, samples)
	for i := range lat {
		start := time.Now()
		n, err := run(i)
		lat[i] = time.Since(start)
		if err != nil {
			return t, err
		}
		if i == 0 {
			t.Rows = n
		}
	}
	slices.Sort(lat)
	t.P50, t.P99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	return t, nil
}

// Inbox grows a fixture through each size and prints the latencies at each.
func Inbox(ctx context.Context, o InboxOptions) error {
	f, err := NewFixture(ctx, filepath.Join(o.Dir, "inbox.db"))
	if err != nil {
		return err
	}
	defer f.Close()
	for _, n := range o.Sizes {
		start := time.Now()
		if err := f.Grow(ctx, n); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "\n%d conversations (%d in the measured workspace), built in %s\n", n, n*8/10, time.Since(start).Round(time.Second))
		base, ts, err := f.Measure(ctx, o.Samples)
		if err != nil {
			return err
		}
		pages, err := f.DeskPages(ctx, max(o.Samples/30, 3))
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "%-44s %9s %9s %6s %10s\n", "view (first page, 50 rows)", "p50 ms", "p99 ms", "rows", "p50/base")
		for _, t := range append(append([]Timing{base}, ts...), pages...) {
			fmt.Fprintf(o.Out, "%-44s %9.2f %9.2f %6d %10.1f\n", t.View, ms(t.P50), ms(t.P99), t.Rows, float64(t.P50)/float64(base.P50))
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
