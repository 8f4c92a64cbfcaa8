package api

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/hark"
)

// The stores refuse text that is not hark.Storable, alike on SQLite and
// PostgreSQL. The API also checks every body and query up front, so that
// a client learns which part of its request was at fault (bad_text).
// Ingest alone reads its body with readBody and cleans it instead: one odd
// byte in a provider's payload must not lose the customer's message.

// readText reads a request body that must be storable text: valid UTF-8,
// with no NUL, raw or written as the JSON escape \u0000.
func readText(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		return nil, badRequest("bad_text", "the request body is not valid UTF-8")
	}
	if bytes.IndexByte(b, 0) >= 0 || escapesNUL(b) {
		return nil, badRequest("bad_text", `the request body holds a NUL character (\u0000), which cannot be stored`)
	}
	return b, nil
}

// escapesNUL finds \u0000 in JSON text. A backslash only occurs in strings
// and always starts an escape, so skipping the character after each one
// keeps "\\u0000" (a backslash, then "u0000") from counting.
func escapesNUL(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if bytes.HasPrefix(b[i+1:], []byte("u0000")) {
			return true
		}
		i++
	}
	return false
}

var pathNameRE = regexp.MustCompile(`\{([^}.]+)(?:\.\.\.)?\}`)

// pathNames lists the path values a route pattern declares.
func pathNames(pattern string) []string {
	var out []string
	for _, m := range pathNameRE.FindAllStringSubmatch(pattern, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkRequestText refuses a query that is not storable text (400) and a
// path value that is not (404: such a name can name nothing).
func checkRequestText(r *http.Request, names []string) error {
	for _, n := range names {
		if v := r.PathValue(n); !hark.Storable(v) {
			return &requestError{status: http.StatusNotFound, code: "not_found", msg: fmt.Sprintf("%s %q not found", n, v)}
		}
	}
	q, _ := url.ParseQuery(r.URL.RawQuery) // handlers report a malformed query themselves
	for k, vs := range q {
		if !hark.Storable(k) {
			return badRequest("bad_text", fmt.Sprintf("query parameter %q is not valid UTF-8 or holds a NUL character", k))
		}
		for _, v := range vs {
			if !hark.Storable(v) {
				return badRequest("bad_text", fmt.Sprintf("query parameter %s is not valid UTF-8 or holds a NUL character", k))
			}
		}
	}
	return nil
}
