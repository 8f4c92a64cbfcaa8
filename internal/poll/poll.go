// Package poll fetches events from providers that are read rather than
// pushed (IMAP mailboxes, WordPress and LinkedIn comments, X mentions as a
// fallback for webhooks) and checks that each brand profile is still live.
// Every account is polled by one process at a time, under a lease kept in
// the database, so several Hark processes can share the work.
package poll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/workspace"
)

// Defaults; an account may set poll_interval_seconds in its config.
var (
	Interval      = time.Minute
	MinInterval   = 5 * time.Second
	Lease         = 2 * time.Minute
	ProbeEvery    = 15 * time.Minute
	Timeout       = 90 * time.Second
	Parallel      = 4
	FailedBackoff = 5 * time.Minute
)

// Runner polls every account whose connector is a channel.Poller.
type Runner struct {
	Accounts   *workspace.Store
	Connectors map[string]channel.Factory
	Sink       channel.Sink
	Health     *health.Store
	Log        *slog.Logger

	mu     sync.Mutex
	probed map[int64]time.Time
}

// Run polls until ctx ends.
func (r *Runner) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn("poll: tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick polls the accounts that are due and probes the ones whose presence
// check is due, returning how many events were stored.
func (r *Runner) Tick(ctx context.Context) (int, error) {
	accts, err := r.Accounts.AllAccounts(ctx)
	if err != nil {
		return 0, err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
		sem   = make(chan struct{}, Parallel)
	)
	for _, a := range accts {
		conn := r.connector(a)
		if conn == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			actx := health.WithAccount(ctx, a.ID)
			if p, ok := conn.(channel.Poller); ok {
				n := r.pollOne(actx, a, p)
				mu.Lock()
				total += n
				mu.Unlock()
			}
			if p, ok := conn.(channel.Prober); ok && r.probeDue(a.ID) {
				pctx, cancel := context.WithTimeout(actx, Timeout)
				err := p.Probe(pctx)
				cancel()
				if err != nil {
					r.Health.Error(ctx, a.ID, "presence", err.Error())
				}
				if err := r.Health.Presence(ctx, a.ID, err); err != nil {
					r.Log.Warn("poll: record presence", "account", a.ID, "err", err)
				}
			}
		}()
	}
	wg.Wait()
	return total, ctx.Err()
}

func (r *Runner) connector(a workspace.Account) channel.Connector {
	f, ok := r.Connectors[a.Channel]
	if !ok || len(a.Config) == 0 || string(a.Config) == "{}" {
		return nil
	}
	c, err := f(a, a.Config)
	if err != nil {
		return nil // the outbox and the admin page report bad configs
	}
	return c
}

// pollOne polls one account if it is due and no other process holds it.
// The cursor advances only once the events are stored.
func (r *Runner) pollOne(ctx context.Context, a workspace.Account, p channel.Poller) int {
	cursor, ok, err := r.Health.ClaimPoll(ctx, a.ID, Lease)
	if err != nil {
		r.Log.Warn("poll: claim", "account", a.ID, "err", err)
		return 0
	}
	if !ok {
		return 0
	}
	pctx, cancel := context.WithTimeout(ctx, Timeout)
	events, next, err := p.Poll(pctx, cursor)
	cancel()
	stored := 0
	if err == nil {
		stored, err = r.Sink.Store(ctx, a, events)
		if err != nil {
			err = fmt.Errorf("store polled events: %w", err)
		}
	}
	wait := interval(a.Config)
	if err != nil {
		next = cursor
		wait = max(wait, FailedBackoff)
		var se *channel.SendError
		if errors.As(err, &se) && se.RetryAfter > wait {
			wait = se.RetryAfter
		}
	}
	r.Health.Events(a.ID, stored, false)
	if derr := r.Health.PollDone(context.WithoutCancel(ctx), a.ID, next, err, wait); derr != nil {
		r.Log.Warn("poll: record", "account", a.ID, "err", derr)
	}
	if err != nil {
		r.Log.Warn("poll: failed", "account", a.ID, "channel", a.Channel, "err", err)
	}
	return stored
}

func (r *Runner) probeDue(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.probed == nil {
		r.probed = map[int64]time.Time{}
	}
	if time.Since(r.probed[id]) < ProbeEvery {
		return false
	}
	r.probed[id] = time.Now()
	return true
}

// interval reads an account's poll_interval_seconds.
func interval(cfg json.RawMessage) time.Duration {
	var c struct {
		Seconds float64 `json:"poll_interval_seconds"`
	}
	if json.Unmarshal(cfg, &c) != nil || c.Seconds <= 0 {
		return Interval
	}
	return max(MinInterval, time.Duration(c.Seconds*float64(time.Second)))
}
