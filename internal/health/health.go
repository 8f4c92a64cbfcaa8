// Package health keeps the health of each channel account: when its
// provider last delivered, how polling goes, the rate-limit budget left,
// whether the brand's public profile is live, and recent errors. An account
// silent at hours when, by its own last weeks, something would have come is
// flagged, so a page that stopped delivering is caught like a phone that
// stopped ringing, and a night like every night is not.
package health

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/workspace"
)

//go:embed sql
var sqlFS embed.FS

var queries = db.MustLoadQueries(sqlFS, "sql")

// FlushEvery bounds how stale the recorded last-event time may be: events
// are counted in memory and written in one statement per account, so the
// hot ingest path never waits for health bookkeeping.
var FlushEvery = 2 * time.Second

// Store records and reports account health.
type Store struct {
	db  *db.DB
	log *slog.Logger

	mu      sync.Mutex
	pending map[int64]*tally
	hours   map[hourKey]*hourTally // written every HoursEvery
	pruned  map[int64]int64        // by account, the hour its old hours were last deleted
}

type tally struct {
	events        int
	lastEvent     int64
	lastWebhook   int64
	rateRemaining int64
	rateReset     int64
	rateDetail    string
	rateKnown     bool
}

// New returns a Store over d.
func New(d *db.DB, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{db: d, log: log, pending: map[int64]*tally{}, hours: map[hourKey]*hourTally{}, pruned: map[int64]int64{}}
}

func (s *Store) q(name string) string { return queries.Get(s.db.Dialect, name) }

func (s *Store) tally(accountID int64) *tally {
	t := s.pending[accountID]
	if t == nil {
		t = &tally{}
		s.pending[accountID] = t
	}
	return t
}

// Events counts n events received from the provider for an account, by
// webhook when pushed is true and by polling otherwise.
func (s *Store) Events(accountID int64, n int, pushed bool) {
	if n <= 0 {
		return
	}
	now := db.Now()
	s.mu.Lock()
	t := s.tally(accountID)
	t.events += n
	t.lastEvent = now
	if pushed {
		t.lastWebhook = now
	}
	s.mu.Unlock()
}

// Rate records the provider's rate-limit budget seen on a response.
func (s *Store) Rate(accountID int64, remaining int64, reset time.Time, detail string) {
	s.mu.Lock()
	t := s.tally(accountID)
	t.rateKnown, t.rateRemaining, t.rateDetail = true, remaining, detail
	t.rateReset = 0
	if !reset.IsZero() {
		t.rateReset = reset.UnixMilli()
	}
	s.mu.Unlock()
}

// Flush writes what was counted since the last flush, the hours too.
func (s *Store) Flush(ctx context.Context) error {
	if err := s.flushEvents(ctx); err != nil {
		return err
	}
	return s.flushHours(ctx)
}

// flushEvents writes each account's counts since the last flush, and
// counts them into their hours.
func (s *Store) flushEvents(ctx context.Context) error {
	s.mu.Lock()
	pending := s.pending
	s.pending = map[int64]*tally{}
	for id, t := range pending {
		if t.events > 0 {
			s.countHour(id, t)
		}
	}
	s.mu.Unlock()
	for id, t := range pending {
		remaining := int64(-1)
		if t.rateKnown {
			remaining = t.rateRemaining
		}
		_, err := s.db.W.ExecContext(ctx, s.q("RecordEvents"), id, t.lastEvent, t.lastWebhook, t.events, remaining, t.rateReset, t.rateDetail)
		if err != nil {
			return fmt.Errorf("record health of account %d: %w", id, err)
		}
	}
	return nil
}

// Run flushes counts until ctx ends, and once more after.
func (s *Store) Run(ctx context.Context) {
	events, hours := time.NewTicker(FlushEvery), time.NewTicker(HoursEvery)
	defer events.Stop()
	defer hours.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			if err := s.Flush(context.Background()); err != nil {
				s.log.Warn("health: flush", "err", err)
			}
			return
		case <-events.C:
			err = s.flushEvents(ctx)
		case <-hours.C:
			err = s.flushHours(ctx)
		}
		if err != nil {
			s.log.Warn("health: flush", "err", err)
		}
	}
}

// MaxErrorLength bounds a recorded error; providers return whole HTML pages.
const MaxErrorLength = 500

// Error records a problem with an account (a refused webhook, a failed
// poll or send) for the admin to see; the newest 20 are kept.
func (s *Store) Error(ctx context.Context, accountID int64, source, msg string) {
	if len(msg) > MaxErrorLength {
		msg = msg[:MaxErrorLength] + "…"
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("InsertError"), db.NewID(), accountID, db.Now(), source, msg); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("PruneErrors"), accountID, accountID)
		return err
	})
	if err != nil {
		s.log.Warn("health: record error", "account", accountID, "err", err)
	}
}

// PollLease is a poll's hold on an account, taken by ClaimPoll.
type PollLease struct {
	AccountID int64
	Cursor    string // where the poll reads from
	until     int64  // the lease's end, which also names it
}

// ErrLeaseLost says a poll ended after its lease, which another node may
// hold by now: its outcome is not recorded.
var ErrLeaseLost = errors.New("the poll outlived its lease")

// ClaimPoll takes the account's poll lease when a poll is due. ok is false
// when the account is not due or another process holds the lease.
func (s *Store) ClaimPoll(ctx context.Context, accountID int64, lease time.Duration) (l PollLease, ok bool, err error) {
	if _, err := s.db.W.ExecContext(ctx, s.q("EnsureHealth"), accountID); err != nil {
		return l, false, err
	}
	now := db.Now()
	l = PollLease{AccountID: accountID, until: now + lease.Milliseconds()}
	err = s.db.W.QueryRowContext(ctx, s.q("ClaimPoll"), l.until, accountID, now, now).Scan(&l.Cursor)
	if err == sql.ErrNoRows {
		return PollLease{}, false, nil
	}
	return l, err == nil, err
}

// ReleasePoll gives up a poll lease without recording an outcome: the
// poll was cut short because this node is stopping, which says nothing
// about the account, so another node polls it at its next tick.
func (s *Store) ReleasePoll(ctx context.Context, l PollLease) error {
	return s.ending(s.db.W.ExecContext(ctx, s.q("ReleasePoll"), l.AccountID, l.until))
}

// ending reads the result of a write that ends a lease.
func (s *Store) ending(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, ErrLeaseLost)
	}
	return nil
}

// ClaimProbe reports whether the account's presence is due a probe, and
// if so takes it, so that of several nodes only one probes per interval.
func (s *Store) ClaimProbe(ctx context.Context, accountID int64, every time.Duration) (bool, error) {
	now := db.Now()
	res, err := s.db.W.ExecContext(ctx, s.q("ClaimProbe"), accountID, now, now-every.Milliseconds())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PollNow makes an account due at once, when its provider signals news.
func (s *Store) PollNow(ctx context.Context, accountID int64) error {
	now := db.Now()
	_, err := s.db.W.ExecContext(ctx, s.q("PollNow"), now, accountID, now)
	return err
}

// PollDone records a poll's outcome and when the next one is due, and
// ends its lease; a poll that outlived the lease records nothing but the
// error it had, and gets ErrLeaseLost.
func (s *Store) PollDone(ctx context.Context, l PollLease, cursor string, pollErr error, next time.Duration) error {
	now := db.Now()
	if pollErr == nil {
		return s.ending(s.db.W.ExecContext(ctx, s.q("PollSucceeded"), cursor, now, now, now+next.Milliseconds(), l.AccountID, l.until))
	}
	msg := pollErr.Error()
	if len(msg) > MaxErrorLength {
		msg = msg[:MaxErrorLength] + "…"
	}
	err := s.ending(s.db.W.ExecContext(ctx, s.q("PollFailed"), now, msg, now+next.Milliseconds(), l.AccountID, l.until))
	s.Error(ctx, l.AccountID, "poll", msg)
	return err
}

// Presence records whether the brand's public profile was reachable.
func (s *Store) Presence(ctx context.Context, accountID int64, checkErr error) error {
	if _, err := s.db.W.ExecContext(ctx, s.q("EnsureHealth"), accountID); err != nil {
		return err
	}
	ok, detail := 1, "reachable and live"
	if checkErr != nil {
		ok, detail = 0, checkErr.Error()
		if len(detail) > MaxErrorLength {
			detail = detail[:MaxErrorLength] + "…"
		}
	}
	_, err := s.db.W.ExecContext(ctx, s.q("SetPresence"), db.Now(), ok, detail, accountID)
	return err
}

// ErrorEntry is one recorded problem.
type ErrorEntry struct {
	At      int64  `json:"at"`
	Source  string `json:"source"` // webhook, poll, send, presence
	Message string `json:"message"`
}

// Report is an account's health as an admin sees it.
type Report struct {
	AccountID         int64        `json:"account_id,string"`
	Status            string       `json:"status"` // ok, warning, error, waiting
	Warnings          []string     `json:"warnings"`
	LastEventAt       int64        `json:"last_event_at"`
	LastWebhookAt     int64        `json:"last_webhook_at"`
	EventsTotal       int64        `json:"events_total"`
	RhythmMS          int64        `json:"rhythm_ms"`
	Quiet             bool         `json:"quiet"`
	LastPollAt        int64        `json:"last_poll_at"`
	PollOKAt          int64        `json:"poll_ok_at"`
	PollError         string       `json:"poll_error,omitempty"`
	RateRemaining     int64        `json:"rate_remaining"` // -1 when the provider has not said
	RateResetAt       int64        `json:"rate_reset_at,omitempty"`
	RateDetail        string       `json:"rate_detail,omitempty"`
	TokenExpiresAt    int64        `json:"token_expires_at,omitempty"`
	PresenceCheckedAt int64        `json:"presence_checked_at,omitempty"`
	PresenceOK        bool         `json:"presence_ok"`
	PresenceDetail    string       `json:"presence_detail,omitempty"`
	Errors            []ErrorEntry `json:"errors"`
}

// TokenWarning is how long before a token expires the admin is warned.
var TokenWarning = 7 * 24 * time.Hour

// Of reports an account's health as of now.
func (s *Store) Of(ctx context.Context, acct workspace.Account, now time.Time) (Report, error) {
	r := Report{AccountID: acct.ID, RateRemaining: -1, Warnings: []string{}, Errors: []ErrorEntry{}}
	var presenceOK int
	err := s.db.R.QueryRowContext(ctx, s.q("HealthOf"), acct.ID).Scan(&r.LastEventAt, &r.LastWebhookAt, &r.EventsTotal, &r.RhythmMS,
		&r.LastPollAt, &r.PollOKAt, &r.PollError, &r.RateRemaining, &r.RateResetAt, &r.RateDetail, &r.PresenceCheckedAt, &presenceOK, &r.PresenceDetail)
	if err != nil && err != sql.ErrNoRows {
		return r, fmt.Errorf("health of account %d: %w", acct.ID, err)
	}
	r.PresenceOK = presenceOK == 1
	rows, err := s.db.R.QueryContext(ctx, s.q("RecentErrors"), acct.ID)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var e ErrorEntry
		if err := rows.Scan(&e.At, &e.Source, &e.Message); err != nil {
			return r, err
		}
		r.Errors = append(r.Errors, e)
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	r.TokenExpiresAt = tokenExpiry(acct.Config)
	var u usual
	if ms := now.UnixMilli(); r.EventsTotal >= MinHistory && r.LastEventAt > 0 && ms-r.LastEventAt >= MinQuiet.Milliseconds() {
		if u, err = s.usualOver(ctx, acct.ID, r.LastEventAt, ms); err != nil {
			return r, fmt.Errorf("usual hours of account %d: %w", acct.ID, err)
		}
	}
	r.judge(now, u)
	return r, nil
}

// judge sets the status and the warnings an admin should act on, given
// what the account's weeks held over its silence.
func (r *Report) judge(now time.Time, u usual) {
	ms := now.UnixMilli()
	warn := func(format string, args ...any) { r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...)) }
	bad := false
	r.judgeQuiet(ms, u)
	if r.PollError != "" {
		bad = true
		warn("the last poll failed: %s", r.PollError)
	}
	if r.PresenceCheckedAt > 0 && !r.PresenceOK {
		bad = true
		warn("the brand's public profile is not reachable: %s", r.PresenceDetail)
	}
	if r.TokenExpiresAt > 0 {
		switch left := r.TokenExpiresAt - ms; {
		case left <= 0:
			bad = true
			warn("the access token expired on %s", time.UnixMilli(r.TokenExpiresAt).UTC().Format(time.DateOnly))
		case left < TokenWarning.Milliseconds():
			warn("the access token expires in %s", dur(left))
		}
	}
	if r.RateRemaining == 0 && r.RateResetAt > ms {
		warn("rate limit used up until %s", time.UnixMilli(r.RateResetAt).UTC().Format(time.TimeOnly))
	}
	switch {
	case bad:
		r.Status = "error"
	case len(r.Warnings) > 0:
		r.Status = "warning"
	case r.LastEventAt == 0 && r.LastPollAt == 0:
		r.Status = "waiting"
	default:
		r.Status = "ok"
	}
}

// tokenExpiry reads an optional token_expires_at (RFC 3339 or Unix
// seconds) from an account's config.
func tokenExpiry(cfg json.RawMessage) int64 {
	var c struct {
		Expires json.RawMessage `json:"token_expires_at"`
	}
	if json.Unmarshal(cfg, &c) != nil || len(c.Expires) == 0 {
		return 0
	}
	var s string
	if json.Unmarshal(c.Expires, &s) == nil {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UnixMilli()
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n * 1000
		}
		return 0
	}
	var n int64
	if json.Unmarshal(c.Expires, &n) == nil && n > 0 {
		return n * 1000
	}
	return 0
}

func dur(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	default:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	}
}
