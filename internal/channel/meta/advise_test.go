package meta_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/workspace"
)

// The desk learns the messaging window before the agent writes.
func TestAdviseShowsTheWindow(t *testing.T) {
	fake := meta.NewFake("s", "v", "t")
	for _, tc := range []struct {
		channel string
		private bool
		ago     time.Duration
		allowed bool
		says    string
	}{
		{"facebook", false, 30 * 24 * time.Hour, true, ""},
		{"facebook", true, time.Hour, true, "any reply may be sent"},
		{"facebook", true, 3 * 24 * time.Hour, true, "HUMAN_AGENT"},
		{"instagram", true, 8 * 24 * time.Hour, false, "does not allow a message"},
		{"whatsapp", true, 2 * time.Hour, true, "any reply"},
		{"whatsapp", true, 30 * time.Hour, false, "approved template"},
	} {
		conn, err := meta.Factory(http.DefaultClient)(workspace.Account{ID: 1, Channel: tc.channel}, fake.Config("http://graph.test"))
		if err != nil {
			t.Fatal(err)
		}
		ok, says := conn.(channel.Advisor).Advise(tc.private, time.Now().Add(-tc.ago))
		if ok != tc.allowed || (tc.says == "" && says != "") || !strings.Contains(says, tc.says) {
			t.Errorf("%s private=%v %s ago: %v %q", tc.channel, tc.private, tc.ago, ok, says)
		}
	}
}
