package outbox_test

import (
	"context"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

// failOutboxSent makes every write of "sent" to an outbox row fail, as a
// dropped connection or a busy database may, until the returned func.
func failOutboxSent(t *testing.T, d *db.DB) func() {
	create := []string{`CREATE TRIGGER fail_sent BEFORE UPDATE ON outbox FOR EACH ROW WHEN (NEW.status = 'sent') BEGIN SELECT RAISE(ABORT, 'connection lost'); END`}
	drop := []string{`DROP TRIGGER fail_sent`}
	if d.Dialect != db.SQLite {
		create = []string{`CREATE FUNCTION fail_sent() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'connection lost'; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER fail_sent BEFORE UPDATE ON outbox FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION fail_sent()`}
		drop = []string{`DROP TRIGGER fail_sent ON outbox`, `DROP FUNCTION fail_sent()`}
	}
	for _, s := range create {
		if _, err := d.W.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for _, s := range drop {
			if _, err := d.W.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A reply is recorded as sent on its message and its outbox row together:
// when the row cannot be written, the message does not show as sent while
// its row is still "sending".
func TestASendIsRecordedWhollyOrNotAtAll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, false)
		m := f.reply(t, f.sms, "your refund is on its way")
		restore := failOutboxSent(t, d)
		f.w.Tick(context.Background())
		restore()
		if st, pid, ob := f.state(t, m); st == "sent" || pid != "" || ob != "sending" {
			t.Fatalf("the outbox row could not be written: message %s %q, row %s; want the message unchanged as the row", st, pid, ob)
		}
	})
}

// A reply whose message already says sent, with the provider's id, but
// whose outbox row was left "sending" (an earlier version wrote them apart
// and lost the second write) is settled as sent by Recover, not failed as
// "may have been delivered" where the channel cannot look.
func TestARecordedSendIsNotFailedByRecover(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d, false)
		m := f.reply(t, f.sms, "your refund is on its way")
		if _, err := d.W.Exec(db.Rebind(d.Dialect, "UPDATE messages SET send_status = 'sent', provider_id = 'P-1' WHERE id = ?"), m.ID); err != nil {
			t.Fatal(err)
		}
		crash(t, f, m, false) // the row left "sending", its lease run out
		if err := f.w.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		if st, pid, ob := f.state(t, m); st != "sent" || pid != "P-1" || ob != "sent" || len(f.p.sent) != 0 {
			got, _ := f.convs.Message(ctx, m.ID)
			t.Fatalf("a reply recorded as sent: message %s %q (%q), row %s, posted %d times; want sent, not posted", st, pid, got.SendError, ob, len(f.p.sent))
		}
	})
}
