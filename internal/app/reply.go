package app

import (
	"fmt"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/workspace"
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

// CheckHandoff refuses to continue a public conversation in private where
// the account cannot send the private message: the public "we'll message
// you" would go out and the private message fail for good. LinkedIn never
// can (Handoff refuses it too); a blog can once it is set up to e-mail
// its commenters. An account with no connector yet is not refused: its
// replies wait in the outbox until one is configured.
func (a *App) CheckHandoff(acct workspace.Account) error {
	if err := a.CheckReplyable(acct.Channel); err != nil {
		return err
	}
	if !hark.PrivateReplies(acct.Channel) {
		return fmt.Errorf("%w: %s has no private messages for the desk to send: reply publicly", hark.ErrInvalid, hark.ChannelLabels[acct.Channel])
	}
	conn, err := a.Connector(acct)
	if err != nil {
		return nil // a misconfigured account is shown as such; its replies fail and say why
	}
	if p, ok := conn.(channel.PrivateChecker); ok {
		if err := p.CheckPrivate(); err != nil {
			return fmt.Errorf("%w: %v", hark.ErrInvalid, err)
		}
	}
	return nil
}

// Connector builds acct's connector from its stored config, as the outbox
// will send with it; nil (and no error) while it has none.
func (a *App) Connector(acct workspace.Account) (channel.Connector, error) {
	f, ok := channel.FactoryFor(a.Outbox.Registry, acct)
	if !ok {
		return nil, nil
	}
	return f(acct, acct.Config)
}

// Advice is what an account's provider allows in a conversation now.
type Advice struct {
	Allowed bool   // a reply of free text may be sent
	Text    string // the rule, in the agent's words
}

// Advise asks acct's connector what may be sent in c now, so the agent
// sees a closed messaging window before writing, not after sending; nil
// when nothing applies.
func (a *App) Advise(acct workspace.Account, c conversation.Conversation) *Advice {
	conn, err := a.Connector(acct)
	if err != nil {
		return &Advice{Text: "this account's connector is misconfigured: " + err.Error()}
	}
	adv, ok := conn.(channel.Advisor)
	if !ok {
		return nil
	}
	allowed, text := adv.Advise(c.Visibility == "private", lastInbound(c))
	if text == "" {
		return nil
	}
	return &Advice{Allowed: allowed, Text: text}
}

// RefusedError is a reply the account's provider is known to refuse now.
type RefusedError struct {
	Reason string // the provider's rule and what may be sent instead
}

func (e *RefusedError) Error() string { return hark.ErrInvalid.Error() + ": " + e.Reason }

// Unwrap makes it a hark.ErrInvalid.
func (e *RefusedError) Unwrap() error { return hark.ErrInvalid }

// CheckAdvice refuses, with a *RefusedError, a reply of text in c that
// the connector's advice says the provider refuses now (free text to a
// WhatsApp customer silent for over 24 hours, a public comment on a blog
// that takes none), unless it asks for a template the connector sends
// instead. The desk and the API ask it before queuing: a reply taken
// there counted the conversation answered, then failed for good. A
// connector that cannot be built is not refused: its replies wait until
// it is mended, as the outbox does with them.
func (a *App) CheckAdvice(acct workspace.Account, c conversation.Conversation, text string) error {
	conn, err := a.Connector(acct)
	if err != nil {
		return nil
	}
	adv, ok := conn.(channel.Advisor)
	if !ok {
		return nil
	}
	allowed, why := adv.Advise(c.Visibility == "private", lastInbound(c))
	if allowed {
		return nil
	}
	if t, ok := conn.(channel.Templater); ok {
		if t.IsTemplate(text) {
			return nil
		}
		why += ": " + t.TemplateUsage()
	}
	return &RefusedError{Reason: why}
}

// lastInbound is when c's customer last wrote; zero if never.
func lastInbound(c conversation.Conversation) time.Time {
	if c.LastInboundAt == 0 {
		return time.Time{}
	}
	return time.UnixMilli(c.LastInboundAt)
}
