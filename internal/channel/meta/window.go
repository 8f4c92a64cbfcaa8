package meta

import (
	"fmt"
	"time"
)

// Policy is a messaging window: how long after a customer's last message
// the business may write to them freely, and what it may send after that.
type Policy struct {
	// Standard is the free-form window (24 h on Messenger, Instagram and
	// WhatsApp).
	Standard time.Duration
	// HumanAgent extends the window for a human agent's reply with the
	// HUMAN_AGENT message tag (7 days); zero means no tag.
	HumanAgent time.Duration
	// TemplatesOnly says that outside the window only approved templates
	// may be sent (WhatsApp).
	TemplatesOnly bool
}

// Window is what may be sent to a customer at one moment.
type Window struct {
	// FreeForm is true when any message may be sent as a response.
	FreeForm bool `json:"free_form"`
	// Tag is the message tag that makes a free-form message allowed when
	// the standard window has closed ("HUMAN_AGENT"), or empty.
	Tag string `json:"tag,omitempty"`
	// TemplateOnly is true when only an approved template may be sent.
	TemplateOnly bool `json:"template_only,omitempty"`
	// Closes is when the current allowance ends (zero when closed).
	Closes time.Time `json:"closes,omitzero"`
	// Reason explains the state to the agent.
	Reason string `json:"reason"`
}

// Allowed reports whether a free-form message may be sent, with or
// without a tag.
func (w Window) Allowed() bool { return w.FreeForm || w.Tag != "" }

// HumanAgentTag is Meta's tag for a human agent's late reply.
const HumanAgentTag = "HUMAN_AGENT"

// Check says what may be sent at now to a customer who last wrote at
// lastInbound. A zero lastInbound means the customer never wrote: only a
// template (WhatsApp) or nothing may be sent.
func (p Policy) Check(lastInbound, now time.Time) Window {
	if !lastInbound.IsZero() {
		if end := lastInbound.Add(p.Standard); now.Before(end) {
			return Window{FreeForm: true, Closes: end,
				Reason: fmt.Sprintf("the customer wrote in the last %s; any reply may be sent until %s", hours(p.Standard), end.UTC().Format(time.RFC3339))}
		}
		if p.HumanAgent > 0 {
			if end := lastInbound.Add(p.HumanAgent); now.Before(end) {
				return Window{Tag: HumanAgentTag, Closes: end,
					Reason: fmt.Sprintf("the %s window has closed; a human agent may still answer (sent with the HUMAN_AGENT tag) until %s", hours(p.Standard), end.UTC().Format(time.RFC3339))}
			}
		}
	}
	if p.TemplatesOnly {
		return Window{TemplateOnly: true,
			Reason: fmt.Sprintf("the customer has not written in the last %s: WhatsApp only allows an approved template until they write again", hours(p.Standard))}
	}
	limit := p.Standard
	if p.HumanAgent > limit {
		limit = p.HumanAgent
	}
	return Window{Reason: fmt.Sprintf("the customer has not written in the last %s: Meta does not allow a message until they write again", hours(limit))}
}

func hours(d time.Duration) string {
	if d%(24*time.Hour) == 0 && d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return fmt.Sprintf("%d hours", int(d/time.Hour))
}
