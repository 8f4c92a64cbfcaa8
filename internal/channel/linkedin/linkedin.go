// Package linkedin connects the desk to a LinkedIn organisation page: it
// polls the comments on the organisation's posts, receives the
// organisation social action webhooks, and replies as the organisation.
package linkedin

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
const Provider = "linkedin"

// Defaults. LinkedIn sunsets a version about a year after release, so the
// version is a setting, not a constant in code.
const (
	DefaultAPIURL  = "https://api.linkedin.com"
	DefaultVersion = "202510"
)

// Signature modes: what X-LI-Signature is computed over. LinkedIn's
// webhook validation guide documents "hmacsha256=" + body; some
// integrations report the body alone, so it is a setting.
const (
	SignPrefixed = "prefixed"
	SignBody     = "body"
)

// Config is a LinkedIn account's settings, kept in the account's config
// JSON.
type Config struct {
	// ClientSecret signs webhook challenges and bodies.
	ClientSecret string `json:"client_secret"`
	// AccessToken is a member token with the organisation social scopes.
	AccessToken string `json:"access_token"`
	// Organization is the organisation id or URN replies are posted as.
	Organization string `json:"organization"`
	// Posts are the post URNs (urn:li:share:..., urn:li:ugcPost:...) polled
	// for comments.
	Posts []string `json:"posts,omitempty"`
	// APIURL and Version locate the REST API (LinkedIn-Version: YYYYMM).
	APIURL  string `json:"api_url,omitempty"`
	Version string `json:"linkedin_version,omitempty"`
	// SignatureMode is SignPrefixed (default) or SignBody.
	SignatureMode string `json:"signature_mode,omitempty"`
	// PageSize is how many comments one poll request asks for (100).
	PageSize int `json:"page_size,omitempty"`
}

// ParseConfig reads and checks an account's config JSON.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c); err != nil {
			return c, fmt.Errorf("%w: linkedin config: %v", hark.ErrInvalid, err)
		}
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.SignatureMode == "" {
		c.SignatureMode = SignPrefixed
	}
	if c.SignatureMode != SignPrefixed && c.SignatureMode != SignBody {
		return c, fmt.Errorf("%w: linkedin config: signature_mode must be %q or %q", hark.ErrInvalid, SignPrefixed, SignBody)
	}
	if c.PageSize <= 0 || c.PageSize > 100 {
		c.PageSize = 100
	}
	if c.Organization == "" {
		return c, fmt.Errorf("%w: linkedin config: organization is required", hark.ErrInvalid)
	}
	if !strings.HasPrefix(c.Organization, "urn:li:") {
		c.Organization = "urn:li:organization:" + c.Organization
	}
	return c, nil
}

// Connector is one LinkedIn organisation page.
type Connector struct {
	cfg    Config
	client *http.Client
}

// New is the channel.Factory for the linkedin channel.
func New(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
	cfg, err := ParseConfig(raw)
	if err != nil {
		return nil, err
	}
	return &Connector{cfg: cfg, client: &http.Client{Timeout: 30 * time.Second}}, nil
}

// Provider names the wire format.
func (c *Connector) Provider() string { return Provider }

// Target is the organisation URN, which webhook events name.
func (c *Connector) Target() string { return c.cfg.Organization }

// Config returns the account's parsed settings.
func (c *Connector) Config() Config { return c.cfg }

// SetHTTPClient replaces the client used for API calls.
func (c *Connector) SetHTTPClient(h *http.Client) { c.client = h }

var (
	_ channel.Webhook    = (*Connector)(nil)
	_ channel.Poller     = (*Connector)(nil)
	_ channel.Sender     = (*Connector)(nil)
	_ channel.Reconciler = (*Connector)(nil)
)

// PostOf returns the post a comment URN belongs to:
// urn:li:comment:(urn:li:activity:1,2) -> urn:li:activity:1. Other URNs are
// returned as they are.
func PostOf(urn string) string {
	inner, ok := strings.CutPrefix(urn, "urn:li:comment:(")
	if !ok {
		return urn
	}
	inner = strings.TrimSuffix(inner, ")")
	if i := strings.LastIndex(inner, ","); i > 0 {
		return inner[:i]
	}
	return urn
}

// normaliseCommentURN writes a comment URN the way the comments API does:
// notifications sometimes shorten the inner URN ("(activity:1,2)").
func normaliseCommentURN(urn string) string {
	inner, ok := strings.CutPrefix(urn, "urn:li:comment:(")
	if ok && !strings.HasPrefix(inner, "urn:li:") {
		return "urn:li:comment:(urn:li:" + inner
	}
	return urn
}

// Factory builds linkedin connectors that call the API with client (nil: a
// client with a 30 s timeout).
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
