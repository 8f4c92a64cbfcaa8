-- The desk's foundation. Times are Unix milliseconds; ids come from the application.

CREATE TABLE workspaces (
    id         BIGINT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id            BIGINT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'viewer')),
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);

CREATE TABLE teams (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
    name         TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE channel_accounts (
    id                BIGINT PRIMARY KEY,
    workspace_id      BIGINT NOT NULL REFERENCES workspaces(id),
    channel           TEXT NOT NULL CHECK (channel IN ('x', 'facebook', 'instagram', 'linkedin', 'whatsapp', 'email', 'chat', 'form', 'blog', 'phone', 'sms', 'api')),
    handle            TEXT NOT NULL,
    name              TEXT NOT NULL,
    purpose           TEXT NOT NULL CHECK (purpose IN ('service', 'marketing', 'both')),
    ingest_token_hash TEXT NOT NULL DEFAULT '',
    config            TEXT NOT NULL DEFAULT '{}',
    created_at        BIGINT NOT NULL,
    UNIQUE (workspace_id, channel, handle)
);
CREATE INDEX channel_accounts_ingest ON channel_accounts (ingest_token_hash);

CREATE TABLE contacts (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
    name         TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    followers    BIGINT NOT NULL DEFAULT 0,
    verified     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- One row per way a channel knows the customer: a handle, a page-scoped id,
-- an e-mail address, a phone number.
CREATE TABLE contact_identities (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
    contact_id   BIGINT NOT NULL REFERENCES contacts(id),
    channel      TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    handle       TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    UNIQUE (workspace_id, channel, external_id)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);
CREATE INDEX contacts_email ON contacts (workspace_id, email) WHERE email <> '';
CREATE INDEX contacts_phone ON contacts (workspace_id, phone) WHERE phone <> '';

-- The conversation row carries everything the inbox list shows, so the list
-- never joins.
CREATE TABLE conversations (
    id                BIGINT PRIMARY KEY,
    workspace_id      BIGINT NOT NULL REFERENCES workspaces(id),
    account_id        BIGINT NOT NULL REFERENCES channel_accounts(id),
    channel           TEXT NOT NULL,
    contact_id        BIGINT NOT NULL REFERENCES contacts(id),
    visibility        TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
    status            TEXT NOT NULL CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
    assignee_id       BIGINT REFERENCES users(id),
    team_id           BIGINT REFERENCES teams(id),
    priority          BIGINT NOT NULL DEFAULT 0,
    subject           TEXT NOT NULL DEFAULT '',
    tags              TEXT NOT NULL DEFAULT '',
    contact_name      TEXT NOT NULL DEFAULT '',
    contact_handle    TEXT NOT NULL DEFAULT '',
    preview           TEXT NOT NULL DEFAULT '',
    message_count     BIGINT NOT NULL DEFAULT 0,
    last_message_at   BIGINT NOT NULL,
    last_inbound_at   BIGINT NOT NULL DEFAULT 0,
    waiting_since     BIGINT NOT NULL DEFAULT 0,
    snoozed_until     BIGINT NOT NULL DEFAULT 0,
    linked_id         BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
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
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    tag             TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag, conversation_id);

CREATE TABLE messages (
    id                  BIGINT PRIMARY KEY,
    workspace_id        BIGINT NOT NULL,
    conversation_id     BIGINT NOT NULL REFERENCES conversations(id),
    account_id          BIGINT NOT NULL REFERENCES channel_accounts(id),
    direction           TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    provider_id         TEXT,
    author_external_id  TEXT NOT NULL DEFAULT '',
    author_name         TEXT NOT NULL DEFAULT '',
    author_handle       TEXT NOT NULL DEFAULT '',
    author_followers    BIGINT NOT NULL DEFAULT 0,
    author_verified     BOOLEAN NOT NULL DEFAULT FALSE,
    user_id             BIGINT REFERENCES users(id),
    text                TEXT NOT NULL,
    attachments         TEXT NOT NULL DEFAULT '[]',
    reply_to_provider_id TEXT NOT NULL DEFAULT '',
    send_status         TEXT NOT NULL DEFAULT '' CHECK (send_status IN ('', 'queued', 'sending', 'sent', 'retrying', 'failed')),
    send_error          TEXT NOT NULL DEFAULT '',
    labels              TEXT NOT NULL DEFAULT '{}',
    sent_at             BIGINT NOT NULL,
    received_at         BIGINT NOT NULL,
    raw                 TEXT NOT NULL DEFAULT ''
);
-- De-duplication: one message per provider id on one channel account.
CREATE UNIQUE INDEX messages_provider ON messages (account_id, provider_id);
CREATE INDEX messages_conversation ON messages (conversation_id, id);

ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);

CREATE TABLE notes (
    id              BIGINT PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, id);

-- Append-only: who did what and when.
CREATE TABLE activity (
    id              BIGINT PRIMARY KEY,
    workspace_id    BIGINT NOT NULL,
    conversation_id BIGINT,
    user_id         BIGINT,
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '{}',
    created_at      BIGINT NOT NULL
);
CREATE INDEX activity_conversation ON activity (conversation_id, id);

-- Replies wait here until a connector sends them; a row is written before
-- any send is attempted.
CREATE TABLE outbox (
    id              BIGINT PRIMARY KEY,
    message_id      BIGINT NOT NULL UNIQUE REFERENCES messages(id),
    account_id      BIGINT NOT NULL REFERENCES channel_accounts(id),
    idempotency_key TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
