-- name: IdentityContact
SELECT i.contact_id, i.handle, i.display_name, c.followers, c.verified
FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
WHERE i.workspace_id = ? AND i.channel = ? AND i.external_id = ?;

-- name: ContactByEmail
SELECT id FROM contacts WHERE workspace_id = ? AND email = ? AND email <> '' ORDER BY id LIMIT 1;

-- name: ContactByPhone
SELECT id FROM contacts WHERE workspace_id = ? AND phone = ? AND phone <> '' ORDER BY id LIMIT 1;

-- name: CreateContact
INSERT INTO contacts (id, workspace_id, name, email, phone, followers, verified, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: CreateIdentity
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
