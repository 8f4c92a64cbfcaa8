package desk

import "testing"

// A sign-in link's next= must not take the agent off the desk, however a
// browser would read it.
func TestSafeNextStaysOnTheDesk(t *testing.T) {
	for _, next := range []string{"", "evil.example", "https://evil.example", "//evil.example", "/\\evil.example",
		"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", "/\x7f/evil.example", "/%zz"} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", next, got)
		}
	}
	for _, next := range []string{"/", "/w/acme?status=open&tag=refund", "/c/123#reply", "/w/acme/%09x"} {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
}
