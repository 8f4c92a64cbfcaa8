package ingest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// BenchmarkStoreBatch times one group commit of 64 tweets from a single
// caller, the committer's work without the concurrency around it: half
// from authors it has never met, half from 500 regulars who follow up on
// their threads. Its figure moves less than hark bench ingest's on a
// busy machine, so it is the one to compare two versions of the writer.
func BenchmarkStoreBatch(b *testing.B) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	wss := workspace.New(d)
	ws, err := wss.Create(ctx, "acme", "Acme")
	if err != nil {
		b.Fatal(err)
	}
	x, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "acme"})
	if err != nil {
		b.Fatal(err)
	}
	p := ingest.New(d, wss, nil, nil, nil)
	p.Start()
	defer p.Stop()
	start := time.Now().Add(-24 * time.Hour)
	batch := make([]ingest.Message, 64)
	n := 0
	for i := 0; b.Loop(); i++ {
		for j := range batch {
			author := fmt.Sprintf("new%d-%d", i, j)
			if j%2 == 1 {
				author = fmt.Sprintf("regular%d", (i*32+j)%500)
			}
			n++
			batch[j] = tweet(fmt.Sprintf("t%d", n), author, "my bag never arrived, flight AC123", start.Add(time.Duration(n)*time.Second))
		}
		res, err := p.Ingest(ctx, x.ID, batch...)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/msg")
}
