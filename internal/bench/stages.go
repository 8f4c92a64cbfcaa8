package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/harkdesk/hark/internal/ingest"
)

// StagesResult compares the pipeline with and without extra stages.
type StagesResult struct {
	Messages int           // deliveries sent
	Plain    time.Duration // best time through the bare pipeline
	Staged   time.Duration // best time with the stages plugged in
}

// Ratio is the staged pipeline's throughput as a fraction of the bare one's:
// 1.0 means the stages cost nothing a caller can see.
func (r StagesResult) Ratio() float64 { return r.Plain.Seconds() / r.Staged.Seconds() }

// Stages times the same workload through the bare pipeline and through the
// pipeline with stages (the classifier, say), alternating them for o.Rounds
// rounds so both see the same machine, and keeps the best of each.
func Stages(ctx context.Context, o IngestOptions, stages func() []ingest.Stage) (StagesResult, error) {
	if o.Callers <= 0 {
		o.Callers = 64
	}
	if o.Rounds <= 0 {
		o.Rounds = 1
	}
	work := Workload(o.Messages, o.Seed)
	res := StagesResult{Messages: len(work)}
	for round := 0; round < o.Rounds; round++ {
		for _, staged := range []bool{false, true} {
			var st []ingest.Stage
			if staged {
				st = stages()
			}
			path := filepath.Join(o.Dir, fmt.Sprintf("stages-%d-%t.db", round, staged))
			took, _, d, err := runPipeline(ctx, path, work, o.Callers, st)
			if err != nil {
				return res, err
			}
			d.Close()
			best := &res.Plain
			if staged {
				best = &res.Staged
			}
			if *best == 0 || took < *best {
				*best = took
			}
		}
	}
	return res, nil
}
