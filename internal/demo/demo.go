// Package demo runs the desk for made-up brands on real customer messages:
// it seeds two workspaces with their channel accounts and agents, back-fills
// a history that the agents have partly worked, then streams messages from
// public datasets through the ingest pipeline, exactly as channels deliver
// them.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/ingest"
)

// Options configure a demo.
type Options struct {
	Seed  uint64 // the same seed makes the same customers and traffic
	Posts Posts  // from LoadSample or LoadDir
	Log   *slog.Logger
}

// Demo drives one demo desk.
type Demo struct {
	World *World
	Posts Posts

	a    *app.App
	seed uint64
	log  *slog.Logger

	mu  sync.Mutex // the generator is used by one caller at a time
	gen *generator

	streamed atomic.Int64

	// Fakes, when set, carry messages to the desk the way providers do
	// (hark demo --fakes).
	Fakes *Fakes
}

// New seeds the demo workspaces and users (or finds them) in a's store.
func New(ctx context.Context, a *app.App, o Options) (*Demo, error) {
	if o.Log == nil {
		o.Log = a.Log
	}
	w, err := Seed(ctx, a)
	if err != nil {
		return nil, err
	}
	// Provider ids carry the start time so a second run on the same
	// database streams new messages instead of duplicates.
	run := "demo" + strconv.FormatInt(time.Now().UnixMilli(), 36)
	g, err := newGenerator(o.Seed, run, w, o.Posts)
	if err != nil {
		return nil, err
	}
	return &Demo{World: w, Posts: o.Posts, a: a, seed: o.Seed, log: o.Log, gen: g}, nil
}

// Streamed is how many live messages Stream has stored.
func (d *Demo) Streamed() int64 { return d.streamed.Load() }

// ingest hands deliveries to the pipeline, one call per account (in
// parallel, so they share group commits), and returns the results in
// delivery order.
func (d *Demo) ingest(ctx context.Context, ds []Delivery) ([]ingest.Result, error) {
	byAcct := map[int64][]int{}
	var accts []int64
	for i, x := range ds {
		if _, ok := byAcct[x.Account.ID]; !ok {
			accts = append(accts, x.Account.ID)
		}
		byAcct[x.Account.ID] = append(byAcct[x.Account.ID], i)
	}
	out := make([]ingest.Result, len(ds))
	errs := make([]error, len(accts))
	var wg sync.WaitGroup
	for k, id := range accts {
		wg.Go(func() {
			idx := byAcct[id]
			msgs := make([]ingest.Message, len(idx))
			for j, i := range idx {
				msgs[j] = ds[i].Msg
			}
			res, err := d.a.Pipeline.Ingest(ctx, id, msgs...)
			if err != nil {
				errs[k] = fmt.Errorf("demo: ingest into account %d: %w", id, err)
				return
			}
			for j, i := range idx {
				out[i] = res[j]
				if res[j].Err != nil {
					errs[k] = errors.Join(errs[k], fmt.Errorf("demo: message %s rejected: %w", msgs[j].ProviderID, res[j].Err))
				}
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// Stream delivers live messages at about rate a second until ctx ends.
// Gaps are random (a Poisson process, as independent customers make), so
// the desk sees bursts and lulls; at high rates several messages arrive in
// one call. Rate 0 streams nothing.
func (d *Demo) Stream(ctx context.Context, rate float64) error {
	if rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		<-ctx.Done()
		return nil
	}
	r := rand.New(rand.NewPCG(d.seed, 3))
	gap := func() time.Duration { return time.Duration(r.ExpFloat64() / rate * float64(time.Second)) }
	due := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		timer.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		now := time.Now()
		var batch []Delivery
		d.mu.Lock()
		for !due.After(now) && len(batch) < 1000 {
			batch = append(batch, d.gen.next(now))
			due = due.Add(gap())
		}
		d.mu.Unlock()
		if now.Sub(due) > 2*time.Second {
			due = now // the store cannot keep up: skip ahead rather than burst
		}
		if d.Fakes != nil {
			direct := batch[:0:0]
			for _, x := range batch {
				handled, err := d.Fakes.deliver(ctx, x)
				if !handled {
					direct = append(direct, x)
					continue
				}
				if err != nil {
					d.log.Warn("demo stream through a fake", "channel", x.Account.Channel, "err", err)
					continue
				}
				d.streamed.Add(1)
			}
			batch = direct
		}
		res, err := d.ingest(ctx, batch)
		for _, x := range res {
			if x.MessageID != 0 && !x.Duplicate {
				d.streamed.Add(1)
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.log.Warn("demo stream", "err", err)
		}
	}
}

// spread returns n times between from and to, sorted, denser in the day
// than at night as customer traffic is.
func spread(r *rand.Rand, n int, from, to time.Time) []time.Time {
	out := make([]time.Time, 0, n)
	span := to.Sub(from)
	for len(out) < n {
		t := from.Add(time.Duration(r.Int64N(int64(span))))
		h := float64(t.Hour()) + float64(t.Minute())/60
		if r.Float64() < 0.55+0.45*math.Sin((h-9)/24*2*math.Pi) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}
