package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/demo"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/server"
)

// The history a new demo desk opens on.
const (
	demoHistory     = 480
	demoHistorySpan = 36 * time.Hour
)

// cmdDemo serves the desk on a demo store with a live stream of real
// customer messages.
func cmdDemo(args []string) error {
	f := newFlags("demo", "[--addr HOST:PORT] [--db FILE] [--rate N] [--data DIR] [--seed N]", "addr", "db", "log-level")
	f.fs.Lookup("db").Usage = "SQLite file (or postgres:// DSN) to keep the demo in; reused if it holds an earlier demo (default: a new temporary file, deleted when the demo stops)"
	rate := f.fs.Float64("rate", 1, "live messages a second; fractions allowed (0.2 is one every five seconds); 0 streams none")
	data := f.fs.String("data", "", "a shared/data directory to stream the full datasets from (default: the sample embedded in the binary)")
	seed := f.fs.Uint64("seed", 1, "seed for the made-up customers and their traffic")
	withFakes := f.fs.Bool("fakes", false, "connect the social, SMS, phone and blog accounts to fakes of their providers, served under /fakes: messages arrive by signed webhook or polling, answers leave through the real connectors")
	if err := f.parse(args); err != nil {
		return err
	}
	if *rate < 0 || *rate > 10000 {
		return fmt.Errorf("--rate must be between 0 and 10000 messages a second")
	}
	// Only an explicit --db is used: HARK_DB may name a real desk, which
	// the demo must not fill with made-up traffic.
	keep := false
	f.fs.Visit(func(fl *flag.Flag) { keep = keep || fl.Name == "db" })
	tmp := ""
	if !keep {
		var err error
		if tmp, err = os.MkdirTemp("", "hark-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(tmp) // deferred first, so it runs after the store is closed
		*f.vals["db"] = filepath.Join(tmp, "demo.db")
	}
	var posts demo.Posts
	var err error
	if *data != "" {
		posts, err = demo.LoadDir(*data)
	} else {
		posts, err = demo.LoadSample()
	}
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()
	// Listen before the store is opened: a port that is taken must fail the
	// start before the demo's brands and users are written, or every later
	// run on that --db found the world made and skipped its history.
	ln, err := net.Listen("tcp", f.get("addr"))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: %w\n(another program has that port: try --addr 127.0.0.1:0 for any free one)", f.get("addr"), err)
		}
		return fmt.Errorf("listen on %s: %w", f.get("addr"), err)
	}
	defer ln.Close() // closed by the server once it serves; this is for an early return
	a, err := openApp(ctx, f, true)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			a.Close()
		}
	}()
	d, err := demo.New(ctx, a, demo.Options{Seed: *seed, Posts: posts, Log: a.Log})
	if errors.Is(err, hark.ErrConflict) {
		return fmt.Errorf("%w (--db %s)", err, db.Redact(f.get("db")))
	}
	if err != nil {
		return err
	}

	handler := server.Handler(a)
	if *withFakes {
		d.Fakes = demo.NewFakes(a, d.World)
		mux := http.NewServeMux()
		mux.Handle("/fakes", d.Fakes)
		mux.Handle("/fakes/", d.Fakes)
		mux.Handle("/", handler)
		handler = mux
	}
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- server.ServeListener(ctx, a, handler, ln, func(addr net.Addr) { ready <- addr })
	}()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-served:
		return err
	}
	if d.Fakes != nil {
		if err := d.Fakes.Configure(ctx, "http://"+addr.String()); err != nil {
			stop()
			<-served
			return err
		}
	}
	var h demo.History
	if !d.World.Existing {
		if h, err = d.Backfill(ctx, demoHistory, demoHistorySpan); err != nil {
			stop()
			<-served
			return err
		}
	}
	printDemoBanner(os.Stdout, d, h, demoBanner{url: "http://" + addr.String() + "/", db: f.get("db"), keep: keep, rate: *rate, fakes: *withFakes})

	// Agents work through the history while the live stream starts.
	var wg sync.WaitGroup
	wg.Go(func() {
		began := time.Now()
		w, err := d.Work(ctx, h)
		if err != nil && ctx.Err() == nil {
			a.Log.Error("demo agents", "err", err)
			return
		}
		a.Log.Debug("demo agents worked the history", "took", time.Since(began), "work", fmt.Sprintf("%+v", w))
	})
	wg.Go(func() {
		if err := d.Stream(ctx, *rate); err != nil {
			a.Log.Error("demo stream", "err", err)
		}
	})
	err = <-served
	stop()
	wg.Wait()
	closed = true
	err = errors.Join(err, a.Close())
	fmt.Printf("\nStopped after %d live messages.", d.Streamed())
	if keep {
		fmt.Printf(" The demo is kept in %s: run the same command to go on.\n", db.Redact(f.get("db")))
	} else if rmErr := os.RemoveAll(tmp); rmErr != nil {
		err = errors.Join(err, rmErr)
	} else {
		fmt.Printf(" Deleted %s.\n", f.get("db"))
	}
	return err
}

type demoBanner struct {
	url, db string
	keep    bool
	rate    float64
	fakes   bool
}

func printDemoBanner(out io.Writer, d *demo.Demo, h demo.History, b demoBanner) {
	b.db = db.Redact(b.db) // a postgres:// DSN may hold a password
	p := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	p("")
	p("Hark demo: a live desk for two made-up brands, on real customer messages.")
	p("")
	p("  Desk       %s", b.url)
	if b.fakes {
		p("  Fakes      %sfakes (what the providers' fakes received from the desk)", b.url)
	} else {
		// Without connectors every answer shows "waiting to send", which
		// reads as a fault to someone trying the desk.
		p("  Replies    stay queued: no account is connected to a provider (--fakes sends them to fakes of the providers)")
	}
	if b.keep {
		p("  Database   %s (kept when the demo stops)", b.db)
	} else {
		p("  Database   %s (temporary: deleted when the demo stops; --db FILE keeps it)", b.db)
	}
	switch b.rate {
	case 0:
		p("  Stream     off (--rate 0): no new messages arrive")
	case 1:
		p("  Stream     about 1 message a second (--rate N to change)")
	default:
		p("  Stream     about %g messages a second (--rate N to change)", b.rate)
	}
	p("  Data       %s: %d airline tweets, %d complaints (--data DIR for the full files),",
		d.Posts.From, len(d.Posts.Airline), len(d.Posts.Complaints))
	p("             and %d messages of our own in %d other languages", len(d.Posts.Written), demo.Languages(d.Posts.Written))
	if d.World.Existing {
		p("  History    what the database holds from an earlier run")
	} else {
		p("  History    %d messages in %d conversations over the last %d hours", h.Messages, h.Conversations, int(demoHistorySpan.Hours()))
	}
	for _, ws := range d.World.Workspaces {
		p("")
		p("  %s", ws.Name)
		for _, purpose := range hark.Purposes {
			var accts []string
			for _, ac := range ws.Accounts {
				if ac.Purpose == purpose {
					accts = append(accts, accountLabel(ac.Channel, ac.Handle))
				}
			}
			if len(accts) > 0 {
				p("    %-10s %s", purpose, strings.Join(accts, ", "))
			}
		}
	}
	p("")
	p("  Sign in as (new passwords each run):")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, ag := range d.World.Agents {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", ag.Role, ag.Email, ag.Password, ag.Name)
	}
	tw.Flush()
	p("")
	p("  Messages: Twitter US Airline Sentiment (CC BY-NC-SA 4.0) and the ACL 2019 complaints corpus.")
	p("  Press Ctrl-C to stop.")
	p("")
}

// accountLabel is how people write an account: @handle where there are handles.
func accountLabel(channel, handle string) string {
	if channel == "x" || channel == "instagram" {
		handle = "@" + handle
	}
	return hark.ChannelLabels[channel] + " " + handle
}
