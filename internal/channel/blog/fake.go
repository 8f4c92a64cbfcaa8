package blog

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WordPress is a fake WordPress site for tests and demos: the comments REST
// API with application-password auth, pagination headers, WordPress's
// duplicate-comment refusal, and failures on cue.
type WordPress struct {
	User, Password string
	// MeID is the id of the user the application password belongs to.
	MeID int64

	mu       sync.Mutex
	comments []Comment
	next     int64
	fails    []int
	posted   int
}

// NewWordPress returns an empty site whose replies are posted as user.
func NewWordPress(user, password string) *WordPress {
	return &WordPress{User: user, Password: password, MeID: 1, next: 100}
}

// Add publishes a visitor's comment and returns it with its id.
func (w *WordPress) Add(c Comment) Comment {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.addLocked(c)
}

func (w *WordPress) addLocked(c Comment) Comment {
	w.next++
	c.ID = w.next
	if c.DateGMT == "" {
		c.DateGMT = time.Now().UTC().Format(wpTime)
	}
	if c.Status == "" {
		c.Status = "approved"
	}
	c.Type = "comment"
	c.Link = fmt.Sprintf("https://blog.test/?p=%d#comment-%d", c.Post, c.ID)
	if c.Content.Raw != "" && c.Content.Rendered == "" {
		c.Content.Rendered = "<p>" + c.Content.Raw + "</p>\n"
	}
	w.comments = append(w.comments, c)
	return c
}

// FailNext makes the next API calls answer with these statuses.
func (w *WordPress) FailNext(status ...int) {
	w.mu.Lock()
	w.fails = append(w.fails, status...)
	w.mu.Unlock()
}

// Posted counts the replies the site accepted.
func (w *WordPress) Posted() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.posted
}

func (w *WordPress) authed(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && u == w.User && p == w.Password
}

func wpErr(rw http.ResponseWriter, status int, code, msg string) {
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(map[string]any{"code": code, "message": msg, "data": map[string]int{"status": status}})
}

// ServeHTTP implements the parts of /wp-json/wp/v2 the connector uses.
func (w *WordPress) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.fails) > 0 {
		st := w.fails[0]
		w.fails = w.fails[1:]
		if st == http.StatusTooManyRequests {
			rw.Header().Set("Retry-After", "30")
		}
		wpErr(rw, st, "fake_failure", "fake failure")
		return
	}
	if r.Header.Get("Authorization") != "" && !w.authed(r) {
		wpErr(rw, 401, "incorrect_password", "The provided password is an invalid application password.")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/wp-json/wp/v2")
	switch {
	case r.Method == "GET" && path == "/users/me":
		if !w.authed(r) {
			wpErr(rw, 401, "rest_not_logged_in", "You are not currently logged in.")
			return
		}
		json.NewEncoder(rw).Encode(map[string]any{"id": w.MeID, "name": w.User})
	case r.Method == "GET" && path == "/comments":
		w.list(rw, r)
	case r.Method == "GET" && strings.HasPrefix(path, "/comments/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(path, "/comments/"), 10, 64)
		for _, c := range w.comments {
			if c.ID == id {
				json.NewEncoder(rw).Encode(w.view(c, false))
				return
			}
		}
		wpErr(rw, 404, "rest_comment_invalid_id", "Invalid comment ID.")
	case r.Method == "POST" && path == "/comments":
		if !w.authed(r) {
			wpErr(rw, 401, "rest_comment_login_required", "Sorry, you must be logged in to comment.")
			return
		}
		var in struct {
			Post    int64  `json:"post"`
			Parent  int64  `json:"parent"`
			Content string `json:"content"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Post == 0 || in.Content == "" {
			wpErr(rw, 400, "rest_invalid_param", "Invalid parameter(s): post, content")
			return
		}
		for _, c := range w.comments {
			if c.Author == w.MeID && c.Parent == in.Parent && c.Content.Raw == in.Content {
				wpErr(rw, 409, "comment_duplicate", "Duplicate comment detected; it looks as though you’ve already said that!")
				return
			}
		}
		c := w.addLocked(Comment{Post: in.Post, Parent: in.Parent, Author: w.MeID, AuthorName: w.User, Content: struct {
			Rendered string `json:"rendered"`
			Raw      string `json:"raw"`
		}{Raw: in.Content}})
		w.posted++
		rw.WriteHeader(http.StatusCreated)
		json.NewEncoder(rw).Encode(w.view(c, true))
	default:
		wpErr(rw, 404, "rest_no_route", "No route was found matching the URL and request method.")
	}
}

func (w *WordPress) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	edit := q.Get("context") == "edit"
	if edit && !w.authed(r) {
		wpErr(rw, 401, "rest_forbidden_context", "Sorry, you are not allowed to edit comments.")
		return
	}
	var match []Comment
	for _, c := range w.comments {
		if a := q.Get("after"); a != "" && c.DateGMT <= a {
			continue
		}
		if p := q.Get("parent"); p != "" && strconv.FormatInt(c.Parent, 10) != p {
			continue
		}
		if a := q.Get("author"); a != "" && strconv.FormatInt(c.Author, 10) != a {
			continue
		}
		match = append(match, c)
	}
	slices.SortStableFunc(match, func(a, b Comment) int { return strings.Compare(a.DateGMT, b.DateGMT) })
	if q.Get("order") == "desc" || q.Get("order") == "" {
		slices.Reverse(match)
	}
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 100 {
		per = 10
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if page <= 0 {
		page = 1
	}
	pages := (len(match) + per - 1) / per
	rw.Header().Set("X-WP-Total", strconv.Itoa(len(match)))
	rw.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	out := []map[string]any{}
	for i := (page - 1) * per; i < len(match) && i < page*per; i++ {
		out = append(out, w.view(match[i], edit))
	}
	json.NewEncoder(rw).Encode(out)
}

// view renders a comment as the API does: author_email and content.raw
// only in the edit context.
func (w *WordPress) view(c Comment, edit bool) map[string]any {
	content := map[string]string{"rendered": c.Content.Rendered}
	m := map[string]any{"id": c.ID, "post": c.Post, "parent": c.Parent, "author": c.Author, "author_name": c.AuthorName,
		"author_url": c.AuthorURL, "date": c.DateGMT, "date_gmt": c.DateGMT, "link": c.Link, "status": c.Status, "type": c.Type, "content": content}
	if edit {
		m["author_email"] = c.AuthorEmail
		content["raw"] = c.Content.Raw
	}
	return m
}

// Feed serves a comment feed with an ETag, answering 304 when unchanged.
type Feed struct {
	mu   sync.Mutex
	Body string
	Type string
}

// ServeHTTP implements the conditional GET.
func (f *Feed) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	body, typ := f.Body, f.Type
	f.mu.Unlock()
	etag := fmt.Sprintf(`"%x"`, len(body)*31+strings.Count(body, "<"))
	if r.Header.Get("If-None-Match") == etag {
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	if typ == "" {
		typ = "application/rss+xml"
	}
	rw.Header().Set("Content-Type", typ+"; charset=UTF-8")
	rw.Header().Set("ETag", etag)
	fmt.Fprint(rw, body)
}

// Set replaces the feed's content.
func (f *Feed) Set(body string) {
	f.mu.Lock()
	f.Body = body
	f.mu.Unlock()
}
