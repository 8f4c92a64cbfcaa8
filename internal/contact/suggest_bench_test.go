package contact_test

import (
	"context"
	"testing"

	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/workspace"
)

// suggestBefore is SimilarContacts as it was before 61a14e5 (SQLite): it
// read every identity of the workspace. The baseline below times it on
// the same file, in the same run.
const suggestBefore = `SELECT DISTINCT c.id, c.name, i.kind_handle
FROM (
    SELECT contact_id, channel || ':' || handle AS kind_handle, lower(handle) AS h, lower(display_name) AS n
    FROM contact_identities WHERE workspace_id = ?
) i JOIN contacts c ON c.id = i.contact_id
WHERE c.id <> ? AND ((i.h <> '' AND i.h IN (SELECT lower(handle) FROM contact_identities WHERE contact_id = ? AND handle <> ''))
   OR (i.n <> '' AND i.n IN (SELECT lower(display_name) FROM contact_identities WHERE contact_id = ? AND display_name <> '')))
LIMIT 10`

// BenchmarkSuggest times the merge suggestions a customer's page shows,
// in a workspace of 200,000 contacts with one identity each, handles and
// names shared by a few (go test -run XXX -bench Suggest ./internal/contact).
func BenchmarkSuggest(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	ws, err := workspace.New(d).Create(ctx, "big", "Big")
	if err != nil {
		b.Fatal(err)
	}
	_, err = d.W.ExecContext(ctx, `
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200000)
INSERT INTO contacts (id, workspace_id, name, created_at, updated_at) SELECT i, ?1, 'Person ' || i, 0, i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200000)
INSERT INTO contact_identities (id, workspace_id, contact_id, channel, external_id, handle, display_name, created_at)
SELECT i, ?1, i, 'x', 'e' || i, 'h' || (i % 150000), 'Person ' || (i % 120000), 0 FROM n;`, ws.ID)
	if err != nil {
		b.Fatal(err)
	}
	store := contact.New(d)
	c, err := store.Get(ctx, 4242)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("query", func(b *testing.B) {
		for b.Loop() {
			if s, err := store.Suggest(ctx, c); err != nil || len(s) != 2 {
				b.Fatal(s, err)
			}
		}
	})
	b.Run("before", func(b *testing.B) {
		for b.Loop() {
			rows, err := d.R.QueryContext(ctx, suggestBefore, ws.ID, c.ID, c.ID, c.ID)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if n != 2 {
				b.Fatal(n)
			}
		}
	})
}
