package app

import (
	"fmt"

	"github.com/harkdesk/hark/internal/channel"
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
