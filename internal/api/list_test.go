package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
)

// ids lists a page's conversation ids in order.
func ids(t *testing.T, page map[string]any) []string {
	t.Helper()
	var out []string
	for _, c := range page["conversations"].([]any) {
		out = append(out, c.(map[string]any)["id"].(string))
	}
	return out
}

func TestListPaginationFiltersAndSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		const n = 23
		var msgs []string
		for i := range n {
			text := fmt.Sprintf("message %d about a delayed flight", i)
			if i == 11 {
				text = "my zebra costume went to Lisbon"
			}
			// Half share one timestamp so that ties must be broken by id.
			at := "2026-01-01T10:00:00Z"
			if i%2 == 1 {
				at = fmt.Sprintf("2026-01-01T09:%02d:00Z", i)
			}
			msgs = append(msgs, fmt.Sprintf(`{"provider_id":"p%d","author":{"id":"a%d","handle":"person%d"},"text":%q,"sent_at":%q}`, i, i, i, text, at))
		}
		if r := e.mustJSON(200, "POST", "/api/v1/ingest", `{"messages":[`+strings.Join(msgs, ",")+`]}`, "ingest"); r["errors"] != float64(0) {
			t.Fatal(r)
		}
		_, emailConv := func() (string, string) {
			v := e.mustJSON(200, "POST", "/api/v1/ingest", `{"provider_id":"<e1@mail>","author":{"email":"ana@example.com","name":"Ana"},"subject":"Zebra refund","text":"hello"}`, "ingest2")
			return v["message_id"].(string), v["conversation_id"].(string)
		}()

		// Walk every page: each conversation once, in order, none missing.
		seen := map[string]bool{}
		var all []string
		cursor, pages := "", 0
		for {
			page := e.mustJSON(200, "GET", "/api/v1/conversations?limit=5&cursor="+url.QueryEscape(cursor), "", "agent")
			pages++
			for _, id := range ids(t, page) {
				if seen[id] {
					t.Fatalf("page %d repeats conversation %s", pages, id)
				}
				seen[id] = true
				all = append(all, id)
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
		}
		if len(all) != n+1 || pages != 5 {
			t.Fatalf("%d conversations over %d pages, want %d over 5", len(all), pages, n+1)
		}
		one := ids(t, e.mustJSON(200, "GET", "/api/v1/conversations?limit=200", "", "agent"))
		if strings.Join(one, ",") != strings.Join(all, ",") {
			t.Fatalf("paged order differs from one page:\n%v\n%v", all, one)
		}

		// Filters.
		first := all[0]
		e.mustJSON(200, "POST", "/api/v1/conversations/"+first+"/assign", `{"assignee":"me"}`, "agent")
		e.mustJSON(200, "POST", "/api/v1/conversations/"+all[1]+"/status", `{"status":"resolved"}`, "agent")
		e.mustJSON(200, "POST", "/api/v1/conversations/"+all[2]+"/tags", `{"add":["vip"]}`, "agent")
		count := func(query string) []string {
			return ids(t, e.mustJSON(200, "GET", "/api/v1/conversations?limit=200&"+query, "", "agent"))
		}
		for _, c := range []struct {
			query string
			want  int
			must  string
		}{
			{"assignee=me", 1, first},
			{"assignee=" + e.vars["{agent}"], 1, first},
			{"assignee=none", n, ""},
			{"status=resolved", 1, all[1]},
			{"status=open", n, ""},
			{"tag=vip", 1, all[2]},
			{"tag=%23VIP", 1, all[2]},
			{"channel=email", 1, emailConv},
			{"account=" + e.vars["{acct}"], n, ""},
			{"workspace=acme", n + 1, ""},
			{"workspace=" + e.vars["{ws}"], n + 1, ""},
			{"q=zebra", 1, ""}, // message text, not the e-mail's subject
			{"q=zeb", 1, ""},
			{"q=hello", 1, emailConv},
			{"q=zebra+costume", 1, ""},
			{"q=Lisbon", 1, ""},
			{"q=nothing-like-this", 0, ""},
			{"q=%22%29+OR+1%3D1+--", 0, ""}, // operators in the input are never query syntax
			{"channel=x&q=flight&limit=200", n - 1, ""},
			{"language=fr", 0, ""}, // every message here is English
			{"language=en&q=zebra", 1, ""},
		} {
			got := count(c.query)
			if len(got) != c.want || (c.must != "" && !contains(got, c.must)) {
				t.Errorf("%s: %d conversations %v, want %d including %q", c.query, len(got), got, c.want, c.must)
			}
		}
		e.mustJSON(400, "GET", "/api/v1/conversations?language=french", "", "agent")
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// A contact comes with how channels know them and their conversations.
func TestContact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, c1 := e.ingestOne("m1", "maria", "first")
		_, c2 := e.ingestOne("m2", "maria", "second, a new post")
		detail := e.mustJSON(200, "GET", "/api/v1/conversations/"+c1, "", "agent")
		contact := detail["contact"].(map[string]any)
		got := e.mustJSON(200, "GET", "/api/v1/contacts/"+contact["id"].(string), "", "viewer")
		ct := got["contact"].(map[string]any)
		ident := ct["identities"].([]any)
		if len(ident) != 1 || ident[0].(map[string]any)["external_id"] != "maria" || ident[0].(map[string]any)["kind"] != "x" {
			t.Fatalf("identities %v", ident)
		}
		convs := ids(t, map[string]any{"conversations": got["conversations"]})
		sort.Strings(convs)
		want := []string{c1, c2}
		sort.Strings(want)
		if c1 == c2 {
			want = want[:1]
		}
		if b, _ := json.Marshal(convs); string(b) != mustMarshal(want) {
			t.Fatalf("conversations of contact %v, want %v", convs, want)
		}
	})
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
