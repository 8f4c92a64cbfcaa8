package chat

import "github.com/harkdesk/hark/internal/db"

// SendMail is sendMail, for the test that a stalled mail server is given up on.
var SendMail = sendMail

// Query is the named query in d's dialect, for the tests of its plan.
func Query(d db.Dialect, name string) string { return queries.Get(d, name) }
