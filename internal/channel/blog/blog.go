// Package blog is the blog-comments channel: WordPress comments read by
// polling the REST API (a trailing window, since comments approved late
// keep their original date) and answered as a site user with an
// application password, and any RSS or Atom comment feed, read only.
package blog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/workspace"
)

// Config is a blog account's settings, kept in the account's config JSON.
type Config struct {
	// Kind is "wordpress" (the default) or "feed".
	Kind string `json:"kind,omitempty"`
	// Site is the WordPress site's address (https://blog.example.com).
	Site string `json:"site,omitempty"`
	// Username and AppPassword are the site user replies are posted as
	// (Users → Profile → Application Passwords).
	Username    string `json:"username,omitempty"`
	AppPassword string `json:"app_password,omitempty"`
	// FeedURL is an RSS or Atom comment feed, for Kind "feed".
	FeedURL string `json:"feed_url,omitempty"`
	// WindowHours is how far behind the newest comment each pass over the
	// comments starts again, to catch comments approved after later ones
	// were read (48 by default).
	WindowHours int `json:"window_hours,omitempty"`
	// ReplyFrom, ReplyName and SMTP let agents answer a commenter privately
	// by e-mail (WordPress gives the address to the site user).
	ReplyFrom string      `json:"reply_from,omitempty"`
	ReplyName string      `json:"reply_name,omitempty"`
	SMTP      smtp.Config `json:"smtp"`
}

// Connector is one blog.
type Connector struct {
	acct   workspace.Account
	cfg    Config
	client *http.Client
	now    func() time.Time
	me     atomic.Int64 // the reply user's id, looked up on first need
	mail   *email.Connector
}

// Factory builds blog connectors; mail is the e-mail channel's deps, for
// private answers by e-mail.
func Factory(client *http.Client, mail email.Deps) channel.Factory {
	return func(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
		c, err := New(acct, raw, client)
		if err != nil {
			return nil, err
		}
		return c, c.UseMail(mail)
	}
}

// UseMail enables private answers by e-mail when the account has an SMTP
// server and a reply address.
func (c *Connector) UseMail(deps email.Deps) error {
	if c.cfg.ReplyFrom == "" || c.cfg.SMTP.Addr == "" {
		return nil
	}
	raw, _ := json.Marshal(email.Config{Address: c.cfg.ReplyFrom, Name: c.cfg.ReplyName, Inbound: "postmark", SMTP: c.cfg.SMTP, NoPlusAddress: true})
	m, err := email.New(c.acct, raw, deps)
	if err != nil {
		return fmt.Errorf("blog account %d reply mail: %w", c.acct.ID, err)
	}
	c.mail = m
	return nil
}

// New builds a connector from an account's config.
func New(acct workspace.Account, raw json.RawMessage, client *http.Client) (*Connector, error) {
	var cfg Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return nil, fmt.Errorf("blog account %d config: %w", acct.ID, err)
		}
	}
	if cfg.Kind == "" {
		cfg.Kind = "wordpress"
	}
	switch cfg.Kind {
	case "wordpress":
		if cfg.Site == "" {
			cfg.Site = acct.Handle
		}
		u, err := url.Parse(cfg.Site)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("blog account %d: site %q is not a web address", acct.ID, cfg.Site)
		}
		cfg.Site = strings.TrimRight(cfg.Site, "/")
	case "feed":
		u, err := url.Parse(cfg.FeedURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("blog account %d: feed_url %q is not a web address", acct.ID, cfg.FeedURL)
		}
	default:
		return nil, fmt.Errorf("blog account %d: kind %q: use wordpress or feed", acct.ID, cfg.Kind)
	}
	if cfg.WindowHours <= 0 {
		cfg.WindowHours = 48
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Connector{acct: acct, cfg: cfg, client: client, now: time.Now}, nil
}

// Provider names the wire format.
func (c *Connector) Provider() string {
	if c.cfg.Kind == "feed" {
		return "feed"
	}
	return "wordpress"
}

var (
	_ channel.Poller     = (*Connector)(nil)
	_ channel.Sender     = (*Connector)(nil)
	_ channel.Reconciler = (*Connector)(nil)
)

// Check reads the blog once (as the reply user when there is one), for the
// desk's channel health.
func (c *Connector) Check(ctx context.Context) error {
	if c.cfg.Kind == "feed" {
		_, _, err := c.pollFeed(ctx, "")
		return err
	}
	if c.cfg.AppPassword != "" {
		c.me.Store(0)
		_, err := c.meID(ctx)
		return err
	}
	_, err := c.wp(ctx, http.MethodGet, "/wp-json/wp/v2/comments?per_page=1", nil, nil)
	return err
}
