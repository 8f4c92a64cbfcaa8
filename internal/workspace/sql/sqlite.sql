-- name: CreateWorkspace
INSERT INTO workspaces (id, slug, name, created_at) VALUES (?, ?, ?, ?);

-- name: ListWorkspaces
SELECT id, slug, name, created_at FROM workspaces ORDER BY name;

-- name: WorkspaceBySlug
SELECT id, slug, name, created_at FROM workspaces WHERE slug = ?;

-- name: WorkspaceByID
SELECT id, slug, name, created_at FROM workspaces WHERE id = ?;

-- name: CreateAccount
INSERT INTO channel_accounts (id, workspace_id, channel, handle, name, purpose, ingest_token_hash, config, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: ListAccounts
SELECT id, workspace_id, channel, handle, name, purpose, config, created_at
FROM channel_accounts WHERE workspace_id = ? ORDER BY channel, handle;

-- name: AllAccounts
SELECT id, workspace_id, channel, handle, name, purpose, config, created_at
FROM channel_accounts ORDER BY workspace_id, channel, handle;

-- name: AccountByID
SELECT id, workspace_id, channel, handle, name, purpose, config, created_at
FROM channel_accounts WHERE id = ?;

-- name: AccountByIngestToken
SELECT id, workspace_id, channel, handle, name, purpose, config, created_at
FROM channel_accounts WHERE ingest_token_hash = ? AND ingest_token_hash <> '';

-- name: SetAccountIngestToken
UPDATE channel_accounts SET ingest_token_hash = ? WHERE id = ?;

-- name: LockAccountConfigs
-- SQLite's single writer already runs one configuration at a time.
SELECT 1;

-- name: SetAccountConfig
UPDATE channel_accounts SET config = ? WHERE id = ?;

-- name: CreateTeam
INSERT INTO teams (id, workspace_id, name) VALUES (?, ?, ?);

-- name: ListTeams
SELECT id, workspace_id, name FROM teams WHERE workspace_id = ? ORDER BY name;

-- name: AddTeamMember
INSERT INTO team_members (team_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING;
