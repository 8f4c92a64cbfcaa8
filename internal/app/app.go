// Package app wires one Hark process: the store, the domain stores, the
// ingest pipeline and the live bus. The HTTP edges and the CLI use it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/blog"
	"github.com/harkdesk/hark/internal/channel/chat"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/channel/form"
	"github.com/harkdesk/hark/internal/channel/linkedin"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/channel/twilio"
	"github.com/harkdesk/hark/internal/channel/x"
	"github.com/harkdesk/hark/internal/classify"
	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/metrics"
	"github.com/harkdesk/hark/internal/outbox"
	"github.com/harkdesk/hark/internal/poll"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// ChatMailEvery is how often a serving process looks for chat replies the
// visitor did not see in time (chat.Config.MailDelay), to e-mail them.
var ChatMailEvery = 15 * time.Second

// Options configure a process.
type Options struct {
	DB            string // SQLite path or postgres:// DSN
	SecureCookies bool
	// Bus, when set, replaces the in-process live bus (NATS for scale-out).
	Bus     live.Bus
	Log     *slog.Logger
	Migrate bool // apply pending migrations at start-up
	// Existing refuses to create the store: a SQLite path that names no
	// file is db.ErrNoDatabase (commands that read or change a desk).
	Existing bool
	// PublicURL is where the desk is reached from outside (links in e-mail,
	// attachment downloads); empty means relative links.
	PublicURL string
	// PollEvery is how often due accounts are polled and probed (default
	// 5 s); negative turns polling off, for tests that poll by hand.
	PollEvery time.Duration
	// Proxies are the load balancers in front of the desk, whose
	// X-Forwarded-For names the client (auth.Proxies).
	Proxies auth.Proxies
	// OneShot opens the store for a command that runs and exits (hark user
	// add, hark account): no outbox, polling or health jobs.
	OneShot bool
}

// App is one Hark process's shared state.
type App struct {
	DB            *db.DB
	Workspaces    *workspace.Store
	Users         *user.Store
	Contacts      *contact.Store
	Conversations *conversation.Store
	Pipeline      *ingest.Pipeline
	Bus           live.Bus
	Metrics       *metrics.Registry
	Auth          *auth.Authenticator
	Email         *email.Store
	Health        *health.Store
	Poller        *poll.Runner
	Log           *slog.Logger
	Started       time.Time
	PublicURL     string

	Outbox *outbox.Worker
	// ChatMail e-mails chat replies the visitor did not see in time.
	ChatMail *chat.Mailer

	stop     chan struct{}
	held     io.Closer // this process serves the SQLite file (db.HoldSQLite)
	stopJobs context.CancelFunc
	jobs     sync.WaitGroup
}

// Connectors lists the channels that can deliver replies, each built from
// its account's config. Live chat needs none: the widget reads the store.
// Provider calls go through h's transport, which records each account's
// rate-limit budget.
func Connectors(mail *email.Store, h *health.Store, log *slog.Logger) outbox.Registry {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &health.Transport{Health: h}}
	deps := email.Deps{Store: mail, Log: log}
	return outbox.Registry{
		"x":         x.Factory(client),
		"facebook":  meta.Factory(client),
		"instagram": meta.Factory(client),
		"whatsapp":  meta.Factory(client),
		"linkedin":  linkedin.Factory(client),
		"email":     email.Factory(deps),
		"form":      form.Factory(deps),
		"sms":       twilio.Factory(client),
		"phone":     twilio.Factory(client),
		"blog":      blog.Factory(client, deps),
	}
}

// Open connects to the store, checks or applies the schema and starts the
// pipeline and the background jobs.
func Open(ctx context.Context, o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	open := db.Open
	if o.Existing {
		open = db.OpenExisting
	}
	d, err := open(ctx, o.DB)
	if err != nil {
		return nil, err
	}
	var held io.Closer
	if d.Dialect == db.SQLite && !o.OneShot && o.Bus == nil {
		// Without a shared bus a second process on this file would serve
		// desks that never see the first's changes.
		if held, err = db.HoldSQLite(d.DSN); err != nil {
			d.Close()
			if errors.Is(err, db.ErrInUse) {
				err = fmt.Errorf("%w; live updates do not cross processes, so desks on the two would not see each other's changes: stop it, or run several nodes on PostgreSQL with --nats", err)
			}
			return nil, err
		}
	}
	if o.Migrate {
		err = d.Migrate(ctx)
	} else {
		err = d.CheckSchema(ctx)
	}
	if err != nil {
		d.Close()
		if held != nil {
			held.Close()
		}
		return nil, err
	}
	bus := o.Bus
	if bus == nil {
		bus = live.NewLocal()
	}
	reg := metrics.NewRegistry()
	a := &App{
		DB:            d,
		Workspaces:    workspace.New(d),
		Users:         user.New(d),
		Contacts:      contact.New(d),
		Conversations: conversation.New(d),
		Bus:           bus,
		Metrics:       reg,
		Log:           o.Log,
		Started:       time.Now(),
		PublicURL:     strings.TrimRight(o.PublicURL, "/"),
		stop:          make(chan struct{}),
		held:          held,
	}
	a.Auth = &auth.Authenticator{Users: a.Users, Secure: o.SecureCookies, Proxies: o.Proxies, Log: o.Log}
	a.Pipeline = ingest.New(d, a.Workspaces, bus, reg, o.Log)
	a.Email = email.NewStore(d, o.PublicURL)
	a.Pipeline.Use(a.Email.Stage(), "")
	a.Pipeline.Use(classifyStage(classify.Default()), "")
	a.Conversations.SetLabeller(labeller(classify.Default()))
	a.Conversations.OnChange(func(c conversation.Change) {
		bus.Publish(live.Event{Kind: c.Kind, WorkspaceID: c.WorkspaceID, ConversationID: c.ConversationID, MessageID: c.MessageID})
	})
	a.Pipeline.Start()
	a.Health = health.New(d, o.Log)
	registry := Connectors(a.Email, a.Health, o.Log)
	a.ChatMail = &chat.Mailer{DB: d, Accounts: a.Workspaces, Conversations: a.Conversations, Health: a.Health, Log: o.Log}
	a.Outbox = &outbox.Worker{DB: d, Accounts: a.Workspaces, Registry: registry, Bus: bus, Health: a.Health, Log: o.Log, Chat: a.ChatMail}
	a.Poller = &poll.Runner{Accounts: a.Workspaces, Connectors: registry, Health: a.Health, Log: o.Log,
		Sink: channel.Sink{Pipeline: a.Pipeline, Revisions: a.Conversations, Bounces: a.Outbox, Log: o.Log}}
	jctx, cancel := context.WithCancel(context.Background())
	a.stopJobs = cancel
	if o.OneShot {
		return a, nil
	}
	a.jobs.Add(3)
	go func() { defer a.jobs.Done(); a.Outbox.Run(jctx) }()
	go func() { defer a.jobs.Done(); a.Health.Run(jctx) }()
	every := ChatMailEvery // read here: tests set it around Open
	go func() { defer a.jobs.Done(); a.ChatMail.Run(jctx, every) }()
	if o.PollEvery >= 0 {
		every := o.PollEvery
		if every == 0 {
			every = 5 * time.Second
		}
		a.jobs.Add(1)
		go func() { defer a.jobs.Done(); a.Poller.Run(jctx, every) }()
	}
	go a.housekeeping()
	return a, nil
}

// housekeeping wakes snoozed conversations and prunes expired sessions.
func (a *App) housekeeping() {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if n, err := a.Conversations.WakeSnoozed(ctx); err != nil {
				a.Log.Error("wake snoozed conversations", "err", err)
			} else if n > 0 {
				a.Bus.Publish(live.Event{Kind: "resync"})
			}
			if err := a.Users.PruneSessions(ctx); err != nil {
				a.Log.Error("prune sessions", "err", err)
			}
			cancel()
		}
	}
}

// Close stops the pipeline (finishing queued work) and closes the store.
func (a *App) Close() error {
	close(a.stop)
	a.stopJobs()
	a.jobs.Wait()
	a.Poller.Close() // watchers started by ticks outside Run (tests, one-shot commands)
	a.Pipeline.Stop()
	a.Bus.Close()
	err := a.DB.Close()
	if a.held != nil {
		a.held.Close()
	}
	if err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}
