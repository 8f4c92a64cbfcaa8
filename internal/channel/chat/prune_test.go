package chat_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/chat"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/smtp/smtptest"
)

// The mail job forgets what nothing needs any more: replies settled
// MailKeep ago, then the mail state, address and all, of a conversation
// quiet as long with nothing left to mail. Before, chat_mail kept a row
// for every chat where a visitor gave an address or saw a reply, for good.
// A conversation waiting for the desk keeps the visitor's address, one
// with a reply unseen keeps both, and one mailed within the hour its
// count of mails (MailsPerHour), however short MailKeep.
func TestTheMailJobForgetsWhatNothingNeeds(t *testing.T) {
	defer func(e time.Duration) { app.ChatMailEvery = e }(app.ChatMailEvery)
	app.ChatMailEvery = time.Hour // only the test's ticks and prunes
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := smtptest.Start(t, 0)
		a, _, url := setup(t, d, mailConfig(srv, ""))
		left := func(name string) int64 {
			v, conv := chatWith(t, url, frame{"name": name, "email": strings.ToLower(name) + "@example.com", "acks": true})
			v.conn.CloseNow()
			return conv
		}
		kept := func(at time.Time, want map[string][2]int, convs map[string]int64) {
			t.Helper()
			if err := a.ChatMail.Prune(ctx, at); err != nil {
				t.Fatal(err)
			}
			for name, w := range want {
				var mail, replies int
				d.W.QueryRowContext(ctx, db.Rebind(d.Dialect, "SELECT COUNT(*) FROM chat_mail WHERE conversation_id = ?"), convs[name]).Scan(&mail)
				d.W.QueryRowContext(ctx, db.Rebind(d.Dialect, "SELECT COUNT(*) FROM chat_replies WHERE conversation_id = ?"), convs[name]).Scan(&replies)
				if mail != w[0] || replies != w[1] {
					t.Errorf("%s: %d chat_mail rows and %d replies kept, want %d and %d", name, mail, replies, w[0], w[1])
				}
			}
		}
		convs := map[string]int64{"mailed": left("Dana")}
		answer(t, a, convs["mailed"], "Yes, it left today!")
		now := time.Now().Add(chat.DefaultMailUnseenAfter + time.Second)
		if n := tick(t, a.ChatMail, now); n != 1 {
			t.Fatalf("mailed %d, want 1", n)
		}
		convs["waiting"] = left("Eve") // no answer yet
		convs["unseen"] = left("Finn")
		answer(t, a, convs["unseen"], "We are on it")
		kept(now.Add(time.Hour), map[string][2]int{"mailed": {1, 1}, "waiting": {1, 0}, "unseen": {1, 1}}, convs)
		later := now.Add(chat.MailKeep + time.Hour)
		kept(later, map[string][2]int{"mailed": {0, 0}, "waiting": {1, 0}, "unseen": {1, 1}}, convs)

		defer func(k time.Duration) { chat.MailKeep = k }(chat.MailKeep)
		chat.MailKeep = time.Minute
		convs["this hour"] = left("Gus")
		answer(t, a, convs["this hour"], "Here is your invoice")
		if n := tick(t, a.ChatMail, later); n != 2 { // Gus's and Finn's
			t.Fatalf("mailed %d, want 2", n)
		}
		kept(later.Add(2*time.Minute), map[string][2]int{"this hour": {1, 0}, "waiting": {1, 0}}, convs)
		kept(later.Add(2*time.Hour), map[string][2]int{"this hour": {0, 0}, "unseen": {0, 0}, "waiting": {1, 0}}, convs)
	})
}

// Both prunes walk an index to what they delete, on both databases: the
// replies by when they were stored, the mail state by when the visitor
// was last there. Prune read the whole of chat_replies every hour.
func TestThePrunesReadOnlyWhatTheyDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, c := range []struct {
			query, index string
			args         []any
		}{
			{"Prune", "chat_replies_stored", []any{int64(1)}},
			{"PruneMail", "chat_mail_active", []any{int64(1), int64(2), int64(3)}},
		} {
			plan := queryPlan(t, d, chat.Query(d.Dialect, c.query), c.args...)
			if !strings.Contains(plan, c.index) || wholeTable(d.Dialect, plan) {
				t.Errorf("%s reads more than it deletes: %s", c.query, plan)
			}
		}
	})
}

// queryPlan is how d runs q. PostgreSQL is asked with sequential scans
// made dear, as they are on a large table: a query with no index for it
// still gets one.
func queryPlan(t *testing.T, d *db.DB, q string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	explain := "EXPLAIN QUERY PLAN "
	if d.Dialect == db.Postgres {
		explain = "EXPLAIN "
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := tx.QueryContext(ctx, explain+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(*vals[len(vals)-1].(*sql.RawBytes))) // the detail
	}
	return strings.Join(out, "; ")
}

// wholeTable reports whether a plan reads a table (or an index) whole.
func wholeTable(d db.Dialect, plan string) bool {
	if d == db.Postgres {
		return strings.Contains(plan, "Seq Scan")
	}
	for _, step := range strings.Split(plan, "; ") {
		if strings.HasPrefix(step, "SCAN ") {
			return true
		}
	}
	return false
}
