-- name: RecordEvents
-- The rhythm is a moving average of the gap between events, shown to the
-- admin as the account's recent pace; whether it is quiet is judged from
-- account_hours.
INSERT INTO account_health (account_id, last_event_at, last_webhook_at, events_total, rate_remaining, rate_reset_at, rate_detail)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (account_id) DO UPDATE SET
    rhythm_ms = CASE
        WHEN account_health.last_event_at = 0 OR excluded.events_total = 0 OR excluded.last_event_at <= account_health.last_event_at THEN account_health.rhythm_ms
        WHEN account_health.rhythm_ms = 0 THEN (excluded.last_event_at - account_health.last_event_at) / excluded.events_total
        ELSE (account_health.rhythm_ms * 4 + (excluded.last_event_at - account_health.last_event_at) / excluded.events_total) / 5 END,
    last_event_at = GREATEST(account_health.last_event_at, excluded.last_event_at),
    last_webhook_at = GREATEST(account_health.last_webhook_at, excluded.last_webhook_at),
    events_total = account_health.events_total + excluded.events_total,
    rate_remaining = CASE WHEN excluded.rate_remaining >= 0 THEN excluded.rate_remaining ELSE account_health.rate_remaining END,
    rate_reset_at = CASE WHEN excluded.rate_remaining >= 0 THEN excluded.rate_reset_at ELSE account_health.rate_reset_at END,
    rate_detail = CASE WHEN excluded.rate_remaining >= 0 THEN excluded.rate_detail ELSE account_health.rate_detail END;

-- name: RecordHour
-- Counts added, never read and written back, so nodes writing the same
-- hour at once lose nothing.
INSERT INTO account_hours (account_id, hour, events, spans) VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, hour) DO UPDATE SET
    events = account_hours.events + excluded.events,
    spans = account_hours.spans | excluded.spans;

-- name: PruneHours
DELETE FROM account_hours WHERE account_id = $1 AND hour < $2;

-- name: FirstHour
SELECT COALESCE(MIN(hour), -1) FROM account_hours WHERE account_id = $1;

-- name: HoursOf
SELECT hour, events, spans FROM account_hours WHERE account_id = $1 AND hour >= $2 AND hour < $3;

-- name: InsertError
INSERT INTO account_errors (id, account_id, at, source, message) VALUES ($1, $2, $3, $4, $5);

-- name: PruneErrors
DELETE FROM account_errors WHERE account_id = $1 AND id < (
    SELECT id FROM account_errors WHERE account_id = $2 ORDER BY id DESC LIMIT 1 OFFSET 19);

-- name: RecentErrors
SELECT at, source, message FROM account_errors WHERE account_id = $1 ORDER BY id DESC LIMIT 20;

-- name: EnsureHealth
INSERT INTO account_health (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING;

-- name: ClaimPoll
-- A lease, so that of several processes sharing one database only one
-- polls an account at a time.
UPDATE account_health SET poll_lease_until = $1
WHERE account_id = $2 AND poll_lease_until < $3 AND next_poll_at <= $4
RETURNING poll_cursor;

-- name: ReleasePoll
-- A poll cut short by the node stopping: the next tick, on any node, polls.
-- Each of these ends only the lease the poll took: one that outlived it
-- leaves another node's lease and cursor alone.
UPDATE account_health SET poll_lease_until = 0 WHERE account_id = $1 AND poll_lease_until = $2;

-- name: ClaimProbe
-- Presence is probed once per interval across all nodes, on the brand's
-- API quota: one write makes the account's row if need be and takes the
-- probe if it is due.
INSERT INTO account_health (account_id, presence_checked_at) VALUES ($1, $2)
ON CONFLICT (account_id) DO UPDATE SET presence_checked_at = excluded.presence_checked_at
WHERE account_health.presence_checked_at <= $3;

-- name: PollNow
-- The provider signalled news (IMAP IDLE): the account is due at once.
UPDATE account_health SET next_poll_at = $1 WHERE account_id = $2 AND next_poll_at > $3;

-- name: PollSucceeded
UPDATE account_health SET poll_cursor = $1, last_poll_at = $2, poll_ok_at = $3, poll_error = '', next_poll_at = $4, poll_lease_until = 0
WHERE account_id = $5 AND poll_lease_until = $6;

-- name: PollFailed
UPDATE account_health SET last_poll_at = $1, poll_error = $2, next_poll_at = $3, poll_lease_until = 0 WHERE account_id = $4 AND poll_lease_until = $5;

-- name: SetPresence
UPDATE account_health SET presence_checked_at = $1, presence_ok = $2, presence_detail = $3 WHERE account_id = $4;

-- name: HealthOf
SELECT last_event_at, last_webhook_at, events_total, rhythm_ms, last_poll_at, poll_ok_at, poll_error,
       rate_remaining, rate_reset_at, rate_detail, presence_checked_at, presence_ok, presence_detail
FROM account_health WHERE account_id = $1;
