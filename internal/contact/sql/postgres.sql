-- name: IdentityContact
SELECT i.contact_id, i.handle, i.display_name, c.followers, c.verified
FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
WHERE i.workspace_id = $1 AND i.channel = $2 AND i.external_id = $3;

-- name: IdentitiesContacts
-- One query for the identities of a batch's authors of one kind (a JSON
-- array of external ids), one probe of the identities' unique index per id
-- whatever the planner believed of the table when it cached the statement
-- (as the writer's MessagesByProvider).
SELECT p.id, x.contact_id, x.handle, x.display_name, x.followers, x.verified
FROM (SELECT DISTINCT jsonb_array_elements_text($3::jsonb)) AS p(id),
LATERAL (SELECT i.contact_id, i.handle, i.display_name, c.followers, c.verified
    FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
    WHERE i.workspace_id = $1 AND i.channel = $2 AND i.external_id = p.id LIMIT 1) AS x;

-- name: ContactByEmail
-- The oldest contact with the address that still has an identity: a contact
-- merged into another keeps its address but no identity, and must not catch
-- new ones.
SELECT id, followers, verified FROM contacts c WHERE workspace_id = $1 AND email = $2 AND email <> ''
ORDER BY NOT EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id), id LIMIT 1;

-- name: ContactByPhone
-- The oldest contact with the number that still has an identity: a contact
-- merged into another keeps its number but no identity, and must not catch
-- new ones.
SELECT id, followers, verified FROM contacts c WHERE workspace_id = $1 AND phone = $2 AND phone <> ''
ORDER BY NOT EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id), id LIMIT 1;

-- name: CreateContacts
-- Composed: the VALUES tuple repeats once per row (db.MultiRow), so the
-- contacts an ingest batch makes go in a few statements. The casts give
-- PostgreSQL the types it does not infer for the rows of a multi-row VALUES.
INSERT INTO contacts (id, workspace_id, name, email, phone, followers, verified, created_at, updated_at)
VALUES (?::bigint, ?::bigint, ?::text, ?::text, ?::text, ?::bigint, ?::boolean, ?::bigint, ?::bigint);

-- name: CreateIdentities
-- Composed, as CreateContacts.
INSERT INTO contact_identities (id, workspace_id, contact_id, channel, external_id, handle, display_name, created_at)
VALUES (?::bigint, ?::bigint, ?::bigint, ?::text, ?::text, ?::text, ?::text, ?::bigint);

-- name: UpdateIdentityProfile
UPDATE contact_identities SET handle = $1, display_name = $2 WHERE workspace_id = $3 AND channel = $4 AND external_id = $5;

-- name: UpdateContactReach
UPDATE contacts SET followers = $1, verified = $2, updated_at = $3 WHERE id = $4;

-- name: ContactByID
SELECT id, workspace_id, name, email, phone, followers, verified, created_at, updated_at FROM contacts WHERE id = $1;

-- name: IdentitiesOf
SELECT id, contact_id, channel, external_id, handle, display_name, created_at
FROM contact_identities WHERE contact_id = $1 ORDER BY channel, id;

-- Merging and splitting contacts (merge.go).
-- name: MoveIdentities
UPDATE contact_identities SET contact_id = $1 WHERE contact_id = $2;

-- name: MoveIdentity
UPDATE contact_identities SET contact_id = $1 WHERE id = $2 AND contact_id = $3;

-- name: MoveConversations
UPDATE conversations SET contact_id = $1 WHERE contact_id = $2;

-- name: MoveConversation
UPDATE conversations SET contact_id = $1 WHERE id = $2 AND contact_id = $3;

-- name: ConversationIDsOf
SELECT id FROM conversations WHERE contact_id = $1;

-- name: IdentityIDsOf
SELECT id FROM contact_identities WHERE contact_id = $1;

-- name: FillContact
UPDATE contacts SET
    name = CASE WHEN name = '' THEN $1 ELSE name END,
    email = CASE WHEN email = '' THEN $2 ELSE email END,
    phone = CASE WHEN phone = '' THEN $3 ELSE phone END,
    followers = CASE WHEN followers < $4 THEN $5 ELSE followers END,
    updated_at = $6
WHERE id = $7;

-- name: LogContactActivity
INSERT INTO activity (id, workspace_id, conversation_id, contact_id, user_id, kind, detail, created_at) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7);

-- name: ContactActivity
SELECT workspace_id, kind, detail FROM activity WHERE id = $1;

-- name: SimilarContacts
-- One row per contact sharing a handle (first) or a display name with the
-- given one, the most recently active first; the key is the match's rank
-- and the identity that matched ("1x:maria_k"), so min() keeps a handle
-- match over a name match. Callers who withheld their number
-- (contact.Withheld, $3 with its %) share the name "Withheld number" and nothing else.
SELECT c.id, c.name, min(m.k) AS k
FROM (
    SELECT contact_id, '1' || channel || ':' || handle AS k FROM contact_identities
    WHERE workspace_id = $1 AND handle <> ''
      AND lower(handle) IN (SELECT lower(handle) FROM contact_identities WHERE contact_id = $2 AND handle <> '')
    UNION ALL
    SELECT contact_id, '2' || channel || ':' || handle FROM contact_identities
    WHERE workspace_id = $1 AND display_name <> '' AND external_id NOT LIKE $3
      AND lower(display_name) IN (SELECT lower(display_name) FROM contact_identities WHERE contact_id = $2 AND display_name <> ''
          AND external_id NOT LIKE $3)
) m JOIN contacts c ON c.id = m.contact_id
WHERE c.id <> $2
GROUP BY c.id, c.name, c.updated_at
ORDER BY min(m.k) < '2' DESC, c.updated_at DESC, c.id DESC
LIMIT 10;

-- name: ContactByIdentity
SELECT contact_id FROM contact_identities WHERE workspace_id = $1 AND channel = $2 AND external_id = $3;

-- name: SearchContacts
-- An agent looking for the same person under another name: by name,
-- e-mail, phone or any channel handle. Merged-away shells have no identity
-- left and do not show.
SELECT DISTINCT c.id, c.name, c.email, c.phone, c.updated_at
FROM contacts c JOIN contact_identities i ON i.contact_id = c.id
WHERE c.workspace_id = $1 AND (lower(c.name) LIKE $2 ESCAPE '\' OR lower(c.email) LIKE $2 ESCAPE '\'
    OR c.phone LIKE $2 ESCAPE '\' OR lower(i.handle) LIKE $2 ESCAPE '\' OR lower(i.display_name) LIKE $2 ESCAPE '\')
ORDER BY c.updated_at DESC, c.id DESC
LIMIT $3;

-- name: MergeActivity
-- A contact's merges and their undoing, by the contact they kept.
SELECT id, user_id, kind, detail, created_at FROM activity
WHERE contact_id = $1 AND kind IN ('contact_merged', 'contact_unmerged')
ORDER BY id DESC
LIMIT 1000;
