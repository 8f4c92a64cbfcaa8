package channel

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// Reviser applies a provider's edit or delete to a stored message,
// reporting false when the message was never stored; it remembers such a
// delete, and ApplyEarlyDeletes applies it once the message is stored.
type Reviser interface {
	ApplyRevision(ctx context.Context, accountID int64, providerID, kind, text string, at int64) (bool, error)
	ApplyEarlyDeletes(ctx context.Context, accountID int64, providerIDs []string) (int, error)
}

// Bouncer marks a reply the provider could not deliver, reporting false
// when no reply of the account has that provider id.
type Bouncer interface {
	Undelivered(ctx context.Context, accountID int64, providerID, reason string) (bool, error)
}

// Sink stores what providers report, pushed or polled, the same way.
type Sink struct {
	Pipeline  *ingest.Pipeline
	Revisions Reviser // without it edits are stored only when new, deletes ignored
	Bounces   Bouncer // without it a bounce is only logged
	Log       *slog.Logger
}

// Store ingests new messages and applies edits and deletes, in the order
// of events, returning how many events were new or changed something
// (redeliveries are not counted). An edit of a message never seen is
// stored as new (its creation was lost, or predates the account's
// connection); a delete of one is remembered, so the message is stored
// deleted if it comes later (a retried push). Invalid messages are logged
// and skipped: retrying cannot fix them. Any other error means the
// provider should be told to retry.
func (s Sink) Store(ctx context.Context, acct workspace.Account, events []Event) (int, error) {
	var msgs []ingest.Message
	stored := 0
	for _, ev := range events {
		if ev.Kind == Undelivered {
			found := false
			if s.Bounces != nil {
				var err error
				if found, err = s.Bounces.Undelivered(ctx, acct.ID, ev.Msg.ProviderID, ev.Msg.Text); err != nil {
					return stored, err
				}
			}
			if found {
				stored++
			} else {
				s.log().Info("channel: a bounce of no reply sent from here", "account", acct.ID, "provider_id", ev.Msg.ProviderID)
			}
			continue
		}
		if ev.Kind == Created || s.Revisions == nil {
			if ev.Kind == Created || ev.Kind == Edited {
				msgs = append(msgs, ev.Msg)
			}
			continue
		}
		// A comment added and removed (or edited) within Meta's batching
		// window comes in one push: the add is stored before the remove
		// looks for it.
		n, err := s.ingest(ctx, acct, msgs)
		stored += n
		if msgs = nil; err != nil {
			return stored, err
		}
		at := ev.Msg.SentAt
		if at.IsZero() {
			at = time.Now()
		}
		found, err := s.Revisions.ApplyRevision(ctx, acct.ID, ev.Msg.ProviderID, string(ev.Kind), ev.Msg.Text, at.UnixMilli())
		if err != nil {
			return stored, err
		}
		switch {
		case found:
			stored++
		case ev.Kind == Edited:
			msgs = append(msgs, ev.Msg)
		default:
			s.log().Info("channel: delete of a message not stored, kept for if it comes", "account", acct.ID, "provider_id", ev.Msg.ProviderID)
		}
	}
	n, err := s.ingest(ctx, acct, msgs)
	return stored + n, err
}

// ingest stores msgs, counting the new ones, and deletes those whose
// delete came first. Redeliveries are looked at too: the push that stored
// one may have failed before its delete was applied.
func (s Sink) ingest(ctx context.Context, acct workspace.Account, msgs []ingest.Message) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	res, err := s.Pipeline.Ingest(ctx, acct.ID, msgs...)
	if err != nil {
		return 0, err
	}
	stored := 0
	var ids []string
	for i, r := range res {
		if r.Err != nil && !errors.Is(r.Err, hark.ErrInvalid) {
			return stored, r.Err
		}
		if r.Err != nil {
			s.log().Warn("channel: event not stored", "account", acct.ID, "err", r.Err)
			continue
		}
		if !r.Duplicate {
			stored++
		}
		ids = append(ids, msgs[i].ProviderID)
	}
	if s.Revisions != nil && len(ids) > 0 {
		if _, err := s.Revisions.ApplyEarlyDeletes(ctx, acct.ID, ids); err != nil {
			return stored, err
		}
	}
	return stored, nil
}

func (s Sink) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
