-- Health of each channel account: when it last heard from its provider,
-- how polling goes, the rate-limit budget left, whether the brand's public
-- profile is live, and the recent errors an admin needs to see.
CREATE TABLE account_health (
    account_id          INTEGER PRIMARY KEY REFERENCES channel_accounts(id),
    last_event_at       INTEGER NOT NULL DEFAULT 0,
    last_webhook_at     INTEGER NOT NULL DEFAULT 0,
    events_total        INTEGER NOT NULL DEFAULT 0,
    rhythm_ms           INTEGER NOT NULL DEFAULT 0,
    last_poll_at        INTEGER NOT NULL DEFAULT 0,
    poll_ok_at          INTEGER NOT NULL DEFAULT 0,
    poll_error          TEXT NOT NULL DEFAULT '',
    poll_cursor         TEXT NOT NULL DEFAULT '',
    poll_lease_until    INTEGER NOT NULL DEFAULT 0,
    next_poll_at        INTEGER NOT NULL DEFAULT 0,
    rate_remaining      INTEGER NOT NULL DEFAULT -1,
    rate_reset_at       INTEGER NOT NULL DEFAULT 0,
    rate_detail         TEXT NOT NULL DEFAULT '',
    presence_checked_at INTEGER NOT NULL DEFAULT 0,
    presence_ok         INTEGER NOT NULL DEFAULT 0,
    presence_detail     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE account_errors (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
    at         INTEGER NOT NULL,
    source     TEXT NOT NULL,
    message    TEXT NOT NULL
);
CREATE INDEX account_errors_account ON account_errors (account_id, id);
