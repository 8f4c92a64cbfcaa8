package db

import (
	"strconv"
	"strings"
)

// Rebind turns ? placeholders into PostgreSQL's $1, $2… for queries that are
// composed at run time (inbox filters). Named queries in .sql files are
// written in each dialect's own style and need no rebinding.
func Rebind(d Dialect, q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
