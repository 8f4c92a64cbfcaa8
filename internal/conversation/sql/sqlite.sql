-- Columns of a conversation, in the order scanConversation reads them.
-- name: ConversationByID
SELECT id, workspace_id, account_id, channel, contact_id, visibility, status, assignee_id, team_id, priority,
       subject, tags, contact_name, contact_handle, preview, message_count, last_message_at, last_inbound_at,
       waiting_since, snoozed_until, linked_id, created_at, updated_at, intent, sentiment, needs_reply, language
FROM conversations WHERE id = ?;

-- name: ConversationForAction
-- Every action on a conversation reads it with this first. SQLite has one
-- writer, so actions already take turns; PostgreSQL locks the row here.
SELECT id, workspace_id, account_id, channel, contact_id, visibility, status, assignee_id, team_id, priority,
       subject, tags, contact_name, contact_handle, preview, message_count, last_message_at, last_inbound_at,
       waiting_since, snoozed_until, linked_id, created_at, updated_at, intent, sentiment, needs_reply, language
FROM conversations WHERE id = ?;

-- name: ConversationsOfContact
SELECT id, workspace_id, account_id, channel, contact_id, visibility, status, assignee_id, team_id, priority,
       subject, tags, contact_name, contact_handle, preview, message_count, last_message_at, last_inbound_at,
       waiting_since, snoozed_until, linked_id, created_at, updated_at, intent, sentiment, needs_reply, language
FROM conversations WHERE contact_id = ? ORDER BY last_message_at DESC LIMIT 50;

-- name: MessageByProvider
-- The ingest writer's lookups fetch, with each stored message, the state of
-- its thread that threading decides on, so a reply costs no second query.
-- (A block's comments go under its name: trailing text would make the SQLite
-- driver treat the query as a script and parse it again on every run.)
SELECT m.id, m.conversation_id, c.contact_id, c.visibility, c.status, c.last_message_at, c.last_inbound_at
FROM messages m JOIN conversations c ON c.id = m.conversation_id
WHERE m.account_id = ? AND m.provider_id = ?;

-- name: MessagesByProvider
-- One query for a whole batch's provider ids (a JSON array of strings).
SELECT m.provider_id, m.id, m.conversation_id, c.contact_id, c.visibility, c.status, c.last_message_at, c.last_inbound_at
FROM messages m JOIN conversations c ON c.id = m.conversation_id
WHERE m.account_id = ? AND m.provider_id IN (SELECT value FROM json_each(?));

-- name: LatestThread
SELECT id, status, last_message_at, last_inbound_at FROM conversations
WHERE account_id = ? AND contact_id = ? AND visibility = ?
ORDER BY last_message_at DESC LIMIT 1;

-- name: LatestThreads
-- LatestThread for a batch's authors at once: a JSON array of
-- [contact id, visibility] pairs, the ids as strings.
SELECT k.contact_id, k.visibility, c.id, c.status, c.last_message_at, c.last_inbound_at
FROM (SELECT DISTINCT CAST(value ->> 0 AS INTEGER) AS contact_id, value ->> 1 AS visibility FROM json_each(?2)) AS k
JOIN conversations c ON c.id = (SELECT id FROM conversations
    WHERE account_id = ?1 AND contact_id = k.contact_id AND visibility = k.visibility
    ORDER BY last_message_at DESC LIMIT 1);

-- name: CreateConversations
-- Composed like InsertInboundMessages: each thread a batch starts is
-- created with the state the batch leaves it in, and a batch's new threads
-- go in a few statements, as the messages do.
INSERT INTO conversations (id, workspace_id, account_id, channel, contact_id, visibility, status, subject,
    contact_name, contact_handle, preview, message_count, last_message_at, last_inbound_at, waiting_since,
    created_at, updated_at, intent, sentiment, needs_reply, language)
VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: TouchInbound
-- A batch of a customer's messages to one thread: it opens again and waits
-- for us. The contact columns follow the thread's own customer only, and
-- the preview the newest message (a late delivery of an older one keeps it).
-- The thread waits for our reply from its customer's earliest message since
-- our last reply or since it was resolved (waiting_since). While it waits,
-- its intent is the one an agent most needs to know of those messages
-- (hark.Intents' order) and it needs a reply if any of them does: "thanks
-- in advance" after an unanswered question must not take it out of the
-- queue. Otherwise this batch is all that waits, and its labels are the
-- thread's. The sentiment is the newest message's. SettleLabels reads the
-- same messages again. Written for a batch of threads, one VALUES tuple
-- each (db.PrepareUpdates).
WITH v(in_preview, in_owner, in_name, in_owner2, in_handle, in_count, in_sent, in_sent2, in_first, in_now,
    in_label_at, in_intent, in_sentiment, in_needs_reply, in_language, in_id, in_language_at) AS (
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))
UPDATE conversations SET
    status = 'open',
    snoozed_until = 0,
    preview = CASE WHEN in_sent >= last_message_at THEN in_preview ELSE preview END,
    contact_name = CASE WHEN contact_id = in_owner THEN in_name ELSE contact_name END,
    contact_handle = CASE WHEN contact_id = in_owner2 THEN in_handle ELSE contact_handle END,
    message_count = message_count + in_count,
    last_message_at = MAX(last_message_at, in_sent),
    last_inbound_at = MAX(last_inbound_at, in_sent2),
    waiting_since = CASE WHEN waiting_since = 0 OR status = 'resolved' THEN in_first ELSE MIN(waiting_since, in_first) END,
    updated_at = in_now,
    intent = CASE WHEN in_label_at < 0 THEN intent
        WHEN waiting_since > 0 AND status <> 'resolved' AND (CASE intent WHEN 'request' THEN 0 WHEN 'complaint' THEN 1 WHEN 'peer' THEN 2 WHEN 'praise' THEN 3 WHEN 'share' THEN 4 WHEN 'other' THEN 5 ELSE 6 END) <= (CASE in_intent WHEN 'request' THEN 0 WHEN 'complaint' THEN 1 WHEN 'peer' THEN 2 WHEN 'praise' THEN 3 WHEN 'share' THEN 4 WHEN 'other' THEN 5 ELSE 6 END) THEN intent
        ELSE in_intent END,
    sentiment = CASE WHEN in_label_at < 0 THEN sentiment
        WHEN NOT (waiting_since > 0 AND status <> 'resolved') OR in_label_at >= last_inbound_at THEN in_sentiment ELSE sentiment END,
    needs_reply = CASE WHEN in_label_at < 0 THEN needs_reply WHEN waiting_since > 0 AND status <> 'resolved' THEN MAX(needs_reply, in_needs_reply) ELSE in_needs_reply END,
    language = CASE WHEN in_language_at >= last_inbound_at AND in_language <> '' THEN in_language ELSE language END
FROM v WHERE conversations.id = in_id;

-- name: InsertInboundMessages
-- Composed: the VALUES tuple repeats once per message, so a batch's messages
-- go in a few statements (FTS5 then indexes them in one pass instead of one
-- segment per message), and its placeholders are rebound for PostgreSQL.
INSERT INTO messages (id, workspace_id, conversation_id, account_id, direction, provider_id, author_external_id,
    author_name, author_handle, author_followers, author_verified, text, search_text, attachments,
    reply_to_provider_id, labels, sent_at, received_at, raw)
VALUES (?, ?, ?, ?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: InsertMessage
INSERT INTO messages (id, workspace_id, conversation_id, account_id, direction, provider_id, author_external_id,
    author_name, author_handle, author_followers, author_verified, user_id, text, search_text, attachments,
    reply_to_provider_id, send_status, labels, sent_at, received_at, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: TouchOutbound
-- An agent's reply: the customer is no longer waiting (until it fails:
-- FailReply).
UPDATE conversations SET
    preview = ?,
    message_count = message_count + 1,
    last_message_at = MAX(last_message_at, ?),
    waiting_since = 0,
    updated_at = ?
WHERE id = ?;

-- name: MessagesOf
-- The newest MessagesShown, newest first; Messages puts them back in
-- order.
SELECT id, workspace_id, conversation_id, account_id, direction, COALESCE(provider_id, ''), author_external_id,
       author_name, author_handle, author_followers, author_verified, COALESCE(user_id, 0), text, attachments,
       reply_to_provider_id, send_status, send_error, labels, sent_at, received_at, edited_at, deleted_at
FROM messages WHERE conversation_id = ? ORDER BY sent_at DESC, id DESC LIMIT ?;

-- name: MessagesBefore
-- The MessagesShown before a page's first message (sent_at, id), newest
-- first: the keyset page of older messages, by the same order.
SELECT id, workspace_id, conversation_id, account_id, direction, COALESCE(provider_id, ''), author_external_id,
       author_name, author_handle, author_followers, author_verified, COALESCE(user_id, 0), text, attachments,
       reply_to_provider_id, send_status, send_error, labels, sent_at, received_at, edited_at, deleted_at
FROM messages WHERE conversation_id = ? AND (sent_at, id) < (?, ?) ORDER BY sent_at DESC, id DESC LIMIT ?;

-- name: AnsweredSince
-- The newest reply after a message by anyone but one user (automation's
-- included) that has not failed: the answer that user, replying from a
-- page whose newest message was that one, has not seen. Ids are
-- time-ordered; messages_conversation covers it.
SELECT id, workspace_id, conversation_id, account_id, direction, COALESCE(provider_id, ''), author_external_id,
       author_name, author_handle, author_followers, author_verified, COALESCE(user_id, 0), text, attachments,
       reply_to_provider_id, send_status, send_error, labels, sent_at, received_at, edited_at, deleted_at
FROM messages
WHERE conversation_id = ? AND id > ? AND direction = 'out' AND send_status <> 'failed'
  AND (user_id IS NULL OR user_id <> ?)
ORDER BY id DESC LIMIT 1;

-- name: MessageByID
SELECT id, workspace_id, conversation_id, account_id, direction, COALESCE(provider_id, ''), author_external_id,
       author_name, author_handle, author_followers, author_verified, COALESCE(user_id, 0), text, attachments,
       reply_to_provider_id, send_status, send_error, labels, sent_at, received_at, edited_at, deleted_at
FROM messages WHERE id = ?;

-- name: MessageRaw
SELECT raw FROM messages WHERE id = ?;

-- name: SetAssignee
UPDATE conversations SET assignee_id = ?, updated_at = ? WHERE id = ?;

-- name: AssignedTo
-- Threads still in someone's name: every status but resolved.
SELECT id FROM conversations WHERE assignee_id = ? AND status <> 'resolved' ORDER BY id;

-- name: SetTeam
UPDATE conversations SET team_id = ?, updated_at = ? WHERE id = ?;

-- name: SetStatus
UPDATE conversations SET status = ?, snoozed_until = ?, updated_at = ? WHERE id = ?;

-- name: SetPriority
UPDATE conversations SET priority = ?, updated_at = ? WHERE id = ?;

-- name: SetTags
UPDATE conversations SET tags = ?, updated_at = ? WHERE id = ?;

-- name: AddTag
INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING;

-- name: RemoveTag
DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?;

-- name: TagsOf
SELECT tag FROM conversation_tags WHERE conversation_id = ? ORDER BY tag;

-- name: LinkConversations
UPDATE conversations SET linked_id = ?, updated_at = ? WHERE id = ?;

-- name: InsertNote
INSERT INTO notes (id, conversation_id, user_id, body, created_at) VALUES (?, ?, ?, ?, ?);

-- name: NotesOf
SELECT n.id, n.conversation_id, n.user_id, u.name, n.body, n.created_at
FROM notes n JOIN users u ON u.id = n.user_id WHERE n.conversation_id = ? ORDER BY n.id;

-- name: InsertActivity
INSERT INTO activity (id, workspace_id, conversation_id, user_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: InsertActivities
-- Composed: what the ingest writer logs of a batch's threads (created,
-- reopened by the customer), in a few statements.
INSERT INTO activity (id, workspace_id, conversation_id, user_id, kind, detail, created_at) VALUES (?, ?, ?, NULL, ?, ?, ?);

-- name: ActivityOf
SELECT a.id, a.conversation_id, COALESCE(a.user_id, 0), COALESCE(u.name, ''), a.kind, a.detail, a.created_at
FROM activity a LEFT JOIN users u ON u.id = a.user_id WHERE a.conversation_id = ? ORDER BY a.id;

-- name: ReplyByKey
-- The reply an API client's Idempotency-Key already made.
SELECT message_id FROM outbox WHERE idempotency_key = ?;

-- name: InsertOutbox
INSERT INTO outbox (id, message_id, account_id, idempotency_key, status, attempts, next_attempt_at, created_at, updated_at)
VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?);

-- name: WakeSnoozed
UPDATE conversations SET status = 'open', snoozed_until = 0, updated_at = ?
WHERE status = 'snoozed' AND snoozed_until > 0 AND snoozed_until <= ?;

-- name: SearchFilter
-- Search looks at the workspace's 2,000 most recent matching messages (ids
-- grow with time), so a common word costs the same as a rare one; the
-- workspace is checked inside the limit, or another brand's messages
-- could fill it.
id IN (SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ? AND m.workspace_id = ? ORDER BY f.rowid DESC LIMIT 2000)

-- name: ReplyTarget
-- The message a reply answers unless told: the customer's latest. In public
-- anyone may answer under the customer's comment and join their thread, and
-- Meta addresses a private reply by comment, so another user's comment must
-- not be taken for theirs. The contact's identities are all theirs (a merged
-- contact has several); a thread with nothing of theirs (split off by an
-- unmerge) answers its latest message, and by_contact says so. A comment
-- the customer deleted is no longer there to answer: it is taken only when
-- nothing else is left.
SELECT COALESCE(m.provider_id, ''),
       EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = ? AND i.channel = ?
               AND i.external_id = CASE WHEN m.author_external_id <> '' THEN m.author_external_id ELSE lower(m.author_handle) END) AS by_contact
FROM messages m WHERE m.conversation_id = ? AND m.direction = 'in'
ORDER BY by_contact DESC, m.deleted_at = 0 DESC, m.sent_at DESC, m.id DESC LIMIT 1;

-- name: MessageForChange
SELECT m.id, m.conversation_id, m.workspace_id, m.text, m.deleted_at, m.edited_at, m.direction, m.labels,
       m.author_followers, a.channel, a.handle, c.visibility, c.subject, json_array_length(m.attachments)
FROM messages m JOIN channel_accounts a ON a.id = m.account_id JOIN conversations c ON c.id = m.conversation_id
WHERE m.account_id = ? AND m.provider_id = ?;

-- name: InsertRevision
INSERT INTO message_revisions (id, message_id, text, replaced_at, kind) VALUES (?, ?, ?, ?, ?);

-- name: EditMessage
UPDATE messages SET text = ?, search_text = ?, edited_at = ? WHERE id = ?;

-- name: DeleteMessage
UPDATE messages SET deleted_at = ? WHERE id = ?;

-- name: NewestText
SELECT text FROM messages WHERE conversation_id = ? AND deleted_at = 0 ORDER BY sent_at DESC, id DESC LIMIT 1;

-- name: SetPreview
UPDATE conversations SET preview = ? WHERE id = ?;

-- name: RememberDelete
INSERT INTO early_deletes (account_id, provider_id, deleted_at, noted_at) VALUES (?, ?, ?, ?)
ON CONFLICT (account_id, provider_id) DO NOTHING;

-- name: ExpireEarlyDeletes
DELETE FROM early_deletes WHERE noted_at < ?;

-- name: HasEarlyDeletes
SELECT COUNT(*) FROM (SELECT 1 FROM early_deletes WHERE account_id = ? LIMIT 1) d;

-- name: EarlyDelete
SELECT deleted_at FROM early_deletes WHERE account_id = ? AND provider_id = ?;

-- name: ForgetEarlyDelete
DELETE FROM early_deletes WHERE account_id = ? AND provider_id = ?;

-- name: RevisionsOf
SELECT id, text, replaced_at, kind FROM message_revisions WHERE message_id = ? ORDER BY id;

-- name: PrivateThreadOf
SELECT id FROM conversations WHERE account_id = ? AND contact_id = ? AND visibility = 'private'
ORDER BY last_message_at DESC LIMIT 1;

-- name: CreatePrivateThread
INSERT INTO conversations (id, workspace_id, account_id, channel, contact_id, visibility, status, subject,
    contact_name, contact_handle, preview, message_count, last_message_at, last_inbound_at, waiting_since,
    created_at, updated_at, language)
VALUES (?, ?, ?, ?, ?, 'private', 'open', '', ?, ?, '', 0, ?, 0, 0, ?, ?, ?);

-- name: SetThreadLabels
UPDATE conversations SET intent = ?, sentiment = ?, needs_reply = ? WHERE id = ?;

-- name: InsertCorrection
INSERT INTO label_corrections (id, workspace_id, message_id, user_id, channel, to_handle, text, intent, needs_reply, was, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: SetMessageLabels
UPDATE messages SET labels = ? WHERE id = ?;

-- name: WaitingLabels
-- The labels of the customer messages a conversation waits on, newest
-- first (SettleLabels): those stored since our last answer and since it was
-- last resolved, as ingest folded them in (TouchInbound). Our last answer
-- is our latest reply that did not fail (one that failed but may have
-- arrived counts: outbox.unclear), short of a hand-off's public
-- acknowledgement whose private message failed (FailReply logs it as
-- private_failed). WaitingSince reads the same messages. Stored, not
-- sent: a message sent before the reply but delivered after it was not
-- seen by the agent. Ids grow with the time they are made. A message the
-- customer deleted asks nothing any more.
SELECT labels FROM messages
WHERE conversation_id = ?1 AND direction = 'in' AND deleted_at = 0
  AND id > (SELECT COALESCE(MAX(m.id), 0) FROM messages m LEFT JOIN outbox o ON o.message_id = m.id
            WHERE m.conversation_id = ?1 AND m.direction = 'out' AND (m.send_status <> 'failed' OR o.unclear = 1)
              AND m.id NOT IN (SELECT COALESCE(json_extract(a.detail, '$.acknowledgement_id'), 0) FROM activity a
                               WHERE a.conversation_id = ?1 AND a.kind = 'private_failed'))
  AND id > (SELECT COALESCE(MAX(id), 0) FROM activity
            WHERE conversation_id = ?1 AND kind = 'status' AND detail LIKE '%"status":"resolved"%'
              AND id NOT IN (SELECT COALESCE(json_extract(u.detail, '$.undoes'), 0) FROM activity u
                             WHERE u.conversation_id = ?1 AND u.kind = 'status' AND u.detail LIKE '%"undoes"%'))
ORDER BY sent_at DESC, id DESC LIMIT 200;

-- name: WaitingSince
-- When the customer began to wait for the answer a conversation owes, 0
-- if it owes none: the earliest sent of the messages WaitingLabels reads,
-- as TouchInbound keeps it. FailReply sets it again when an answer failed.
SELECT COALESCE(MIN(sent_at), 0) FROM messages
WHERE conversation_id = ?1 AND direction = 'in' AND deleted_at = 0
  AND id > (SELECT COALESCE(MAX(m.id), 0) FROM messages m LEFT JOIN outbox o ON o.message_id = m.id
            WHERE m.conversation_id = ?1 AND m.direction = 'out' AND (m.send_status <> 'failed' OR o.unclear = 1)
              AND m.id NOT IN (SELECT COALESCE(json_extract(a.detail, '$.acknowledgement_id'), 0) FROM activity a
                               WHERE a.conversation_id = ?1 AND a.kind = 'private_failed'))
  AND id > (SELECT COALESCE(MAX(id), 0) FROM activity
            WHERE conversation_id = ?1 AND kind = 'status' AND detail LIKE '%"status":"resolved"%'
              AND id NOT IN (SELECT COALESCE(json_extract(u.detail, '$.undoes'), 0) FROM activity u
                             WHERE u.conversation_id = ?1 AND u.kind = 'status' AND u.detail LIKE '%"undoes"%'));

-- name: ResolveOnReply
-- The latest resolve of a conversation logged after reply ?2 was queued
-- (the agent resolved it trusting that reply), and 0 when there is none or
-- a later reply of ours did not fail. FailReply undoes such a resolve.
SELECT COALESCE(MAX(a.id), 0) FROM activity a
WHERE a.conversation_id = ?1 AND a.kind = 'status' AND a.detail LIKE '%"status":"resolved"%' AND a.id > ?2
  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = ?1 AND m.direction = 'out' AND m.id > ?2 AND m.send_status <> 'failed');

-- name: SetWaitingSince
UPDATE conversations SET waiting_since = ?, updated_at = ? WHERE id = ?;

-- name: HandoffReplies
-- The private messages of hand-offs in a thread, as Handoff logs them: each
-- with the public conversation and acknowledgement it goes with.
SELECT detail FROM activity WHERE conversation_id = ? AND kind = 'replied' AND detail LIKE '%"acknowledgement_id"%' ORDER BY id;

-- name: SendStatusOf
SELECT send_status FROM messages WHERE id = ?;

-- name: LatestLabels
SELECT labels FROM messages WHERE conversation_id = ?1 AND direction = 'in' AND deleted_at = 0 ORDER BY sent_at DESC, id DESC LIMIT 1;

-- name: Corrections
SELECT c.id, c.text, c.intent, c.needs_reply, c.channel, c.to_handle, c.was, c.created_at
FROM label_corrections c WHERE c.id > ?1
  -- A message corrected again is exported as last corrected: the first
  -- may have been a mis-click.
  AND NOT EXISTS (SELECT 1 FROM label_corrections l WHERE l.message_id = c.message_id AND l.id > c.id)
ORDER BY c.id LIMIT 1000;

-- name: MessageForCorrection
SELECT m.text, m.workspace_id, m.conversation_id, m.labels, m.direction, a.channel, a.handle, c.visibility, c.subject
FROM messages m JOIN channel_accounts a ON a.id = m.account_id JOIN conversations c ON c.id = m.conversation_id
WHERE m.id = ?;
