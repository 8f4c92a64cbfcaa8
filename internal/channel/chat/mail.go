package chat

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/workspace"
)

//go:embed sql
var sqlFS embed.FS

var queries = db.MustLoadQueries(sqlFS, "sql")

// Tuning of the mailing of unseen replies.
var (
	// MailLease is how long a job holds a conversation while it mails it:
	// well beyond one SMTP dialogue (mailTimeout).
	MailLease = 2 * time.Minute
	// MailRetries is how many times a mail server that refuses or cannot
	// be reached is tried before the replies are given up on.
	MailRetries = 6
	// MailBackoff is the wait after the first failure, doubled after each
	// up to MailMaxBackoff: about an hour in all, which rides out a mail
	// server's restart. The outbox's replies start at seconds and give up
	// within minutes (outbox.Backoff), as an agent watches each one go;
	// nobody watches this mail, and the visitor has left.
	MailBackoff    = time.Minute
	MailMaxBackoff = time.Hour
	// MailsPerHour bounds the mails of one conversation: replies beyond
	// wait, and go in the next mail.
	MailsPerHour = 3
	// MailHoldFactor bounds how long an agent who keeps writing holds the
	// mail: a burst goes once its newest reply is MailDelay old, or its
	// oldest this many times that.
	MailHoldFactor = 5
	// MailKeep is how long settled replies are remembered, and the
	// address a visitor gave once the conversation awaits no answer and
	// nothing came or went for as long: a reply after that is not mailed.
	MailKeep = 7 * 24 * time.Hour
)

// Mailer e-mails agents' chat replies that the visitor has not seen in
// the widget in time to the address the visitor gave, one mail per
// conversation per burst. Its state is in the database, so any node may
// run it and a widget on any node may mark a reply seen.
type Mailer struct {
	DB            *db.DB
	Accounts      *workspace.Store
	Conversations *conversation.Store
	// Health, when set, is told of mail that fails.
	Health *health.Store
	Log    *slog.Logger
}

func (m *Mailer) q(name string) string { return queries.Get(m.DB.Dialect, name) }

// Stored notes a reply the outbox counts delivered to the widget, which is
// from then on the visitor's to see; it is mailed if they do not. A chat
// that mails no replies (mail_unseen_after 0, no smtp or mail_from) notes
// none: the job would only mark them skipped.
func (m *Mailer) Stored(ctx context.Context, messageID, conversationID, accountID int64) error {
	acct, err := m.Accounts.Account(ctx, accountID)
	if err != nil {
		return fmt.Errorf("note chat reply %d: %w", messageID, err)
	}
	if cfg, _ := ParseConfig(acct.Config); cfg.MailDelay() <= 0 {
		return nil
	}
	if _, err := m.DB.W.ExecContext(ctx, m.q("NoteReply"), messageID, conversationID, accountID, db.Now()); err != nil {
		return fmt.Errorf("note chat reply %d: %w", messageID, err)
	}
	return nil
}

// SetAddress records the address the visitor gave, in the pre-chat form
// or through the brand's signed identity: the only one replies go to.
func (m *Mailer) SetAddress(ctx context.Context, conversationID, accountID int64, addr string) error {
	a, err := headerAddress(addr)
	if err != nil {
		return fmt.Errorf("address of conversation %d: %w", conversationID, err)
	}
	if _, err := m.DB.W.ExecContext(ctx, m.q("SetAddress"), conversationID, accountID, a.bare, db.Now()); err != nil {
		return fmt.Errorf("address of conversation %d: %w", conversationID, err)
	}
	return nil
}

// Seen records that a widget showed the conversation's replies up to
// messageID, which are then not mailed.
func (m *Mailer) Seen(ctx context.Context, conversationID, accountID, messageID int64) error {
	return m.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, m.q("SeenUpTo"), conversationID, accountID, messageID, db.Now()); err != nil {
			return fmt.Errorf("seen in conversation %d: %w", conversationID, err)
		}
		_, err := tx.ExecContext(ctx, m.q("SeenReplies"), db.Now(), conversationID, messageID)
		return err
	})
}

// Run mails due replies every interval until ctx ends.
func (m *Mailer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	pruned := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := m.Tick(ctx, time.Now()); err != nil && ctx.Err() == nil {
			m.Log.Error("chat mail", "err", err)
		}
		if time.Since(pruned) > time.Hour {
			pruned = time.Now()
			if err := m.Prune(ctx, pruned); err != nil && ctx.Err() == nil {
				m.Log.Warn("chat mail: prune", "err", err)
			}
		}
	}
}

// Prune forgets, as of now, the replies settled MailKeep ago, then the
// mail state (the visitor's address too) of conversations quiet as long
// with nothing left to mail and no answer awaited.
func (m *Mailer) Prune(ctx context.Context, now time.Time) error {
	ms := now.UnixMilli()
	keep := ms - MailKeep.Milliseconds()
	if _, err := m.DB.W.ExecContext(ctx, m.q("Prune"), keep); err != nil {
		return fmt.Errorf("prune chat replies: %w", err)
	}
	if _, err := m.DB.W.ExecContext(ctx, m.q("PruneMail"), keep, ms, ms-time.Hour.Milliseconds()); err != nil {
		return fmt.Errorf("prune chat mail: %w", err)
	}
	return nil
}

// due is a conversation with unseen replies.
type due struct {
	conversationID, accountID int64
}

// Tick mails every conversation whose unseen replies are due at now, and
// returns how many mails it sent.
func (m *Mailer) Tick(ctx context.Context, now time.Time) (int, error) {
	began := time.Now()
	ms := now.UnixMilli()
	// clock is now, moved on by the time the tick has taken: a lease runs
	// from its claim, not from the tick's start, which a few slow mail
	// servers before it leave far behind.
	clock := func() int64 { return ms + time.Since(began).Milliseconds() }
	if err := m.recover(ctx, ms); err != nil {
		return 0, err
	}
	accts, err := m.Accounts.AllAccounts(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, acct := range accts {
		if acct.Channel != "chat" || ctx.Err() != nil {
			continue
		}
		cfg, _ := ParseConfig(acct.Config)
		delay := cfg.MailDelay().Milliseconds()
		if delay <= 0 {
			if _, err := m.DB.W.ExecContext(ctx, m.q("SkipAccount"), ms, acct.ID); err != nil {
				return sent, err
			}
			continue
		}
		list, err := m.due(ctx, acct.ID, ms, delay)
		if err != nil {
			return sent, err
		}
		for _, d := range list {
			if ctx.Err() != nil {
				break
			}
			ok, err := m.mail(ctx, d, acct, cfg, clock())
			if err != nil {
				return sent, fmt.Errorf("mail replies of conversation %d: %w", d.conversationID, err)
			}
			if ok {
				sent++
			}
		}
	}
	return sent, nil
}

// due lists the account's conversations whose unseen replies are due at
// ms: the newest older than delay (the agent may still be writing, the
// visitor may still look), or the oldest older than MailHoldFactor times
// it.
func (m *Mailer) due(ctx context.Context, accountID, ms, delay int64) ([]due, error) {
	rows, err := m.DB.W.QueryContext(ctx, m.q("Due"), accountID, ms, ms, ms-delay, ms-delay*int64(MailHoldFactor))
	if err != nil {
		return nil, fmt.Errorf("chat replies due: %w", err)
	}
	defer rows.Close()
	var list []due
	for rows.Next() {
		d := due{accountID: accountID}
		if err := rows.Scan(&d.conversationID); err != nil {
			return nil, err
		}
		list = append(list, d)
	}
	return list, rows.Err()
}

// recover settles replies a job left "sending" past its lease as unsure:
// mailed or not, nobody knows, and a second copy is worse than asking.
func (m *Mailer) recover(ctx context.Context, ms int64) error {
	rows, err := m.DB.W.QueryContext(ctx, m.q("Unsure"), ms, ms)
	if err != nil {
		return fmt.Errorf("chat replies in doubt: %w", err)
	}
	type hit struct{ conv, acct int64 }
	seen := map[hit]bool{}
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.conv, &h.acct); err != nil {
			rows.Close()
			return err
		}
		seen[h] = true
	}
	rows.Close()
	for h := range seen {
		m.problem(ctx, h.acct, fmt.Sprintf("a job stopped while e-mailing the visitor the replies in chat conversation %d: they may have been sent, and are not sent again", h.conv))
	}
	return rows.Err()
}

// mail sends conversation d's unseen replies, due, under a lease on it.
func (m *Mailer) mail(ctx context.Context, d due, acct workspace.Account, cfg Config, ms int64) (bool, error) {
	var st struct {
		addr                  string
		seenID, windowStart   int64
		attempts, windowMails int
	}
	err := m.DB.W.QueryRowContext(ctx, m.q("MailOf"), d.conversationID).Scan(&st.addr, &st.seenID, &st.attempts, &st.windowStart, &st.windowMails)
	if errors.Is(err, sql.ErrNoRows) || err == nil && st.addr == "" {
		return false, m.skip(ctx, d.conversationID, ms) // the visitor gave no address
	}
	if err != nil {
		return false, err
	}
	lease := ms + MailLease.Milliseconds()
	res, err := m.DB.W.ExecContext(ctx, m.q("Claim"), lease, d.conversationID, ms, ms)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil // another node has it, or it waits
	}
	// Read again under the lease: another node may have mailed meanwhile.
	if err := m.DB.W.QueryRowContext(ctx, m.q("MailOf"), d.conversationID).Scan(&st.addr, &st.seenID, &st.attempts, &st.windowStart, &st.windowMails); err != nil {
		m.release(ctx, d.conversationID, lease, 0)
		return false, err
	}
	hour := time.Hour.Milliseconds()
	if ms-st.windowStart >= hour {
		st.windowStart, st.windowMails = ms, 0
	}
	if st.windowMails >= MailsPerHour {
		m.release(ctx, d.conversationID, lease, st.windowStart+hour)
		return false, nil
	}
	replies, err := m.unseen(ctx, d.conversationID, st.seenID, ms)
	if err != nil || len(replies) == 0 {
		m.release(ctx, d.conversationID, lease, 0)
		return false, err
	}
	// From here the replies are "sending": a job that stops before it
	// records the outcome leaves them unsure, never mailed twice.
	var marked []conversation.Message
	err = m.DB.Tx(ctx, func(tx *sql.Tx) error {
		marked = marked[:0]
		res, err := tx.ExecContext(ctx, m.q("Renew"), ms+MailLease.Milliseconds()+1, d.conversationID, lease)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLeaseLost
		}
		for _, r := range replies {
			res, err := tx.ExecContext(ctx, m.q("MarkSending"), ms, r.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				marked = append(marked, r)
			}
		}
		return nil
	})
	if errors.Is(err, errLeaseLost) {
		return false, nil
	}
	if err != nil {
		m.release(ctx, d.conversationID, lease, 0)
		return false, err
	}
	lease = ms + MailLease.Milliseconds() + 1
	if len(marked) == 0 {
		m.release(ctx, d.conversationID, lease, 0)
		return false, nil
	}
	from := cfg.MailFrom
	if a, err := mail.ParseAddress(from); err == nil && a.Name == "" {
		from = (&mail.Address{Name: acct.Name, Address: a.Address}).String()
	}
	subject := "Your chat with " + acct.Name + ": a reply"
	if len(marked) > 1 {
		subject = "Your chat with " + acct.Name + ": " + strconv.Itoa(len(marked)) + " replies"
	}
	// The send is seen through when the node stops (mailTimeout bounds
	// it): cut off, it would leave the replies unsure.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailTimeout)
	sendErr := sendMail(mctx, cfg.SMTP, from, st.addr, subject, ReplyMail(acct.Name, marked))
	cancel()
	ctx = context.WithoutCancel(ctx)
	return sendErr == nil, m.settle(ctx, d, st.attempts, st.windowStart, st.windowMails, lease, marked, sendErr, ms)
}

var errLeaseLost = errors.New("the lease was lost")

// unseen reads the conversation's unseen replies in order: those a widget
// acknowledged meanwhile are marked seen, deleted ones skipped.
func (m *Mailer) unseen(ctx context.Context, conversationID, seenID, ms int64) ([]conversation.Message, error) {
	if seenID > 0 {
		if _, err := m.DB.W.ExecContext(ctx, m.q("SeenReplies"), ms, conversationID, seenID); err != nil {
			return nil, err
		}
	}
	rows, err := m.DB.W.QueryContext(ctx, m.q("Unseen"), conversationID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []conversation.Message
	for _, id := range ids {
		msg, err := m.Conversations.Message(ctx, id)
		if err != nil {
			return nil, err
		}
		if msg.DeletedAt != 0 || msg.ConversationID != conversationID || msg.Direction != "out" {
			if _, err := m.DB.W.ExecContext(ctx, m.q("SkipOne"), ms, id); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, msg)
	}
	return out, nil
}

// settle records a send's outcome on its replies and the conversation.
func (m *Mailer) settle(ctx context.Context, d due, attempts int, windowStart int64, windowMails int, lease int64, sent []conversation.Message, sendErr error, ms int64) error {
	state := "mailed"
	next := int64(0)
	switch {
	case sendErr == nil:
	case smtp.Unsure(sendErr):
		state = "unsure"
		m.problem(ctx, d.accountID, fmt.Sprintf("e-mailing the visitor the replies in chat conversation %d: %v; they may have been sent, and are not sent again", d.conversationID, sendErr))
	case refused(sendErr):
		state = "failed"
		m.problem(ctx, d.accountID, fmt.Sprintf("the visitor's address refused the replies in chat conversation %d, and they are not sent again: %v", d.conversationID, sendErr))
	case attempts+1 >= MailRetries:
		state = "failed"
		m.problem(ctx, d.accountID, fmt.Sprintf("gave up e-mailing the visitor the replies in chat conversation %d after %d attempts: %v", d.conversationID, attempts+1, sendErr))
	default:
		state = "unseen" // tried again later, with any reply since
		wait := channel.Backoff(attempts+1, MailBackoff, MailMaxBackoff)
		next = ms + wait.Milliseconds()
		m.problem(ctx, d.accountID, fmt.Sprintf("e-mailing the visitor the replies in chat conversation %d (attempt %d of %d, next in %s): %v", d.conversationID, attempts+1, MailRetries, wait.Round(time.Second), sendErr))
	}
	return m.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range sent {
			if _, err := tx.ExecContext(ctx, m.q("Settle"), state, ms, r.ID); err != nil {
				return err
			}
		}
		var res sql.Result
		var err error
		switch state {
		case "mailed":
			res, err = tx.ExecContext(ctx, m.q("Mailed"), windowStart, windowMails+1, d.conversationID, lease)
		case "unseen":
			res, err = tx.ExecContext(ctx, m.q("Retry"), attempts+1, next, d.conversationID, lease)
		default:
			res, err = tx.ExecContext(ctx, m.q("Retry"), 0, 0, d.conversationID, lease)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			m.Log.Warn("chat mail: the lease ran out during a send", "conversation", d.conversationID)
		}
		return nil
	})
}

// release gives a conversation's lease back, to be looked at again from next.
func (m *Mailer) release(ctx context.Context, conversationID, lease, next int64) {
	if _, err := m.DB.W.ExecContext(context.WithoutCancel(ctx), m.q("Release"), next, conversationID, lease); err != nil {
		m.Log.Warn("chat mail: release", "conversation", conversationID, "err", err)
	}
}

// skip settles a conversation's unseen replies as not to be mailed.
func (m *Mailer) skip(ctx context.Context, conversationID, ms int64) error {
	_, err := m.DB.W.ExecContext(ctx, m.q("Skip"), ms, conversationID)
	return err
}

func (m *Mailer) problem(ctx context.Context, accountID int64, msg string) {
	m.Log.Warn("chat mail", "account", accountID, "problem", msg)
	if m.Health != nil {
		m.Health.Error(ctx, accountID, "mail", msg)
	}
}

// ReplyMail renders agents' replies as the plain-text mail to the visitor.
func ReplyMail(brand string, replies []conversation.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered you in the chat:\n\n", brand)
	for _, r := range replies {
		who := firstNonEmpty(strings.TrimSpace(r.Author.Name), brand)
		fmt.Fprintf(&b, "%s, %s:\n%s\n\n", who, time.UnixMilli(r.SentAt).UTC().Format("2 Jan 2006 15:04 MST"), r.Text)
	}
	fmt.Fprintf(&b, "-- \nThe conversation is in the chat on %s's site: write there to answer.\n", brand)
	b.WriteString("You get this because you gave this address in the chat and had left when the answer came.\n")
	return b.String()
}
