package conversation

import "time"

// SetSlowCount sets the time after which Store s caches a count, so a test
// can have every count cached (0).
func SetSlowCount(s *Store, d time.Duration) { s.slowCount = d }
