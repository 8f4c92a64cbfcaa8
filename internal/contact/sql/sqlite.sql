-- name: IdentityContact
SELECT i.contact_id, i.handle, i.display_name, c.followers, c.verified
FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
WHERE i.workspace_id = ? AND i.channel = ? AND i.external_id = ?;

-- name: IdentitiesContacts
-- One query for the identities of a batch's authors of one kind (a JSON
-- array of external ids).
SELECT i.external_id, i.contact_id, i.handle, i.display_name, c.followers, c.verified
FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
WHERE i.workspace_id = ? AND i.channel = ? AND i.external_id IN (SELECT value FROM json_each(?));

-- name: ContactByEmail
-- The oldest contact with the address that still has an identity: a contact
-- merged into another keeps its address but no identity, and must not catch
-- new ones.
SELECT id, followers, verified FROM contacts c WHERE workspace_id = ? AND email = ? AND email <> ''
ORDER BY NOT EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id), id LIMIT 1;

-- name: ContactByPhone
-- The oldest contact with the number that still has an identity: a contact
-- merged into another keeps its number but no identity, and must not catch
-- new ones.
SELECT id, followers, verified FROM contacts c WHERE workspace_id = ? AND phone = ? AND phone <> ''
ORDER BY NOT EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id), id LIMIT 1;

-- name: CreateContacts
-- Composed: the VALUES tuple repeats once per row (db.MultiRow), so the
-- contacts an ingest batch makes go in a few statements.
INSERT INTO contacts (id, workspace_id, name, email, phone, followers, verified, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: CreateIdentities
-- Composed, as CreateContacts.
INSERT INTO contact_identities (id, workspace_id, contact_id, channel, external_id, handle, display_name, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: UpdateIdentityProfile
UPDATE contact_identities SET handle = ?, display_name = ? WHERE workspace_id = ? AND channel = ? AND external_id = ?;

-- name: UpdateContactReach
UPDATE contacts SET followers = ?, verified = ?, updated_at = ? WHERE id = ?;

-- name: ContactByID
SELECT id, workspace_id, name, email, phone, followers, verified, created_at, updated_at FROM contacts WHERE id = ?;

-- name: IdentitiesOf
SELECT id, contact_id, channel, external_id, handle, display_name, created_at
FROM contact_identities WHERE contact_id = ? ORDER BY channel, id;

-- Merging and splitting contacts (merge.go).
-- name: MoveIdentities
UPDATE contact_identities SET contact_id = ? WHERE contact_id = ?;

-- name: MoveIdentity
UPDATE contact_identities SET contact_id = ? WHERE id = ? AND contact_id = ?;

-- name: MoveConversations
UPDATE conversations SET contact_id = ? WHERE contact_id = ?;

-- name: MoveConversation
UPDATE conversations SET contact_id = ? WHERE id = ? AND contact_id = ?;

-- name: ConversationIDsOf
SELECT id FROM conversations WHERE contact_id = ?;

-- name: IdentityIDsOf
SELECT id FROM contact_identities WHERE contact_id = ?;

-- name: FillContact
UPDATE contacts SET
    name = CASE WHEN name = '' THEN ? ELSE name END,
    email = CASE WHEN email = '' THEN ? ELSE email END,
    phone = CASE WHEN phone = '' THEN ? ELSE phone END,
    followers = CASE WHEN followers < ? THEN ? ELSE followers END,
    updated_at = ?
WHERE id = ?;

-- name: LogContactActivity
INSERT INTO activity (id, workspace_id, conversation_id, contact_id, user_id, kind, detail, created_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?);

-- name: ContactActivity
SELECT workspace_id, kind, detail FROM activity WHERE id = ?;

-- name: SimilarContacts
-- One row per contact sharing a handle (first) or a display name with the
-- given one, the most recently active first; the key is the match's rank
-- and the identity that matched ("1x:maria_k"), so min() keeps a handle
-- match over a name match. Callers who withheld their number
-- (contact.Withheld, ?3 with its %) share the name "Withheld number" and nothing else.
SELECT c.id, c.name, min(m.k) AS k
FROM (
    SELECT contact_id, '1' || channel || ':' || handle AS k FROM contact_identities
    WHERE workspace_id = ?1 AND handle <> ''
      AND lower(handle) IN (SELECT lower(handle) FROM contact_identities WHERE contact_id = ?2 AND handle <> '')
    UNION ALL
    SELECT contact_id, '2' || channel || ':' || handle FROM contact_identities
    WHERE workspace_id = ?1 AND display_name <> '' AND external_id NOT LIKE ?3
      AND lower(display_name) IN (SELECT lower(display_name) FROM contact_identities WHERE contact_id = ?2 AND display_name <> ''
          AND external_id NOT LIKE ?3)
) m JOIN contacts c ON c.id = m.contact_id
WHERE c.id <> ?2
GROUP BY c.id, c.name, c.updated_at
ORDER BY min(m.k) < '2' DESC, c.updated_at DESC, c.id DESC
LIMIT 10;

-- name: ContactByIdentity
SELECT contact_id FROM contact_identities WHERE workspace_id = ? AND channel = ? AND external_id = ?;

-- name: SearchContacts
-- An agent looking for the same person under another name: by name,
-- e-mail, phone or any channel handle. Merged-away shells have no identity
-- left and do not show.
SELECT DISTINCT c.id, c.name, c.email, c.phone, c.updated_at
FROM contacts c JOIN contact_identities i ON i.contact_id = c.id
WHERE c.workspace_id = ? AND (lower(c.name) LIKE ?2 ESCAPE '\' OR lower(c.email) LIKE ?2 ESCAPE '\'
    OR c.phone LIKE ?2 ESCAPE '\' OR lower(i.handle) LIKE ?2 ESCAPE '\' OR lower(i.display_name) LIKE ?2 ESCAPE '\')
ORDER BY c.updated_at DESC, c.id DESC
LIMIT ?3;

-- name: MergeActivity
-- A contact's merges and their undoing, by the contact they kept.
SELECT id, user_id, kind, detail, created_at FROM activity
WHERE contact_id = ? AND kind IN ('contact_merged', 'contact_unmerged')
ORDER BY id DESC
LIMIT 1000;
