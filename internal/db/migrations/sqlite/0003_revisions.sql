-- Edits and deletes at the provider: the message shows its latest text (or
-- that it was deleted) and every earlier version is kept.
ALTER TABLE messages ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE message_revisions (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    text       TEXT NOT NULL,
    replaced_at INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('edited', 'deleted'))
);
CREATE INDEX message_revisions_message ON message_revisions (message_id, id);
