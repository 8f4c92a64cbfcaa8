-- Health of each channel account: when it last heard from its provider,
-- how polling goes, the rate-limit budget left, whether the brand's public
-- profile is live, and the recent errors an admin needs to see.
CREATE TABLE account_health (
    account_id          BIGINT PRIMARY KEY REFERENCES channel_accounts(id),
    last_event_at       BIGINT NOT NULL DEFAULT 0,
    last_webhook_at     BIGINT NOT NULL DEFAULT 0,
    events_total        BIGINT NOT NULL DEFAULT 0,
    rhythm_ms           BIGINT NOT NULL DEFAULT 0,
    last_poll_at        BIGINT NOT NULL DEFAULT 0,
    poll_ok_at          BIGINT NOT NULL DEFAULT 0,
    poll_error          TEXT NOT NULL DEFAULT '',
    poll_cursor         TEXT NOT NULL DEFAULT '',
    poll_lease_until    BIGINT NOT NULL DEFAULT 0,
    next_poll_at        BIGINT NOT NULL DEFAULT 0,
    rate_remaining      BIGINT NOT NULL DEFAULT -1,
    rate_reset_at       BIGINT NOT NULL DEFAULT 0,
    rate_detail         TEXT NOT NULL DEFAULT '',
    presence_checked_at BIGINT NOT NULL DEFAULT 0,
    presence_ok         BIGINT NOT NULL DEFAULT 0,
    presence_detail     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE account_errors (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES channel_accounts(id),
    at         BIGINT NOT NULL,
    source     TEXT NOT NULL,
    message    TEXT NOT NULL
);
CREATE INDEX account_errors_account ON account_errors (account_id, id);
