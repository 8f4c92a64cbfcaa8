package webhook

import (
	"net/http"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/workspace"
)

// delivery is the events of one push that belong to one account.
type delivery struct {
	acct   workspace.Account
	conn   channel.Connector
	events []channel.Event
}

// route sorts a verified push's events by the account each is for. An
// event for another account goes to it only if that account's own
// connector names the target and accepts the push's signature, so a push
// can reach no account whose secret did not sign it; an event no account
// here is for is left out, never filed under the account whose URL it
// came to (its replies would go out as the wrong Page).
func (e *Edge) route(r *http.Request, body []byte, acct workspace.Account, c channel.Connector, events []channel.Event) (out []delivery, strays []string) {
	t, ok := c.(channel.Targeted)
	if !ok {
		return []delivery{{acct, c, events}}, nil
	}
	out = []delivery{{acct: acct, conn: c}}
	byTarget := map[string]int{t.Target(): 0, "": 0}
	var others []delivery // built at the first event for another account
	looked := false
	for _, ev := range events {
		i, known := byTarget[ev.Target]
		if !known {
			if !looked {
				others, looked = e.signedBy(r, body, acct), true
			}
			i = -1
			for _, o := range others {
				if o.conn.(channel.Targeted).Target() == ev.Target {
					out, i = append(out, o), len(out)
					break
				}
			}
			byTarget[ev.Target] = i
		}
		if i < 0 {
			strays = append(strays, ev.Target)
			continue
		}
		out[i].events = append(out[i].events, ev)
	}
	return out, strays
}

// signedBy lists the other accounts whose connector is told its events by
// target and accepts this push's signature: those of the same app.
func (e *Edge) signedBy(r *http.Request, body []byte, acct workspace.Account) []delivery {
	all, err := e.Accounts.AllAccounts(r.Context())
	if err != nil {
		e.Log.Error("webhook: list accounts to route a push", "err", err)
		return nil
	}
	var out []delivery
	for _, a := range all {
		f := e.Registry[a.Channel]
		if a.ID == acct.ID || f == nil {
			continue
		}
		c, err := f(a, a.Config)
		if err != nil {
			continue
		}
		_, isTargeted := c.(channel.Targeted)
		wh, isHook := c.(channel.Webhook)
		if isTargeted && isHook && wh.Verify(r, body) == nil {
			out = append(out, delivery{acct: a, conn: c})
		}
	}
	return out
}
