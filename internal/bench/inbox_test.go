package bench

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
)

// TestInboxViewsOnSmallFixture is the CI-sized inbox benchmark: it builds
// 20,000 conversations, checks every view returns a correct first page, and
// checks the plans of the views that must stay flat as data grows: they walk
// an index in ORDER BY order and never sort.
func TestInboxViewsOnSmallFixture(t *testing.T) {
	ctx := context.Background()
	f := grownFixture(t, filepath.Join(t.TempDir(), "inbox.db"), 20000)
	views, err := f.Views(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The labels come in the classifier's shares (fixtureIntents,
	// fixtureLanguages), so a label's filter keeps what it would at a desk.
	for _, c := range []struct {
		where    string
		min, max float64
	}{
		{"intent = 'complaint'", 0.19, 0.23},
		{"intent = 'peer'", 0.001, 0.004},
		{"needs_reply = 1", 0.62, 0.68},
		{"sentiment = 'negative'", 0.50, 0.60},
		{"language = 'en'", 0.94, 0.97},
		{"language = 'fr'", 0.0005, 0.003},
	} {
		var share float64
		if err := f.DB.R.QueryRowContext(ctx, "SELECT AVG("+c.where+") FROM conversations").Scan(&share); err != nil {
			t.Fatal(err)
		}
		if share < c.min || share > c.max {
			t.Errorf("%s on %.4f of the fixture, want %.4f to %.4f", c.where, share, c.min, c.max)
		}
	}
	convs := conversation.New(f.DB)
	for _, v := range views {
		for i := 0; i < 3; i++ {
			flt := v.Filter(i)
			p, err := convs.List(ctx, flt)
			if err != nil {
				t.Fatalf("%s: %v", v.Name, err)
			}
			if len(p.Conversations) == 0 {
				t.Fatalf("%s: empty first page", v.Name)
			}
			for j, c := range p.Conversations {
				if c.WorkspaceID != f.Workspace || (flt.Status != "" && c.Status != flt.Status) ||
					(flt.Channel != "" && c.Channel != flt.Channel) || (flt.AssigneeID > 0 && c.AssigneeID != flt.AssigneeID) ||
					(flt.Tag != "" && !slices.Contains(c.Tags, flt.Tag)) || (flt.NeedsReply && !c.NeedsReply) ||
					(flt.Intent != "" && c.Intent != flt.Intent) || (flt.Sentiment != "" && c.Sentiment != flt.Sentiment) ||
					(flt.Language != "" && c.Language != flt.Language) {
					t.Fatalf("%s: row %d does not match the filter: %+v", v.Name, j, c)
				}
				if j > 0 {
					prev := p.Conversations[j-1]
					if prev.LastMessageAt < c.LastMessageAt || (prev.LastMessageAt == c.LastMessageAt && prev.ID < c.ID) {
						t.Fatalf("%s: rows %d and %d out of order", v.Name, j-1, j)
					}
				}
			}
		}
	}
	// The SQL List runs for each view: every page but a search's must walk
	// an index in ORDER BY order and stop after 51 rows, never sort, so its
	// cost does not grow with the data. Some must walk their own index: a
	// rare value would walk the whole inbox for one page through another.
	own := map[string]string{
		"language (rare), open":                  "conversations_language",
		"needs reply, language (rare), open":     "conversations_language",
		"intent (rare: peer), open":              "conversations_intent",
		"intent (complaint), open":               "conversations_intent",
		"sentiment (negative), open":             "conversations_sentiment",
		"sentiment (positive), pending":          "conversations_sentiment",
		"needs reply, complaint, open":           "conversations_intent",
		"needs reply, intent (rare: peer), open": "conversations_intent",
	}
	// The counts beside a label's filter read its rows from its index
	// alone, not every row of the workspace.
	for _, c := range []struct {
		filter conversation.Filter
		index  string
	}{
		{conversation.Filter{WorkspaceID: f.Workspace, Intent: "complaint"}, "COVERING INDEX conversations_intent "},
		{conversation.Filter{WorkspaceID: f.Workspace, Sentiment: "negative"}, "COVERING INDEX conversations_sentiment "},
		{conversation.Filter{WorkspaceID: f.Workspace, Intent: "peer", Tag: f.Tags[0]}, "INDEX conversations_intent "},
		{conversation.Filter{WorkspaceID: f.Workspace, Language: "fr"}, "COVERING INDEX conversations_language "},
	} {
		q, args, err := convs.CountQuery(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		if plan := queryPlan(t, f.DB, q, args...); !strings.Contains(plan, c.index) {
			t.Errorf("count under %+v: plan does not read %s: %s", c.filter, c.index, plan)
		}
	}
	for name := range own {
		if !slices.ContainsFunc(views, func(v View) bool { return v.Name == name }) {
			t.Errorf("no view %q", name)
		}
	}
	for _, v := range views {
		if strings.HasPrefix(v.Name, "full-text search") {
			continue // FTS5 matches, then sorted by recency (BENCHMARKS.md)
		}
		for i := 0; i < 3; i++ {
			q, args, err := convs.ListQuery(v.Filter(i))
			if err != nil {
				t.Fatal(err)
			}
			plan := queryPlan(t, f.DB, q, args...)
			if strings.Contains(plan, "TEMP B-TREE") || !strings.Contains(plan, " INDEX conversations_") {
				t.Errorf("%s: plan sorts or scans instead of walking an index: %s", v.Name, plan)
			}
			if ix := own[v.Name]; ix != "" && !strings.Contains(plan, " INDEX "+ix+" ") {
				t.Errorf("%s: plan does not walk %s: %s", v.Name, ix, plan)
			}
		}
	}
}

// grownFixture is a new fixture at path holding n conversations, closed
// when the test ends.
func grownFixture(t *testing.T, path string, n int) *Fixture {
	t.Helper()
	ctx := context.Background()
	f, err := NewFixture(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := f.Grow(ctx, n); err != nil {
		t.Fatal(err)
	}
	var got int
	f.DB.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM conversations").Scan(&got)
	if got != n {
		t.Fatalf("fixture holds %d conversations, want %d", got, n)
	}
	return f
}

func queryPlan(t *testing.T, d *db.DB, q string, args ...any) string {
	t.Helper()
	rows, err := d.R.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return strings.Join(out, "; ")
}
