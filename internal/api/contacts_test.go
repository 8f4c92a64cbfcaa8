package api_test

import (
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

// Linking one customer's identities through the API: find, merge, see the
// whole history on one contact, undo; with the errors a script can hit.
func TestContactMergeThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, c1 := e.ingestOne("m1", "sam_r", "my card was charged twice")
		_, c2 := e.ingestOne("m2", "sam_r_home", "any news on the refund?")
		keep, other := e.contactOf(c1), e.contactOf(c2)
		if keep == other {
			t.Fatal("two handles became one contact")
		}
		found := e.mustJSON(200, "GET", "/api/v1/workspaces/acme/contacts?q=%40SAM_R", "", "viewer")["contacts"].([]any)
		if len(found) != 2 {
			t.Fatalf("search found %v", found)
		}
		if r := e.do("GET", "/api/v1/workspaces/acme/contacts", "", "viewer"); r.status != 400 {
			t.Fatalf("search without q: %d", r.status)
		}
		for body, want := range map[string]int{`{"other":"x"}`: 400, `{}`: 400, `{"other":"` + keep + `"}`: 400, `{"other":"123"}`: 404} {
			if r := e.do("POST", "/api/v1/contacts/"+keep+"/merge", body, "agent"); r.status != want {
				t.Errorf("merge %s: %d, want %d: %s", body, r.status, want, r.body)
			}
		}
		if r := e.do("POST", "/api/v1/contacts/"+keep+"/merge", `{"other":"`+other+`"}`, "viewer"); r.status != 403 {
			t.Fatalf("a viewer merged: %d", r.status)
		}
		merged := e.mustJSON(201, "POST", "/api/v1/contacts/"+keep+"/merge", `{"other":"`+other+`"}`, "agent")
		mergeID := merged["merge_id"].(string)
		if ids := merged["contact"].(map[string]any)["identities"].([]any); len(ids) != 2 {
			t.Fatalf("merged contact has %d identities", len(ids))
		}
		if convs := e.mustJSON(200, "GET", "/api/v1/contacts/"+keep, "", "agent")["conversations"].([]any); len(convs) != 2 {
			t.Fatalf("merged contact has %d conversations", len(convs))
		}
		hist := e.mustJSON(200, "GET", "/api/v1/contacts/"+keep+"/suggestions", "", "agent")["merges"].([]any)
		if len(hist) != 1 || hist[0].(map[string]any)["id"] != mergeID || hist[0].(map[string]any)["undone"] != false {
			t.Fatalf("merge history %v", hist)
		}
		e.undoOnce(keep, other, mergeID)
	})
}

// A merge stays in its contact's history, and undoable, however many merges
// the rest of the workspace has had since.
func TestAMergeStaysUndoableAfterAThousandOthers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, c1 := e.ingestOne("m1", "sam_r", "my card was charged twice")
		_, c2 := e.ingestOne("m2", "sam_r_home", "any news?")
		keep, other := e.contactOf(c1), e.contactOf(c2)
		mergeID := e.mustJSON(201, "POST", "/api/v1/contacts/"+keep+"/merge", `{"other":"`+other+`"}`, "agent")["merge_id"].(string)
		// Other agents link other customers: 1,000 merge records later in
		// the workspace, written as Merge writes them but in one statement
		// (a thousand real merges take a minute under the race detector).
		_, c3 := e.ingestOne("m3", "lee", "hi")
		_, c4 := e.ingestOne("m4", "lee2", "hi again")
		a, b := e.contactOf(c3), e.contactOf(c4)
		e.mustJSON(201, "POST", "/api/v1/contacts/"+a+"/merge", `{"other":"`+b+`"}`, "agent")
		var rows []string
		var args []any
		for i := 0; i < 1000; i++ {
			rows = append(rows, "(?, ?, NULL, ?, NULL, 'contact_merged', ?, ?)")
			args = append(args, db.NewID(), e.ws.ID, a, `{"kept":`+a+`,"merged":`+b+`,"identities":[],"conversations":[]}`, db.Now())
		}
		insert := "INSERT INTO activity (id, workspace_id, conversation_id, contact_id, user_id, kind, detail, created_at) VALUES " + strings.Join(rows, ", ")
		if _, err := d.W.Exec(db.Rebind(d.Dialect, insert), args...); err != nil {
			t.Fatal(err)
		}
		hist := e.mustJSON(200, "GET", "/api/v1/contacts/"+keep+"/suggestions", "", "agent")["merges"].([]any)
		if len(hist) != 1 || hist[0].(map[string]any)["id"] != mergeID || hist[0].(map[string]any)["undone"] != false {
			t.Fatalf("the contact's merge history lost its merge: %v", hist)
		}
		if hist := e.mustJSON(200, "GET", "/api/v1/contacts/"+a+"/suggestions", "", "agent")["merges"].([]any); len(hist) != 1000 {
			t.Errorf("the other contact's history holds %d merges, want its newest 1,000", len(hist))
		}
		e.undoOnce(keep, other, mergeID)
	})
}

// A contact already merged away has nothing left to merge: merging it again
// is a conflict, not another empty record in the history.
func TestAnEmptiedContactCannotBeMergedAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, c1 := e.ingestOne("m1", "sam_r", "my card was charged twice")
		_, c2 := e.ingestOne("m2", "sam_r_home", "any news?")
		_, c3 := e.ingestOne("m3", "sam_r_work", "hello?")
		keep, other, third := e.contactOf(c1), e.contactOf(c2), e.contactOf(c3)
		e.mustJSON(201, "POST", "/api/v1/contacts/"+keep+"/merge", `{"other":"`+other+`"}`, "agent")
		for _, into := range []string{keep, third} {
			if r := e.do("POST", "/api/v1/contacts/"+into+"/merge", `{"other":"`+other+`"}`, "agent"); r.status != 409 {
				t.Errorf("merging the emptied contact into %s: got %d, want 409\n%s", into, r.status, r.body)
			}
		}
		if hist := e.mustJSON(200, "GET", "/api/v1/contacts/"+keep+"/suggestions", "", "agent")["merges"].([]any); len(hist) != 1 {
			t.Errorf("history holds %d merges, want 1", len(hist))
		}
		op := loadDoc(t)["paths"].(document)["/api/v1/contacts/{id}/merge"].(document)["post"].(document)
		if op["responses"].(document)["409"] == nil {
			t.Error("openapi.json does not document the 409")
		}
	})
}

// undoOnce undoes a merge of other into keep: not through other (404),
// once through keep, not twice (409), and other has its conversation back.
func (e *env) undoOnce(keep, other, mergeID string) {
	e.t.Helper()
	t := e.t
	if r := e.do("POST", "/api/v1/contacts/"+other+"/unmerge", `{"merge":"`+mergeID+`"}`, "agent"); r.status != 404 {
		t.Fatalf("undo through the wrong contact: %d", r.status)
	}
	e.mustJSON(200, "POST", "/api/v1/contacts/"+keep+"/unmerge", `{"merge":"`+mergeID+`"}`, "agent")
	if r := e.do("POST", "/api/v1/contacts/"+keep+"/unmerge", `{"merge":"`+mergeID+`"}`, "agent"); r.status != 409 {
		t.Fatalf("a second undo: %d %s", r.status, r.body)
	}
	if convs := e.mustJSON(200, "GET", "/api/v1/contacts/"+other, "", "agent")["conversations"].([]any); len(convs) != 1 {
		t.Fatalf("after the undo the other contact has %d conversations", len(convs))
	}
}
