package main

import "testing"

// A desk served over https marks its session cookies Secure unless told
// otherwise; a misspelt setting is refused, not read as false.
func TestSecureCookiesSetting(t *testing.T) {
	for _, c := range []struct {
		setting, publicURL string
		want               bool
	}{
		{"", "", false}, {"auto", "http://127.0.0.1:8080", false}, {"auto", "HTTPS://desk.example.com", true},
		{"", "https://desk.example.com", true}, {"false", "https://desk.example.com", false}, {"true", "", true},
	} {
		got, err := secureCookies(c.setting, c.publicURL)
		if err != nil || got != c.want {
			t.Errorf("secureCookies(%q, %q) = %v, %v; want %v", c.setting, c.publicURL, got, err, c.want)
		}
	}
	if _, err := secureCookies("yes", ""); err == nil {
		t.Error(`secure-cookies "yes" was accepted`)
	}
}
