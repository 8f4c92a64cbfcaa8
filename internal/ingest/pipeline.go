package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/metrics"
	"github.com/harkdesk/hark/internal/workspace"
)

// Phase says when a stage runs relative to the commit.
type Phase int

const (
	// BeforeCommit stages run in the caller's goroutine, in parallel across
	// callers, and may reject single items (normalise, classify).
	BeforeCommit Phase = iota
	// InCommit stages run inside the group-commit transaction after the
	// messages are stored, so what they write is as durable as the messages
	// (where routing, priority and clustering would go; none exists yet).
	InCommit
	// AfterCommit stages run once the batch is durable (notify).
	AfterCommit
)

// Stage is one named step of the pipeline.
type Stage struct {
	Name  string
	Phase Phase
	Run   func(ctx context.Context, b *Batch) error
}

// Batch is the work a stage sees. Tx is set only for InCommit stages.
type Batch struct {
	Items []*Item
	Tx    *sql.Tx
	DB    *db.DB
}

// Item is one message on its way through the pipeline.
type Item struct {
	Msg     Message
	Account workspace.Account
	// Labels is what the classify stage (and others) learned, stored as JSON
	// with the message.
	Labels map[string]any
	// Thread is what the message makes of its conversation's labels (set
	// by the classify stage; the writer keeps each thread's latest).
	Thread *conversation.ThreadLabels
	Result conversation.Stored
	// Contact is set by the store step.
	Contact contact.Resolved
	Err     error
}

// Result is what a caller learns about each message it submitted.
type Result struct {
	conversation.Stored
	Err error `json:"-"`
}

// Pipeline runs the stages and commits messages in groups.
type Pipeline struct {
	db       *db.DB
	accounts *workspace.Store
	bus      live.Bus
	log      *slog.Logger

	mu     sync.RWMutex
	stages []Stage
	accts  map[int64]cachedAccount

	queue chan *request
	stop  chan struct{}
	done  chan struct{}

	// The store step's statements, prepared by the committer on first use and
	// reused by every batch.
	writerStmts   *conversation.WriterStatements
	resolverStmts *contact.ResolverStatements

	// MaxBatch bounds one group commit.
	MaxBatch int
	// AccountTTL is how long the pipeline trusts the accounts it has read:
	// an admin's change to an account (its settings, its purpose) reaches
	// the stages within it, on every node, at one query per account per TTL.
	AccountTTL time.Duration

	Ingested, Duplicates, Rejected, Batches *metrics.Counter
	BatchSize, CommitSeconds                *metrics.Histogram
}

type request struct {
	ctx   context.Context
	items []*Item
	done  chan error
}

// New returns a pipeline with the built-in stages; call Start before use.
func New(d *db.DB, accounts *workspace.Store, bus live.Bus, reg *metrics.Registry, log *slog.Logger) *Pipeline {
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	if log == nil {
		log = slog.Default()
	}
	p := &Pipeline{
		db: d, accounts: accounts, bus: bus, log: log,
		accts:         map[int64]cachedAccount{},
		queue:         make(chan *request, 4096),
		MaxBatch:      1000,
		AccountTTL:    30 * time.Second,
		Ingested:      reg.Counter("hark_ingest_messages_total", "Inbound messages stored."),
		Duplicates:    reg.Counter("hark_ingest_duplicates_total", "Inbound messages already stored (redeliveries)."),
		Rejected:      reg.Counter("hark_ingest_rejected_total", "Inbound messages rejected as invalid."),
		Batches:       reg.Counter("hark_ingest_commits_total", "Group commits."),
		BatchSize:     reg.Histogram("hark_ingest_batch_size", "Messages per group commit.", []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}),
		CommitSeconds: reg.Histogram("hark_ingest_commit_seconds", "Time to store one group commit.", metrics.LatencyBuckets),
	}
	p.stages = []Stage{
		{Name: "normalise", Phase: BeforeCommit, Run: normalise},
		{Name: "notify", Phase: AfterCommit, Run: p.notify},
	}
	return p
}

// Use adds a stage just before the stage named before (or at the end of its
// phase when before is empty), so later work plugs in without editing the
// stages around it.
func (p *Pipeline) Use(s Stage, before string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.stages {
		if x.Name == before {
			p.stages = append(p.stages[:i], append([]Stage{s}, p.stages[i:]...)...)
			return
		}
	}
	i := len(p.stages)
	for j, x := range p.stages {
		if x.Phase > s.Phase {
			i = j
			break
		}
	}
	p.stages = append(p.stages[:i], append([]Stage{s}, p.stages[i:]...)...)
}

// Stages lists the stage names in order, with "store" where the commit is.
func (p *Pipeline) Stages() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []string
	stored := false
	for _, s := range p.stages {
		if s.Phase >= InCommit && !stored {
			out = append(out, "store")
			stored = true
		}
		out = append(out, s.Name)
	}
	if !stored {
		out = append(out, "store")
	}
	return out
}

func (p *Pipeline) phase(ph Phase) []Stage {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []Stage
	for _, s := range p.stages {
		if s.Phase == ph {
			out = append(out, s)
		}
	}
	return out
}

// Start runs the committer until Stop.
func (p *Pipeline) Start() {
	p.stop = make(chan struct{})
	p.done = make(chan struct{})
	go p.commitLoop()
}

// Stop finishes the queued work and stops the committer.
func (p *Pipeline) Stop() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
	if p.writerStmts != nil {
		p.writerStmts.Close()
		p.resolverStmts.Close()
		p.writerStmts, p.resolverStmts = nil, nil
	}
}

// Ingest runs messages for one channel account through the pipeline and
// returns when each is stored or rejected. Results are in input order.
func (p *Pipeline) Ingest(ctx context.Context, accountID int64, msgs ...Message) ([]Result, error) {
	acct, err := p.account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	items := make([]*Item, len(msgs))
	for i := range msgs {
		items[i] = &Item{Msg: msgs[i], Account: acct}
	}
	return p.Run(ctx, items)
}

// Run takes prepared items (each with its Account set) through the pipeline.
func (p *Pipeline) Run(ctx context.Context, items []*Item) ([]Result, error) {
	b := &Batch{Items: items, DB: p.db}
	for _, s := range p.phase(BeforeCommit) {
		if err := s.Run(ctx, b); err != nil {
			return nil, fmt.Errorf("stage %s: %w", s.Name, err)
		}
	}
	req := &request{ctx: ctx, items: items, done: make(chan error, 1)}
	select {
	case p.queue <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued the request is committed or failed as a whole; waiting
	// here regardless of ctx keeps "acknowledged" meaning "stored".
	if err := <-req.done; err != nil {
		return nil, err
	}
	out := make([]Result, len(items))
	for i, it := range items {
		out[i] = Result{Stored: it.Result, Err: it.Err}
		if it.Err != nil {
			p.Rejected.Inc()
		}
	}
	return out, nil
}

type cachedAccount struct {
	workspace.Account
	read time.Time
}

func (p *Pipeline) account(ctx context.Context, id int64) (workspace.Account, error) {
	p.mu.RLock()
	a, ok := p.accts[id]
	p.mu.RUnlock()
	if ok && time.Since(a.read) < p.AccountTTL {
		return a.Account, nil
	}
	acct, err := p.accounts.Account(ctx, id)
	if err != nil {
		return acct, err
	}
	p.mu.Lock()
	p.accts[id] = cachedAccount{acct, time.Now()}
	p.mu.Unlock()
	return acct, nil
}

func normalise(_ context.Context, b *Batch) error {
	now := time.Now()
	for _, it := range b.Items {
		if it.Err == nil {
			it.Err = it.Msg.Normalise(it.Account.Channel, now)
		}
	}
	return nil
}

func (p *Pipeline) notify(_ context.Context, b *Batch) error {
	if p.bus == nil {
		return nil
	}
	for _, it := range b.Items {
		if it.Err != nil || it.Result.Duplicate {
			continue
		}
		kind := "message"
		if it.Result.NewConversation {
			kind = "conversation"
		}
		p.bus.Publish(live.Event{Kind: kind, WorkspaceID: it.Account.WorkspaceID, ConversationID: it.Result.ConversationID, MessageID: it.Result.MessageID})
	}
	return nil
}

// commitLoop gathers whatever requests are waiting into one transaction: under
// load batches grow and the cost of a commit is shared; when idle a single
// message commits at once.
func (p *Pipeline) commitLoop() {
	defer close(p.done)
	for {
		var first *request
		select {
		case first = <-p.queue:
		case <-p.stop:
			for {
				select {
				case r := <-p.queue:
					p.commit([]*request{r})
				default:
					return
				}
			}
		}
		reqs := []*request{first}
		n := len(first.items)
	gather:
		for n < p.MaxBatch {
			select {
			case r := <-p.queue:
				reqs = append(reqs, r)
				n += len(r.items)
			default:
				break gather
			}
		}
		p.commit(reqs)
	}
}

func (p *Pipeline) commit(reqs []*request) {
	var items []*Item
	for _, r := range reqs {
		items = append(items, r.items...)
	}
	start := time.Now()
	err := p.store(context.Background(), items)
	if err != nil && len(reqs) > 1 {
		// One request's bad data must not fail its neighbours: retry alone.
		p.log.Warn("group commit failed; committing requests one by one", "err", err, "requests", len(reqs))
		for _, r := range reqs {
			r.done <- p.storeAndFinish(r.items)
		}
		return
	}
	p.CommitSeconds.Observe(time.Since(start).Seconds())
	if err == nil {
		p.after(items)
	}
	for _, r := range reqs {
		r.done <- err
	}
}

func (p *Pipeline) storeAndFinish(items []*Item) error {
	if err := p.store(context.Background(), items); err != nil {
		return err
	}
	p.after(items)
	return nil
}

func (p *Pipeline) after(items []*Item) {
	b := &Batch{Items: items, DB: p.db}
	for _, s := range p.phase(AfterCommit) {
		if err := s.Run(context.Background(), b); err != nil {
			p.log.Error("after-commit stage failed", "stage", s.Name, "err", err)
		}
	}
}

// store writes a batch in one transaction: de-duplicate, resolve the contact,
// thread, insert, then the in-commit stages.
func (p *Pipeline) store(ctx context.Context, items []*Item) error {
	if err := p.prepare(ctx); err != nil {
		return err
	}
	var stored, dups int64
	err := p.db.Tx(ctx, func(tx *sql.Tx) error {
		stored, dups = 0, 0
		w := p.writerStmts.Writer(ctx, tx)
		defer w.Close()
		r := p.resolverStmts.Resolver(ctx, tx)
		defer r.Close()
		if err := lookup(ctx, w, r, items); err != nil {
			return err
		}
		for _, it := range items {
			if it.Err != nil {
				continue
			}
			it.Result = conversation.Stored{}
			if err := p.storeOne(ctx, w, r, it); err != nil {
				if errors.Is(err, hark.ErrInvalid) {
					it.Err = err
					continue
				}
				return err
			}
			if it.Result.Duplicate {
				dups++
			} else {
				stored++
			}
		}
		// The contacts the threads refer to are written first, and the
		// messages before the in-commit stages, which may read them.
		if err := r.Flush(ctx); err != nil {
			return err
		}
		if err := w.Flush(ctx); err != nil {
			return err
		}
		b := &Batch{Items: items, Tx: tx, DB: p.db}
		for _, s := range p.phase(InCommit) {
			if err := s.Run(ctx, b); err != nil {
				return fmt.Errorf("stage %s: %w", s.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.Ingested.Add(stored)
	p.Duplicates.Add(dups)
	p.Batches.Inc()
	p.BatchSize.Observe(float64(len(items)))
	return nil
}

// prepare readies the store step's statements once.
func (p *Pipeline) prepare(ctx context.Context) error {
	if p.writerStmts != nil {
		return nil
	}
	ws, err := conversation.PrepareWriter(ctx, p.db)
	if err != nil {
		return err
	}
	rs, err := contact.PrepareResolver(ctx, p.db)
	if err != nil {
		ws.Close()
		return err
	}
	p.writerStmts, p.resolverStmts = ws, rs
	return nil
}

// lookup asks the store once per account for every provider id the batch
// names, its own and those it replies to, once per workspace and kind for
// its authors' identities, and once per account for the latest threads of
// the authors it knows.
func lookup(ctx context.Context, w *conversation.Writer, r *contact.Resolver, items []*Item) error {
	ids := map[int64][]string{}
	for _, it := range items {
		if it.Err != nil {
			continue
		}
		a := it.Account.ID
		ids[a] = append(ids[a], it.Msg.ProviderID)
		if it.Msg.ReplyTo != "" {
			ids[a] = append(ids[a], it.Msg.ReplyTo)
		}
		ids[a] = append(ids[a], it.Msg.References...)
	}
	for a, list := range ids {
		if err := w.Lookup(ctx, a, list); err != nil {
			return err
		}
	}
	authors := make([]contact.Author, 0, len(items))
	var fresh []*Item // not stored before
	for _, it := range items {
		if it.Err != nil {
			continue
		}
		// A redelivery's author is not resolved again: leave it out.
		msgID, _, err := w.Existing(ctx, it.Account.ID, it.Msg.ProviderID)
		if err != nil {
			return err
		}
		if msgID != 0 {
			continue
		}
		authors = append(authors, contact.Author{WorkspaceID: it.Account.WorkspaceID, Channel: it.Account.Channel, Profile: profile(&it.Msg)})
		fresh = append(fresh, it)
	}
	if err := r.Lookup(ctx, authors); err != nil {
		return err
	}
	threads := map[int64][]conversation.ThreadOf{}
	for i, it := range fresh { // authors[i] is fresh[i]'s
		id, ok := r.Known(it.Account.WorkspaceID, it.Account.Channel, authors[i].Profile)
		if !ok {
			continue // a new author has no thread; one who joins by address is asked alone
		}
		a := it.Account.ID
		threads[a] = append(threads[a], conversation.ThreadOf{ContactID: id, Visibility: it.Msg.Visibility, ByParticipant: byParticipant(it.Account.Channel)})
	}
	for a, of := range threads {
		if err := w.LookupThreads(ctx, a, of); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pipeline) storeOne(ctx context.Context, w *conversation.Writer, r *contact.Resolver, it *Item) error {
	m, a := &it.Msg, it.Account
	msgID, convID, err := w.Existing(ctx, a.ID, m.ProviderID)
	if err != nil {
		return err
	}
	if msgID != 0 {
		it.Result = conversation.Stored{MessageID: msgID, ConversationID: convID, Duplicate: true}
		return nil
	}
	res, err := r.Resolve(ctx, a.WorkspaceID, a.Channel, profile(m))
	if err != nil {
		return err
	}
	it.Contact = res
	var labels json.RawMessage
	if len(it.Labels) > 0 {
		labels, _ = json.Marshal(it.Labels)
	}
	var refs []string
	if m.ReplyTo != "" {
		refs = append(refs, m.ReplyTo)
	}
	refs = append(refs, m.References...)
	raw := []byte(m.Raw)
	it.Result, err = w.AddInbound(ctx, &conversation.Inbound{
		WorkspaceID: a.WorkspaceID, AccountID: a.ID, Channel: a.Channel, Visibility: m.Visibility,
		ProviderID: m.ProviderID, ReplyTo: refs, ByParticipant: byParticipant(a.Channel),
		ContactID: res.ContactID, NewContact: res.New, ContactName: res.Name, ContactHandle: res.Handle,
		Author: conversation.Author{ExternalID: m.Author.ID, Name: firstNonEmpty(m.Author.Name, res.Name), Handle: m.Author.Handle,
			Followers: m.Author.Followers, Verified: m.Author.Verified},
		Text: m.Text, Subject: m.Subject, Attachments: m.Attachments, Labels: labels, Thread: it.Thread,
		SentAt: m.SentAt.UnixMilli(), ReceivedAt: db.Now(), Raw: raw,
	})
	return err
}

// profile is what a message says of its author.
func profile(m *Message) contact.Profile {
	return contact.Profile{
		ExternalID: m.Author.ID, Handle: m.Author.Handle, Name: m.Author.Name, Email: m.Author.Email,
		Phone: m.Author.Phone, Followers: m.Author.Followers, Verified: m.Author.Verified,
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
