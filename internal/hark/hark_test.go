package hark

import "testing"

// A private message reads as private to the classifier whatever channel it
// came on; a public one keeps its channel.
func TestClassifierChannel(t *testing.T) {
	for _, tc := range []struct{ channel, visibility, want string }{
		{"x", "public", "x"},
		{"x", "private", "x_dm"},
		{"instagram", "private", "instagram_dm"},
		{"facebook", "private", "facebook_dm"},
		{"api", "private", "api_dm"},
		{"api", "public", "api"},
		{"email", "private", "email"},
		{"whatsapp", "private", "whatsapp"},
	} {
		if got := ClassifierChannel(tc.channel, tc.visibility); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.channel, tc.visibility, got, tc.want)
		}
	}
}
