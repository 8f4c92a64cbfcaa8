package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/hark"
)

// FailReply records, inside tx, that the outbox gave up on reply msgID of
// conversation convID: mark writes the failure (the outbox's own rows)
// while the conversation is held, as every action holds it, so a customer
// message ingested meanwhile is either read here or folded in after.
//
// Queueing the reply ended the customer's wait (TouchOutbound); a reply
// that never reached them answered nothing, so the thread waits again
// from the first of its customer's messages since the last answer that
// did not fail (WaitingSince) and shows what they ask (SettleLabels). A
// failed private message of a hand-off leaves its public thread with a
// "we'll message you" and nothing after: that thread waits again too, as
// if the acknowledgement had not been sent, and its log says why
// (private_failed). It returns the conversations besides convID it
// changed, for live views.
//
// mayHaveArrived says the provider may have posted the reply all the same
// (its answer was lost, and the channel cannot look): the thread is left
// answered. Such a request reached the provider, which posts most of
// them; waiting again would put an answered customer back in the queue,
// where the agent's only way out is a second reply, the double post that
// "check before resending" is there to prevent. The agent is told on the
// message to check.
func FailReply(ctx context.Context, tx *sql.Tx, d db.Dialect, msgID, convID int64, mayHaveArrived bool, mark func() error) ([]int64, error) {
	q := func(name string) string { return queries.Get(d, name) }
	var h handoffReply
	if !mayHaveArrived {
		var err error
		if h, err = handoffOf(ctx, tx, d, convID, msgID); err != nil {
			return nil, err
		}
	}
	// The public thread first, as Handoff takes them.
	var pub Conversation
	if h.PublicID != 0 {
		var err error
		pub, err = scanConversation(tx.QueryRowContext(ctx, q("ConversationForAction"), h.PublicID))
		if errors.Is(err, sql.ErrNoRows) {
			h = handoffReply{}
		} else if err != nil {
			return nil, err
		}
	}
	conv, err := scanConversation(tx.QueryRowContext(ctx, q("ConversationForAction"), convID))
	if err != nil {
		return nil, fmt.Errorf("conversation %d: %w", convID, err)
	}
	var was string
	if err := tx.QueryRowContext(ctx, q("SendStatusOf"), msgID).Scan(&was); err != nil {
		return nil, fmt.Errorf("reply %d: %w", msgID, err)
	}
	if err := mark(); err != nil {
		return nil, err
	}
	if mayHaveArrived || was == "failed" { // failed already: settled then
		return nil, nil
	}
	if err := reopenResolvedOn(ctx, tx, d, &conv, msgID); err != nil {
		return nil, err
	}
	if err := settleWait(ctx, tx, d, conv); err != nil {
		return nil, err
	}
	if h.PublicID == 0 {
		return nil, nil
	}
	detail, _ := json.Marshal(map[string]any{"message_id": msgID, "private_conversation_id": convID, "acknowledgement_id": h.AcknowledgementID})
	if _, err := tx.ExecContext(ctx, q("InsertActivity"), db.NewID(), pub.WorkspaceID, pub.ID, nil, "private_failed", string(detail), db.Now()); err != nil {
		return nil, err
	}
	if err := reopenResolvedOn(ctx, tx, d, &pub, h.AcknowledgementID); err != nil {
		return nil, err
	}
	if err := settleWait(ctx, tx, d, pub); err != nil {
		return nil, err
	}
	return []int64{pub.ID}, nil
}

// reopenResolvedOn opens conv again, with conv held, when an agent
// resolved it after queueing reply (send and resolve, or a hand-off's
// "we'll message you" and resolve) and no later reply of ours got
// through: the resolve trusted an answer the customer never had, and a
// resolved thread waits for nothing. The log says the system undid that
// resolve, which the waiting queries then pass over (ResolveOnReply's
// "undoes").
func reopenResolvedOn(ctx context.Context, tx *sql.Tx, d db.Dialect, conv *Conversation, reply int64) error {
	if conv.Status != hark.StatusResolved || reply == 0 {
		return nil
	}
	var resolve int64
	if err := tx.QueryRowContext(ctx, queries.Get(d, "ResolveOnReply"), conv.ID, reply).Scan(&resolve); err != nil {
		return fmt.Errorf("resolve on reply %d: %w", reply, err)
	}
	if resolve == 0 {
		return nil
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, queries.Get(d, "SetStatus"), hark.StatusOpen, 0, now, conv.ID); err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"status": hark.StatusOpen, "until": 0, "undoes": resolve, "reason": "reply_failed", "message_id": reply})
	if _, err := tx.ExecContext(ctx, queries.Get(d, "InsertActivity"), db.NewID(), conv.WorkspaceID, conv.ID, nil, "status", string(detail), now); err != nil {
		return err
	}
	conv.Status = hark.StatusOpen
	return nil
}

// handoffReply is what Handoff logs with its private message.
type handoffReply struct {
	MessageID         int64 `json:"message_id"`
	PublicID          int64 `json:"public_conversation_id"`
	AcknowledgementID int64 `json:"acknowledgement_id"`
}

// handoffOf is the hand-off whose private message msgID is, if it is one.
func handoffOf(ctx context.Context, tx *sql.Tx, d db.Dialect, convID, msgID int64) (handoffReply, error) {
	rows, err := tx.QueryContext(ctx, queries.Get(d, "HandoffReplies"), convID)
	if err != nil {
		return handoffReply{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var detail string
		var h handoffReply
		if err := rows.Scan(&detail); err != nil {
			return handoffReply{}, err
		}
		if json.Unmarshal([]byte(detail), &h) == nil && h.MessageID == msgID {
			return h, nil
		}
	}
	return handoffReply{}, rows.Err()
}

// settleWait sets, with conv held, when its customer began to wait
// (WaitingSince) and the labels of what they wait on.
func settleWait(ctx context.Context, tx *sql.Tx, d db.Dialect, conv Conversation) error {
	var since int64
	if err := tx.QueryRowContext(ctx, queries.Get(d, "WaitingSince"), conv.ID).Scan(&since); err != nil {
		return fmt.Errorf("waiting since, conversation %d: %w", conv.ID, err)
	}
	if since != conv.WaitingSince {
		if _, err := tx.ExecContext(ctx, queries.Get(d, "SetWaitingSince"), since, db.Now(), conv.ID); err != nil {
			return err
		}
		conv.WaitingSince = since
	}
	if since == 0 {
		return nil
	}
	return SettleLabels(ctx, tx, d, conv)
}
