package desk

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/classify"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/user"
	"github.com/harkdesk/hark/internal/workspace"
)

// view is what every desk page shows around its content.
type view struct {
	Me          user.User
	CSRF        string
	Workspaces  []workspace.Workspace
	Workspace   workspace.Workspace
	Accounts    map[int64]workspace.Account
	AccountList []workspace.Account
	Users       map[int64]user.User
	UserList    []user.User
}

func (d *desk) view(r *http.Request, c auth.Caller, ws workspace.Workspace) (view, error) {
	v := view{Me: c.User, CSRF: c.CSRF, Workspace: ws, Accounts: map[int64]workspace.Account{}, Users: map[int64]user.User{}}
	var err error
	if v.Workspaces, err = d.a.Workspaces.List(r.Context()); err != nil {
		return v, err
	}
	if v.AccountList, err = d.a.Workspaces.Accounts(r.Context(), ws.ID); err != nil {
		return v, err
	}
	for _, a := range v.AccountList {
		v.Accounts[a.ID] = a
	}
	if v.UserList, err = d.a.Users.List(r.Context()); err != nil {
		return v, err
	}
	for _, u := range v.UserList {
		v.Users[u.ID] = u
	}
	return v, nil
}

func (d *desk) home(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	wss, err := d.a.Workspaces.List(r.Context())
	if err != nil {
		return err
	}
	if len(wss) == 0 {
		return d.pages.render(w, "inbox", "", map[string]any{"View": view{Me: c.User, CSRF: c.CSRF}, "Empty": true})
	}
	http.Redirect(w, r, "/w/"+wss[0].Slug, http.StatusSeeOther)
	return nil
}

// inboxQuery is the inbox's filters as they appear in the URL.
type inboxQuery struct {
	Status, Channel, Account, Assignee, Tag, Q, Cursor string
	Needs, Intent, Sentiment, Lang                     string
}

func (q inboxQuery) URL(slug string, change ...string) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("status", q.Status)
	set("channel", q.Channel)
	set("account", q.Account)
	set("assignee", q.Assignee)
	set("tag", q.Tag)
	set("q", q.Q)
	set("needs", q.Needs)
	set("intent", q.Intent)
	set("sentiment", q.Sentiment)
	set("lang", q.Lang)
	for i := 0; i+1 < len(change); i += 2 {
		v.Del(change[i])
		set(change[i], change[i+1])
	}
	v.Del("cursor")
	if s := v.Encode(); s != "" {
		return "/w/" + slugPath(slug) + "?" + s
	}
	return "/w/" + slugPath(slug)
}

func slugPath(s string) string { return url.PathEscape(s) }

// Narrowed reports whether the inbox shows less than a status's whole
// list, so an empty page says the filters matched nothing, not that the
// work is done.
func (q inboxQuery) Narrowed() bool { return q != inboxQuery{Status: q.Status, Cursor: q.Cursor} }

// Described names the filters narrowing the inbox as the sidebar shows
// them, for the message of an empty list: "No open conversation matches:
// needs a reply, French" tells an agent what to undo.
func (q inboxQuery) Described(v view) string {
	var out []string
	add := func(ok bool, s string) {
		if ok {
			out = append(out, s)
		}
	}
	add(q.Needs == "1", "needs a reply")
	add(q.Intent != "", q.Intent)
	add(q.Sentiment != "", q.Sentiment)
	if lang := strings.ToLower(q.Lang); lang != "" {
		add(true, cmp.Or(classify.LanguageName(lang), "language "+lang)) // ?lang=xx, a code it never names
	}
	switch q.Assignee {
	case "":
	case "me":
		out = append(out, "mine")
	case "none":
		out = append(out, "unassigned")
	default:
		id, _ := strconv.ParseInt(q.Assignee, 10, 64)
		add(true, "assigned to "+cmp.Or(v.Users[id].Name, "user "+q.Assignee))
	}
	add(q.Channel != "", cmp.Or(hark.ChannelLabels[q.Channel], q.Channel))
	if q.Account != "" {
		id, _ := strconv.ParseInt(q.Account, 10, 64)
		add(true, cmp.Or(v.Accounts[id].Name, "account "+q.Account))
	}
	tag, text := strings.TrimSpace(q.Tag), strings.TrimSpace(q.Q)
	add(tag != "", "tag: "+tag)
	add(text != "", "“"+text+"”")
	status := "conversation"
	if q.Status != "all" {
		status = q.Status + " conversation"
	}
	if len(out) == 0 {
		out = append(out, "these filters") // not Narrowed: the template does not ask
	}
	return "No " + status + " matches: " + strings.Join(out, ", ")
}

// Cleared is the URL of the same status without the other filters.
func (q inboxQuery) Cleared(slug string) string { return inboxQuery{Status: q.Status}.URL(slug) }

// inboxFilter reads the inbox's filters from the request's URL, in the
// workspace its path names.
func (d *desk) inboxFilter(r *http.Request, c auth.Caller) (workspace.Workspace, inboxQuery, conversation.Filter, error) {
	ws, err := d.a.Workspaces.BySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return ws, inboxQuery{}, conversation.Filter{}, err
	}
	qs := r.URL.Query()
	q := inboxQuery{Status: qs.Get("status"), Channel: qs.Get("channel"), Account: qs.Get("account"),
		Assignee: qs.Get("assignee"), Tag: qs.Get("tag"), Q: strings.TrimSpace(qs.Get("q")), Cursor: qs.Get("cursor"),
		Needs: qs.Get("needs"), Intent: qs.Get("intent"), Sentiment: qs.Get("sentiment"), Lang: qs.Get("lang")}
	if q.Status == "" {
		q.Status = hark.StatusOpen
	}
	f := conversation.Filter{WorkspaceID: ws.ID, Channel: q.Channel, Tag: q.Tag, Query: q.Q, Cursor: q.Cursor, Limit: 50,
		NeedsReply: q.Needs == "1", Intent: q.Intent, Sentiment: q.Sentiment, Language: q.Lang}
	if q.Status != "all" {
		f.Status = q.Status
	}
	f.AccountID, _ = strconv.ParseInt(q.Account, 10, 64)
	switch q.Assignee {
	case "":
	case "me":
		f.AssigneeID = c.User.ID
	case "none":
		f.AssigneeID = -1
	default:
		f.AssigneeID, _ = strconv.ParseInt(q.Assignee, 10, 64)
	}
	return ws, q, f, nil
}

// countBudget is how long an inbox page waits for its status counts
// beyond its list. A count under a common tag in a desk of a million
// conversations takes a third of a second (BENCHMARKS.md); the page does
// not wait for it but shows the list, and the counts follow as their own
// fragment, read from the count the page started. A list that took the
// whole budget shows the counts only if they are there already; a budget
// of 0 (tests) starts no count at all, leaving it to the fragment.
var countBudget = 50 * time.Millisecond

// countTimeout bounds a count the page started and no longer waits for.
const countTimeout = 30 * time.Second

// inboxData is what the inbox shows; with counts, the page's status counts
// too if they come within countBudget (Counted says whether they did).
// The list alone, refetched at every live change, counts nothing.
func (d *desk) inboxData(r *http.Request, c auth.Caller, counts bool) (map[string]any, error) {
	ws, q, f, err := d.inboxFilter(r, c)
	if err != nil {
		return nil, err
	}
	v, err := d.view(r, c, ws)
	if err != nil {
		return nil, err
	}
	var counted <-chan countResult // nil (never ready) when the page does not count
	if counts && countBudget > 0 {
		counted = d.countAhead(r.Context(), f) // alongside the list, not after it
	}
	start := time.Now()
	page, err := d.a.Conversations.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	res, got := within(counted, countBudget-time.Since(start))
	if res.err != nil {
		return nil, res.err
	}
	slug := v.Workspace.Slug
	next := ""
	if page.NextCursor != "" {
		next = q.URL(slug) + sep(q.URL(slug)) + "cursor=" + url.QueryEscape(page.NextCursor)
	}
	return map[string]any{"View": v, "Q": q, "Page": page, "Counts": res.byStatus, "Counted": got, "Next": next,
		"ListURL":   "/w/" + slugPath(slug) + "/list?" + r.URL.RawQuery,
		"CountsURL": "/w/" + slugPath(slug) + "/counts?" + r.URL.RawQuery}, nil
}

type countResult struct {
	byStatus map[string]int
	err      error
}

// countAhead starts the status counts under f's other filters. The count
// outlives the request that started it (up to countTimeout), so the counts
// fragment the page then asks for joins it, or finds it cached, instead of
// counting again. Only aheadSlots such counts run at once: past them (many
// pages opened and left), a page's count ends with its request.
func (d *desk) countAhead(ctx context.Context, f conversation.Filter) <-chan countResult {
	out := make(chan countResult, 1)
	count := func(ctx context.Context) {
		m, err := d.a.Conversations.Count(ctx, f)
		out <- countResult{m, err}
	}
	select {
	case aheadSlots <- struct{}{}:
		go func() {
			defer func() { <-aheadSlots }()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), countTimeout)
			defer cancel()
			count(ctx)
		}()
	default:
		go count(ctx)
	}
	return out
}

// within is the counts if they come within left; past it, only if they
// are there already (a list that took the whole budget). None if nothing
// counts them.
func within(counted <-chan countResult, left time.Duration) (countResult, bool) {
	if counted == nil || left <= 0 {
		select {
		case res, ok := <-counted:
			return res, ok
		default:
			return countResult{}, false
		}
	}
	wait := time.NewTimer(left)
	defer wait.Stop()
	select {
	case res, ok := <-counted:
		return res, ok
	case <-wait.C:
		return countResult{}, false
	}
}

// aheadSlots bounds the counts that outlive their page.
var aheadSlots = make(chan struct{}, 4)

func sep(u string) string {
	for _, c := range u {
		if c == '?' {
			return "&"
		}
	}
	return "?"
}

func (d *desk) inbox(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	data, err := d.inboxData(r, c, true)
	if err != nil {
		return err
	}
	return d.pages.render(w, "inbox", "", data)
}

// inboxCounts is the status counts alone: fetched by a page that did not
// wait for them, and again when something changes.
func (d *desk) inboxCounts(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	ws, q, f, err := d.inboxFilter(r, c)
	if err != nil {
		return err
	}
	byStatus, err := d.a.Conversations.Count(r.Context(), f)
	if err != nil {
		return err
	}
	// Refetched at every live change by every agent's inbox: it reads
	// nothing else (the list's view holds accounts and users).
	return d.pages.render(w, "inbox", "counts", map[string]any{"View": view{Workspace: ws}, "Q": q, "Counts": byStatus, "Counted": true})
}

// inboxList is the list alone, fetched by the page when something changes.
func (d *desk) inboxList(w http.ResponseWriter, r *http.Request, c auth.Caller) error {
	data, err := d.inboxData(r, c, false)
	if err != nil {
		return err
	}
	return d.pages.render(w, "inbox", "list", data)
}
