package email

import (
	"strings"
)

// AuthResults are the sender-authentication verdicts the receiving server
// recorded (RFC 8601 Authentication-Results). Empty means not reported.
type AuthResults struct {
	DKIM  string `json:"dkim,omitempty"`
	SPF   string `json:"spf,omitempty"`
	DMARC string `json:"dmarc,omitempty"`
	// Server is the authserv-id that reported them.
	Server string `json:"server,omitempty"`
}

// Pass reports whether DMARC passed, or, without a DMARC verdict, both
// DKIM and SPF did.
func (a AuthResults) Pass() bool {
	if a.DMARC != "" {
		return a.DMARC == "pass"
	}
	return a.DKIM == "pass" && a.SPF == "pass"
}

// ParseAuthResults reads Authentication-Results header values, topmost
// first. Only the headers added by a trusted server count (anyone can write
// the header into a message they send); with no trusted ids, the topmost
// header, the one our own receiving server added, is used.
func ParseAuthResults(values []string, trusted []string) AuthResults {
	for _, v := range values {
		r := parseAuthResult(v)
		if len(trusted) > 0 && !containsFold(trusted, r.Server) {
			continue
		}
		return r
	}
	return AuthResults{}
}

func parseAuthResult(v string) AuthResults {
	v = stripComments(v)
	parts := strings.Split(v, ";")
	var r AuthResults
	if len(parts) == 0 {
		return r
	}
	if f := strings.Fields(parts[0]); len(f) > 0 {
		r.Server = strings.ToLower(f[0])
	}
	for _, p := range parts[1:] {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		method, result, ok := strings.Cut(f[0], "=")
		if !ok {
			continue
		}
		method, result = strings.ToLower(method), strings.ToLower(result)
		switch method {
		case "dkim":
			// Several signatures: any pass is a pass.
			if r.DKIM == "" || result == "pass" {
				r.DKIM = result
			}
		case "spf":
			r.SPF = result
		case "dmarc":
			r.DMARC = result
		}
	}
	return r
}

// stripComments removes RFC 5322 (comments), which may hold semicolons.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for _, c := range s {
		switch {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
