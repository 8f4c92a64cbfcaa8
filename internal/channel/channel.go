// Package channel is the contract between the desk and the providers it
// talks to (X, Meta, LinkedIn, WhatsApp, e-mail, Twilio, ...). A connector
// turns a provider's pushes and polls into canonical inbound events and
// sends the desk's replies with the provider's own API. Connectors live in
// sub-packages, one per provider, each with a fake that speaks the same wire
// format for tests and demos.
package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// EventKind says what happened to a message at the provider.
type EventKind string

// Event kinds.
const (
	Created EventKind = "created"
	Edited  EventKind = "edited"
	Deleted EventKind = "deleted"
	// Undelivered is a reply of ours the provider could not deliver (an
	// e-mail bounce): Msg.ProviderID names the reply, Msg.Text says why.
	Undelivered EventKind = "undelivered"
)

// Event is one thing a provider told us, already verified and parsed.
type Event struct {
	Kind EventKind
	// Target identifies which of the brand's accounts the event is for, in
	// the provider's terms (X for_user_id, a Page id, a phone number id...),
	// so one webhook URL can serve several accounts.
	Target string
	Msg    ingest.Message
}

// Webhook is implemented by connectors whose provider pushes events.
type Webhook interface {
	// Handshake answers the provider's verification request (X CRC, Meta
	// hub.challenge, LinkedIn challengeCode). It reports false when the
	// request is not a handshake.
	Handshake(w http.ResponseWriter, r *http.Request) bool
	// Verify checks the signature of a pushed body, in constant time, and
	// any replay window the provider offers.
	Verify(r *http.Request, body []byte) error
	// Parse turns a verified body into events. Unknown event types are
	// skipped, not errors: providers add fields and types without notice.
	Parse(body []byte) ([]Event, error)
}

// Poller is implemented by connectors that fetch events (a fallback for
// webhooks and the way to catch up after downtime).
type Poller interface {
	// Poll returns events after cursor and the cursor to use next time.
	Poll(ctx context.Context, cursor string) (events []Event, next string, err error)
}

// Waiter is implemented by pollers that can be told when new events may be
// waiting (IMAP IDLE), so they are read within seconds instead of at the
// next poll. Wait returns after at most max, early when the provider
// signals news, and ErrNoWait when this account has nothing to wait on.
type Waiter interface {
	Wait(ctx context.Context, max time.Duration) error
}

// ErrNoWait is returned by Waiter.Wait when the account cannot be waited
// on (its events arrive some other way); pollers then keep to the schedule.
var ErrNoWait = errors.New("nothing to wait on")

// Outgoing is one reply the desk wants delivered.
type Outgoing struct {
	// IdempotencyKey is stable for the life of the reply; connectors pass it
	// on where the provider accepts one.
	IdempotencyKey string
	// Private sends a direct/private message instead of a public reply.
	Private bool
	Text    string
	// ReplyTo is the provider id of the message answered (a tweet, a
	// comment); RecipientID is the customer's id on the channel for private
	// messages.
	ReplyTo     string
	RecipientID string
}

// Sent is what the provider answered to a successful send.
type Sent struct {
	ProviderID string
}

// Sender is implemented by connectors that can deliver replies.
type Sender interface {
	Send(ctx context.Context, out Outgoing) (Sent, error)
}

// Reconciler is implemented by connectors that can tell, after a crash
// between sending and recording, whether a reply was already posted.
type Reconciler interface {
	// Find looks for an already-delivered reply; found=false means it was
	// certainly not delivered.
	Find(ctx context.Context, out Outgoing) (sent Sent, found bool, err error)
}

// Selective is implemented by reconcilers that can look up only some of
// their replies: a blog finds its comments on WordPress, not the e-mails
// it sends a commenter in private. Finds says whether out is one; for the
// others the outbox acts as for a channel that cannot look.
type Selective interface {
	Finds(out Outgoing) bool
}

// Advisor is implemented by connectors whose providers limit when or how
// the brand may answer (messaging windows, X's rule on unsolicited
// replies). The desk shows the advice before the agent writes, so nobody
// composes a reply the provider will refuse.
type Advisor interface {
	// Advise says whether a free-form reply may be sent now in a public or
	// private conversation whose customer last wrote at lastInbound, and
	// explains the rule in the agent's words ("" when nothing applies).
	Advise(private bool, lastInbound time.Time) (allowed bool, advice string)
}

// Templater is implemented by connectors that send a provider's approved
// template where its rules refuse free text (WhatsApp outside the 24-hour
// window), so a reply that asks for one is not refused with the text.
type Templater interface {
	// IsTemplate says whether a reply's text asks for a template.
	IsTemplate(text string) bool
	// TemplateUsage says how an agent writes one, in their words.
	TemplateUsage() string
}

// PrivateChecker is implemented by connectors whose accounts answer in
// private only once set up to (a blog answers commenters by e-mail), so
// the desk offers a hand-off to private only where it can be sent.
type PrivateChecker interface {
	// CheckPrivate says why this account cannot send a private reply, or nil.
	CheckPrivate() error
}

// Prober is implemented by connectors that can check that the brand's
// public profile, page or handle is reachable and live.
type Prober interface {
	Probe(ctx context.Context) error
}

// Targeted is implemented by connectors whose provider sends many
// accounts' events to one callback and names, in each event, the account
// it is for (Event.Target): a Meta app's Pages, Instagram accounts and
// numbers, a LinkedIn app's organisations, an X app's users. One target
// is one account.
type Targeted interface {
	Target() string
}

// Connector is one provider bound to one channel account. It implements
// any of Webhook, Poller, Sender and Reconciler.
type Connector interface {
	// Provider names the wire format ("x", "meta", "linkedin", ...).
	Provider() string
}

// SendError classifies a failed send so the outbox knows whether to retry.
type SendError struct {
	// Temporary errors (5xx, 429, timeouts) are retried; the others are not.
	Temporary bool
	// RetryAfter is the provider's own hint (Retry-After, rate-limit reset).
	RetryAfter time.Duration
	// Status is the provider's HTTP status, when there was one.
	Status int
	// Message is the provider's error, shown to the agent.
	Message string
	// Accepted: the provider answered 2xx, so it did what was asked, but
	// its answer could not be read. A send is then sent, with no id: a
	// retry, or an agent resending a "failed" reply, would post twice.
	Accepted bool
}

func (e *SendError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("provider answered %d: %s", e.Status, e.Message)
	}
	return e.Message
}

// IsTemporary reports whether err is worth retrying. Errors that are not a
// SendError (network failures) are temporary.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return err != nil
}

// ErrBadSignature is returned by Verify for an unsigned or mis-signed body.
var ErrBadSignature = errors.New("bad or missing signature")

// Factory builds a connector for an account from its stored config.
type Factory func(acct workspace.Account, cfg json.RawMessage) (Connector, error)

// FactoryFor is the factory for acct's channel, and false while the
// account has no connector config (or its channel no connector): its
// replies wait in the outbox and nothing polls it.
func FactoryFor(factories map[string]Factory, acct workspace.Account) (Factory, bool) {
	f, ok := factories[acct.Channel]
	return f, ok && len(acct.Config) > 0 && string(acct.Config) != "{}"
}
