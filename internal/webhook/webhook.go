// Package webhook is the HTTP edge where providers push events: one URL per
// channel account, GET for the provider's handshake, POST for events. An
// event is verified, parsed and stored through the ingest pipeline before
// the provider gets its 2xx, so a crash never loses an acknowledged event
// and a redelivery is only a duplicate.
package webhook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/metrics"
	"github.com/harkdesk/hark/internal/outbox"
	"github.com/harkdesk/hark/internal/workspace"
)

// MaxBody bounds one pushed payload (providers send far less).
const MaxBody = 1 << 20

// BodyLimiter is implemented by connectors whose pushes may exceed MaxBody
// (inbound e-mail webhooks carry attachments).
type BodyLimiter interface {
	MaxBody() int64
}

// Responder is implemented by connectors whose provider reads an answer in
// the webhook's response (Twilio's TwiML for a voice call).
type Responder interface {
	Response(r *http.Request, body []byte) (contentType string, out []byte)
}

// Enricher is implemented by connectors whose events need a follow-up
// lookup before they can be stored (Instagram mentions carry only ids).
type Enricher interface {
	Enrich(ctx context.Context, events []channel.Event) ([]channel.Event, error)
}

// Edge serves provider webhooks.
type Edge struct {
	Accounts *workspace.Store
	Pipeline *ingest.Pipeline
	Registry outbox.Registry
	Log      *slog.Logger
	// Revisions applies edits and deletes to stored messages; without it
	// they are ignored (edits of unknown messages are still stored).
	Revisions channel.Reviser
	// Bounces marks replies a provider gave back; without it a bounce is
	// only logged.
	Bounces channel.Bouncer
	// Health, when set, is told of every event stored and every push refused.
	Health *health.Store

	received, rejected *metrics.Counter
}

// New returns an Edge counting into reg.
func New(accounts *workspace.Store, p *ingest.Pipeline, reg outbox.Registry, m *metrics.Registry, log *slog.Logger) *Edge {
	return &Edge{Accounts: accounts, Pipeline: p, Registry: reg, Log: log,
		received: m.Counter("hark_webhook_events_total", "Provider events received and stored."),
		rejected: m.Counter("hark_webhook_rejected_total", "Provider pushes refused (bad signature, malformed, unknown account)."),
	}
}

// Register mounts the webhook routes.
func (e *Edge) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /webhooks/{account}", e.handshake)
	mux.HandleFunc("POST /webhooks/{account}", e.receive)
}

func (e *Edge) connector(r *http.Request) (workspace.Account, channel.Connector, error) {
	id, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil {
		return workspace.Account{}, nil, hark.ErrNotFound
	}
	acct, err := e.Accounts.Account(r.Context(), id)
	if err != nil {
		return acct, nil, err
	}
	f, ok := e.Registry[acct.Channel]
	if !ok {
		return acct, nil, fmt.Errorf("%w: %s accounts take no webhooks", hark.ErrNotFound, acct.Channel)
	}
	c, err := f(acct, acct.Config)
	return acct, c, err
}

func (e *Edge) handshake(w http.ResponseWriter, r *http.Request) {
	_, c, err := e.connector(r)
	if err != nil {
		http.Error(w, "unknown webhook", http.StatusNotFound)
		return
	}
	wh, ok := c.(channel.Webhook)
	if !ok || !wh.Handshake(w, r) {
		http.Error(w, "not a handshake", http.StatusBadRequest)
	}
}

func (e *Edge) receive(w http.ResponseWriter, r *http.Request) {
	acct, c, err := e.connector(r)
	if err != nil {
		e.rejected.Inc()
		http.Error(w, "unknown webhook", http.StatusNotFound)
		return
	}
	wh, ok := c.(channel.Webhook)
	if !ok {
		e.rejected.Inc()
		http.Error(w, "this account takes no webhooks", http.StatusNotFound)
		return
	}
	limit := int64(MaxBody)
	if bl, ok := c.(BodyLimiter); ok {
		limit = bl.MaxBody()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		e.rejected.Inc()
		e.problem(r.Context(), acct.ID, fmt.Sprintf("refused a push over %d bytes", limit))
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := wh.Verify(r, body); err != nil {
		e.rejected.Inc()
		e.Log.Warn("webhook: refused", "account", acct.ID, "err", err)
		e.problem(r.Context(), acct.ID, "refused a push: "+err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	events, err := wh.Parse(body)
	if err != nil {
		e.rejected.Inc()
		e.Log.Warn("webhook: malformed", "account", acct.ID, "err", err, "bytes", len(body))
		e.problem(r.Context(), acct.ID, "refused a malformed push: "+err.Error())
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	deliveries, strays := e.route(r, body, acct, c, events)
	if len(strays) > 0 {
		e.Log.Warn("webhook: events for no account here left out", "account", acct.ID, "targets", strays)
		e.problem(r.Context(), acct.ID, fmt.Sprintf("left out %d events for %v, which no account here is for", len(strays), strays))
	}
	for _, d := range deliveries {
		if en, ok := d.conn.(Enricher); ok && len(d.events) > 0 {
			if d.events, err = en.Enrich(health.WithAccount(r.Context(), d.acct.ID), d.events); err != nil {
				e.problem(r.Context(), d.acct.ID, "could not read an event's details: "+err.Error())
				// The provider retries; what is stored is only a duplicate then.
				http.Error(w, "could not read the event's details; retry", http.StatusServiceUnavailable)
				return
			}
		}
		if err := e.store(r.Context(), d.acct, d.events); err != nil {
			e.Log.Error("webhook: store", "account", d.acct.ID, "err", err)
			e.problem(r.Context(), d.acct.ID, "could not store an event: "+err.Error())
			http.Error(w, "could not store the event; retry", http.StatusServiceUnavailable)
			return
		}
	}
	if rs, ok := c.(Responder); ok {
		ct, out := rs.Response(r, body)
		w.Header().Set("Content-Type", ct)
		w.Write(out)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// problem records a refused or failed push in the account's health.
func (e *Edge) problem(ctx context.Context, accountID int64, msg string) {
	if e.Health != nil {
		e.Health.Error(context.WithoutCancel(ctx), accountID, "webhook", msg)
	}
}

// store ingests new messages, and applies edits and deletes, before the
// provider is answered.
func (e *Edge) store(ctx context.Context, acct workspace.Account, events []channel.Event) error {
	n, err := channel.Sink{Pipeline: e.Pipeline, Revisions: e.Revisions, Bounces: e.Bounces, Log: e.Log}.Store(ctx, acct, events)
	e.received.Add(int64(n))
	if e.Health != nil {
		e.Health.Events(acct.ID, n, true)
	}
	return err
}
