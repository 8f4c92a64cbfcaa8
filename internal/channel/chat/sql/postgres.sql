-- name: NoteReply
-- A reply the outbox counts delivered to the widget: unseen, unless a
-- widget acknowledged it (or a later one) before the outbox got to it.
INSERT INTO chat_replies (message_id, conversation_id, account_id, stored_at, state, updated_at)
SELECT $1, $2, $3, $4,
       CASE WHEN EXISTS (SELECT 1 FROM chat_mail WHERE conversation_id = $2 AND seen_id >= $1) THEN 'seen' ELSE 'unseen' END, $4
ON CONFLICT (message_id) DO NOTHING;

-- name: SetAddress
INSERT INTO chat_mail (conversation_id, account_id, address, active_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (conversation_id) DO UPDATE SET address = excluded.address, active_at = excluded.active_at;

-- name: SeenUpTo
INSERT INTO chat_mail (conversation_id, account_id, seen_id, active_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (conversation_id) DO UPDATE SET seen_id = GREATEST(chat_mail.seen_id, excluded.seen_id), active_at = excluded.active_at;

-- name: SeenReplies
UPDATE chat_replies SET state = 'seen', updated_at = $1 WHERE conversation_id = $2 AND message_id <= $3 AND state = 'unseen';

-- name: Unsure
-- Replies left "sending" by a job whose lease ran out (it stopped, or lost
-- the database mid-send): they may have been mailed, and are not again.
UPDATE chat_replies SET state = 'unsure', updated_at = $1
WHERE state = 'sending' AND conversation_id IN (SELECT conversation_id FROM chat_mail WHERE lease_until < $2)
RETURNING conversation_id, account_id;

-- name: Due
-- One chat account's conversations with unseen replies due: the newest
-- older than the account's delay, or the oldest older than MailHoldFactor
-- times it. Asked per account, so a chat that waits a day holds back no
-- other chat's mail.
SELECT r.conversation_id
FROM chat_replies r LEFT JOIN chat_mail m ON m.conversation_id = r.conversation_id
WHERE r.account_id = $1 AND r.state = 'unseen' AND COALESCE(m.next_at, 0) <= $2 AND COALESCE(m.lease_until, 0) < $3
GROUP BY r.conversation_id
HAVING MAX(r.stored_at) <= $4 OR MIN(r.stored_at) <= $5
ORDER BY MAX(r.stored_at)
LIMIT 100;

-- name: SkipAccount
UPDATE chat_replies SET state = 'skipped', updated_at = $1 WHERE account_id = $2 AND state = 'unseen';

-- name: Skip
UPDATE chat_replies SET state = 'skipped', updated_at = $1 WHERE conversation_id = $2 AND state = 'unseen';

-- name: SkipOne
UPDATE chat_replies SET state = 'skipped', updated_at = $1 WHERE message_id = $2 AND state = 'unseen';

-- name: MailOf
SELECT address, seen_id, attempts, window_start, window_mails FROM chat_mail WHERE conversation_id = $1;

-- name: Claim
UPDATE chat_mail SET lease_until = $1 WHERE conversation_id = $2 AND lease_until < $3 AND next_at <= $4;

-- name: Renew
UPDATE chat_mail SET lease_until = $1 WHERE conversation_id = $2 AND lease_until = $3;

-- name: Unseen
SELECT message_id FROM chat_replies WHERE conversation_id = $1 AND state = 'unseen' ORDER BY message_id;

-- name: MarkSending
UPDATE chat_replies SET state = 'sending', updated_at = $1 WHERE message_id = $2 AND state = 'unseen';

-- name: Settle
-- The outcome of a send, on a reply it carried. An "unsure" one counts:
-- another node may have taken the lease for run out while the mail went.
UPDATE chat_replies SET state = $1, updated_at = $2 WHERE message_id = $3 AND state IN ('sending', 'unsure');

-- name: Mailed
UPDATE chat_mail SET lease_until = 0, attempts = 0, next_at = 0, window_start = $1, window_mails = $2 WHERE conversation_id = $3 AND lease_until = $4;

-- name: Retry
UPDATE chat_mail SET lease_until = 0, attempts = $1, next_at = $2 WHERE conversation_id = $3 AND lease_until = $4;

-- name: Release
UPDATE chat_mail SET lease_until = 0, next_at = $1 WHERE conversation_id = $2 AND lease_until = $3;

-- name: Prune
-- Replies settled a while ago (chat_replies_stored).
DELETE FROM chat_replies WHERE state NOT IN ('unseen', 'sending') AND stored_at < $1;

-- name: PruneMail
-- A conversation's mail state once nothing needs it (chat_mail_active):
-- the visitor quiet for a while, no reply left (Prune, run first, takes
-- settled ones), no job mid-mail under a lease, the hour that counts its
-- mails (MailsPerHour) over, and the conversation not waiting for the
-- desk, whose answer goes to the visitor's address however late.
DELETE FROM chat_mail
WHERE active_at < $1 AND lease_until < $2 AND window_start < $3
  AND NOT EXISTS (SELECT 1 FROM chat_replies r WHERE r.conversation_id = chat_mail.conversation_id)
  AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = chat_mail.conversation_id AND c.waiting_since > 0 AND c.status <> 'resolved');
