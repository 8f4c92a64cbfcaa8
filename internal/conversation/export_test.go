package conversation

import (
	"context"
	"time"
)

// SetSlowCount sets the time after which Store s caches a count, so a test
// can have every count cached (0).
func SetSlowCount(s *Store, d time.Duration) { s.slowCount = d }

// OnCount has f called as each of s's counts starts its query.
func OnCount(s *Store, f func(context.Context)) { s.onCount = f }
