package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/harkdesk/hark/internal/hark"
)

// CheckAssignee refuses an assignee who is not a user or may not work
// conversations (a viewer, a disabled user): the desk and the API both ask it, so neither
// can leave a conversation with someone who cannot answer it.
func (a *App) CheckAssignee(ctx context.Context, userID int64) error {
	u, err := a.Users.ByID(ctx, userID)
	if errors.Is(err, hark.ErrNotFound) {
		return fmt.Errorf("%w: no user %d to assign to", hark.ErrInvalid, userID)
	}
	if err != nil {
		return err
	}
	if u.DisabledAt != 0 {
		return fmt.Errorf("%w: %s is disabled", hark.ErrInvalid, u.Email)
	}
	if !u.Can("work") {
		return fmt.Errorf("%w: %s is a viewer and cannot work conversations", hark.ErrInvalid, u.Email)
	}
	return nil
}
