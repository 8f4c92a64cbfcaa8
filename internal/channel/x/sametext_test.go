package x

import "testing"

// Find must recognise a reply already posted, as X shows it, or a reply
// sent just before a crash is posted again.
func TestSameTextAsXShowsIt(t *testing.T) {
	for _, c := range []struct {
		sent, shown string
		same        bool
	}{
		{"Sorry & thanks, see https://help.example/a", "@maria Sorry &amp; thanks, see https://t.co/abc", true},
		{"@maria <3 we're on it", "@maria &lt;3 we're on it", true},
		{"we're on it", "@maria @AcmeAir  we're on it", true},
		{"we're on it", "@maria we are on it", false},
		{"refund sent", "refund sent!", false},
	} {
		if got := sameText(c.sent, c.shown); got != c.same {
			t.Errorf("sameText(%q, %q) = %v, want %v", c.sent, c.shown, got, c.same)
		}
	}
}
