package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/hark"
)

// A conversation cannot be left with someone whose access was taken away.
func TestADisabledUserIsNoAssignee(t *testing.T) {
	ctx := context.Background()
	a, _, _ := openAirline(t)
	u, err := a.Users.Add(ctx, "leaver@air.test", "Leaver", "agent", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CheckAssignee(ctx, u.ID); err != nil {
		t.Fatalf("an agent: %v", err)
	}
	if err := a.Users.Disable(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.CheckAssignee(ctx, u.ID); !errors.Is(err, hark.ErrInvalid) || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("a disabled agent as assignee: %v", err)
	}
}
