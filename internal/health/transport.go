package health

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

type accountKey struct{}

// WithAccount marks ctx as work for one channel account, so provider
// responses seen by Transport are credited to it.
func WithAccount(ctx context.Context, accountID int64) context.Context {
	return context.WithValue(ctx, accountKey{}, accountID)
}

// AccountOf returns the account WithAccount put in ctx, or 0.
func AccountOf(ctx context.Context) int64 {
	id, _ := ctx.Value(accountKey{}).(int64)
	return id
}

// Transport reads the rate-limit budget every provider response carries
// (X's x-rate-limit-*, the common X-RateLimit-*, Meta's usage headers) and
// records it for the account the request was made for.
type Transport struct {
	Base   http.RoundTripper
	Health *Store
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil || t.Health == nil {
		return resp, err
	}
	if id := AccountOf(r.Context()); id != 0 {
		if remaining, reset, detail, ok := RateFromHeaders(resp.Header); ok {
			t.Health.Rate(id, remaining, reset, detail)
		}
	}
	return resp, err
}

// RateFromHeaders reads a provider's rate-limit headers. For Meta, which
// reports usage as percentages, remaining is the percentage left.
func RateFromHeaders(h http.Header) (remaining int64, reset time.Time, detail string, ok bool) {
	for _, p := range [][2]string{{"X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"}, {"X-Ratelimit-Remaining", "X-Ratelimit-Reset"}} {
		v := h.Get(p[0])
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			continue
		}
		if sec, err := strconv.ParseInt(h.Get(p[1]), 10, 64); err == nil && sec > 0 {
			if sec < 1e9 { // seconds from now rather than a Unix time
				reset = time.Now().Add(time.Duration(sec) * time.Second)
			} else {
				reset = time.Unix(sec, 0)
			}
		}
		if l := h.Get(p[0][:len(p[0])-len("Remaining")] + "Limit"); l != "" {
			return n, reset, fmt.Sprintf("%d of %s calls left in this window", n, l), true
		}
		return n, reset, fmt.Sprintf("%d calls left in this window", n), true
	}
	// Meta: X-App-Usage {"call_count":28,"total_time":25,"total_cputime":25}
	// and X-Business-Use-Case-Usage {"<id>":[{"call_count":..,"estimated_time_to_regain_access":..}]}.
	used := -1
	if v := h.Get("X-App-Usage"); v != "" {
		var u map[string]int
		if json.Unmarshal([]byte(v), &u) == nil {
			for _, p := range u {
				used = max(used, p)
			}
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var u map[string][]map[string]any
		if json.Unmarshal([]byte(v), &u) == nil {
			for _, list := range u {
				for _, e := range list {
					for k, x := range e {
						f, isNum := x.(float64)
						if !isNum {
							continue
						}
						if k == "estimated_time_to_regain_access" {
							if f > 0 {
								reset = time.Now().Add(time.Duration(f) * time.Minute)
							}
							continue
						}
						if k != "type" {
							used = max(used, int(f))
						}
					}
				}
			}
		}
	}
	if used < 0 {
		return 0, time.Time{}, "", false
	}
	left := int64(max(0, 100-used))
	return left, reset, fmt.Sprintf("%d%% of Meta's rate budget left", left), true
}
