-- name: RecordEvents
-- The rhythm is a moving average of the gap between events, shown to the
-- admin as the account's recent pace; whether it is quiet is judged from
-- account_hours.
INSERT INTO account_health (account_id, last_event_at, last_webhook_at, events_total, rate_remaining, rate_reset_at, rate_detail)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id) DO UPDATE SET
    rhythm_ms = CASE
        WHEN account_health.last_event_at = 0 OR excluded.events_total = 0 OR excluded.last_event_at <= account_health.last_event_at THEN account_health.rhythm_ms
        WHEN account_health.rhythm_ms = 0 THEN (excluded.last_event_at - account_health.last_event_at) / excluded.events_total
        ELSE (account_health.rhythm_ms * 4 + (excluded.last_event_at - account_health.last_event_at) / excluded.events_total) / 5 END,
    last_event_at = max(account_health.last_event_at, excluded.last_event_at),
    last_webhook_at = max(account_health.last_webhook_at, excluded.last_webhook_at),
    events_total = account_health.events_total + excluded.events_total,
    rate_remaining = CASE WHEN excluded.rate_remaining >= 0 THEN excluded.rate_remaining ELSE account_health.rate_remaining END,
    rate_reset_at = CASE WHEN excluded.rate_remaining >= 0 THEN excluded.rate_reset_at ELSE account_health.rate_reset_at END,
    rate_detail = CASE WHEN excluded.rate_remaining >= 0 THEN excluded.rate_detail ELSE account_health.rate_detail END;

-- name: RecordHour
-- Counts added, never read and written back, so nodes writing the same
-- hour at once lose nothing.
INSERT INTO account_hours (account_id, hour, events, spans) VALUES (?, ?, ?, ?)
ON CONFLICT (account_id, hour) DO UPDATE SET
    events = account_hours.events + excluded.events,
    spans = account_hours.spans | excluded.spans;

-- name: PruneHours
DELETE FROM account_hours WHERE account_id = ? AND hour < ?;

-- name: FirstHour
SELECT COALESCE(MIN(hour), -1) FROM account_hours WHERE account_id = ?;

-- name: HoursOf
SELECT hour, events, spans FROM account_hours WHERE account_id = ? AND hour >= ? AND hour < ?;

-- name: InsertError
INSERT INTO account_errors (id, account_id, at, source, message) VALUES (?, ?, ?, ?, ?);

-- name: PruneErrors
DELETE FROM account_errors WHERE account_id = ? AND id < (
    SELECT id FROM account_errors WHERE account_id = ? ORDER BY id DESC LIMIT 1 OFFSET 19);

-- name: RecentErrors
SELECT at, source, message FROM account_errors WHERE account_id = ? ORDER BY id DESC LIMIT 20;

-- name: EnsureHealth
INSERT INTO account_health (account_id) VALUES (?) ON CONFLICT (account_id) DO NOTHING;

-- name: ClaimPoll
-- A lease, so that of several processes sharing one database only one
-- polls an account at a time.
UPDATE account_health SET poll_lease_until = ?
WHERE account_id = ? AND poll_lease_until < ? AND next_poll_at <= ?
RETURNING poll_cursor;

-- name: ReleasePoll
-- A poll cut short by the node stopping: the next tick, on any node, polls.
-- Each of these ends only the lease the poll took: one that outlived it
-- leaves another node's lease and cursor alone.
UPDATE account_health SET poll_lease_until = 0 WHERE account_id = ? AND poll_lease_until = ?;

-- name: ClaimProbe
-- Presence is probed once per interval across all nodes, on the brand's
-- API quota: one write makes the account's row if need be and takes the
-- probe if it is due.
INSERT INTO account_health (account_id, presence_checked_at) VALUES (?, ?)
ON CONFLICT (account_id) DO UPDATE SET presence_checked_at = excluded.presence_checked_at
WHERE account_health.presence_checked_at <= ?;

-- name: PollNow
-- The provider signalled news (IMAP IDLE): the account is due at once.
UPDATE account_health SET next_poll_at = ? WHERE account_id = ? AND next_poll_at > ?;

-- name: PollSucceeded
UPDATE account_health SET poll_cursor = ?, last_poll_at = ?, poll_ok_at = ?, poll_error = '', next_poll_at = ?, poll_lease_until = 0
WHERE account_id = ? AND poll_lease_until = ?;

-- name: PollFailed
UPDATE account_health SET last_poll_at = ?, poll_error = ?, next_poll_at = ?, poll_lease_until = 0 WHERE account_id = ? AND poll_lease_until = ?;

-- name: SetPresence
UPDATE account_health SET presence_checked_at = ?, presence_ok = ?, presence_detail = ? WHERE account_id = ?;

-- name: HealthOf
SELECT last_event_at, last_webhook_at, events_total, rhythm_ms, last_poll_at, poll_ok_at, poll_error,
       rate_remaining, rate_reset_at, rate_detail, presence_checked_at, presence_ok, presence_detail
FROM account_health WHERE account_id = ?;
