-- Merge suggestions look identities up by handle and by display name, in
-- any case: without these, showing a customer read every identity in the
-- workspace.
CREATE INDEX contact_identities_handle ON contact_identities (workspace_id, lower(handle)) WHERE handle <> '';
CREATE INDEX contact_identities_name ON contact_identities (workspace_id, lower(display_name)) WHERE display_name <> '';
