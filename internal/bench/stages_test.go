package bench

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/harkdesk/hark/internal/ingest"
)

// The staged runs see every delivery through the plugged-in stage, and
// both sides of the comparison are timed.
func TestStagesTimesBothPipelines(t *testing.T) {
	var seen atomic.Int64
	stage := func() []ingest.Stage {
		return []ingest.Stage{{Name: "count", Phase: ingest.BeforeCommit, Run: func(_ context.Context, b *ingest.Batch) error {
			seen.Add(int64(len(b.Items)))
			return nil
		}}}
	}
	r, err := Stages(context.Background(), IngestOptions{Messages: 400, Callers: 8, Rounds: 2, Dir: t.TempDir(), Seed: 3}, stage)
	if err != nil {
		t.Fatal(err)
	}
	if r.Plain <= 0 || r.Staged <= 0 || r.Ratio() <= 0 {
		t.Fatalf("timings: %+v", r)
	}
	if got, want := seen.Load(), int64(2*r.Messages); got != want {
		t.Fatalf("the stage saw %d deliveries over two staged rounds, want %d", got, want)
	}
}
