-- The desk's foundation. Times are Unix milliseconds; ids come from the application.

CREATE TABLE workspaces (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'viewer')),
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    name         TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE channel_accounts (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces(id),
    channel           TEXT NOT NULL CHECK (channel IN ('x', 'facebook', 'instagram', 'linkedin', 'whatsapp', 'email', 'chat', 'form', 'blog', 'phone', 'sms', 'api')),
    handle            TEXT NOT NULL,
    name              TEXT NOT NULL,
    purpose           TEXT NOT NULL CHECK (purpose IN ('service', 'marketing', 'both')),
    ingest_token_hash TEXT NOT NULL DEFAULT '',
    config            TEXT NOT NULL DEFAULT '{}',
    created_at        INTEGER NOT NULL,
    UNIQUE (workspace_id, channel, handle)
);
CREATE INDEX channel_accounts_ingest ON channel_accounts (ingest_token_hash);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    name         TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    followers    INTEGER NOT NULL DEFAULT 0,
    verified     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- One row per way a channel knows the customer: a handle, a page-scoped id,
-- an e-mail address, a phone number.
CREATE TABLE contact_identities (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
    contact_id   INTEGER NOT NULL REFERENCES contacts(id),
    channel      TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    handle       TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, channel, external_id)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);
CREATE INDEX contacts_email ON contacts (workspace_id, email) WHERE email <> '';
CREATE INDEX contacts_phone ON contacts (workspace_id, phone) WHERE phone <> '';

-- The conversation row carries everything the inbox list shows, so the list
-- never joins.
CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces(id),
    account_id        INTEGER NOT NULL REFERENCES channel_accounts(id),
    channel           TEXT NOT NULL,
    contact_id        INTEGER NOT NULL REFERENCES contacts(id),
    visibility        TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
    status            TEXT NOT NULL CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
    assignee_id       INTEGER REFERENCES users(id),
    team_id           INTEGER REFERENCES teams(id),
    priority          INTEGER NOT NULL DEFAULT 0,
    subject           TEXT NOT NULL DEFAULT '',
    tags              TEXT NOT NULL DEFAULT '',
    contact_name      TEXT NOT NULL DEFAULT '',
    contact_handle    TEXT NOT NULL DEFAULT '',
    preview           TEXT NOT NULL DEFAULT '',
    message_count     INTEGER NOT NULL DEFAULT 0,
    last_message_at   INTEGER NOT NULL,
    last_inbound_at   INTEGER NOT NULL DEFAULT 0,
    waiting_since     INTEGER NOT NULL DEFAULT 0,
    snoozed_until     INTEGER NOT NULL DEFAULT 0,
    linked_id         INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- One index per inbox ordering and its common filters (keyset pagination).
CREATE INDEX conversations_inbox ON conversations (workspace_id, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_all ON conversations (workspace_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_assignee ON conversations (assignee_id, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_account ON conversations (account_id, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_channel ON conversations (workspace_id, channel, status, last_message_at DESC, id DESC);
-- Threading's "latest thread of this customer here", and a customer's
-- conversations everywhere (a few rows, sorted after the seek): one index
-- fewer to rewrite each time a message moves last_message_at.
CREATE INDEX conversations_thread ON conversations (contact_id, account_id, visibility, last_message_at DESC);

CREATE TABLE conversation_tags (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    tag             TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag, conversation_id);

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL,
    conversation_id     INTEGER NOT NULL REFERENCES conversations(id),
    account_id          INTEGER NOT NULL REFERENCES channel_accounts(id),
    direction           TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    provider_id         TEXT,
    author_external_id  TEXT NOT NULL DEFAULT '',
    author_name         TEXT NOT NULL DEFAULT '',
    author_handle       TEXT NOT NULL DEFAULT '',
    author_followers    INTEGER NOT NULL DEFAULT 0,
    author_verified     INTEGER NOT NULL DEFAULT 0,
    user_id             INTEGER REFERENCES users(id),
    text                TEXT NOT NULL,
    attachments         TEXT NOT NULL DEFAULT '[]',
    reply_to_provider_id TEXT NOT NULL DEFAULT '',
    send_status         TEXT NOT NULL DEFAULT '' CHECK (send_status IN ('', 'queued', 'sending', 'sent', 'retrying', 'failed')),
    send_error          TEXT NOT NULL DEFAULT '',
    labels              TEXT NOT NULL DEFAULT '{}',
    sent_at             INTEGER NOT NULL,
    received_at         INTEGER NOT NULL,
    raw                 TEXT NOT NULL DEFAULT ''
);
-- De-duplication: one message per provider id on one channel account.
CREATE UNIQUE INDEX messages_provider ON messages (account_id, provider_id);
CREATE INDEX messages_conversation ON messages (conversation_id, id);

CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;

CREATE TABLE notes (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, id);

-- Append-only: who did what and when.
CREATE TABLE activity (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL,
    conversation_id INTEGER,
    user_id         INTEGER,
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL
);
CREATE INDEX activity_conversation ON activity (conversation_id, id);

-- Replies wait here until a connector sends them; a row is written before
-- any send is attempted.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL UNIQUE REFERENCES messages(id),
    account_id      INTEGER NOT NULL REFERENCES channel_accounts(id),
    idempotency_key TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
