-- name: ClaimDue
UPDATE outbox SET status = 'sending', offered = 0, attempts = attempts + 1, updated_at = $1
WHERE id IN (SELECT id FROM outbox WHERE status IN ('queued', 'retrying') AND next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED)
RETURNING id, message_id, account_id, idempotency_key, attempts, unclear;

-- name: InDoubt
SELECT id, message_id, account_id, idempotency_key, attempts, unclear FROM outbox WHERE status = 'sending' AND offered = 1 AND updated_at < $1;

-- name: SettleRecorded
-- Replies in doubt whose message already says sent (an earlier version
-- recorded the provider's answer on the message and lost the write to the
-- outbox row): sent, not failed as "may have been delivered".
UPDATE outbox SET status = 'sent', next_attempt_at = 0, last_error = '', updated_at = $1
WHERE status = 'sending' AND offered = 1 AND updated_at < $2
  AND EXISTS (SELECT 1 FROM messages m WHERE m.id = outbox.message_id AND m.send_status = 'sent');

-- name: Requeue
-- Claims past their lease that were never offered to the provider: back
-- in the queue, the attempt not counted.
UPDATE outbox SET status = 'queued', attempts = attempts - 1, next_attempt_at = $1, updated_at = $2
WHERE status = 'sending' AND offered = 0 AND updated_at < $3;

-- name: Release
-- A claim given back unsent by a worker that is stopping.
UPDATE outbox SET status = 'queued', attempts = attempts - 1, next_attempt_at = $1, updated_at = $2
WHERE id = $3 AND status = 'sending' AND offered = 0 AND updated_at = $4;

-- name: AwaitConnector
-- A claim whose account has no connector yet, back in the queue until one
-- is configured. Waiting is not an attempt, so it neither uses up attempts
-- nor grows the backoff. A reply in doubt (offered before a crash) keeps
-- its count and is marked unclear: it is looked up, not posted blind, once
-- the account has a connector.
UPDATE outbox SET status = 'queued', attempts = attempts - 1 + offered,
       unclear = CASE WHEN offered = 1 THEN 1 ELSE unclear END,
       next_attempt_at = $1, last_error = $2, updated_at = $3
WHERE id = $4 AND status = 'sending' AND updated_at = $5;

-- name: Offer
-- Written before the provider is called: from here a lost claim may have
-- been delivered. Like Renew, it holds only a claim still this worker's.
UPDATE outbox SET offered = 1, updated_at = $1 WHERE id = $2 AND status = 'sending' AND updated_at = $3;

-- name: Reclaim
UPDATE outbox SET updated_at = $1 WHERE id = $2 AND status = 'sending' AND updated_at < $3;

-- name: Renew
-- A worker's claim, renewed just before it sends: only while the row is
-- still the one it claimed (updated_at as its claim or last renewal wrote it).
UPDATE outbox SET updated_at = $1 WHERE id = $2 AND status = 'sending' AND updated_at = $3;

-- name: SetUnclear
UPDATE outbox SET unclear = $1 WHERE id = $2;

-- name: ProviderIDTaken
-- Whether a provider id found for a reply is another message's already.
SELECT COUNT(*) FROM messages WHERE account_id = $1 AND provider_id = $2 AND id <> $3;

-- name: MessageForSend
SELECT m.text, m.reply_to_provider_id, c.visibility, c.channel,
       COALESCE((SELECT i.author_external_id FROM messages i WHERE i.conversation_id = m.conversation_id AND i.direction = 'in'
                 ORDER BY i.sent_at DESC, i.id DESC LIMIT 1),
                (SELECT ci.external_id FROM contact_identities ci WHERE ci.contact_id = c.contact_id AND ci.channel = c.channel
                 ORDER BY ci.created_at DESC LIMIT 1), ''),
       m.workspace_id, m.conversation_id
FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1;

-- name: SetOutbox
UPDATE outbox SET status = $1, next_attempt_at = $2, last_error = $3, updated_at = $4 WHERE id = $5;

-- name: SetFailed
-- A reply given up on. unclear says whether it may have been posted all
-- the same, for the conversation's queries (WaitingSince): an undelivered
-- report settles a doubt an earlier attempt left.
UPDATE outbox SET status = 'failed', next_attempt_at = 0, last_error = $1, unclear = $2, updated_at = $3 WHERE id = $4;

-- name: SetMessageStatus
UPDATE messages SET send_status = $1, send_error = $2 WHERE id = $3;

-- name: SetMessageSent
UPDATE messages SET send_status = 'sent', send_error = '', provider_id = $1 WHERE id = $2;

-- name: ReplyByProviderID
-- The outbox row of a reply the provider named (a bounce's Message-ID, a
-- WhatsApp message id), and its channel.
SELECT o.id, o.message_id, o.account_id, o.idempotency_key, o.attempts, o.status, m.workspace_id, m.conversation_id, c.channel
FROM messages m JOIN outbox o ON o.message_id = m.id JOIN conversations c ON c.id = m.conversation_id
WHERE m.account_id = $1 AND m.provider_id = $2 AND m.direction = 'out';
