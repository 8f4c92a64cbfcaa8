-- An admin can take a person's access away (they leave the team, a laptop
-- is lost) without losing their name on what they did, and a personal
-- API token can be given an end.
ALTER TABLE users ADD COLUMN disabled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
