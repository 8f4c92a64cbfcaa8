package bench

import (
	"context"
	"testing"
)

// BenchmarkIngest runs the ingest comparison once per iteration and reports
// both rates; profile it with -cpuprofile to see where the pipeline spends.
func BenchmarkIngest(b *testing.B) {
	for b.Loop() {
		r, err := Ingest(context.Background(), IngestOptions{Messages: 20000, Callers: 64, Dir: b.TempDir(), Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.PipelineRate(), "msgs/s")
		b.ReportMetric(r.BaselineRate(), "baseline-msgs/s")
		b.ReportMetric(r.Ratio(), "ratio")
		b.ReportMetric(r.CPURatio(), "cpu-ratio")
		b.ReportMetric(r.Batch, "batch")
	}
}
