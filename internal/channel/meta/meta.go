// Package meta connects the desk to Meta's Graph API: Facebook Page
// comments and Messenger, Instagram comments, mentions and DMs, and the
// WhatsApp Cloud API. All three share one webhook format (hub.challenge
// handshake, X-Hub-Signature-256), so one callback URL can serve every
// Page, Instagram account and phone number of a Meta app; each event names
// the account it is for in channel.Event.Target.
package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/workspace"
)

// Provider is the wire format every connector of this package speaks.
const Provider = "meta"

// Defaults for the Graph API; both are configurable per account because
// Meta retires a version roughly two years after it ships.
const (
	DefaultGraphURL     = "https://graph.facebook.com"
	DefaultGraphVersion = "v23.0"
)

// Config is a Meta account's settings, kept in the account's config JSON.
type Config struct {
	// AppSecret signs webhook bodies (X-Hub-Signature-256).
	AppSecret string `json:"app_secret"`
	// VerifyToken is what we typed into the app dashboard; Meta echoes it
	// in the subscription handshake.
	VerifyToken string `json:"verify_token"`
	// AccessToken is the Page access token (Facebook, Instagram) or the
	// system user token (WhatsApp).
	AccessToken string `json:"access_token"`
	// PageID is the Facebook Page; for Instagram, the Page linked to the
	// account, through which DMs and private replies are sent.
	PageID string `json:"page_id,omitempty"`
	// IGUserID is the Instagram professional account id.
	IGUserID string `json:"ig_user_id,omitempty"`
	// PhoneNumberID is the WhatsApp business phone number id.
	PhoneNumberID string `json:"phone_number_id,omitempty"`
	// GraphURL and GraphVersion locate the Graph API.
	GraphURL     string `json:"graph_url,omitempty"`
	GraphVersion string `json:"graph_version,omitempty"`
	// WindowHours is the standard messaging window (24).
	WindowHours int `json:"window_hours,omitempty"`
	// HumanAgentDays is how long after the customer's last message an agent
	// may still answer with the HUMAN_AGENT tag (7); negative turns the tag
	// off. WhatsApp has no such tag.
	HumanAgentDays int `json:"human_agent_days,omitempty"`
}

// ParseConfig reads and checks an account's config JSON for a channel
// (facebook, instagram or whatsapp).
func ParseConfig(channelName string, raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c); err != nil {
			return c, fmt.Errorf("%w: meta config: %v", hark.ErrInvalid, err)
		}
	}
	if c.GraphURL == "" {
		c.GraphURL = DefaultGraphURL
	}
	c.GraphURL = strings.TrimRight(c.GraphURL, "/")
	if c.GraphVersion == "" {
		c.GraphVersion = DefaultGraphVersion
	}
	if c.AppSecret == "" {
		return c, fmt.Errorf("%w: meta config: app_secret is required to verify webhooks", hark.ErrInvalid)
	}
	switch channelName {
	case "facebook":
		if c.PageID == "" {
			return c, fmt.Errorf("%w: facebook config: page_id is required", hark.ErrInvalid)
		}
	case "instagram":
		if c.IGUserID == "" {
			return c, fmt.Errorf("%w: instagram config: ig_user_id is required", hark.ErrInvalid)
		}
	case "whatsapp":
		if c.PhoneNumberID == "" {
			return c, fmt.Errorf("%w: whatsapp config: phone_number_id is required", hark.ErrInvalid)
		}
	default:
		return c, fmt.Errorf("%w: meta has no %q channel", hark.ErrInvalid, channelName)
	}
	return c, nil
}

// LastInboundFunc tells a connector when the customer last wrote to us on
// a private thread (zero when unknown), so Send can refuse a message the
// provider would refuse anyway, with a reason the agent understands.
type LastInboundFunc func(ctx context.Context, recipientID string) (time.Time, error)

// New is the channel.Factory for the facebook, instagram and whatsapp
// channels: it returns a *Page, *Instagram or *WhatsApp.
func New(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
	cfg, err := ParseConfig(acct.Channel, raw)
	if err != nil {
		return nil, err
	}
	b := base{cfg: cfg, channel: acct.Channel, client: &http.Client{Timeout: 30 * time.Second}, now: time.Now}
	switch acct.Channel {
	case "facebook":
		return &Page{base: b}, nil
	case "instagram":
		return &Instagram{base: b}, nil
	default:
		return &WhatsApp{base: b}, nil
	}
}

// base is what the three connectors share: the webhook and the Graph client.
type base struct {
	cfg         Config
	channel     string
	client      *http.Client
	now         func() time.Time
	lastInbound LastInboundFunc
}

// Provider names the wire format.
func (b *base) Provider() string { return Provider }

// Config returns the account's parsed settings.
func (b *base) Config() Config { return b.cfg }

// SetHTTPClient replaces the client used for Graph calls (tests, proxies).
func (b *base) SetHTTPClient(c *http.Client) { b.client = c }

// SetClock replaces the clock used for messaging windows (tests).
func (b *base) SetClock(now func() time.Time) { b.now = now }

// SetLastInbound tells the connector how to look up the customer's last
// inbound message, so Send can enforce the messaging window itself.
func (b *base) SetLastInbound(fn LastInboundFunc) { b.lastInbound = fn }

// Policy is the account's messaging window policy.
func (b *base) Policy() Policy {
	p := Policy{Standard: 24 * time.Hour, HumanAgent: 7 * 24 * time.Hour}
	if b.cfg.WindowHours > 0 {
		p.Standard = time.Duration(b.cfg.WindowHours) * time.Hour
	}
	switch {
	case b.channel == "whatsapp" || b.cfg.HumanAgentDays < 0:
		p.HumanAgent = 0
	case b.cfg.HumanAgentDays > 0:
		p.HumanAgent = time.Duration(b.cfg.HumanAgentDays) * 24 * time.Hour
	}
	p.TemplatesOnly = b.channel == "whatsapp"
	return p
}

// Window says what may be sent now to a customer who last wrote at
// lastInbound, for the desk to show before the agent writes.
func (b *base) Window(lastInbound time.Time) Window {
	return b.Policy().Check(lastInbound, b.now())
}

// Advise implements channel.Advisor: public comments may always be
// answered; private messages follow the messaging window.
func (b *base) Advise(private bool, lastInbound time.Time) (bool, string) {
	if !private && b.channel != "whatsapp" {
		return true, ""
	}
	w := b.Window(lastInbound)
	if w.Tag != "" {
		return true, w.Reason
	}
	return w.FreeForm, w.Reason
}

// Page is a Facebook Page: feed comments and posts, and Messenger.
type Page struct{ base }

// Target is the Page id, which webhook events name.
func (p *Page) Target() string { return p.cfg.PageID }

// Instagram is an Instagram professional account: comments, mentions and
// DMs.
type Instagram struct{ base }

// Target is the Instagram account id, which webhook events name.
func (g *Instagram) Target() string { return g.cfg.IGUserID }

// WhatsApp is one WhatsApp Cloud API business phone number.
type WhatsApp struct{ base }

// Target is the phone number id, which webhook events name.
func (w *WhatsApp) Target() string { return w.cfg.PhoneNumberID }

var (
	_ channel.Webhook    = (*Page)(nil)
	_ channel.Sender     = (*Page)(nil)
	_ channel.Reconciler = (*Page)(nil)
	_ channel.Webhook    = (*Instagram)(nil)
	_ channel.Sender     = (*Instagram)(nil)
	_ channel.Reconciler = (*Instagram)(nil)
	_ channel.Webhook    = (*WhatsApp)(nil)
	_ channel.Sender     = (*WhatsApp)(nil)
	_ channel.Templater  = (*WhatsApp)(nil)
)

// Factory builds facebook, instagram and whatsapp connectors that call the
// Graph API with client (nil: a client with a 30 s timeout).
func Factory(client *http.Client) channel.Factory {
	return func(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
		c, err := New(acct, raw)
		if err != nil || client == nil {
			return c, err
		}
		c.(interface{ SetHTTPClient(*http.Client) }).SetHTTPClient(client)
		return c, nil
	}
}
