package contact

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/harkdesk/hark/internal/hark"
)

// ByIdentity finds the contact a channel knows by externalID.
func (s *Store) ByIdentity(ctx context.Context, workspaceID int64, channel, externalID string) (int64, error) {
	var id int64
	err := s.db.R.QueryRowContext(ctx, queries.Get(s.db.Dialect, "ContactByIdentity"), workspaceID, IdentityKind(channel), externalID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("contact %s:%s: %w", channel, externalID, hark.ErrNotFound)
	}
	return id, err
}
