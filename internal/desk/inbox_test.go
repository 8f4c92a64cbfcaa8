package desk

import (
	"fmt"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// An empty inbox names the filters that emptied it, as the sidebar does,
// so an agent knows which one to undo.
func TestInboxQueryDescribed(t *testing.T) {
	v := view{Users: map[int64]user.User{7: {ID: 7, Name: "Maya"}},
		Accounts: map[int64]workspace.Account{3: {ID: 3, Name: "Skyway Care"}}}
	for _, c := range []struct {
		q    inboxQuery
		want string
	}{
		{inboxQuery{Status: "open", Lang: "FR", Needs: "1"}, "No open conversation matches: needs a reply, French"},
		{inboxQuery{Status: "all", Intent: "complaint", Sentiment: "negative", Assignee: "me"}, "No conversation matches: complaint, negative, mine"},
		{inboxQuery{Status: "pending", Assignee: "7", Account: "3", Tag: " refund", Q: "bag "}, "No pending conversation matches: assigned to Maya, Skyway Care, tag: refund, “bag”"},
		{inboxQuery{Status: "open", Assignee: "none", Channel: "x", Lang: "xx"}, "No open conversation matches: language xx, unassigned, X"},
		{inboxQuery{Status: "open", Assignee: "99", Account: "98"}, "No open conversation matches: assigned to user 99, account 98"},
		{inboxQuery{Status: "open", Q: " "}, "No open conversation matches: these filters"},
	} {
		if got := c.q.Described(v); got != c.want {
			t.Errorf("%+v: %q, want %q", c.q, got, c.want)
		}
	}
}

func TestWaiting(t *testing.T) {
	now := time.Now()
	for ms, want := range map[int64]string{0: "", now.UnixMilli(): "waiting <1m", now.Add(-5 * time.Minute).UnixMilli(): "waiting 5m",
		now.Add(-3 * time.Hour).UnixMilli(): "waiting 3h", now.Add(-50 * time.Hour).UnixMilli(): "waiting 2d"} {
		if got := waiting(ms); got != want {
			t.Errorf("%v ago: %q, want %q", now.Sub(time.UnixMilli(ms)).Round(time.Second), got, want)
		}
	}
}

// An error page says what was refused in the words of the refusal, not of
// the error's wrapping.
func TestReason(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: tag %q is too long", hark.ErrInvalid, "x"), `Tag "x" is too long.`},
		{fmt.Errorf("assign: %w: user 5 is a viewer", hark.ErrInvalid), "User 5 is a viewer."},
		{fmt.Errorf("%w: émoji first.", hark.ErrInvalid), "Émoji first."},
		{hark.ErrInvalid, "The desk refused it."},
		{fmt.Errorf("%w: the address is invalid", hark.ErrInvalid), "The address is invalid."},
		{fmt.Errorf("label: %w", hark.ErrInvalid), "The desk refused it."},
	} {
		if got := reason(c.err, hark.ErrInvalid); got != c.want {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
}
