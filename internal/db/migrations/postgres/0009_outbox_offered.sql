-- Whether a claimed reply was offered to the provider. A worker claims up
-- to 20 replies at once and sends them one by one: a claim that outlives
-- its lease (the node stopped, or slow sends ahead of it) was never sent
-- if it was never offered, and goes back in the queue instead of being
-- taken for one that may have been delivered. Rows from before this
-- column may have been offered.
ALTER TABLE outbox ADD COLUMN offered INTEGER NOT NULL DEFAULT 1;
