package conversation

import "context"

// Waiters is how many callers wait for the count of f under way.
func Waiters(s *Store, f Filter) int {
	f.Status, f.Cursor, f.Limit = "", "", 0
	s.countMu.Lock()
	defer s.countMu.Unlock()
	if fl := s.flights[f]; fl != nil {
		return fl.waiters
	}
	return 0
}

// OnCount has f called as each of s's counts starts its query.
func OnCount(s *Store, f func(context.Context)) { s.onCount = f }

// Unspaced reports whether r is a letter or mark of a script written
// without spaces.
var Unspaced = unspaced

// UnspacedClass and UnspacedMarkClass are the letters written without
// spaces and their marks as character classes.
var UnspacedClass, UnspacedMarkClass = unspacedClass, unspacedMarkClass
