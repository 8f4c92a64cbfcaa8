package outbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
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
