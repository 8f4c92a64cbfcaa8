package channel

import (
	"context"
	"math/rand/v2"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// An Attempt watches one send for whether anything reached the provider
// that it could act on. A failure before that (a dial that timed out, a
// TLS handshake that stalled, an SMTP session dropped before DATA) sent
// nothing, so the outbox may simply send again; a failure after it may
// have posted, and on a channel that cannot look a reply up the outbox
// must not post it twice.
type Attempt struct{ reached atomic.Bool }

type attemptKey struct{}

// Watch returns ctx carrying a new Attempt. Every HTTP request made with
// the context and written whole marks it; connectors that speak other
// protocols mark it themselves (MarkReached).
func Watch(ctx context.Context) (context.Context, *Attempt) {
	a := &Attempt{}
	ctx = context.WithValue(ctx, attemptKey{}, a)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			// A request not written whole cannot have been acted on.
			if info.Err == nil {
				a.reached.Store(true)
			}
		},
	}), a
}

// MarkReached records, on ctx's Attempt if it has one, that the provider
// was handed something it could act on.
func MarkReached(ctx context.Context) {
	if a, ok := ctx.Value(attemptKey{}).(*Attempt); ok {
		a.reached.Store(true)
	}
}

// Reached reports whether anything reached the provider.
func (a *Attempt) Reached() bool { return a.reached.Load() }

// Backoff is the wait before attempt n+1 of a send that failed for now:
// base, doubled after each attempt up to ceiling, with ±20% jitter so
// that sends that failed together do not retry together.
func Backoff(attempt int, base, ceiling time.Duration) time.Duration {
	d := base << min(attempt-1, 20)
	if d > ceiling || d <= 0 {
		d = ceiling
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
