-- name: PutBlob
INSERT INTO email_blobs (id, account_id, name, content_type, size, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO NOTHING;

-- name: GetBlob
SELECT account_id, name, content_type, size, data FROM email_blobs WHERE id = $1;

-- name: SeeToken
INSERT INTO email_webhook_tokens (token, seen_at) VALUES ($1, $2)
ON CONFLICT (token) DO NOTHING;

-- name: PruneTokens
DELETE FROM email_webhook_tokens WHERE seen_at < $1;

-- name: ParentMessage
SELECT m.raw, m.author_external_id, c.subject
FROM messages m JOIN conversations c ON c.id = m.conversation_id
WHERE m.account_id = $1 AND m.provider_id = $2;

-- name: ThreadsOfSender
SELECT c.id, c.subject
FROM contact_identities i
JOIN conversations c ON c.contact_id = i.contact_id AND c.account_id = $1
WHERE i.workspace_id = $2 AND i.channel = 'email' AND i.external_id = $3 AND c.last_message_at > $4
ORDER BY c.last_message_at DESC
LIMIT 20;

-- name: LatestProviderID
SELECT provider_id FROM messages
WHERE conversation_id = $1 AND provider_id IS NOT NULL AND provider_id <> ''
ORDER BY id DESC
LIMIT 1;

-- name: FormAccounts
SELECT id FROM channel_accounts WHERE workspace_id = $1 AND channel = 'form';

-- name: HasMessage
SELECT 1 FROM messages WHERE account_id = $1 AND provider_id = $2;
