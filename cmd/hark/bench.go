package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/bench"
)

const benchUsage = `usage: hark bench ingest [--messages N] [--callers N] [--rounds N] [--dir DIR]
       hark bench inbox [--conversations N[,N...]] [--samples N] [--dir DIR]
       hark bench classify [--messages N] [--callers N] [--rounds N] [--dir DIR]`

// cmdBench measures a hot path on SQLite, each against a baseline measured in
// the same run; BENCHMARKS.md records the figures and the commands.
func cmdBench(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", benchUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch args[0] {
	case "ingest":
		return benchIngest(ctx, args[1:])
	case "inbox":
		return benchInbox(ctx, args[1:])
	case "classify":
		return benchClassify(ctx, args[1:])
	}
	return fmt.Errorf("unknown benchmark %q\n%s", args[0], benchUsage)
}

// benchDir is where a benchmark keeps its SQLite files: a temporary
// directory unless one is named, removed afterwards unless it was named.
func benchDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, os.MkdirAll(dir, 0o755)
	}
	d, err := os.MkdirTemp("", "hark-bench-")
	return d, func() { os.RemoveAll(d) }, err
}

func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs, %s, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"))
}

func benchIngest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("hark bench ingest", flag.ContinueOnError)
	messages := fs.Int("messages", 100000, "deliveries to send (about 5% are redeliveries)")
	callers := fs.Int("callers", 256, "concurrent callers of Pipeline.Ingest, one message per call, as webhooks would be")
	rounds := fs.Int("rounds", 3, "alternate pipeline and baseline this many times; the best of each counts")
	dir := fs.String("dir", "", "directory for the SQLite files (default: a temporary one, removed afterwards)")
	seed := fs.Uint64("seed", 1, "workload seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	d, cleanup, err := benchDir(*dir)
	if err != nil {
		return err
	}
	defer cleanup()
	r, err := bench.Ingest(ctx, bench.IngestOptions{Messages: *messages, Callers: *callers, Rounds: *rounds, Dir: d, Seed: *seed})
	if err != nil {
		return err
	}
	fmt.Printf("hark bench ingest --messages %d --callers %d --rounds %d   (%s)\n", *messages, *callers, *rounds, machine())
	fmt.Printf("workload: %d deliveries -> %d messages, %d conversations, %d contacts; mean group commit %.1f messages\n",
		r.Messages, r.Stored, r.Conversations, r.Contacts, r.Batch)
	fmt.Printf("%-56s %8s %11s\n", "", "seconds", "messages/s")
	fmt.Printf("%-56s %8.2f %11.0f  (%.0f deliveries/s)\n", "pipeline (Pipeline.Ingest, concurrent callers)", r.Pipeline.Seconds(), r.PipelineRate(), r.DeliveryRate())
	fmt.Printf("%-56s %8.2f %11.0f\n", "baseline (multi-row INSERTs, same rows, same tx size)", r.Baseline.Seconds(), r.BaselineRate())
	fmt.Printf("%-56s %8.2f %11.0f\n", "baseline (one INSERT per row)", r.BaselineRows.Seconds(), r.BaselineRowsRate())
	fmt.Printf("pipeline / baseline: %.2f   pipeline / one-INSERT-per-row baseline: %.2f\n", r.Ratio(), r.PipelineRate()/r.BaselineRowsRate())
	if r.CPURatio() > 0 {
		fmt.Printf("CPU time, every core: pipeline %.2f s, baseline %.2f s; pipeline CPU per message: %.2f× the baseline's\n",
			r.PipelineCPU.Seconds(), r.BaselineCPU.Seconds(), r.CPURatio())
	}
	return nil
}

func benchInbox(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("hark bench inbox", flag.ContinueOnError)
	sizes := fs.String("conversations", "100000,300000,1000000", "data set sizes to grow through and measure at, comma-separated")
	samples := fs.Int("samples", 300, "timed queries per view and size")
	dir := fs.String("dir", "", "directory for the SQLite file (default: a temporary one, removed afterwards)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("--conversations: %q is not a positive number", s)
		}
		ns = append(ns, n)
	}
	d, cleanup, err := benchDir(*dir)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Printf("hark bench inbox --conversations %s --samples %d   (%s)\n", *sizes, *samples, machine())
	return bench.Inbox(ctx, bench.InboxOptions{Sizes: ns, Samples: *samples, Dir: d, Out: os.Stdout})
}

// benchClassify measures what labelling every message costs the pipeline:
// the same workload with and without the classify stages, in one run.
func benchClassify(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("hark bench classify", flag.ContinueOnError)
	messages := fs.Int("messages", 50000, "deliveries to send (about 5% are redeliveries)")
	callers := fs.Int("callers", 256, "concurrent callers of Pipeline.Ingest, one message per call")
	rounds := fs.Int("rounds", 3, "alternate the bare and the classifying pipeline this many times; the best of each counts")
	dir := fs.String("dir", "", "directory for the SQLite files (default: a temporary one, removed afterwards)")
	seed := fs.Uint64("seed", 1, "workload seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	d, cleanup, err := benchDir(*dir)
	if err != nil {
		return err
	}
	defer cleanup()
	r, err := bench.Stages(ctx, bench.IngestOptions{Messages: *messages, Callers: *callers, Rounds: *rounds, Dir: d, Seed: *seed}, app.ClassifyStages)
	if err != nil {
		return err
	}
	fmt.Printf("hark bench classify --messages %d --callers %d --rounds %d   (%s)\n", *messages, *callers, *rounds, machine())
	fmt.Printf("%-52s %8s %13s\n", "", "seconds", "deliveries/s")
	fmt.Printf("%-52s %8.2f %13.0f\n", "pipeline without classify (baseline)", r.Plain.Seconds(), float64(r.Messages)/r.Plain.Seconds())
	fmt.Printf("%-52s %8.2f %13.0f\n", "pipeline with classify (labels message and thread)", r.Staged.Seconds(), float64(r.Messages)/r.Staged.Seconds())
	fmt.Printf("with classify / without: %.2f\n", r.Ratio())
	return nil
}
