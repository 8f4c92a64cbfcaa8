package auth

import (
	"sync"
	"time"
)

// Limiter allows a burst of attempts per key and refills one every interval;
// it slows password guessing at sign-in.
type Limiter struct {
	mu       sync.Mutex
	burst    float64
	interval time.Duration
	buckets  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter of burst attempts, refilled one per interval.
func NewLimiter(burst int, interval time.Duration) *Limiter {
	return &Limiter{burst: float64(burst), interval: interval, buckets: map[string]*bucket{}}
}

// Allow spends one attempt for key and reports whether it was available.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100_000 {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens += float64(now.Sub(b.last)) / float64(l.interval)
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Refund gives back an attempt Allow spent that should not count: a
// successful sign-in, so a shift of agents behind one office address is
// not locked out at nine by their own sign-ins; only failures add up.
func (l *Limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = min(b.tokens+1, l.burst)
	}
}

// prune drops full buckets so the map cannot grow without bound.
func (l *Limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if float64(now.Sub(b.last))/float64(l.interval)+b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}
