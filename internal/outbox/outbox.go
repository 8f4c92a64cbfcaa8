// Package outbox delivers agents' replies through the channel connectors.
// A reply is recorded in the outbox in the same transaction as the message
// (conversation.Store.Reply); the worker here claims it, marks it sending
// before it calls the provider, and records the outcome, so a crash at any
// point neither loses a reply nor posts it twice without saying so.
package outbox

import (
	"context"
	"crypto/tls"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/workspace"
)

//go:embed sql
var sqlFS embed.FS

var queries = db.MustLoadQueries(sqlFS, "sql")

// Registry maps a channel to the factory of its connector.
type Registry map[string]channel.Factory

// Tuning. A row left "sending" for longer than Lease belongs to a process
// that died mid-send.
var (
	Lease       = 2 * time.Minute
	MaxAttempts = 8
	BaseBackoff = 2 * time.Second
	MaxBackoff  = 15 * time.Minute
	// MaxRetryAfter caps a provider's own wait (Retry-After, a rate-limit
	// reset) at the longest window providers document, X's 24-hour limits:
	// a longer one is a bug or a clock gone wrong, and would hold the reply
	// for months.
	MaxRetryAfter = 24 * time.Hour
	// Unconfigured is how long a reply waits before the worker looks again
	// for a connector on an account that has none yet.
	Unconfigured = time.Minute
)

// Worker sends due replies.
type Worker struct {
	DB       *db.DB
	Accounts *workspace.Store
	Registry Registry
	Bus      live.Bus
	Log      *slog.Logger
	// Health, when set, is told of failed sends and credited with the
	// rate-limit budget each provider reports.
	Health *health.Store
	// Interval between looks at the outbox when it is idle.
	Interval time.Duration
	// Chat, when set, is told of each chat reply the widget is to show,
	// so that one the visitor does not see in time is e-mailed.
	Chat ChatReplies
}

// ChatReplies keeps the chat replies the outbox counts delivered
// (chat.Mailer): the widget reads them from the store, and a visitor who
// has left reads them in an e-mail.
type ChatReplies interface {
	Stored(ctx context.Context, messageID, conversationID, accountID int64) error
}

type row struct {
	id, messageID, accountID int64
	key                      string
	attempts                 int
	unclear                  bool  // the last attempt did not learn whether it was posted
	claimed                  int64 // the updated_at this worker's claim wrote
}

func (w *Worker) q(name string) string { return queries.Get(w.DB.Dialect, name) }

// Run delivers until ctx ends: first the replies a crash left in doubt,
// then whatever falls due.
func (w *Worker) Run(ctx context.Context) {
	if w.Interval == 0 {
		w.Interval = 500 * time.Millisecond
	}
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		if err := w.Recover(ctx); err != nil && ctx.Err() == nil {
			w.Log.Error("outbox: recover", "err", err)
		}
		for {
			n, err := w.Tick(ctx)
			if err != nil && ctx.Err() == nil {
				w.Log.Error("outbox: deliver", "err", err)
			}
			if n == 0 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick claims due replies and delivers them; it returns how many it claimed.
func (w *Worker) Tick(ctx context.Context) (int, error) {
	now := db.Now()
	rows, err := w.DB.W.QueryContext(ctx, w.q("ClaimDue"), now, now)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	var due []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.messageID, &r.accountID, &r.key, &r.attempts, &r.unclear); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i, r := range due {
		if ctx.Err() != nil {
			w.release(due[i:], now) // stopping: the rest were never sent
			break
		}
		r.claimed = now
		// The reply under way is seen through (the connectors' own
		// timeouts bound it): cut off, it would be left in doubt.
		w.deliver(context.WithoutCancel(ctx), r, false)
	}
	return len(due), nil
}

// release gives claims back to the queue unsent, for another worker.
func (w *Worker) release(rows []row, claimed int64) {
	for _, r := range rows {
		now := db.Now()
		if _, err := w.DB.W.Exec(w.q("Release"), now, now, r.id, claimed); err != nil {
			w.Log.Warn("outbox: give back a claim; it goes back in the queue after its lease", "message", r.messageID, "err", err)
		}
	}
}

// Recover settles replies left "sending" past their lease: the process that
// claimed them died between calling the provider and recording the answer.
// Where the connector can look, a reply found at the provider is recorded as
// sent and one not found is sent again; where it cannot, the reply is marked
// failed with a warning instead of risking a second post.
func (w *Worker) Recover(ctx context.Context) error {
	now := db.Now()
	// Claims never offered to the provider were never sent: queued again.
	if _, err := w.DB.W.ExecContext(ctx, w.q("Requeue"), now, now, now-Lease.Milliseconds()); err != nil {
		return err
	}
	if _, err := w.DB.W.ExecContext(ctx, w.q("SettleRecorded"), now, now-Lease.Milliseconds()); err != nil {
		return err
	}
	rows, err := w.DB.W.QueryContext(ctx, w.q("InDoubt"), now-Lease.Milliseconds())
	if err != nil {
		return err
	}
	var doubt []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.messageID, &r.accountID, &r.key, &r.attempts, &r.unclear); err != nil {
			rows.Close()
			return err
		}
		doubt = append(doubt, r)
	}
	rows.Close()
	for _, r := range doubt {
		// Take the row over; another node may be recovering it too.
		r.claimed = db.Now()
		res, err := w.DB.W.ExecContext(ctx, w.q("Reclaim"), r.claimed, r.id, now-Lease.Milliseconds())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			w.deliver(context.WithoutCancel(ctx), r, true)
		}
	}
	return rows.Err()
}

// deliver sends one claimed reply and records the outcome.
func (w *Worker) deliver(ctx context.Context, r row, inDoubt bool) {
	ctx = health.WithAccount(ctx, r.accountID)
	out, ws, conv, ch, err := w.outgoing(ctx, r)
	if err != nil {
		w.fail(ctx, r, ws, conv, "cannot read the reply: "+err.Error(), false)
		return
	}
	if ch == "chat" {
		// The widget reads replies from the store: recorded is delivered,
		// and noted first so that one the visitor misses is e-mailed.
		if w.Chat != nil {
			if err := w.Chat.Stored(ctx, r.messageID, conv, r.accountID); err != nil {
				w.retry(ctx, r, ws, conv, err, false)
				return
			}
		}
		w.sent(ctx, r, ws, conv, "chat:"+r.key)
		return
	}
	if _, ok := w.Registry[ch]; !ok {
		// An api account only pushes messages in: nothing will ever send
		// this (the desk and the API refuse such replies now).
		w.fail(ctx, r, ws, conv, ch+" accounts take no replies from the desk: answer the customer where they wrote", false)
		return
	}
	conn, err := w.connector(ctx, r.accountID)
	if err != nil {
		w.await(ctx, r, ws, conv, err.Error())
		return
	}
	sender, ok := conn.(channel.Sender)
	if !ok {
		w.fail(ctx, r, ws, conv, "this channel's connector cannot send replies", false)
		return
	}
	// A reply that failed before may have reached the provider all the
	// same (a timeout, a reset connection, a 502 after the post): look for
	// it first wherever the connector can. Where it cannot (WhatsApp,
	// e-mail), sending again risks a second post: the agent decides.
	rec, canFind := conn.(channel.Reconciler)
	if s, ok := conn.(channel.Selective); ok && canFind {
		canFind = s.Finds(out)
	}
	if inDoubt && !canFind {
		w.fail(ctx, r, ws, conv, "Hark stopped while sending this reply and this channel cannot tell whether it arrived: it may have been delivered; check before resending", true)
		return
	}
	if r.unclear && !canFind {
		w.fail(ctx, r, ws, conv, "an earlier attempt ended without the provider saying whether it took this reply, and this channel cannot tell whether it arrived: it may have been delivered; check before resending", true)
		return
	}
	// A claim waits its turn behind the rest of its batch: if it outlived
	// its lease meanwhile, another node's Recover may have taken the row
	// over, and acting on it here too would post it twice. Renew (before
	// a look-up) and Offer (before the send) hold it only if it is still
	// this worker's.
	if canFind && (inDoubt || r.unclear) {
		if !w.hold(ctx, &r, "Renew") {
			return
		}
		got, found, err := rec.Find(ctx, out)
		if err != nil {
			// Still not known whether it was posted: look again next time.
			w.retry(ctx, r, ws, conv, err, true)
			return
		}
		if found && !w.taken(ctx, r, got.ProviderID) {
			w.sent(ctx, r, ws, conv, got.ProviderID)
			return
		}
	}
	if !w.hold(ctx, &r, "Offer") {
		return
	}
	w.set(ctx, r, ws, conv, "sending", "sending", 0, "")
	sctx, attempt := channel.Watch(ctx)
	got, err := sender.Send(sctx, out)
	if se := (*channel.SendError)(nil); errors.As(err, &se) && se.Accepted {
		w.Log.Warn("outbox: sent, but the provider's answer was unreadable", "message", r.messageID, "err", err)
		w.sent(ctx, r, ws, conv, "")
		return
	}
	if err != nil {
		switch {
		case channel.IsTemporary(err) && unclear(err, attempt.Reached()) && !canFind:
			w.fail(ctx, r, ws, conv, "the provider did not say whether it took this reply ("+err.Error()+") and this channel cannot tell whether it arrived: it may have been delivered; check before resending", true)
		case channel.IsTemporary(err):
			w.retry(ctx, r, ws, conv, err, unclear(err, attempt.Reached()))
		default:
			w.fail(ctx, r, ws, conv, err.Error(), false)
		}
		return
	}
	w.sent(ctx, r, ws, conv, got.ProviderID)
}

// await puts a claim back in the queue until its account has a connector,
// without counting the claim as an attempt.
func (w *Worker) await(ctx context.Context, r row, ws, conv int64, msg string) {
	err := w.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		res, err := tx.ExecContext(ctx, w.q("AwaitConnector"), now+Unconfigured.Milliseconds(), msg, now, r.id, r.claimed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errTakenOver
		}
		_, err = tx.ExecContext(ctx, w.q("SetMessageStatus"), "queued", msg, r.messageID)
		return err
	})
	if err != nil {
		w.Log.Warn("outbox: put a reply back to wait for a connector", "message", r.messageID, "err", err)
		return // the row stays as it is; Recover settles it after its lease
	}
	w.publish(ws, conv, r)
}

// errTakenOver: a claim outlived its lease and another node took the row.
var errTakenOver = errors.New("the claim was taken over")

// hold runs one of a claim's conditional updates, Renew or Offer: it
// extends the claim and reports false if the row is no longer this
// worker's to send (it outlived its lease and another node took it).
func (w *Worker) hold(ctx context.Context, r *row, query string) bool {
	now := db.Now()
	res, err := w.DB.W.ExecContext(ctx, w.q(query), now, r.id, r.claimed)
	if err != nil {
		w.Log.Error("outbox: hold a claim", "message", r.messageID, "step", query, "err", err)
		return false // the row stays as it is; Recover settles it after its lease
	}
	if n, _ := res.RowsAffected(); n != 1 {
		w.Log.Warn("outbox: a claim outlived its lease and was taken over", "message", r.messageID)
		return false
	}
	r.claimed = now
	return true
}

func (w *Worker) outgoing(ctx context.Context, r row) (out channel.Outgoing, ws, conv int64, ch string, err error) {
	var vis string
	err = w.DB.W.QueryRowContext(ctx, w.q("MessageForSend"), r.messageID).
		Scan(&out.Text, &out.ReplyTo, &vis, &ch, &out.RecipientID, &ws, &conv)
	out.IdempotencyKey = r.key
	out.Private = vis == "private"
	return out, ws, conv, ch, err
}

func (w *Worker) connector(ctx context.Context, accountID int64) (channel.Connector, error) {
	acct, err := w.Accounts.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	f, ok := channel.FactoryFor(w.Registry, acct)
	if !ok {
		return nil, errors.New("waiting to send: no connector is configured for this account yet")
	}
	return f(acct, acct.Config)
}

// sent records a delivered reply on the message and its outbox row at
// once: a message shown as sent whose row stayed "sending" would be failed
// by Recover as "may have been delivered", or looked up again.
func (w *Worker) sent(ctx context.Context, r row, ws, conv int64, providerID string) {
	err := w.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, w.q("SetMessageSent"), nullable(providerID), r.messageID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, w.q("SetOutbox"), "sent", 0, "", db.Now(), r.id)
		return err
	})
	if err != nil {
		w.Log.Error("outbox: record sent", "message", r.messageID, "provider_id", providerID, "err", err)
		return // stays "sending"; Recover will reconcile it
	}
	w.publish(ws, conv, r)
}

// Undelivered marks a sent reply the provider later reported undelivered
// (an e-mail bounce, a WhatsApp failed status) as failed, with the reason,
// so the agent sees that the customer never got it instead of a reply
// shown as sent. It reports false when the account sent no reply with that
// provider id.
func (w *Worker) Undelivered(ctx context.Context, accountID int64, providerID, reason string) (bool, error) {
	if providerID == "" {
		return false, nil
	}
	var r row
	var status, ch string
	var ws, conv int64
	err := w.DB.W.QueryRowContext(ctx, w.q("ReplyByProviderID"), accountID, providerID).
		Scan(&r.id, &r.messageID, &r.accountID, &r.key, &r.attempts, &status, &ws, &conv, &ch)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if status == "failed" {
		return true, nil // a report redelivered
	}
	msg := "the provider reported that this reply was not delivered"
	if ch == "email" {
		msg = "the customer's mail server returned this reply: it was not delivered"
	}
	if reason = strings.TrimSpace(reason); reason != "" {
		msg += " (" + conversation.Clip(reason, 300) + ")"
	}
	w.fail(ctx, r, ws, conv, msg, false)
	return true, nil
}

// taken reports whether a provider id Find gave is another message's
// already: a connector that matches by text (Twilio) may find an earlier
// reply that read the same, which is not this one.
func (w *Worker) taken(ctx context.Context, r row, providerID string) bool {
	var n int
	if providerID == "" {
		return false
	}
	if err := w.DB.W.QueryRowContext(ctx, w.q("ProviderIDTaken"), r.accountID, providerID, r.messageID).Scan(&n); err != nil {
		w.Log.Error("outbox: check a found reply", "message", r.messageID, "err", err)
		return true // not sure it is this reply's: send it
	}
	return n > 0
}

// unclear reports whether a failed attempt may have posted all the same:
// the request may have reached the provider and its answer was lost (a
// timeout, a reset connection, a 500, 502 or 504 from the provider or its
// gateway). A refusal is clear (a 4xx; a 503, by which a server that is
// down or shedding load says it did not take the request, RFC 9110
// 15.6.4), and so is a connection never made: a provider that is down is
// retried, not taken for one that may have posted.
//
// An answer with a status came from the provider, so the request reached
// it. Without one, the failure may have posted only if something reached
// the provider (reached, from channel.Watch): a send whose connection
// timed out, whose TLS handshake stalled or whose SMTP session dropped
// before DATA sent nothing.
func unclear(err error, reached bool) bool {
	var se *channel.SendError
	if errors.As(err, &se) && se.Status != 0 {
		return se.Status == http.StatusRequestTimeout || se.Status >= 500 && se.Status != http.StatusServiceUnavailable
	}
	return reached && !neverConnected(err)
}

// neverConnected reports whether a network error came before anything was
// sent: the provider's address did not resolve, the connection (or the
// proxy's) was refused or timed out, or its certificate was refused.
func neverConnected(err error) bool {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	if errors.As(err, &dns) || errors.As(err, &cert) {
		return true
	}
	for op := (*net.OpError)(nil); errors.As(err, &op); err = op.Err {
		if op.Op == "dial" || op.Op == "proxyconnect" {
			return true
		}
	}
	return false
}

// retry queues r again after err. mayHavePosted says whether the reply
// may be at the provider all the same, so that the next attempt looks
// before it posts.
func (w *Worker) retry(ctx context.Context, r row, ws, conv int64, err error, mayHavePosted bool) {
	flag := 0
	if mayHavePosted {
		flag = 1
	}
	if _, uerr := w.DB.W.ExecContext(ctx, w.q("SetUnclear"), flag, r.id); uerr != nil {
		w.Log.Error("outbox: record whether a failure was clear", "message", r.messageID, "err", uerr)
	}
	if r.attempts >= MaxAttempts {
		w.fail(ctx, r, ws, conv, fmt.Sprintf("gave up after %d attempts: %v", r.attempts, err), mayHavePosted)
		return
	}
	wait := Backoff(r.attempts)
	var se *channel.SendError
	if errors.As(err, &se) && se.RetryAfter > wait {
		wait = min(se.RetryAfter, MaxRetryAfter)
	}
	w.set(ctx, r, ws, conv, "retrying", "retrying", db.Now()+wait.Milliseconds(), err.Error())
	w.problem(ctx, r, "retrying a reply: "+err.Error())
}

// fail gives up on a reply. One that never reached the customer answered
// nothing: its conversation waits for a reply again, in the transaction
// that marks it failed (conversation.FailReply). mayHaveArrived says the
// provider may have posted it all the same; it is kept on the row
// (unclear), as the conversation's queries read it.
func (w *Worker) fail(ctx context.Context, r row, ws, conv int64, msg string, mayHaveArrived bool) {
	w.problem(ctx, r, "a reply failed: "+msg)
	if conv == 0 { // the reply could not be read: nor can its conversation
		w.set(ctx, r, ws, conv, "failed", "failed", 0, msg)
		return
	}
	unclear := 0
	if mayHaveArrived {
		unclear = 1
	}
	var also []int64
	err := w.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		also, err = conversation.FailReply(ctx, tx, w.DB.Dialect, r.messageID, conv, mayHaveArrived, func() error {
			if _, err := tx.ExecContext(ctx, w.q("SetFailed"), msg, unclear, db.Now(), r.id); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, w.q("SetMessageStatus"), "failed", msg, r.messageID)
			return err
		})
		return err
	})
	if err != nil {
		w.Log.Error("outbox: record state", "message", r.messageID, "state", "failed", "err", err)
		return
	}
	w.publish(ws, conv, r)
	for _, c := range also { // a hand-off's public thread, waiting again
		w.publish(ws, c, r)
	}
}

func (w *Worker) problem(ctx context.Context, r row, msg string) {
	if w.Health != nil {
		w.Health.Error(ctx, r.accountID, "send", msg)
	}
}

// set records a state on the outbox row and the message the agent sees.
func (w *Worker) set(ctx context.Context, r row, ws, conv int64, outboxStatus, messageStatus string, next int64, msg string) {
	err := w.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, w.q("SetOutbox"), outboxStatus, next, msg, db.Now(), r.id); err != nil {
			return err
		}
		if messageStatus == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, w.q("SetMessageStatus"), messageStatus, msg, r.messageID)
		return err
	})
	if err != nil {
		w.Log.Error("outbox: record state", "message", r.messageID, "state", outboxStatus, "err", err)
		return
	}
	w.publish(ws, conv, r)
}

// publish tells the desks that r's send status changed.
func (w *Worker) publish(ws, conv int64, r row) {
	if w.Bus != nil {
		w.Bus.Publish(live.Event{Kind: "send_status", WorkspaceID: ws, ConversationID: conv, MessageID: r.messageID})
	}
}

// Backoff is the wait before attempt n+1 of a reply: a provider down for
// seconds costs seconds, one down for long is asked every MaxBackoff.
func Backoff(attempt int) time.Duration {
	return channel.Backoff(attempt, BaseBackoff, MaxBackoff)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
