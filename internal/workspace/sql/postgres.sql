-- name: CreateWorkspace
INSERT INTO workspaces (id, slug, name, created_at) VALUES ($1, $2, $3, $4);

-- name: ListWorkspaces
SELECT id, slug, name, created_at FROM workspaces ORDER BY name;

-- name: WorkspaceBySlug
SELECT id, slug, name, created_at FROM workspaces WHERE slug = $1;

-- name: WorkspaceByID
SELECT id, slug, name, created_at FROM workspaces WHERE id = $1;

-- name: CreateAccount
INSERT INTO channel_accounts (id, workspace_id, channel, handle, name, purpose, ingest_token_hash, config, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: ListAccounts
SELECT id, workspace_id, channel, handle, name, purpose, config, created_at
FROM channel_accounts WHERE workspace_id = $1 ORDER BY channel, handle;

-- name: AllAccounts
SELECT id, workspace_id, channel, handle, name, purpose, config, created_at
FROM channel_accounts ORDER BY workspace_id, channel, handle;

-- name: AccountByID
SELECT id, workspace_id, channel, handle, name, purpose, config, created_at
FROM channel_accounts WHERE id = $1;

-- name: AccountByIngestToken
SELECT id, workspace_id, channel, handle, name, purpose, config, created_at
FROM channel_accounts WHERE ingest_token_hash = $1 AND ingest_token_hash <> '';

-- name: SetAccountIngestToken
UPDATE channel_accounts SET ingest_token_hash = $1 WHERE id = $2;

-- name: LockAccountConfigs
-- One configuration at a time across nodes, for the checks that compare
-- an account's config with the others' (one Page, one account).
SELECT pg_advisory_xact_lock(7249002);

-- name: SetAccountConfig
UPDATE channel_accounts SET config = $1 WHERE id = $2;

-- name: CreateTeam
INSERT INTO teams (id, workspace_id, name) VALUES ($1, $2, $3);

-- name: ListTeams
SELECT id, workspace_id, name FROM teams WHERE workspace_id = $1 ORDER BY name;

-- name: AddTeamMember
INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;
