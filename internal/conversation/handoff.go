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
}

// Handoff answers a public conversation with a short public
// acknowledgement and continues with the customer in private on the same
// account: a DM on X, a private reply to the comment on Facebook and
// Instagram. The private thread (the customer's existing one, or a new
// one) is linked to the public one on both sides, so either shows the
// other. Both messages go through the outbox like any reply.
func (s *Store) Handoff(ctx context.Context, in HandoffInput) (public, private Message, err error) {
	for _, t := range []string{in.Public, in.Private} {
		if strings.TrimSpace(t) == "" {
			return public, private, fmt.Errorf("%w: a hand-off needs both the public and the private message", hark.ErrInvalid)
		}
		if !hark.Storable(t) {
			return public, private, fmt.Errorf("%w: a hand-off message is not valid UTF-8 or holds a NUL character", hark.ErrInvalid)
		}
	}
	pub, err := s.Get(ctx, in.ConversationID)
	if err != nil {
		return public, private, err
	}
	if pub.Visibility != "public" {
		return public, private, fmt.Errorf("%w: this conversation is already private", hark.ErrInvalid)
	}
	// A thread with no comment of the customer's (split off by an unmerge)
	// is answered in private through the contact, as on X: its comments
	// are others', and a private reply to one would reach a stranger.
	comment, theirs, err := s.replyTarget(ctx, s.db.R, pub)
	if err != nil {
		return public, private, err
	}
	if !theirs {
		comment = ""
	}
	var privID int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q("PrivateThreadOf"), pub.AccountID, pub.ContactID).Scan(&privID)
		if err != sql.ErrNoRows {
			return err
		}
		// The private thread starts in the public one's language, so it
		// stays in that language's queue before the customer writes.
		privID = db.NewID()
		now := db.Now()
		_, err = tx.ExecContext(ctx, s.q("CreatePrivateThread"), privID, pub.WorkspaceID, pub.AccountID, pub.Channel, pub.ContactID,
			pub.ContactName, pub.ContactHandle, now, now, now, pub.Language)
		return err
	})
	if err != nil {
		return public, private, fmt.Errorf("open the private thread: %w", err)
	}
	if err := s.Link(ctx, pub.ID, privID, in.UserID); err != nil {
		return public, private, err
	}
	if public, err = s.Reply(ctx, ReplyInput{ConversationID: pub.ID, UserID: in.UserID, Text: in.Public, Author: in.Author}); err != nil {
		return public, private, err
	}
	// Meta's private replies are addressed to the comment; X's DMs to the
	// customer, whom the outbox finds from the thread's contact. Once the
	// customer has written in private, the thread is answered as usual.
	priv, err := s.getW(ctx, privID)
	if err != nil {
		return public, private, err
	}
	if priv.LastInboundAt != 0 {
		comment = ""
	}
	private, err = s.Reply(ctx, ReplyInput{ConversationID: privID, UserID: in.UserID, Text: in.Private, Author: in.Author, ReplyTo: comment})
	return public, private, err
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
