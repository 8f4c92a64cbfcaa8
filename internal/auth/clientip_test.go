package auth_test

import (
	"net/http/httptest"
	"testing"

	"github.com/harkdesk/hark/internal/auth"
)

func TestClientIP(t *testing.T) {
	p, err := auth.ParseProxies("10.0.0.0/8, 192.0.2.7 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.5:4000", nil, "203.0.113.5"},
		{"203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"}, // not from a proxy: the header proves nothing
		{"10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"10.1.2.3:4000", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},              // the client wrote 6.6.6.6
		{"10.1.2.3:4000", []string{"6.6.6.6", "198.51.100.1, 192.0.2.7"}, "198.51.100.1"}, // two proxies, two headers
		{"[::1]:4000", []string{"[2001:db8::9]:555"}, "2001:db8::9"},
		{"10.1.2.3:4000", nil, "10.1.2.3"},
		{"10.1.2.3:4000", []string{"10.9.9.9"}, "10.9.9.9"}, // only proxies: the farthest
		{"[::ffff:10.1.2.3]:4000", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := p.ClientIP(r); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.remote, c.xff, got, c.want)
		}
	}
	if got := auth.Proxies(nil).ClientIP(httptest.NewRequest("GET", "/", nil)); got != "192.0.2.1" {
		t.Errorf("no proxies: %q", got)
	}
	if _, err := auth.ParseProxies("10.0.0.0/8,proxy.internal"); err == nil {
		t.Error("a host name was taken as a proxy")
	}
}

// The limits count an IPv6 client by its /64 and an IPv4 one by its
// address, however it is written.
func TestClientNet(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2::1":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
	} {
		if got := auth.ClientNet(in); got != want {
			t.Errorf("ClientNet(%q) = %q, want %q", in, got, want)
		}
	}
}
