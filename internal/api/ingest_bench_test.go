package api_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/harkdesk/hark/internal/db/dbtest"
)

// BenchmarkIngestAPI posts single messages through the real handler, one at
// a time (serial) and from many clients at once (parallel, where the group
// commit shares each transaction among the waiting requests).
func BenchmarkIngestAPI(b *testing.B) {
	for _, dialect := range dbtest.Dialects(b) {
		for _, parallel := range []bool{false, true} {
			name := string(dialect) + "/serial"
			if parallel {
				name = string(dialect) + "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				e := newEnv(b, dbtest.Open(b, dialect))
				token := "Bearer " + e.tokens["ingest"]
				var seq atomic.Int64
				post := func() {
					n := seq.Add(1)
					body := fmt.Sprintf(`{"provider_id":"bench-%d","author":{"id":"a%d","handle":"person%d"},"text":"message %d: my bag never arrived"}`, n, n%500, n%500, n)
					req := httptest.NewRequest("POST", "/api/v1/ingest", strings.NewReader(body))
					req.Header.Set("Authorization", token)
					rec := httptest.NewRecorder()
					e.h.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("ingest: %d %s", rec.Code, rec.Body)
					}
				}
				b.ResetTimer()
				if parallel {
					b.SetParallelism(8)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							post()
						}
					})
				} else {
					for b.Loop() {
						post()
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
				// The group commit's batch size: what a commit's fixed costs
				// (a round trip each statement, the flush) are shared by.
				b.ReportMetric(float64(b.N)/float64(e.a.Pipeline.Batches.Value()), "msgs/commit")
			})
		}
	}
}
