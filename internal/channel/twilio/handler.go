package twilio

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/harkdesk/hark/internal/channel"
)

// MaxWebhookBytes bounds a Twilio webhook form.
const MaxWebhookBytes = 64 << 10

// Deliver stores verified events durably; the request is answered only
// after it returns, so an error makes Twilio retry.
type Deliver func(ctx context.Context, events []channel.Event) error

// Handler serves Twilio's webhooks for this number end to end: verify the
// signature, parse, store, and answer with TwiML (a voicemail prompt for
// calls). It is for webhook edges that cannot return a connector's own
// response body; voice calls need one.
func (c *Connector) Handler(deliver Deliver) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBytes))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := c.Verify(r, body); err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, channel.ErrBadSignature) {
				status = http.StatusForbidden
			}
			http.Error(w, "signature check failed", status)
			return
		}
		evs, err := c.Parse(body)
		if err != nil {
			http.Error(w, "unreadable webhook", http.StatusBadRequest)
			return
		}
		if len(evs) > 0 {
			if err := deliver(r.Context(), evs); err != nil {
				http.Error(w, "could not store the message", http.StatusServiceUnavailable)
				return
			}
		}
		ct, out := c.Response(r, body)
		w.Header().Set("Content-Type", ct)
		w.Write(out)
	})
}
