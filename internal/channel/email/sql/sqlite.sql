-- name: PutBlob
INSERT INTO email_blobs (id, account_id, name, content_type, size, data, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING;

-- name: GetBlob
SELECT account_id, name, content_type, size, data FROM email_blobs WHERE id = ?;

-- name: SeeToken
INSERT INTO email_webhook_tokens (token, seen_at) VALUES (?, ?)
ON CONFLICT (token) DO NOTHING;

-- name: PruneTokens
DELETE FROM email_webhook_tokens WHERE seen_at < ?;

-- name: ParentMessage
SELECT m.raw, m.author_external_id, c.subject
FROM messages m JOIN conversations c ON c.id = m.conversation_id
WHERE m.account_id = ? AND m.provider_id = ?;

-- name: ThreadsOfSender
SELECT c.id, c.subject
FROM contact_identities i
JOIN conversations c ON c.contact_id = i.contact_id AND c.account_id = ?
WHERE i.workspace_id = ? AND i.channel = 'email' AND i.external_id = ? AND c.last_message_at > ?
ORDER BY c.last_message_at DESC
LIMIT 20;

-- name: LatestProviderID
SELECT provider_id FROM messages
WHERE conversation_id = ? AND provider_id IS NOT NULL AND provider_id <> ''
ORDER BY id DESC
LIMIT 1;

-- name: FormAccounts
SELECT id FROM channel_accounts WHERE workspace_id = ? AND channel = 'form';

-- name: HasMessage
SELECT 1 FROM messages WHERE account_id = ? AND provider_id = ?;
