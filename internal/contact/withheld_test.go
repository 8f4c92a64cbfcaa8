package contact_test

import (
	"testing"

	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// Each caller who withholds their number is its own contact (twilio.Parse:
// contact.Withheld + CallSid, named "Withheld number"), but they all share
// that display name, so every such caller is offered every other one as a
// possible match to merge, strangers whose voicemails an agent could join:
// they are not.
func TestWithheldCallersAreNoMatchesForEachOther(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newDesk(t, d)
		phone, _, err := workspace.New(d).AddAccount(f.ctx, workspace.Account{WorkspaceID: f.workspace, Channel: "phone", Handle: "+15550100"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, sid := range []string{"CA111", "CA222", "CA333"} {
			ids = append(ids, f.in(t, phone, ingest.Message{ProviderID: sid, Visibility: "private",
				Author: ingest.Author{ID: contact.Withheld + sid, Name: "Withheld number"}, Text: "Incoming call from a withheld number"}))
		}
		c, err := f.contacts.Get(f.ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		sugg, err := f.contacts.Suggest(f.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(sugg) != 0 {
			t.Fatalf("a withheld caller is offered %d other withheld callers to merge: %+v", len(sugg), sugg)
		}
	})
}
