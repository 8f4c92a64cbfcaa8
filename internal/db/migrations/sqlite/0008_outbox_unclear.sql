-- Whether a reply's last attempt ended without knowing if the provider
-- posted it (no answer, a timeout, a 5xx): the next attempt then asks the
-- provider first, where the connector can look. After a clear refusal (a
-- 429, say) it does not, since a look-alike earlier reply could be taken
-- for this one.
ALTER TABLE outbox ADD COLUMN unclear INTEGER NOT NULL DEFAULT 0;
