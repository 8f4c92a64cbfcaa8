// Package webhook is the HTTP edge where providers push events: one URL per
// channel account, GET for the provider's handshake, POST for events. An
// event is verified, parsed and stored through the ingest pipeline before
// the provider gets its 2xx, so a crash never loses an acknowledged event
// and a redelivery is only a duplicate.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/metrics"
	"github.com/harkdesk/hark/internal/outbox"
	"github.com/harkdesk/hark/internal/workspace"
)

// MaxBody bounds one pushed payload (providers send far less).
const MaxBody = 1 << 20

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

// Reviser applies a provider's edit or delete to a stored message.
type Reviser interface {
	ApplyRevision(ctx context.Context, accountID int64, providerID, kind, text string, at int64) (bool, error)
}

// Edge serves provider webhooks.
type Edge struct {
	Accounts *workspace.Store
	Pipeline *ingest.Pipeline
	Registry outbox.Registry
	Log      *slog.Logger
	// Revisions applies edits and deletes to stored messages; without it
	// they are ignored (edits of unknown messages are still stored).
	Revisions Reviser

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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		e.rejected.Inc()
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := wh.Verify(r, body); err != nil {
		e.rejected.Inc()
		e.Log.Warn("webhook: refused", "account", acct.ID, "err", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	events, err := wh.Parse(body)
	if err != nil {
		e.rejected.Inc()
		e.Log.Warn("webhook: malformed", "account", acct.ID, "err", err, "bytes", len(body))
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	if en, ok := c.(Enricher); ok {
		if events, err = en.Enrich(r.Context(), events); err != nil {
			// The provider retries; nothing has been stored yet.
			http.Error(w, "could not read the event's details; retry", http.StatusServiceUnavailable)
			return
		}
	}
	if err := e.store(r.Context(), acct, events); err != nil {
		e.Log.Error("webhook: store", "account", acct.ID, "err", err)
		http.Error(w, "could not store the event; retry", http.StatusServiceUnavailable)
		return
	}
	if rs, ok := c.(Responder); ok {
		ct, out := rs.Response(r, body)
		w.Header().Set("Content-Type", ct)
		w.Write(out)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// store ingests new messages, and applies edits and deletes, before the
// provider is answered. An edit of a message we never saw is stored as new
// (its creation event was lost or came before the account was connected); a
// delete of one is only logged.
func (e *Edge) store(ctx context.Context, acct workspace.Account, events []channel.Event) error {
	var msgs []ingest.Message
	for _, ev := range events {
		if ev.Kind == channel.Created || e.Revisions == nil {
			if ev.Kind == channel.Created || ev.Kind == channel.Edited {
				msgs = append(msgs, ev.Msg)
			}
			continue
		}
		at := ev.Msg.SentAt
		if at.IsZero() {
			at = time.Now()
		}
		found, err := e.Revisions.ApplyRevision(ctx, acct.ID, ev.Msg.ProviderID, string(ev.Kind), ev.Msg.Text, at.UnixMilli())
		if err != nil {
			return err
		}
		switch {
		case found:
			e.received.Inc()
		case ev.Kind == channel.Edited:
			msgs = append(msgs, ev.Msg)
		default:
			e.Log.Info("webhook: delete of a message never stored", "account", acct.ID, "provider_id", ev.Msg.ProviderID)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	res, err := e.Pipeline.Ingest(ctx, acct.ID, msgs...)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil && !errors.Is(r.Err, hark.ErrInvalid) {
			return r.Err
		}
		if r.Err != nil {
			e.Log.Warn("webhook: event not stored", "account", acct.ID, "err", r.Err)
			continue
		}
		e.received.Inc()
	}
	return nil
}
