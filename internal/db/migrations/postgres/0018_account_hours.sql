-- Each account's events hour by hour over its last few weeks, so that
-- "quiet" means nothing arrived at hours when, by the account's own weeks,
-- something would have: an office-hours inbox is silent every night and
-- weekend, and that is no fault. spans has a bit for each of the hour's
-- twelve five-minute spans that had an event, so a batch (a poll bringing
-- fifty mails) counts as the one arrival it is. Rows older than the weeks
-- compared are deleted as the account's events come.
CREATE TABLE account_hours (
    account_id BIGINT NOT NULL REFERENCES channel_accounts(id),
    hour       BIGINT NOT NULL, -- hours since 1970-01-01 00:00 UTC
    events     BIGINT NOT NULL DEFAULT 0,
    spans      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, hour)
);
