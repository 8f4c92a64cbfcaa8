package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/server"
)

func newLogger(level string) *slog.Logger {
	l, _ := logLevel(level) // checked by flags.parse
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// logLevel reads the log-level setting; a misspelt level is refused, not
// read as info.
func logLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo, fmt.Errorf("log-level is debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// openApp opens the store and the live bus the flags name.
func openApp(ctx context.Context, f *flags, migrate bool) (*app.App, error) {
	return open(ctx, f, app.Options{Migrate: migrate})
}

// openOneShot opens the store for a command that does one thing and exits;
// it makes a new store where there is none (commands that set a desk up).
func openOneShot(ctx context.Context, f *flags, migrate bool) (*app.App, error) {
	return open(ctx, f, app.Options{Migrate: migrate, OneShot: true})
}

// openExisting is openOneShot for a command that reads or changes a desk
// already set up: a SQLite path naming no file is refused, not made into a
// new, empty database (a typo in --db).
func openExisting(ctx context.Context, f *flags, migrate bool) (*app.App, error) {
	a, err := open(ctx, f, app.Options{Migrate: migrate, OneShot: true, Existing: true})
	if errors.Is(err, db.ErrNoDatabase) {
		return nil, fmt.Errorf("%w (check --db or HARK_DB; hark user add, hark workspace add or hark migrate makes a new one)", err)
	}
	return a, err
}

func open(ctx context.Context, f *flags, opts app.Options) (*app.App, error) {
	log := newLogger(f.get("log-level"))
	secure, err := secureCookies(f.get("secure-cookies"), f.get("public-url"))
	if err != nil {
		return nil, err
	}
	opts.DB, opts.Log, opts.SecureCookies, opts.PublicURL = f.get("db"), log, secure, f.get("public-url")
	if opts.Proxies, err = auth.ParseProxies(f.get("trusted-proxies")); err != nil {
		return nil, err
	}
	if u := f.get("nats"); u != "" {
		bus, err := live.DialNATS(u, log)
		if err != nil {
			return nil, err
		}
		opts.Bus = bus
	}
	return app.Open(ctx, opts)
}

func cmdServe(args []string) error {
	f := newFlags("serve", "[flags]", "addr", "db", "nats", "secure-cookies", "public-url", "trusted-proxies", "log-level")
	if err := f.parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := openApp(ctx, f, true)
	if err != nil {
		return err
	}
	defer a.Close()
	return server.Serve(ctx, a, f.get("addr"), func(addr net.Addr) {
		a.Log.Info("hark is serving", "url", "http://"+addr.String()+"/", "store", a.DB.Dialect, "db", storeName(a.DB))
	})
}

// storeName is how hark serve names its store, so a desk served from
// another database than the one set up (a --db left off) shows at once: a
// SQLite file as an absolute path, a DSN with its password hidden.
func storeName(d *db.DB) string {
	if d.Dialect == db.SQLite {
		if abs, err := filepath.Abs(d.DSN); err == nil {
			return abs
		}
	}
	return db.Redact(d.DSN)
}

func cmdMigrate(args []string) error {
	f := newFlags("migrate", "[flags]", "db", "log-level")
	if err := f.parse(args); err != nil {
		return err
	}
	a, err := openOneShot(context.Background(), f, true)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.DB.SchemaVersion(context.Background())
	if err != nil {
		return err
	}
	fmt.Printf("schema at version %d (%s)\n", v, a.DB.Dialect)
	return nil
}
