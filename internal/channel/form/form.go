// Package form is the website contact form: an embeddable form (a script
// tag or plain HTML) that posts to the desk, opens a conversation and is
// answered by e-mail. A honeypot field, a minimum fill time and per-IP rate
// limits keep most spam out; the customer gets a clear confirmation with
// the expected response time.
package form

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/workspace"
)

// Config is a form account's settings, kept in the account's config JSON.
type Config struct {
	// Title heads the form ("Contact us").
	Title string `json:"title,omitempty"`
	// Intro is a line under the title.
	Intro string `json:"intro,omitempty"`
	// ResponseTime is promised on the confirmation ("within one business day").
	ResponseTime string `json:"response_time,omitempty"`
	// ReplyFrom is the mailbox answers are sent from; make it the address
	// of the brand's e-mail account so customers' answers come back to the
	// desk and join the form's conversation.
	ReplyFrom string `json:"reply_from"`
	// ReplyName is the display name of answers.
	ReplyName string `json:"reply_name,omitempty"`
	// SMTP sends the answers.
	SMTP smtp.Config `json:"smtp"`
	// Secret signs the render time of the form; generated when empty.
	Secret string `json:"secret,omitempty"`
}

func (c *Config) defaults() {
	if c.Title == "" {
		c.Title = "Contact us"
	}
	if c.ResponseTime == "" {
		c.ResponseTime = "within one business day"
	}
}

// ParseConfig reads an account's config.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c); err != nil {
			return c, err
		}
	}
	c.defaults()
	return c, nil
}

// Connector answers form conversations by e-mail: it is an e-mail sender
// whose parent messages are the form's submissions.
type Connector struct {
	mail *email.Connector
}

// Send e-mails an agent's answer to the customer who filled in the form.
func (c *Connector) Send(ctx context.Context, out channel.Outgoing) (channel.Sent, error) {
	return c.mail.Send(ctx, out)
}

// Provider names the channel.
func (c *Connector) Provider() string { return "form" }

// Factory builds form connectors; deps are the e-mail channel's.
func Factory(deps email.Deps) channel.Factory {
	return func(acct workspace.Account, raw json.RawMessage) (channel.Connector, error) {
		return New(acct, raw, deps)
	}
}

// New builds a form connector from an account's config.
func New(acct workspace.Account, raw json.RawMessage, deps email.Deps) (*Connector, error) {
	cfg, err := ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("form account %d config: %w", acct.ID, err)
	}
	if !strings.Contains(cfg.ReplyFrom, "@") {
		return nil, fmt.Errorf("form account %d: reply_from must be the e-mail address answers come from", acct.ID)
	}
	ecfg, _ := json.Marshal(email.Config{Address: cfg.ReplyFrom, Name: cfg.ReplyName, Inbound: "postmark", SMTP: cfg.SMTP})
	ec, err := email.New(acct, ecfg, deps)
	if err != nil {
		return nil, err
	}
	return &Connector{mail: ec}, nil
}

var _ channel.Sender = (*Connector)(nil)
