package desk

import "time"

// SetCountBudget sets how long an inbox page waits for its status counts
// (0: never, so they always come as their own fragment) and returns a
// function that puts it back.
func SetCountBudget(d time.Duration) (restore func()) {
	old := countBudget
	countBudget = d
	return func() { countBudget = old }
}
