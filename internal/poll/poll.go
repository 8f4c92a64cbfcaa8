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
	"io"
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
	// MaxRetryAfter caps a provider's own wait after a failed poll: a
	// reset a year away (a provider's bug, a clock gone wrong) would stop
	// the account for that long, where asking again within the hour costs
	// one refused call.
	MaxRetryAfter = time.Hour
)

// Runner polls every account whose connector is a channel.Poller.
type Runner struct {
	Accounts   *workspace.Store
	Connectors map[string]channel.Factory
	Sink       channel.Sink
	Health     *health.Store
	Log        *slog.Logger

	mu      sync.Mutex
	held    map[int64]*held
	probeAt map[int64]time.Time // when this node next asks to probe an account
}

// held is one account's connector, kept from tick to tick so that its
// connections (an IMAP session) are reused and closed, not leaked, and so
// that a Waiter can wait on it between polls.
type held struct {
	config string
	conn   channel.Connector
	poll   sync.Mutex // one poll at a time: the tick's or the watcher's
	stop   context.CancelFunc
	done   chan struct{} // closed when the watcher has returned
}

// Run polls until ctx ends, then closes every connector it opened.
func (r *Runner) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	defer r.Close()
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
	seen := make(map[int64]bool, len(accts))
	for _, a := range accts {
		seen[a.ID] = true
		h := r.connector(ctx, a)
		if h == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			actx := health.WithAccount(ctx, a.ID)
			if p, ok := h.conn.(channel.Poller); ok {
				h.poll.Lock()
				n := r.pollOne(actx, a, p)
				h.poll.Unlock()
				mu.Lock()
				total += n
				mu.Unlock()
			}
			if p, ok := h.conn.(channel.Prober); ok && r.probeDue(ctx, a.ID) {
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
	r.forget(func(id int64) bool { return !seen[id] })
	return total, ctx.Err()
}

// connector returns the account's connector, built again only when its
// config changed, and starts a watcher for connectors that can wait.
func (r *Runner) connector(ctx context.Context, a workspace.Account) *held {
	f, ok := channel.FactoryFor(r.Connectors, a)
	if !ok {
		r.forget(func(id int64) bool { return id == a.ID })
		return nil
	}
	r.mu.Lock()
	h := r.held[a.ID]
	r.mu.Unlock()
	if h != nil && h.config == string(a.Config) && !watcherGone(h) {
		return h
	}
	r.forget(func(id int64) bool { return id == a.ID })
	c, err := f(a, a.Config)
	if err != nil {
		return nil // the outbox and the admin page report bad configs
	}
	h = &held{config: string(a.Config), conn: c, done: make(chan struct{})}
	w, canWait := c.(channel.Waiter)
	p, canPoll := c.(channel.Poller)
	if canWait && canPoll {
		wctx, stop := context.WithCancel(ctx)
		h.stop = stop
		go r.watch(wctx, a, h, w, p)
	} else {
		close(h.done)
	}
	r.mu.Lock()
	if r.held == nil {
		r.held = map[int64]*held{}
	}
	r.held[a.ID] = h
	r.mu.Unlock()
	return h
}

// watcherGone reports whether a watcher was started and has stopped (its
// context ended with the tick that started it): the next tick starts a
// fresh one.
func watcherGone(h *held) bool {
	if h.stop == nil {
		return false
	}
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

// watch polls an account as soon as its provider signals news (IMAP
// IDLE), so mail lands within seconds while the schedule stays the
// fallback. A failing wait backs off; ErrNoWait ends the watcher.
func (r *Runner) watch(ctx context.Context, a workspace.Account, h *held, w channel.Waiter, p channel.Poller) {
	defer close(h.done)
	actx := health.WithAccount(ctx, a.ID)
	backoff := time.Second
	for ctx.Err() == nil {
		err := w.Wait(actx, interval(a.Config))
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, channel.ErrNoWait):
			<-ctx.Done() // nothing to wait on; stay registered so no new watcher starts
			return
		case err != nil:
			r.Log.Warn("poll: wait", "account", a.ID, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, FailedBackoff+time.Second)
			continue
		}
		backoff = time.Second
		if err := r.Health.PollNow(ctx, a.ID); err != nil {
			r.Log.Warn("poll: wake", "account", a.ID, "err", err)
			continue
		}
		h.poll.Lock()
		r.pollOne(actx, a, p)
		h.poll.Unlock()
	}
}

// forget stops the watchers of, and closes, the connectors of the accounts
// drop selects.
func (r *Runner) forget(drop func(id int64) bool) {
	r.mu.Lock()
	var gone []*held
	for id, h := range r.held {
		if drop(id) {
			gone = append(gone, h)
			delete(r.held, id)
		}
	}
	r.mu.Unlock()
	for _, h := range gone {
		if h.stop != nil {
			h.stop()
		}
		<-h.done
		if c, ok := h.conn.(io.Closer); ok {
			c.Close()
		}
	}
}

// Close stops every watcher and closes every connector the runner holds.
func (r *Runner) Close() {
	r.forget(func(int64) bool { return true })
}

// pollOne polls one account if it is due and no other process holds it.
// The cursor advances only once the events are stored.
func (r *Runner) pollOne(ctx context.Context, a workspace.Account, p channel.Poller) int {
	lease, ok, err := r.Health.ClaimPoll(ctx, a.ID, Lease)
	if err != nil {
		r.Log.Warn("poll: claim", "account", a.ID, "err", err)
		return 0
	}
	if !ok {
		return 0
	}
	pctx, cancel := context.WithTimeout(ctx, Timeout)
	cursor := lease.Cursor
	events, next, err := p.Poll(pctx, cursor)
	cancel()
	stored := 0
	if err == nil {
		stored, err = r.Sink.Store(ctx, a, events)
		if err != nil {
			err = fmt.Errorf("store polled events: %w", err)
		}
	}
	if err != nil && ctx.Err() != nil {
		// This node is stopping: the account is not at fault, and another
		// node takes it at its next tick rather than in FailedBackoff.
		if rerr := r.Health.ReleasePoll(context.WithoutCancel(ctx), lease); rerr != nil {
			r.Log.Warn("poll: release", "account", a.ID, "err", rerr)
		}
		return stored
	}
	wait := interval(a.Config)
	if err != nil {
		next = cursor
		wait = FailedWait(wait, err)
	}
	r.Health.Events(a.ID, stored, false)
	if derr := r.Health.PollDone(context.WithoutCancel(ctx), lease, next, err, wait); derr != nil {
		r.Log.Warn("poll: record", "account", a.ID, "err", derr)
	}
	if err != nil {
		r.Log.Warn("poll: failed", "account", a.ID, "channel", a.Channel, "err", err)
	}
	return stored
}

// FailedWait is how long an account whose poll failed with err waits
// before the next, after its usual interval: at least FailedBackoff, as
// long as the provider asks up to MaxRetryAfter.
func FailedWait(interval time.Duration, err error) time.Duration {
	wait := max(interval, FailedBackoff)
	var se *channel.SendError
	if errors.As(err, &se) && se.RetryAfter > wait {
		wait = max(wait, min(se.RetryAfter, MaxRetryAfter))
	}
	return wait
}

// probeDue takes the account's presence probe when it is due. Which node
// probes is settled in the store, but only once this node's own clock says
// a probe may be due: asking at every tick would be a write per account
// every few seconds, for a probe every quarter of an hour.
func (r *Runner) probeDue(ctx context.Context, id int64) bool {
	r.mu.Lock()
	if r.probeAt == nil {
		r.probeAt = map[int64]time.Time{}
	}
	if time.Now().Before(r.probeAt[id]) {
		r.mu.Unlock()
		return false
	}
	r.probeAt[id] = time.Now().Add(ProbeEvery)
	r.mu.Unlock()
	ok, err := r.Health.ClaimProbe(ctx, id, ProbeEvery)
	if err != nil {
		r.Log.Warn("poll: claim a presence probe", "account", id, "err", err)
	}
	return ok
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
