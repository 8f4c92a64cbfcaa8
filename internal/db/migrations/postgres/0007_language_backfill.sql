-- Conversations from before 0006 take the language of their latest
-- customer message that the classifier named (its labels hold
-- "language":"xx"; "und" has three letters and is skipped). The labels
-- are read as text, so a row whose labels are not JSON cannot fail the
-- migration.
UPDATE conversations c SET language = (
    SELECT substring(m.labels from '"language":"([a-z]{2})"')
    FROM messages m
    WHERE m.conversation_id = c.id AND m.direction = 'in' AND m.labels ~ '"language":"[a-z]{2}"'
    ORDER BY m.sent_at DESC, m.id DESC LIMIT 1)
WHERE c.language = '' AND c.id IN (
    SELECT conversation_id FROM messages WHERE direction = 'in' AND labels ~ '"language":"[a-z]{2}"');
