package outbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/workspace"
)

// A reply the provider took and later gave back (an e-mail bounce) is
// failed with the reason, not left showing as sent; a bounce of nothing
// sent from this account, or one redelivered, changes nothing.
func TestABouncedReplyIsFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		m := f.reply(t, f.sms, "your refund is on its way")
		f.w.Tick(ctx)
		st, pid, _ := f.state(t, m)
		if st != "sent" || pid == "" {
			t.Fatalf("before the bounce: %s %q", st, pid)
		}
		if found, err := f.w.Undelivered(ctx, f.sms.ID+1, pid, "550"); err != nil || found {
			t.Fatalf("a bounce for another account's reply: %v %v", found, err)
		}
		if found, err := f.w.Undelivered(ctx, f.sms.ID, "P-unknown", "550"); err != nil || found {
			t.Fatalf("a bounce of no reply: %v %v", found, err)
		}
		for range 2 {
			found, err := f.w.Undelivered(ctx, f.sms.ID, pid, "550 5.1.1 <ana@example.com>: mailbox unavailable")
			if err != nil || !found {
				t.Fatalf("the bounce: %v %v", found, err)
			}
		}
		got, err := f.convs.Message(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.SendStatus != "failed" || !strings.Contains(got.SendError, "not delivered") || !strings.Contains(got.SendError, "mailbox unavailable") {
			t.Fatalf("after the bounce: %s %q", got.SendStatus, got.SendError)
		}
	})
}

// The agent is told who reported a reply undelivered: the customer's mail
// server for an e-mail bounce, the provider for the other channels (a
// WhatsApp failed status), not a mail server that was never involved.
func TestAnUndeliveredReplySaysWhoReportedIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		mail, _, _ := f.ws.AddAccount(ctx, workspace.Account{WorkspaceID: f.sms.WorkspaceID, Channel: "email", Handle: "help@shop.example"})
		f.ws.SetConfig(ctx, mail.ID, json.RawMessage(`{"address":"help@shop.example"}`))
		f.w.Registry["email"] = f.w.Registry["sms"]
		for _, c := range []struct {
			acct              workspace.Account
			reason, want, not string
		}{
			{f.sms, "131026 Message undeliverable", "the provider reported that this reply was not delivered (131026 Message undeliverable)", "mail server"},
			{mail, "550 5.1.1 mailbox unavailable", "the customer's mail server returned this reply: it was not delivered (550 5.1.1 mailbox unavailable)", "provider"},
		} {
			m := f.reply(t, c.acct, "on its way by "+c.acct.Channel)
			f.w.Tick(ctx)
			_, pid, _ := f.state(t, m)
			if found, err := f.w.Undelivered(ctx, c.acct.ID, pid, c.reason); err != nil || !found {
				t.Fatalf("%s: %v %v", c.acct.Channel, found, err)
			}
			got, _ := f.convs.Message(ctx, m.ID)
			if got.SendStatus != "failed" || got.SendError != c.want || strings.Contains(got.SendError, c.not) {
				t.Fatalf("%s reported undelivered: %s %q, want failed %q", c.acct.Channel, got.SendStatus, got.SendError, c.want)
			}
		}
	})
}
