package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/api"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/workspace"
)

type document = map[string]any

func loadDoc(t *testing.T) document {
	t.Helper()
	var doc document
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operations lists the document's "METHOD path" pairs.
func operations(doc document) map[string]document {
	out := map[string]document{}
	for path, item := range doc["paths"].(document) {
		for m, op := range item.(document) {
			if slices.Contains(httpMethods, m) {
				out[strings.ToUpper(m)+" "+path] = op.(document)
			}
		}
	}
	return out
}

// outsideAPI are the server's own routes the document also describes.
var outsideAPI = []string{"GET /healthz", "GET /metrics"}

// The routes table and the document list the same endpoints.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	doc := loadDoc(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v", doc["openapi"])
	}
	documented := operations(doc)
	registered := map[string]bool{}
	for _, r := range api.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	for _, r := range outsideAPI {
		registered[r] = true
	}
	for k := range registered {
		if documented[k] == nil {
			t.Errorf("%s is served but not in openapi.json", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("%s is in openapi.json but no route serves it", k)
		}
	}

	// Every $ref resolves, every path parameter is declared, ids are unique.
	walk(doc, func(m document) {
		if ref, ok := m["$ref"].(string); ok {
			if _, err := resolve(doc, ref); err != nil {
				t.Errorf("$ref %s: %v", ref, err)
			}
		}
	})
	opIDs := map[string]string{}
	for k, op := range documented {
		id, _ := op["operationId"].(string)
		if id == "" || opIDs[id] != "" {
			t.Errorf("%s: operationId %q missing or repeated", k, id)
		}
		opIDs[id] = k
		declared := map[string]bool{}
		for _, p := range asList(op["parameters"]) {
			p := deref(doc, p.(document))
			if p["in"] == "path" {
				declared[p["name"].(string)] = true
			}
		}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(k, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %s is not declared", k, m[1])
			}
		}
		if _, ok := op["responses"].(document); !ok {
			t.Errorf("%s: no responses", k)
		}
	}
	for _, name := range []string{"personalToken", "ingestToken"} {
		if doc["components"].(document)["securitySchemes"].(document)[name] == nil {
			t.Errorf("security scheme %s missing", name)
		}
	}
}

// Every documented operation is answered by a real handler, with the
// documented success status and a body that matches its schema; and a
// caller without credentials gets the documented error shape.
func TestOpenAPIMatchesTheServer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		firstMsg, conv := e.ingestOne("m1", "maria", "my bag never arrived")
		e.ingestOne("m2", "maria", "still waiting")
		detail := e.mustJSON(200, "GET", "/api/v1/conversations/"+conv, "", "agent")
		contact := detail["contact"].(map[string]any)["id"].(string)
		// Give the conversation a reply, a note and an assignee so that every
		// nullable and nested field of the detail is exercised.
		e.mustJSON(201, "POST", "/api/v1/conversations/"+conv+"/notes", `{"body":"n"}`, "agent")
		answer := e.mustJSON(201, "POST", "/api/v1/conversations/"+conv+"/replies", `{"text":"r"}`, "agent")["id"].(string)
		e.mustJSON(200, "POST", "/api/v1/conversations/"+conv+"/assign", `{"assignee":"me"}`, "agent")

		doc := loadDoc(t)
		bodies := map[string]string{
			"ingest":           `{"provider_id":"m9","author":{"id":"maria"},"text":"again"}`,
			"reply":            `{"text":"on it","if_last_message_id":"` + answer + `"}`,
			"assign":           `{"assignee":"me"}`,
			"setStatus":        `{"status":"pending"}`,
			"tag":              `{"add":["vip"]}`,
			"addNote":          `{"body":"a note"}`,
			"createWorkspace":  `{"slug":"beta","name":"Beta"}`,
			"addAccount":       `{"channel":"sms","handle":"+15550100"}`,
			"correctLabels":    `{"intent":"request","needs_reply":true}`,
			"setAccountConfig": `{"kind":"feed","feed_url":"https://blog.acme.test/comments/feed","poll_interval_seconds":300}`,
		}
		// A second customer to merge into the first (and the merge to undo).
		_, otherConv := e.ingestOne("m3", "maria_k2", "hello from my other account")
		other := e.mustJSON(200, "GET", "/api/v1/conversations/"+otherConv, "", "agent")["contact"].(map[string]any)["id"].(string)
		bodies["mergeContact"] = `{"other":"` + other + `"}`
		blogAcct, _, err := e.a.Workspaces.AddAccount(context.Background(), workspace.Account{WorkspaceID: e.ws.ID, Channel: "blog", Handle: "blog.acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0)
		ops := operations(doc)
		for k := range ops {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			op := ops[k]
			method, path, _ := strings.Cut(k, " ")
			url := strings.NewReplacer("{ws}", "acme").Replace(path)
			if strings.HasPrefix(path, "/api/v1/messages/") {
				url = strings.Replace(url, "{id}", firstMsg, 1)
			}
			if strings.HasPrefix(path, "/api/v1/contacts/") {
				url = strings.Replace(url, "{id}", contact, 1)
			}
			url = strings.Replace(url, "{id}", conv, 1)
			url = strings.Replace(url, "{account}", itoa(blogAcct.ID), 1)
			id := op["operationId"].(string)
			if id == "searchContacts" {
				url += "?q=maria"
			}
			who := "admin"
			if sec, ok := op["security"].([]any); ok {
				switch {
				case len(sec) == 0:
					who = ""
				case sec[0].(document)["ingestToken"] != nil:
					who = "ingest"
				}
			}
			t.Run(id, func(t *testing.T) {
				// What the test sends is what the document says may be sent.
				if rb, ok := op["requestBody"].(document); ok && bodies[id] != "" {
					media := deref(doc, rb)["content"].(document)["application/json"].(document)
					var v any
					if err := json.Unmarshal([]byte(bodies[id]), &v); err != nil {
						t.Fatal(err)
					}
					for _, p := range validate(doc, media["schema"].(document), v, "request") {
						t.Errorf("%s\n%s", p, bodies[id])
					}
				}
				r := e.do(method, url, bodies[id], who)
				if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
					t.Fatalf("%s %s: no handler answers: %d %s", method, url, r.status, r.body)
				}
				responses := op["responses"].(document)
				want := successStatus(responses)
				if r.status != want {
					t.Fatalf("%s %s: %d, documented %d\n%s", method, url, r.status, want, r.body)
				}
				checkBody(t, doc, responses[strconv.Itoa(r.status)].(document), r)
				if id == "mergeContact" { // the next operation in order undoes it
					var m struct {
						MergeID string `json:"merge_id"`
					}
					json.Unmarshal([]byte(r.body), &m)
					bodies["unmergeContact"] = `{"merge":"` + m.MergeID + `"}`
				}
				if who == "" {
					return
				}
				// Without credentials: 401, in the documented error form.
				r = e.do(method, url, bodies[id], "")
				resp, ok := responses["401"].(document)
				if r.status != http.StatusUnauthorized || !ok {
					t.Fatalf("without credentials: %d (401 documented: %v)", r.status, ok)
				}
				checkBody(t, doc, resp, r)
			})
		}
		// Errors of other kinds match the Error schema too.
		errSchema := document{"$ref": "#/components/schemas/Error"}
		for _, r := range []response{
			e.do("POST", "/api/v1/conversations/"+conv+"/replies", `{"text":`, "agent"),
			e.do("GET", "/api/v1/nothing", "", "agent"),
			e.do("GET", "/api/v1/users", "", "viewer"),
		} {
			var v any
			json.Unmarshal([]byte(r.body), &v)
			for _, p := range validate(doc, errSchema, v, "$") {
				t.Errorf("error body %s: %s", r.body, p)
			}
		}
		// The document served is the one embedded.
		if r := e.do("GET", "/api/v1/openapi.json", "", ""); r.body != string(api.OpenAPI()) {
			t.Error("served openapi.json differs from the embedded one")
		}
	})
}

// successStatus is the status an operation answers a first, plain call:
// 201 where it creates (a reply's 200 is for a retried Idempotency-Key),
// else its lowest 2xx.
func successStatus(responses document) int {
	if responses["201"] != nil {
		return 201
	}
	best := 0
	for code := range responses {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 && (best == 0 || n < best) {
			best = n
		}
	}
	return best
}

func checkBody(t *testing.T, doc document, resp document, r response) {
	t.Helper()
	resp = deref(doc, resp)
	content, _ := resp["content"].(document)
	media, ok := content["application/json"].(document)
	if !ok {
		return // text/plain (metrics)
	}
	var v any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.body)
	}
	for _, p := range validate(doc, media["schema"].(document), v, "$") {
		t.Errorf("%s\n%s", p, r.body)
	}
}

// validate checks v against the parts of JSON Schema the document uses:
// $ref, oneOf, type, enum, pattern, date-time, properties, required,
// additionalProperties: false and items.
func validate(doc document, s document, v any, at string) []string {
	s = deref(doc, s)
	if one, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, alt := range one {
			if len(validate(doc, alt.(document), v, at)) == 0 {
				n++
			}
		}
		if n != 1 {
			return []string{fmt.Sprintf("%s: matches %d of oneOf's schemas, want 1", at, n)}
		}
		return nil
	}
	if ty, ok := s["type"]; ok {
		var types []string
		switch x := ty.(type) {
		case string:
			types = []string{x}
		case []any:
			for _, y := range x {
				types = append(types, y.(string))
			}
		}
		if !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
			return []string{fmt.Sprintf("%s: %s, want %v", at, jsonType(v), types)}
		}
	}
	var out []string
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		out = append(out, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	if str, ok := v.(string); ok {
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			out = append(out, fmt.Sprintf("%s: %q does not match %s", at, str, p))
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				out = append(out, fmt.Sprintf("%s: %q is not RFC 3339", at, str))
			}
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(document)
		for _, r := range asList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				out = append(out, fmt.Sprintf("%s: required %q is missing", at, r))
			}
		}
		for k, x := range obj {
			if ps, ok := props[k].(document); ok {
				out = append(out, validate(doc, ps, x, at+"."+k)...)
			} else if s["additionalProperties"] == false {
				out = append(out, fmt.Sprintf("%s: %q is not documented", at, k))
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := s["items"].(document); ok {
			for i, x := range arr {
				out = append(out, validate(doc, items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return out
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func deref(doc document, s document) document {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		r, err := resolve(doc, ref)
		if err != nil {
			return document{}
		}
		s = r
	}
}

func resolve(doc document, ref string) (document, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("only local references")
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		m, ok := cur.(document)
		if !ok {
			return nil, fmt.Errorf("%s is not an object", part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("no %s", part)
		}
	}
	out, ok := cur.(document)
	if !ok {
		return nil, fmt.Errorf("not an object")
	}
	return out, nil
}

func walk(v any, fn func(document)) {
	switch x := v.(type) {
	case document:
		fn(x)
		for _, y := range x {
			walk(y, fn)
		}
	case []any:
		for _, y := range x {
			walk(y, fn)
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
