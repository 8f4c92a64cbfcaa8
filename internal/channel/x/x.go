// Package x connects the desk to X (Twitter): Account Activity webhooks
// (CRC handshake, signed v1.1-shaped tweet, DM and delete events) and the X
// Activity API's envelope, polling of mentions with since_id as a fallback
// and to catch up after downtime, and public replies and DMs through the
// v2 API, with X's "summoned" rule and rate-limit headers obeyed.
package x

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/workspace"
)

// Provider is the wire format this package speaks.
const Provider = "x"

// Defaults, all settable per account.
const (
	DefaultAPIURL = "https://api.x.com"
	// DefaultMaxPages bounds one poll, so a burst of mentions cannot stall
	// the poller; the cursor remembers where the rest is.
	DefaultMaxPages = 5
	// DefaultPageSize is the most the mentions timeline returns at once.
	DefaultPageSize = 100
)

// Config is an X account's settings, kept in the account's config JSON.
type Config struct {
	// ConsumerSecret is the app's API secret: it answers CRC challenges and
	// checks x-twitter-webhooks-signature.
	ConsumerSecret string `json:"consumer_secret"`
	// AccessToken is an OAuth 2.0 user-context token of the brand account
	// (tweet.read tweet.write users.read dm.read dm.write), sent as Bearer.
	AccessToken string `json:"access_token"`
	// UserID and Handle are the brand account's id and @screen_name: its own
	// posts and DMs are skipped, and mentions of it are what summon a reply.
	UserID string `json:"user_id"`
	Handle string `json:"handle,omitempty"`
	// APIURL locates the v2 API (a fake in tests and demos).
	APIURL string `json:"api_url,omitempty"`
	// MaxPages and PageSize bound one poll of the mentions timeline.
	MaxPages int `json:"max_pages,omitempty"`
	PageSize int `json:"page_size,omitempty"`
}

// ParseConfig reads and checks an account's config JSON.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c); err != nil {
			return c, fmt.Errorf("%w: x config: %v", hark.ErrInvalid, err)
		}
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	c.Handle = strings.TrimPrefix(strings.TrimSpace(c.Handle), "@")
	if c.MaxPages <= 0 {
		c.MaxPages = DefaultMaxPages
	}
	if c.PageSize < 5 || c.PageSize > 100 { // X's own bounds for max_results
		c.PageSize = DefaultPageSize
	}
	if c.ConsumerSecret == "" {
		return c, fmt.Errorf("%w: x config: consumer_secret is required to answer CRC checks and verify webhooks", hark.ErrInvalid)
	}
	if c.UserID == "" {
		return c, fmt.Errorf("%w: x config: user_id (the brand account's numeric id) is required", hark.ErrInvalid)
	}
	return c, nil
}

// Connector is one brand account on X.
type Connector struct {
	cfg    Config
	client *http.Client
	now    func() time.Time
}

// New is the channel.Factory for the x channel.
func New(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
	cfg, err := ParseConfig(raw)
	if err != nil {
		return nil, err
	}
	if cfg.Handle == "" {
		cfg.Handle = strings.TrimPrefix(acct.Handle, "@")
	}
	return &Connector{cfg: cfg, client: &http.Client{Timeout: 30 * time.Second}, now: time.Now}, nil
}

// Factory builds x connectors that call the API with client (nil: a client
// with a 30 s timeout).
func Factory(client *http.Client) channel.Factory {
	return func(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
		c, err := New(acct, raw)
		if err != nil || client == nil {
			return c, err
		}
		c.(*Connector).SetHTTPClient(client)
		return c, nil
	}
}

// Provider names the wire format.
func (c *Connector) Provider() string { return Provider }

// Target is the brand's user id, which webhook events name (for_user_id).
func (c *Connector) Target() string { return c.cfg.UserID }

// Config returns the account's parsed settings.
func (c *Connector) Config() Config { return c.cfg }

// SetHTTPClient replaces the client used for API calls (tests, proxies).
func (c *Connector) SetHTTPClient(h *http.Client) { c.client = h }

// SetClock replaces the clock that turns x-rate-limit-reset into a wait.
func (c *Connector) SetClock(now func() time.Time) { c.now = now }

var (
	_ channel.Webhook    = (*Connector)(nil)
	_ channel.Poller     = (*Connector)(nil)
	_ channel.Sender     = (*Connector)(nil)
	_ channel.Reconciler = (*Connector)(nil)
	_ channel.Prober     = (*Connector)(nil)
	_ channel.Advisor    = (*Connector)(nil)
)
