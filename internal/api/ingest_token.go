package api

import (
	"context"
	"sync"
	"time"

	"github.com/harkdesk/hark/internal/workspace"
)

// ingestTokenTTL is how long a resolved ingest token is trusted without
// asking the store again. Resolving costs a quarter of a single-message
// ingest on SQLite; the price is that a rotated token keeps working for up
// to this long.
const ingestTokenTTL = 5 * time.Second

// tokenCache remembers which account recently presented ingest tokens
// belong to, keyed by the token's hash so no secret is kept in memory.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedAccount
}

type cachedAccount struct {
	acct    workspace.Account
	expires time.Time
}

// account resolves token through the cache, then the store. Unknown tokens
// are not cached, so guessing cannot fill memory.
func (c *tokenCache) account(ctx context.Context, ws *workspace.Store, token string) (workspace.Account, error) {
	key := workspace.HashToken(token)
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.acct, nil
	}
	a, err := ws.AccountByIngestToken(ctx, token)
	if err != nil {
		return a, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= 10_000 {
		c.entries = map[string]cachedAccount{} // accounts are few; this only bounds memory
	}
	c.entries[key] = cachedAccount{acct: a, expires: now.Add(ingestTokenTTL)}
	c.mu.Unlock()
	return a, nil
}
