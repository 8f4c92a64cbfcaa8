-- name: IdentityContact
SELECT i.contact_id, i.handle, i.display_name, c.followers, c.verified
FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
WHERE i.workspace_id = $1 AND i.channel = $2 AND i.external_id = $3;

-- name: ContactByEmail
SELECT id FROM contacts WHERE workspace_id = $1 AND email = $2 AND email <> '' ORDER BY id LIMIT 1;

-- name: ContactByPhone
SELECT id FROM contacts WHERE workspace_id = $1 AND phone = $2 AND phone <> '' ORDER BY id LIMIT 1;

-- name: CreateContact
INSERT INTO contacts (id, workspace_id, name, email, phone, followers, verified, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: CreateIdentity
INSERT INTO contact_identities (id, workspace_id, contact_id, channel, external_id, handle, display_name, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: UpdateIdentityProfile
UPDATE contact_identities SET handle = $1, display_name = $2 WHERE workspace_id = $3 AND channel = $4 AND external_id = $5;

-- name: UpdateContactReach
UPDATE contacts SET followers = $1, verified = $2, updated_at = $3 WHERE id = $4;

-- name: ContactByID
SELECT id, workspace_id, name, email, phone, followers, verified, created_at, updated_at FROM contacts WHERE id = $1;

-- name: IdentitiesOf
SELECT id, contact_id, channel, external_id, handle, display_name, created_at
FROM contact_identities WHERE contact_id = $1 ORDER BY channel, id;
