-- name: ClaimDue
UPDATE outbox SET status = 'sending', offered = 0, attempts = attempts + 1, updated_at = ?
WHERE id IN (SELECT id FROM outbox WHERE status IN ('queued', 'retrying') AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 20)
RETURNING id, message_id, account_id, idempotency_key, attempts, unclear;

-- name: InDoubt
SELECT id, message_id, account_id, idempotency_key, attempts, unclear FROM outbox WHERE status = 'sending' AND offered = 1 AND updated_at < ?;

-- name: SettleRecorded
-- Replies in doubt whose message already says sent (an earlier version
-- recorded the provider's answer on the message and lost the write to the
-- outbox row): sent, not failed as "may have been delivered".
UPDATE outbox SET status = 'sent', next_attempt_at = 0, last_error = '', updated_at = ?
WHERE status = 'sending' AND offered = 1 AND updated_at < ?
  AND EXISTS (SELECT 1 FROM messages m WHERE m.id = outbox.message_id AND m.send_status = 'sent');

-- name: Requeue
-- Claims past their lease that were never offered to the provider: back
-- in the queue, the attempt not counted.
UPDATE outbox SET status = 'queued', attempts = attempts - 1, next_attempt_at = ?, updated_at = ?
WHERE status = 'sending' AND offered = 0 AND updated_at < ?;

-- name: Release
-- A claim given back unsent by a worker that is stopping.
UPDATE outbox SET status = 'queued', attempts = attempts - 1, next_attempt_at = ?, updated_at = ?
WHERE id = ? AND status = 'sending' AND offered = 0 AND updated_at = ?;

-- name: AwaitConnector
-- A claim whose account has no connector yet, back in the queue until one
-- is configured. Waiting is not an attempt, so it neither uses up attempts
-- nor grows the backoff. A reply in doubt (offered before a crash) keeps
-- its count and is marked unclear: it is looked up, not posted blind, once
-- the account has a connector.
UPDATE outbox SET status = 'queued', attempts = attempts - 1 + offered,
       unclear = CASE WHEN offered = 1 THEN 1 ELSE unclear END,
       next_attempt_at = ?, last_error = ?, updated_at = ?
WHERE id = ? AND status = 'sending' AND updated_at = ?;

-- name: Offer
-- Written before the provider is called: from here a lost claim may have
-- been delivered. Like Renew, it holds only a claim still this worker's.
UPDATE outbox SET offered = 1, updated_at = ? WHERE id = ? AND status = 'sending' AND updated_at = ?;

-- name: Reclaim
UPDATE outbox SET updated_at = ? WHERE id = ? AND status = 'sending' AND updated_at < ?;

-- name: Renew
-- A worker's claim, renewed just before it sends: only while the row is
-- still the one it claimed (updated_at as its claim or last renewal wrote it).
UPDATE outbox SET updated_at = ? WHERE id = ? AND status = 'sending' AND updated_at = ?;

-- name: SetUnclear
UPDATE outbox SET unclear = ? WHERE id = ?;

-- name: ProviderIDTaken
-- Whether a provider id found for a reply is another message's already.
SELECT COUNT(*) FROM messages WHERE account_id = ? AND provider_id = ? AND id <> ?;

-- name: MessageForSend
SELECT m.text, m.reply_to_provider_id, c.visibility, c.channel,
       COALESCE((SELECT i.author_external_id FROM messages i WHERE i.conversation_id = m.conversation_id AND i.direction = 'in'
                 ORDER BY i.sent_at DESC, i.id DESC LIMIT 1),
                (SELECT ci.external_id FROM contact_identities ci WHERE ci.contact_id = c.contact_id AND ci.channel = c.channel
                 ORDER BY ci.created_at DESC LIMIT 1), ''),
       m.workspace_id, m.conversation_id
FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ?;

-- name: SetOutbox
UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?;

-- name: SetFailed
-- A reply given up on. unclear says whether it may have been posted all
-- the same, for the conversation's queries (WaitingSince): an undelivered
-- report settles a doubt an earlier attempt left.
UPDATE outbox SET status = 'failed', next_attempt_at = 0, last_error = ?, unclear = ?, updated_at = ? WHERE id = ?;

-- name: SetMessageStatus
UPDATE messages SET send_status = ?, send_error = ? WHERE id = ?;

-- name: SetMessageSent
UPDATE messages SET send_status = 'sent', send_error = '', provider_id = ? WHERE id = ?;

-- name: ReplyByProviderID
-- The outbox row of a reply the provider named (a bounce's Message-ID, a
-- WhatsApp message id), and its channel.
SELECT o.id, o.message_id, o.account_id, o.idempotency_key, o.attempts, o.status, m.workspace_id, m.conversation_id, c.channel
FROM messages m JOIN outbox o ON o.message_id = m.id JOIN conversations c ON c.id = m.conversation_id
WHERE m.account_id = ? AND m.provider_id = ? AND m.direction = 'out';
