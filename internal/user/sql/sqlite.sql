-- name: CreateUser
INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?);

-- name: UserByEmail
SELECT id, email, name, role, password_hash, created_at, disabled_at FROM users WHERE email = ?;

-- name: UserByID
SELECT id, email, name, role, password_hash, created_at, disabled_at FROM users WHERE id = ?;

-- name: ListUsers
SELECT id, email, name, role, password_hash, created_at, disabled_at FROM users ORDER BY name;

-- name: SetPassword
UPDATE users SET password_hash = ? WHERE id = ?;

-- name: SetRole
UPDATE users SET role = ? WHERE id = ?;

-- name: SetDisabled
UPDATE users SET disabled_at = ? WHERE id = ?;

-- name: CreateSession
INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?);

-- name: SessionUser
-- A disabled user's sessions are ended when they are disabled; the check
-- here covers a session started in the same instant.
SELECT u.id, u.email, u.name, u.role, u.password_hash, u.created_at, u.disabled_at, s.csrf, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled_at = 0;

-- name: DeleteSession
DELETE FROM sessions WHERE token_hash = ?;

-- name: DeleteExpiredSessions
DELETE FROM sessions WHERE expires_at <= ?;

-- name: CreateAPIToken
INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?);

-- name: APITokenUser
SELECT u.id, u.email, u.name, u.role, u.password_hash, u.created_at, u.disabled_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = ? AND (t.expires_at = 0 OR t.expires_at > ?) AND u.disabled_at = 0;

-- name: TouchAPIToken
UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? AND last_used_at < ?;

-- name: TokensOf
SELECT token_hash, name, created_at, last_used_at, expires_at FROM api_tokens WHERE user_id = ? ORDER BY created_at, token_hash;

-- name: RevokeToken
DELETE FROM api_tokens WHERE user_id = ? AND token_hash = ?;

-- name: EndSessionsOf
DELETE FROM sessions WHERE user_id = ?;
