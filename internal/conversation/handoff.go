package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// HandoffInput is a public answer that continues in private.
type HandoffInput struct {
	ConversationID int64 // the public conversation
	UserID         int64
	Public         string // the short public acknowledgement
	Private        string // the first private message
	Author         Author
	SeenUpTo       int64 // as ReplyInput's: the public answer is a reply too
}

// Handoff answers a public conversation with a short public
// acknowledgement and continues with the customer in private on the same
// account: a DM on X, a private reply to the comment on Facebook and
// Instagram. The private thread (the customer's existing one, or a new
// one) is linked to the public one on both sides, so either shows the
// other. Both messages go through the outbox like any reply. All of it is
// one transaction: a hand-off refused halfway must not leave the public
// "we'll message you" queued with no private message to follow it; and
// a private message the provider refuses puts the public thread back to
// waiting (FailReply).
func (s *Store) Handoff(ctx context.Context, in HandoffInput) (public, private Message, err error) {
	var texts [2]string
	for i, t := range []string{in.Public, in.Private} {
		if strings.TrimSpace(t) == "" {
			return public, private, fmt.Errorf("%w: a hand-off needs both the public and the private message", hark.ErrInvalid)
		}
		if texts[i], err = replyText(t); err != nil {
			return public, private, fmt.Errorf("the %s message: %w", [2]string{"public", "private"}[i], err)
		}
	}
	pubIn := ReplyInput{ConversationID: in.ConversationID, UserID: in.UserID, Text: texts[0], Author: in.Author}
	privIn := ReplyInput{UserID: in.UserID, Text: texts[1], Author: in.Author}
	public, private = newReply(pubIn, texts[0]), newReply(privIn, texts[1])
	var pubConv, privConv Conversation
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		link := map[string]any{}
		var comment string
		pub, err := s.actIn(ctx, tx, in.ConversationID, in.UserID, "linked", link, func(tx *sql.Tx, pub *Conversation) error {
			if pub.Visibility != "public" {
				return fmt.Errorf("%w: this conversation is already private", hark.ErrInvalid)
			}
			if err := s.checkUnanswered(ctx, tx, pub.ID, in.UserID, in.SeenUpTo); err != nil {
				return err
			}
			if !hark.PrivateReplies(pub.Channel) {
				return fmt.Errorf("%w: %s has no private messages for the desk to send: reply publicly", hark.ErrInvalid, hark.ChannelLabels[pub.Channel])
			}
			// A thread with no comment of the customer's (split off by an
			// unmerge) is answered in private through the contact, as on
			// X: its comments are others', and a private reply to one
			// would reach a stranger.
			target, theirs, err := s.replyTarget(ctx, tx, *pub)
			if err != nil {
				return err
			}
			if theirs {
				comment = target
			}
			privID, err := s.privateThread(ctx, tx, *pub)
			if err != nil {
				return fmt.Errorf("open the private thread: %w", err)
			}
			link["linked_id"], privIn.ConversationID = privID, privID
			now := db.Now()
			if _, err := tx.ExecContext(ctx, s.q("LinkConversations"), privID, now, pub.ID); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, s.q("LinkConversations"), pub.ID, now, privID)
			return err
		})
		if err != nil {
			return err
		}
		pubConv = pub
		_, err = s.actIn(ctx, tx, pub.ID, in.UserID, "replied", map[string]any{"message_id": public.ID}, func(tx *sql.Tx, c *Conversation) error {
			return s.queueReply(ctx, tx, c, pubIn, &public)
		})
		if err != nil {
			return err
		}
		// Logged with the acknowledgement it follows, for FailReply: if
		// the private message fails, the public thread waits again.
		detail := map[string]any{"message_id": private.ID, "public_conversation_id": pub.ID, "acknowledgement_id": public.ID}
		privConv, err = s.actIn(ctx, tx, privIn.ConversationID, in.UserID, "replied", detail, func(tx *sql.Tx, c *Conversation) error {
			// Meta's private replies are addressed to the comment; X's
			// DMs to the customer, whom the outbox finds from the
			// thread's contact. Once the customer has written in
			// private, the thread is answered as usual.
			if c.LastInboundAt == 0 {
				privIn.ReplyTo = comment
			}
			return s.queueReply(ctx, tx, c, privIn, &private)
		})
		return err
	})
	if err != nil {
		return Message{}, Message{}, err
	}
	s.notify(pubConv, "linked", 0)
	s.notify(pubConv, "replied", 0)
	s.notify(pubConv, "message", public.ID)
	s.notify(privConv, "replied", 0)
	s.notify(privConv, "message", private.ID)
	return public, private, nil
}

// privateThread is the customer's private thread on pub's account, opened
// if they have none.
func (s *Store) privateThread(ctx context.Context, tx *sql.Tx, pub Conversation) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, s.q("PrivateThreadOf"), pub.AccountID, pub.ContactID).Scan(&id)
	if err != sql.ErrNoRows {
		return id, err
	}
	// The private thread starts in the public one's language, so it stays
	// in that language's queue before the customer writes.
	id = db.NewID()
	now := db.Now()
	_, err = tx.ExecContext(ctx, s.q("CreatePrivateThread"), id, pub.WorkspaceID, pub.AccountID, pub.Channel, pub.ContactID,
		pub.ContactName, pub.ContactHandle, now, now, now, pub.Language)
	return id, err
}

// queryRower is a transaction or a pool.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// replyTarget is the provider id of the message a reply to c answers
// unless told (ReplyTarget): the customer's latest. theirs is false when
// none of the thread's messages is the customer's, and the id is then
// the latest of anyone's; "" when nobody has written.
func (s *Store) replyTarget(ctx context.Context, q queryRower, c Conversation) (providerID string, theirs bool, err error) {
	err = q.QueryRowContext(ctx, s.q("ReplyTarget"), c.ContactID, contact.IdentityKind(c.Channel), c.ID).Scan(&providerID, &theirs)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reply target of conversation %d: %w", c.ID, err)
	}
	return providerID, theirs, nil
}
