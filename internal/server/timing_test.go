package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/metrics"
)

// The latency histogram times requests, not the desk's event streams or
// a visitor's chat socket, which last as long as the page is open: each
// chat of more than ten seconds landed in +Inf.
func TestLatencyLeavesOutStreamsAndSockets(t *testing.T) {
	reg := metrics.NewRegistry()
	h := timeRequests(reg.Histogram("lat", "test", metrics.LatencyBuckets), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, r := range []*http.Request{
		httptest.NewRequest("GET", "/inbox", nil),
		httptest.NewRequest("GET", "/events", nil),
		httptest.NewRequest("GET", "/chat/7/ws", nil),
	} {
		if strings.HasSuffix(r.URL.Path, "/ws") {
			r.Header.Set("Connection", "Upgrade")
			r.Header.Set("Upgrade", "WebSocket")
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	var b strings.Builder
	reg.Write(&b)
	if !strings.Contains(b.String(), "lat_count 1\n") {
		t.Fatalf("three requests, one of them a plain request; the histogram says:\n%s", b.String())
	}
}
