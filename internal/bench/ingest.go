package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/metrics"
	"github.com/harkdesk/hark/internal/workspace"
)

// IngestOptions shape an ingest run.
type IngestOptions struct {
	Messages int    // deliveries, redeliveries included
	Callers  int    // concurrent callers of Pipeline.Ingest, as webhooks would be
	Rounds   int    // pipeline and baseline alternate this many times; the best of each counts
	Dir      string // where the SQLite files go
	Seed     uint64
}

// IngestResult is what an ingest run measured.
type IngestResult struct {
	Messages      int           // deliveries sent
	Stored        int           // messages stored (deliveries minus redeliveries)
	Conversations int           // threads they formed
	Contacts      int           // contacts they resolved to
	Batch         float64       // mean messages per group commit
	Pipeline      time.Duration // best time through Pipeline.Ingest
	Baseline      time.Duration // best time to insert the same rows with multi-row INSERTs
	BaselineRows  time.Duration // best time to insert the same rows one INSERT per row
	// The least CPU time (user and system, every core) the process spent
	// on each, in any round; 0 where the platform does not say.
	PipelineCPU, BaselineCPU time.Duration
}

// PipelineRate is stored messages per second through the pipeline, the
// same unit as the baselines (redeliveries are handled but not counted).
func (r IngestResult) PipelineRate() float64 { return float64(r.Stored) / r.Pipeline.Seconds() }

// DeliveryRate is deliveries, redeliveries included, per second through the pipeline.
func (r IngestResult) DeliveryRate() float64 { return float64(r.Messages) / r.Pipeline.Seconds() }

// BaselineRate is stored messages per second by plain insert.
func (r IngestResult) BaselineRate() float64 { return float64(r.Stored) / r.Baseline.Seconds() }

// BaselineRowsRate is stored messages per second inserted one row per statement.
func (r IngestResult) BaselineRowsRate() float64 { return float64(r.Stored) / r.BaselineRows.Seconds() }

// Ratio is the pipeline's rate as a fraction of the baseline's.
func (r IngestResult) Ratio() float64 { return r.PipelineRate() / r.BaselineRate() }

// CPURatio is the CPU time the pipeline spent per stored message as a
// multiple of the multi-row baseline's; 0 where CPU time is not measured.
func (r IngestResult) CPURatio() float64 {
	if r.BaselineCPU <= 0 {
		return 0
	}
	return r.PipelineCPU.Seconds() / r.BaselineCPU.Seconds()
}

// Ingest sends a workload through the whole pipeline from many concurrent
// callers, then inserts the rows it produced into a fresh database plainly,
// in transactions of the pipeline's mean batch size, and times both.
func Ingest(ctx context.Context, o IngestOptions) (IngestResult, error) {
	if o.Callers <= 0 {
		o.Callers = 64
	}
	if o.Rounds <= 0 {
		o.Rounds = 1
	}
	work := Workload(o.Messages, o.Seed)
	res := IngestResult{Messages: len(work)}
	var rows *finalRows
	for round := 0; round < o.Rounds; round++ {
		path := filepath.Join(o.Dir, fmt.Sprintf("ingest-%d.db", round))
		cpu := cpuTime()
		took, batch, d, err := runPipeline(ctx, path, work, o.Callers, nil)
		if err != nil {
			return res, err
		}
		least(&res.PipelineCPU, cpuTime()-cpu)
		if rows == nil {
			rows, err = readFinalRows(ctx, d)
			if err != nil {
				d.Close()
				return res, err
			}
			res.Stored, res.Conversations, res.Contacts, res.Batch = len(rows.messages.rows), len(rows.conversations.rows), len(rows.contacts.rows), batch
		}
		d.Close()
		if res.Pipeline == 0 || took < res.Pipeline {
			res.Pipeline = took
		}
		for _, multi := range []bool{true, false} {
			cpu := cpuTime()
			took, err = runBaseline(ctx, filepath.Join(o.Dir, fmt.Sprintf("baseline-%d-%t.db", round, multi)), rows, max(int(res.Batch+0.5), 1), multi)
			if err != nil {
				return res, err
			}
			if multi {
				least(&res.BaselineCPU, cpuTime()-cpu)
			}
			best := &res.BaselineRows
			if multi {
				best = &res.Baseline
			}
			if *best == 0 || took < *best {
				*best = took
			}
		}
	}
	return res, nil
}

// least keeps the smaller of a best-so-far (0: none yet) and d.
func least(best *time.Duration, d time.Duration) {
	if *best == 0 || d < *best {
		*best = d
	}
}

// setupAccounts makes the workspace and channel accounts a workload names.
func setupAccounts(ctx context.Context, d *db.DB) (*workspace.Store, []int64, error) {
	wss := workspace.New(d)
	ws, err := wss.Create(ctx, "bench", "Bench Air")
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, numAccounts)
	for i, s := range accountSpecs {
		a, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: s.channel, Handle: s.handle, Purpose: "both"})
		if err != nil {
			return nil, nil, err
		}
		ids[i] = a.ID
	}
	return wss, ids, nil
}

// openFresh opens an empty, migrated database at path: a file a bench
// left there before (hark bench --dir keeps them) is removed first.
func openFresh(ctx context.Context, path string) (*db.DB, error) {
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// runPipeline times work through Pipeline.Ingest, one delivery per call from
// callers goroutines, and returns the open database for inspection.
func runPipeline(ctx context.Context, path string, work []Delivery, callers int, stages []ingest.Stage) (time.Duration, float64, *db.DB, error) {
	d, err := openFresh(ctx, path)
	if err != nil {
		return 0, 0, nil, err
	}
	wss, accts, err := setupAccounts(ctx, d)
	if err != nil {
		d.Close()
		return 0, 0, nil, err
	}
	bus := live.NewLocal()
	defer bus.Close()
	p := ingest.New(d, wss, bus, metrics.NewRegistry(), nil)
	for _, st := range stages {
		p.Use(st, "")
	}
	p.Start()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	start := time.Now()
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(work) {
					return
				}
				res, err := p.Ingest(ctx, accts[work[i].Account], work[i].Msg)
				if err == nil && res[0].Err != nil {
					err = res[0].Err
				}
				if err != nil {
					errs <- fmt.Errorf("ingest %s: %w", work[i].Msg.ProviderID, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	p.Stop()
	close(errs)
	if err := <-errs; err != nil {
		d.Close()
		return 0, 0, nil, err
	}
	batch := float64(len(work)) / float64(max(p.Batches.Value(), 1))
	return took, batch, d, nil
}

// table is a copy of one table's rows, in id (creation) order.
type table struct {
	name string
	cols []string
	rows [][]any
}

type finalRows struct{ contacts, identities, conversations, messages table }

// readFinalRows copies what the pipeline stored: the rows a plain insert
// would have to write to end in the same state.
func readFinalRows(ctx context.Context, d *db.DB) (*finalRows, error) {
	f := &finalRows{
		contacts: table{name: "contacts"}, identities: table{name: "contact_identities"},
		conversations: table{name: "conversations"}, messages: table{name: "messages"},
	}
	for _, t := range []*table{&f.contacts, &f.identities, &f.conversations, &f.messages} {
		rows, err := d.R.QueryContext(ctx, "SELECT * FROM "+t.name+" ORDER BY id")
		if err != nil {
			return nil, err
		}
		t.cols, _ = rows.Columns()
		for rows.Next() {
			vals := make([]any, len(t.cols))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			t.rows = append(t.rows, vals)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// insertSQL inserts n rows in one statement.
func (t *table) insertSQL(n int) string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	return "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
}

// runBaseline inserts rows into a fresh database with no lookups, batch
// messages per transaction, each preceded by the contacts, identities and
// conversations created before its last message (ids are time-ordered);
// multi puts up to 64 rows in one INSERT, else one INSERT per row.
func runBaseline(ctx context.Context, path string, f *finalRows, batch int, multi bool) (time.Duration, error) {
	d, err := openFresh(ctx, path)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	if _, _, err := setupAccountsWithIDs(ctx, d, f); err != nil {
		return 0, err
	}
	tables := []*table{&f.contacts, &f.identities, &f.conversations, &f.messages}
	sizes := []int{1}
	if multi {
		sizes = db.RowChunks // as the pipeline's inserts
	}
	stmts := make([]map[int]*sql.Stmt, len(tables))
	for i, t := range tables {
		stmts[i] = map[int]*sql.Stmt{}
		for _, n := range sizes {
			st, err := d.W.PrepareContext(ctx, t.insertSQL(n))
			if err != nil {
				return 0, err
			}
			defer st.Close()
			stmts[i][n] = st
		}
	}
	pos := make([]int, len(tables))
	start := time.Now()
	for m := 0; m < len(f.messages.rows); m += batch {
		end := min(m+batch, len(f.messages.rows))
		upto := f.messages.rows[end-1][0].(int64)
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			for i, t := range tables {
				end := pos[i]
				for end < len(t.rows) && t.rows[end][0].(int64) <= upto {
					end++
				}
				for pos[i] < end {
					n := 1
					if multi {
						n = db.RowChunk(end - pos[i])
					}
					var args []any
					for _, r := range t.rows[pos[i] : pos[i]+n] {
						args = append(args, r...)
					}
					if _, err := tx.StmtContext(ctx, stmts[i][n]).ExecContext(ctx, args...); err != nil {
						return fmt.Errorf("baseline insert into %s: %w", t.name, err)
					}
					pos[i] += n
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// setupAccountsWithIDs recreates the workspace and accounts the copied rows
// point at, with the same ids.
func setupAccountsWithIDs(ctx context.Context, d *db.DB, f *finalRows) (int64, []int64, error) {
	if len(f.conversations.rows) == 0 {
		return 0, nil, fmt.Errorf("baseline: the pipeline stored nothing")
	}
	col := func(t *table, name string) int { return slices.Index(t.cols, name) }
	ws := f.conversations.rows[0][col(&f.conversations, "workspace_id")].(int64)
	if _, err := d.W.ExecContext(ctx, "INSERT INTO workspaces (id, slug, name, created_at) VALUES (?, 'bench', 'Bench Air', ?)", ws, db.Now()); err != nil {
		return 0, nil, err
	}
	seen := map[int64]bool{}
	var ids []int64
	ci, ai := col(&f.conversations, "account_id"), col(&f.conversations, "channel")
	for _, r := range f.conversations.rows {
		id := r[ci].(int64)
		if seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
		_, err := d.W.ExecContext(ctx, "INSERT INTO channel_accounts (id, workspace_id, channel, handle, name, purpose, created_at) VALUES (?, ?, ?, ?, ?, 'both', ?)",
			id, ws, r[ai], fmt.Sprint(id), fmt.Sprint(id), db.Now())
		if err != nil {
			return 0, nil, err
		}
	}
	return ws, ids, nil
}
