package outbox_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/outbox"
	"github.com/harkdesk/hark/internal/workspace"
)

// A reply that waits for its account's connector to be configured uses up
// no attempts and builds up no backoff: once an admin configures the
// account, a first temporary error is retried soon, not taken as the last
// of many attempts.
func TestWaitingForAConnectorUsesNoAttempts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		bare, _, _ := f.ws.AddAccount(ctx, workspace.Account{WorkspaceID: f.sms.WorkspaceID, Channel: "sms", Handle: "+15550199"})
		m := f.reply(t, bare, "wait")
		for range 10 { // ten minutes before an admin configures the account
			f.w.Tick(ctx)
			f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET next_attempt_at = 0 WHERE message_id = ?"), m.ID)
		}
		if st, _, ob := f.state(t, m); st != "queued" || ob != "queued" {
			t.Fatalf("waiting for a connector: %s / %s, want queued", st, ob)
		}
		f.ws.SetConfig(ctx, bare.ID, json.RawMessage(`{"account_sid":"AC1"}`))
		f.p.answers = []error{&channel.SendError{Temporary: true, Status: 503, Message: "Service Unavailable"}}
		f.w.Tick(ctx)
		var attempts int
		var next int64
		f.d.R.QueryRow(db.Rebind(f.d.Dialect, "SELECT attempts, next_attempt_at FROM outbox WHERE message_id = ?"), m.ID).Scan(&attempts, &next)
		got, _ := f.convs.Message(ctx, m.ID)
		if wait := time.Until(time.UnixMilli(next)); got.SendStatus != "retrying" || attempts != 1 || wait > outbox.BaseBackoff*12/10 {
			t.Fatalf("the first attempt hit a 503: %s (%q), %d attempts, next in %v; want retrying after 1 attempt, within %v",
				got.SendStatus, got.SendError, attempts, wait, outbox.BaseBackoff*12/10)
		}
	})
}

// A reply in doubt after a crash whose account has lost its connector
// waits for one like any other, and then is not posted blind by a
// connector that cannot look it up.
func TestAReplyInDoubtWaitingForAConnectorIsNotPostedBlind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		m := f.reply(t, f.sms, "in doubt")
		crash(t, f, m, true)
		f.ws.SetConfig(ctx, f.sms.ID, json.RawMessage(`{}`)) // the admin disconnects the account
		if err := f.w.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		if st, _, ob := f.state(t, m); st != "queued" || ob != "queued" {
			t.Fatalf("in doubt, with no connector: %s / %s, want queued", st, ob)
		}
		f.ws.SetConfig(ctx, f.sms.ID, json.RawMessage(`{"account_sid":"AC1"}`))
		f.d.W.Exec(db.Rebind(f.d.Dialect, "UPDATE outbox SET next_attempt_at = 0 WHERE message_id = ?"), m.ID)
		f.w.Tick(ctx)
		if st, _, _ := f.state(t, m); st != "failed" || len(f.p.sent) != 0 {
			t.Fatalf("in doubt, then configured: %s, posted %d times; want failed, unsent", st, len(f.p.sent))
		}
	})
}
