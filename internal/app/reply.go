package app

import (
	"fmt"

	"github.com/harkdesk/hark/internal/hark"
)

// CheckReplyable refuses a reply on a channel the desk cannot answer on:
// an api account is a source that pushes messages in (POST
// /api/v1/ingest) and has no way out, so a reply there would wait in the
// outbox for ever. The desk and the API both ask it.
func (a *App) CheckReplyable(channel string) error {
	if _, ok := a.Outbox.Registry[channel]; ok || channel == "chat" {
		return nil
	}
	return fmt.Errorf("%w: %s accounts take no replies from the desk: answer the customer where they wrote", hark.ErrInvalid, channel)
}
