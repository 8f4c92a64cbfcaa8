package webhook

import (
	"context"
	"net/http"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/workspace"
)

// targeted is a connector whose provider names, in each event, the account
// it is for (Event.Target): a Meta app has one callback URL for all its
// Pages, Instagram accounts and phone numbers, a LinkedIn app for all its
// organisations.
type targeted interface {
	Target() string
}

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
	t, ok := c.(targeted)
	if !ok {
		return []delivery{{acct, c, events}}, nil
	}
	byTarget := map[string]int{t.Target(): 0, "": 0}
	out = []delivery{{acct: acct, conn: c}}
	var others []workspace.Account
	looked := false
	for _, ev := range events {
		i, known := byTarget[ev.Target]
		if !known {
			if !looked {
				others, looked = e.otherAccounts(r.Context(), acct), true
			}
			i = -1
			for _, o := range others {
				oc, err := e.Registry[o.Channel](o, o.Config)
				if err != nil {
					continue
				}
				ot, ok := oc.(targeted)
				wh, isHook := oc.(channel.Webhook)
				if ok && isHook && ot.Target() == ev.Target && wh.Verify(r, body) == nil {
					out = append(out, delivery{acct: o, conn: oc})
					i = len(out) - 1
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

// otherAccounts lists the accounts other than acct that have a connector:
// those route may try, by their target and signature.
func (e *Edge) otherAccounts(ctx context.Context, acct workspace.Account) []workspace.Account {
	all, err := e.Accounts.AllAccounts(ctx)
	if err != nil {
		e.Log.Error("webhook: list accounts to route a push", "err", err)
		return nil
	}
	var out []workspace.Account
	for _, a := range all {
		if a.ID != acct.ID && e.Registry[a.Channel] != nil {
			out = append(out, a)
		}
	}
	return out
}
