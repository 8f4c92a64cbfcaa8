// Package server assembles Hark's HTTP surface: the web desk, the JSON API,
// live events, health and metrics, behind common middleware.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/api"
	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/chat"
	"github.com/harkdesk/hark/internal/channel/form"
	"github.com/harkdesk/hark/internal/desk"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/metrics"
	"github.com/harkdesk/hark/internal/webhook"
)

// MaxBodyBytes bounds any request body; ingest payloads are far smaller.
const MaxBodyBytes = 1 << 20

// Handler returns the process's HTTP handler.
func Handler(a *app.App) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", health(a))
	mux.HandleFunc("GET /metrics", metricsHandler(a))
	mux.Handle("GET /events", a.Auth.Identify(http.HandlerFunc(events(a))))
	api.Register(mux, a)
	desk.Register(mux, a)
	chat.New(chat.Deps{Workspaces: a.Workspaces, Contacts: a.Contacts, Conversations: a.Conversations,
		Pipeline: a.Pipeline, Bus: a.Bus, Auth: a.Auth, Log: a.Log, Mail: a.ChatMail}).Register(mux)
	form.NewHandler(form.Deps{Workspaces: a.Workspaces, Pipeline: a.Pipeline, Proxies: a.Auth.Proxies, Log: a.Log}).Register(mux)
	a.Email.Register(mux, a.Auth)
	edge := webhook.New(a.Workspaces, a.Pipeline, a.Outbox.Registry, a.Metrics, a.Log)
	edge.Revisions, edge.Bounces, edge.Health = a.Conversations, a.Outbox, a.Health
	edge.Register(mux)
	lat := a.Metrics.Histogram("hark_http_request_seconds", "HTTP request latency (live event streams and chat sockets excluded).", metrics.LatencyBuckets)
	return recoverer(a.Log, securityHeaders(limitBody(timeRequests(lat, mux))))
}

func timeRequests(h *metrics.Histogram, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		// A desk's event stream and a visitor's chat socket last as long
		// as the page is open: timed, they would make the percentiles
		// read how long people stay. Known by path, not by a header any
		// client could send to keep its requests out.
		if r.URL.Path != "/events" && !(strings.HasPrefix(r.URL.Path, "/chat/") && strings.HasSuffix(r.URL.Path, "/ws")) {
			h.Observe(time.Since(start).Seconds())
		}
	})
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The webhook edge bounds its own bodies, per provider: inbound
		// e-mail with attachments is far larger than anything else.
		if r.Body != nil && !strings.HasPrefix(r.URL.Path, "/webhooks/") {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders forbid framing, sniffing and any script not served by us:
// customer text can never become code in an agent's browser.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		next.ServeHTTP(w, r)
	})
}

func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func health(a *app.App) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := a.DB.R.PingContext(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, `{"status":"unavailable","store":%q}`+"\n", "unreachable")
			return
		}
		fmt.Fprintf(w, `{"status":"ok","store":%q,"uptime_seconds":%d}`+"\n", a.DB.Dialect, int(time.Since(a.Started).Seconds()))
	}
}

func metricsHandler(a *app.App) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		a.Metrics.Write(w)
	}
}

// Serve runs the server on addr until ctx ends, then drains for up to 10 s.
func Serve(ctx context.Context, a *app.App, addr string, ready func(net.Addr)) error {
	return ServeHandler(ctx, a, Handler(a), addr, ready)
}

// ServeHandler is Serve with a handler of the caller's (the desk with
// more mounted beside it, as the demo's provider fakes are).
func ServeHandler(ctx context.Context, a *app.App, h http.Handler, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, a, h, ln, ready)
}

// ServeListener is ServeHandler on a listener the caller opened, as the demo
// does before it writes anything: a port that is taken then fails the
// start before the store is touched. It closes ln.
func ServeListener(ctx context.Context, a *app.App, h http.Handler, ln net.Listener, ready func(net.Addr)) error {
	drain := live.NewDrain()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		// A request under way when the node is told to stop is served to
		// its end (the drain below): cancelling it would refuse a webhook
		// mid-body. Only the live streams and chat sockets, which never
		// end by themselves, are ended by the drain.
		BaseContext: func(net.Listener) context.Context {
			return drain.Context(context.WithoutCancel(ctx))
		},
	}
	srv.RegisterOnShutdown(drain.Start)
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// Shutdown does not wait for hijacked sockets (chat): they close with
	// the drain, before the caller closes the store they write to.
	drain.Wait(sctx)
	return nil
}
