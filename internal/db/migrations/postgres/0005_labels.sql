-- What the classifiers made of the customer's latest message, kept on the
-- conversation so the inbox can filter and badge without joining, and the
-- agents' corrections, kept as labelled examples for the next training run.
ALTER TABLE conversations ADD COLUMN intent TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN sentiment TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN needs_reply INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_needs_reply ON conversations (workspace_id, needs_reply, status, last_message_at DESC, id DESC);

CREATE TABLE label_corrections (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
    message_id   BIGINT NOT NULL REFERENCES messages(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    channel      TEXT NOT NULL,
    to_handle    TEXT NOT NULL,
    text         TEXT NOT NULL,
    intent       TEXT NOT NULL CHECK (intent IN ('request', 'complaint', 'praise', 'share', 'peer', 'other')),
    needs_reply  INTEGER NOT NULL CHECK (needs_reply IN (0, 1)),
    was          TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL
);
CREATE INDEX label_corrections_workspace ON label_corrections (workspace_id, id);
