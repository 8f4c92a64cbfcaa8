-- A delete can reach the desk before the message it deletes: Meta retries
-- an "add" it was refused after the "remove" went through, and X replays
-- missed events. The delete is kept here, a week at most, so the message
-- is stored deleted when it comes instead of live.
CREATE TABLE early_deletes (
    account_id  BIGINT NOT NULL REFERENCES channel_accounts(id),
    provider_id TEXT NOT NULL,
    deleted_at  BIGINT NOT NULL,
    noted_at    BIGINT NOT NULL,
    PRIMARY KEY (account_id, provider_id)
);
CREATE INDEX early_deletes_noted ON early_deletes (noted_at);
