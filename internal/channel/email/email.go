package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/workspace"
)

// Config is an e-mail account's settings, kept in the account's config JSON.
type Config struct {
	// Address is the mailbox customers write to; replies come from it.
	Address string `json:"address"`
	// Name is the display name replies are sent under.
	Name string `json:"name,omitempty"`
	// Inbound is how mail arrives: "imap" (the default), "postmark",
	// "mailgun" or "sendgrid".
	Inbound string      `json:"inbound,omitempty"`
	IMAP    IMAPConfig  `json:"imap"`
	SMTP    smtp.Config `json:"smtp"`
	Webhook HookSecrets `json:"webhook"`
	// NoPlusAddress turns off Reply-To: address+token@domain for mail
	// servers that do not deliver plus-addresses.
	NoPlusAddress bool `json:"no_plus_address,omitempty"`
	// TrustedAuthServ are the authserv-ids whose Authentication-Results
	// headers are believed (the receiving server's own name).
	TrustedAuthServ []string `json:"trusted_authserv,omitempty"`
	// SubjectThreadDays is how recent a same-subject conversation must be to
	// take a reply that carries no threading headers (14 by default).
	SubjectThreadDays int `json:"subject_thread_days,omitempty"`
}

// HookSecrets protect the inbound webhooks.
type HookSecrets struct {
	// Basic auth for Postmark and SendGrid, which do not sign their posts.
	User     string `json:"basic_user,omitempty"`
	Password string `json:"basic_password,omitempty"`
	// MailgunSigningKey is the HTTP webhook signing key.
	MailgunSigningKey string `json:"mailgun_signing_key,omitempty"`
	// MaxAge bounds a Mailgun timestamp's age in seconds (300 by default).
	MaxAge int `json:"max_age,omitempty"`
}

// Deps are the parts of the desk a connector needs.
type Deps struct {
	Store *Store
	Log   *slog.Logger
	// Mailbox and Transport replace IMAP and SMTP (tests, fakes).
	Mailbox   func(IMAPConfig) Mailbox
	Transport func(smtp.Config) Transport
	Now       func() time.Time
}

// Connector is one mailbox.
type Connector struct {
	acct      workspace.Account
	cfg       Config
	deps      Deps
	fetcher   Mailbox
	idler     Mailbox
	transport Transport
}

// Provider names the channel.
func (c *Connector) Provider() string { return "email" }

// MaxBody bounds an inbound webhook: a whole message, attachments
// base64-encoded in JSON (a third larger) or multipart form data.
func (c *Connector) MaxBody() int64 { return MaxMessageBytes * 3 / 2 }

// Config returns the connector's settings.
func (c *Connector) Config() Config { return c.cfg }

// Factory returns the channel.Factory for e-mail accounts.
func Factory(deps Deps) channel.Factory {
	return func(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
		return New(acct, raw, deps)
	}
}

// New builds a connector from an account's config.
func New(acct workspace.Account, raw json.RawMessage, deps Deps) (*Connector, error) {
	var cfg Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return nil, fmt.Errorf("email account %d config: %w", acct.ID, err)
		}
	}
	if cfg.Address == "" {
		cfg.Address = acct.Handle
	}
	a, err := mail.ParseAddress(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("email account %d: address %q: %w", acct.ID, cfg.Address, err)
	}
	cfg.Address = strings.ToLower(a.Address)
	if cfg.Inbound == "" {
		cfg.Inbound = "imap"
	}
	switch cfg.Inbound {
	case "imap", "postmark", "mailgun", "sendgrid":
	default:
		return nil, fmt.Errorf("email account %d: inbound %q: use imap, postmark, mailgun or sendgrid", acct.ID, cfg.Inbound)
	}
	if cfg.Webhook.MaxAge == 0 {
		cfg.Webhook.MaxAge = 300
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Mailbox == nil {
		deps.Mailbox = func(c IMAPConfig) Mailbox { return NewIMAP(c) }
	}
	if deps.Transport == nil {
		deps.Transport = func(c smtp.Config) Transport { return &SMTP{Config: c} }
	}
	c := &Connector{acct: acct, cfg: cfg, deps: deps}
	if cfg.Inbound == "imap" && cfg.IMAP.Addr != "" {
		c.fetcher, c.idler = deps.Mailbox(cfg.IMAP), deps.Mailbox(cfg.IMAP)
	}
	if cfg.SMTP.Addr != "" {
		c.transport = deps.Transport(cfg.SMTP)
	}
	return c, nil
}

func (c *Connector) parseOptions(source string) ParseOptions {
	return ParseOptions{Mailbox: c.cfg.Address, TrustedAuthServ: c.cfg.TrustedAuthServ, Source: source}
}

// event stores a parsed message's files and turns it into an event. Mail
// that no person wrote is reported as skip.
func (c *Connector) event(ctx context.Context, p *Parsed, eml []byte) (ev channel.Event, skip bool, err error) {
	if p.Kind == Bounce && p.Bounced != "" && !p.Delayed {
		// One of our replies came back: the agent must see that the
		// customer never got it.
		return channel.Event{Kind: channel.Undelivered, Target: c.cfg.Address,
			Msg: ingest.Message{ProviderID: p.Bounced, Text: firstLines(p.Msg.Text, 3)}}, false, nil
	}
	if p.Kind != Customer {
		c.deps.Log.Info("email not from a customer, skipped", "account", c.acct.ID, "kind", p.Kind, "reason", p.Reason)
		return ev, true, nil
	}
	if c.deps.Store != nil {
		for _, f := range p.Files {
			a, err := c.deps.Store.PutFile(ctx, c.acct.ID, f)
			if err != nil {
				return ev, false, err
			}
			p.Msg.Attachments = append(p.Msg.Attachments, a)
		}
		if len(eml) > 0 {
			a, err := c.deps.Store.PutFile(ctx, c.acct.ID, File{Name: "message.eml", Type: "message/rfc822", Data: eml})
			if err != nil {
				return ev, false, err
			}
			p.Msg.Raw = withOriginal(p.Msg.Raw, a)
		}
	}
	return channel.Event{Kind: channel.Created, Target: c.cfg.Address, Msg: p.Msg}, false, nil
}

// firstLines keeps a bounce's first lines, where mail servers say why.
func firstLines(s string, n int) string {
	var out []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" && len(out) < n {
			out = append(out, line)
		}
	}
	return strings.Join(out, " ")
}

// withOriginal notes where the original message is kept in its raw JSON.
func withOriginal(raw json.RawMessage, a conversation.Attachment) json.RawMessage {
	var r Raw
	if json.Unmarshal(raw, &r) != nil {
		return raw
	}
	r.Original = a.URL
	return encodeRaw(r)
}

// PollBatch bounds the messages one Poll reads.
const PollBatch = 50

// Poll reads new mail from the IMAP folder; the cursor is UIDVALIDITY:UID.
func (c *Connector) Poll(ctx context.Context, cursor string) ([]channel.Event, string, error) {
	if c.fetcher == nil {
		return nil, cursor, nil // mail arrives by webhook
	}
	cur, err := ParseCursor(cursor)
	if err != nil {
		cur = Cursor{}
	}
	got, next, err := c.fetcher.Fetch(ctx, cur, PollBatch)
	if err != nil {
		return nil, cursor, err
	}
	var out []channel.Event
	for _, f := range got {
		if f.Raw == nil {
			c.deps.Log.Warn("email too large to fetch, skipped", "account", c.acct.ID, "uid", f.UID, "size", f.Size)
			continue
		}
		p, err := ParseMessage(f.Raw, c.parseOptions("imap"))
		if err != nil {
			c.deps.Log.Warn("unreadable email skipped", "account", c.acct.ID, "uid", f.UID, "err", err)
			continue
		}
		ev, skip, err := c.event(ctx, p, f.Raw)
		if err != nil {
			return nil, cursor, err // nothing acknowledged: the same UIDs are read again
		}
		if !skip {
			out = append(out, ev)
		}
	}
	return out, next.String(), nil
}

// Wait blocks until the mailbox may have new mail (IMAP IDLE), at most max:
// a poll loop calls it between polls instead of sleeping. Mailboxes fed by
// webhooks have nothing to wait on.
func (c *Connector) Wait(ctx context.Context, max time.Duration) error {
	if c.idler == nil {
		return channel.ErrNoWait
	}
	return c.idler.Wait(ctx, max)
}

// Check reports whether the mailbox and the SMTP server accept our
// credentials now, for the desk's channel health.
func (c *Connector) Check(ctx context.Context) error {
	var errs []error
	if c.fetcher != nil {
		if err := c.fetcher.Check(ctx); err != nil {
			errs = append(errs, fmt.Errorf("imap: %w", err))
		}
	}
	if ch, ok := c.transport.(interface{ Check(context.Context) error }); ok {
		if err := ch.Check(ctx); err != nil {
			errs = append(errs, fmt.Errorf("smtp: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Close releases the mailbox connections.
func (c *Connector) Close() error {
	var errs []error
	for _, m := range []Mailbox{c.fetcher, c.idler} {
		if m != nil {
			errs = append(errs, m.Close())
		}
	}
	return errors.Join(errs...)
}

// Send delivers a reply over SMTP with threading headers taken from the
// message it answers.
func (c *Connector) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	if c.transport == nil {
		return channel.Sent{}, &channel.SendError{Message: "this mailbox has no SMTP server configured"}
	}
	raw, id, rcpts, err := c.Build(ctx, out)
	if err != nil {
		return channel.Sent{}, err
	}
	if err := c.transport.Send(ctx, c.cfg.Address, rcpts, raw); err != nil {
		return channel.Sent{}, err
	}
	return channel.Sent{ProviderID: id}, nil
}

// Build writes the reply for out: its bytes, Message-ID and recipients.
func (c *Connector) Build(ctx context.Context, out channel.Outgoing) (msg []byte, id string, to []string, err error) {
	token, id := ReplyMessageID(c.cfg.Address, out.IdempotencyKey)
	d := Draft{From: mail.Address{Name: c.cfg.Name, Address: c.cfg.Address}, Text: out.Text, MessageID: id, Date: c.deps.Now()}
	if !c.cfg.NoPlusAddress {
		local, domain, _ := strings.Cut(c.cfg.Address, "@")
		d.ReplyTo = local + "+" + token + "@" + domain
	}
	var parent Parent
	var found bool
	if out.ReplyTo != "" && c.deps.Store != nil {
		parent, found, err = c.deps.Store.Parent(ctx, c.acct.ID, out.ReplyTo)
		if err != nil {
			return nil, "", nil, err
		}
	}
	rcpt := out.RecipientID
	subject := ""
	if found {
		d.InReplyTo, d.References = ReplyChain(out.ReplyTo, parent.Raw.References, parent.Raw.InReplyTo)
		rcpt = firstNonEmpty(parent.Raw.ReplyTo, parent.Raw.From, parent.Author, rcpt)
		subject = firstNonEmpty(parent.Raw.Subject, parent.Subject)
	} else if out.ReplyTo != "" {
		d.InReplyTo, d.References = ReplyChain(out.ReplyTo, nil, "")
	}
	if rcpt == "" {
		return nil, "", nil, &channel.SendError{Message: "no address to reply to"}
	}
	if _, err := mail.ParseAddress(rcpt); err != nil {
		return nil, "", nil, &channel.SendError{Message: fmt.Sprintf("cannot reply to %q: not an e-mail address", rcpt)}
	}
	d.To = []string{rcpt}
	d.Subject = ReplySubject(subject)
	msg, err = Compose(d)
	if err != nil {
		return nil, "", nil, &channel.SendError{Message: err.Error()}
	}
	return msg, id, d.To, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Ensure the connector offers what the desk looks for.
var (
	_ channel.Poller  = (*Connector)(nil)
	_ channel.Sender  = (*Connector)(nil)
	_ channel.Webhook = (*Connector)(nil)
)
