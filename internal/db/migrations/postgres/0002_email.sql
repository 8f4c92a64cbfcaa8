-- E-mail channel: the files that came with inbound mail (and the original
-- message), kept so agents can download them; and the webhook tokens already
-- seen, so a captured signed request cannot be replayed.

CREATE TABLE email_blobs (
    id           TEXT PRIMARY KEY, -- hex SHA-256 of the account id and the content
    account_id   BIGINT NOT NULL REFERENCES channel_accounts(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE email_webhook_tokens (
    token   TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);
CREATE INDEX email_webhook_tokens_seen ON email_webhook_tokens (seen_at);
