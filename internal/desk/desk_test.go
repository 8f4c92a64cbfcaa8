package desk_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/app/apptest"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/desk"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/workspace"
)

type client struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return resp.StatusCode, string(b)
}

func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	resp, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) login(email, pw string) int {
	c.get("/login")
	code, _ := c.post("/login", url.Values{"csrf_token": {c.csrf}, "email": {email}, "password": {pw}})
	return code
}

func TestDeskPagesAndActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, err := app.Open(ctx, app.Options{DB: d.DSN})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		ws, _ := a.Workspaces.Create(ctx, "brand", "Brand")
		x, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "brand"})
		a.Users.Add(ctx, "agent@b.test", "Agent", "agent", "password1")
		viewerUser, _ := a.Users.Add(ctx, "viewer@b.test", "Viewer", "viewer", "password1")
		hostile := `<script>alert(1)</script> " onmouseover="x" javascript:alert(2) https://ok.example/a?b=<c>`
		res, _ := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "9", Handle: "eve", Name: `Eve <img src=x onerror=alert(3)>`}, Text: hostile, SentAt: time.Now()})
		convPath := "/c/" + itoa(res[0].ConversationID)
		srv := httptest.NewServer(server.Handler(a))
		defer srv.Close()

		anon := newClient(t, srv.URL)
		if code, _ := anon.get("/w/brand"); code != http.StatusSeeOther {
			t.Fatalf("anonymous inbox: %d, want a redirect to sign in", code)
		}
		if code, _ := anon.post("/login", url.Values{"email": {"agent@b.test"}, "password": {"password1"}}); code != http.StatusForbidden {
			t.Fatalf("sign-in without its CSRF token: %d", code)
		}
		if code := anon.login("agent@b.test", "wrong"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", code)
		}

		ag := newClient(t, srv.URL)
		if code := ag.login("agent@b.test", "password1"); code != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", code)
		}
		code, page := ag.get("/w/brand")
		if code != 200 || !strings.Contains(page, "Eve") {
			t.Fatalf("inbox: %d", code)
		}
		code, page = ag.get(convPath)
		if code != 200 {
			t.Fatalf("conversation: %d", code)
		}
		for _, bad := range []string{"<script>alert(1)", "<img src=x", `" onmouseover="x"`, `href="javascript:`} {
			if strings.Contains(page, bad) {
				t.Errorf("conversation page contains %q unescaped", bad)
			}
		}
		if !strings.Contains(page, `<a href="https://ok.example/a?b=" rel="nofollow noopener noreferrer ugc" target="_blank">`) {
			t.Errorf("the safe link was not made a link")
		}
		// The customer edits the message: the desk marks it and keeps the
		// hostile first version, escaped too.
		if ok, err := a.Conversations.ApplyRevision(ctx, x.ID, "1", "edited", "now <b>calmer</b>", db.Now()); !ok || err != nil {
			t.Fatalf("edit: %v %v", ok, err)
		}
		_, page = ag.get(convPath)
		if !strings.Contains(page, ">edited<") || !strings.Contains(page, "1 earlier version") || !strings.Contains(page, "now &lt;b&gt;calmer") || strings.Contains(page, "<script>alert(1)") {
			t.Fatalf("edited message not shown as edited with its first version escaped")
		}
		// A change without the session's CSRF token is refused.
		if code, _ := ag.post(convPath+"/reply", url.Values{"text": {"hi"}}); code != http.StatusForbidden {
			t.Fatalf("reply without CSRF: %d", code)
		}
		if code, _ := ag.post(convPath+"/reply", url.Values{"text": {"hi"}, "csrf_token": {"forged"}}); code != http.StatusForbidden {
			t.Fatalf("reply with a forged CSRF token: %d", code)
		}
		// The assignee list hides viewers; a hand-made form is refused too.
		if code, _ := ag.post(convPath+"/assign", url.Values{"assignee": {itoa(viewerUser.ID)}, "csrf_token": {ag.csrf}}); code != http.StatusBadRequest {
			t.Fatalf("assigning a viewer: %d, want 400", code)
		}
		for _, step := range []struct {
			path string
			form url.Values
		}{
			{"/reply", url.Values{"text": {"Sorry Eve, we're on it."}}},
			{"/assign", url.Values{"assignee": {"me"}}},
			{"/tags", url.Values{"add": {"lost-bag, vip"}}},
			{"/note", url.Values{"body": {"called the airport"}}},
			{"/status", url.Values{"status": {"resolved"}}},
		} {
			step.form.Set("csrf_token", ag.csrf)
			if code, body := ag.post(convPath+step.path, step.form); code != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", step.path, code, body)
			}
		}
		_, page = ag.get(convPath)
		for _, want := range []string{"Sorry Eve, we&#39;re on it.", "lost-bag", "called the airport", ">resolved<", "queued"} {
			if !strings.Contains(page, want) {
				t.Errorf("after the actions the page lacks %q", want)
			}
		}
		if _, list := ag.get("/w/brand/list?status=resolved"); !strings.Contains(list, "Eve") || strings.Contains(list, "<html") {
			t.Errorf("list fragment: %.200s", list)
		}
		if _, list := ag.get("/w/brand/list?status=open"); strings.Contains(list, "Eve") {
			t.Error("a resolved conversation is in the open list")
		}
		if _, list := ag.get("/w/brand/list?status=all&tag=vip"); !strings.Contains(list, "Eve") {
			t.Error("tag filter lost the conversation")
		}

		viewer := newClient(t, srv.URL)
		viewer.login("viewer@b.test", "password1")
		viewer.get(convPath)
		if code, _ := viewer.post(convPath+"/reply", url.Values{"text": {"x"}, "csrf_token": {viewer.csrf}}); code != http.StatusForbidden {
			t.Fatalf("viewer reply: %d", code)
		}

		// Sign-in is rate limited per account.
		limited := newClient(t, srv.URL)
		got := 0
		for i := 0; i < 12; i++ {
			got = limited.login("agent@b.test", "wrong")
		}
		if got != http.StatusTooManyRequests {
			t.Fatalf("12 wrong passwords: last answer %d, want 429", got)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The accounts page shows every watched account's health; only admins
// change a connector's config, and its secrets are never shown back.
func TestAccountsPage(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite)
	a := apptest.Open(t, d)
	ws, _ := a.Workspaces.Create(ctx, "brand", "Brand")
	blogAcct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "blog", Handle: "blog.brand.test", Name: `Blog <b>x</b>`})
	a.Users.Add(ctx, "agent@b.test", "Agent", "agent", "password1")
	a.Users.Add(ctx, "admin@b.test", "Admin", "admin", "password1")
	a.Health.Error(ctx, blogAcct.ID, "poll", `provider answered 500: <script>alert(1)</script>`)
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	path := "/w/brand/accounts"
	cfgPath := path + "/" + itoa(blogAcct.ID) + "/config"
	cfg := `{"site":"https://blog.brand.test","username":"editor","app_password":"s3cret pass"}`

	ag := newClient(t, srv.URL)
	ag.login("agent@b.test", "password1")
	code, page := ag.get(path)
	if code != 200 || !strings.Contains(page, "Blog &lt;b&gt;x") || strings.Contains(page, "<script>alert(1)") {
		t.Fatalf("accounts page for an agent: %d", code)
	}
	if strings.Contains(page, "/webhooks/"+itoa(blogAcct.ID)) || !strings.Contains(page, "read by polling the blog") {
		t.Fatal("a blog account, which is polled, is given a webhook URL")
	}
	if strings.Contains(page, `name="config"`) {
		t.Fatal("an agent is offered the config form")
	}
	if code, _ := ag.post(cfgPath, url.Values{"csrf_token": {ag.csrf}, "config": {cfg}}); code != http.StatusForbidden {
		t.Fatalf("an agent configured an account: %d", code)
	}

	ad := newClient(t, srv.URL)
	ad.login("admin@b.test", "password1")
	ad.get(path)
	if code, body := ad.post(cfgPath, url.Values{"csrf_token": {ad.csrf}, "config": {`{"kind":"gopher"}`}}); code != http.StatusBadRequest {
		t.Fatalf("a config the connector refuses: %d %s", code, body)
	}
	if code, body := ad.post(cfgPath, url.Values{"csrf_token": {ad.csrf}, "config": {cfg}}); code != http.StatusSeeOther {
		t.Fatalf("configure: %d %s", code, body)
	}
	_, page = ad.get(path)
	if !strings.Contains(page, "app_password</dt><dd>•••• (set)") || strings.Contains(page, "s3cret") || !strings.Contains(page, "https://blog.brand.test") {
		t.Fatal("the saved config is not shown masked")
	}
	// A Page another account has: the admin is told which account.
	pageCfg := meta.NewFake("s", "v", "t").Config("http://graph.test")
	var pages []workspace.Account
	for _, h := range []string{"page-one", "page-two"} {
		acct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "facebook", Handle: h, Name: h})
		pages = append(pages, acct)
	}
	if err := a.ConfigureAccount(ctx, pages[0].ID, pageCfg); err != nil {
		t.Fatal(err)
	}
	code, body := ad.post(path+"/"+itoa(pages[1].ID)+"/config", url.Values{"csrf_token": {ad.csrf}, "config": {string(pageCfg)}})
	if code != http.StatusConflict || !strings.Contains(body, "already connected as account "+itoa(pages[0].ID)+" (page-one)") {
		t.Fatalf("a Page another account has: %d, and the page does not say which account has it", code)
	}
	if _, page := ad.get(path); !strings.Contains(page, "Webhook URL for the provider: <code>"+a.PublicURL+"/webhooks/"+itoa(pages[0].ID)+"</code>") {
		t.Fatal("a Facebook Page, whose events are pushed, is not given its webhook URL")
	}
}

// A message in another language than English shows its language as a
// badge, from the classifier's guess through the pipeline; an English one
// shows none. The inbox filters conversations by it.
func TestLanguageBadgeInTheDesk(t *testing.T) {
	ctx := context.Background()
	a, x := brandOnX(t)
	fr, _ := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "9", Handle: "eve"},
		Text: "@brand mon colis n'est toujours pas arrivé, pouvez-vous vérifier ?", SentAt: time.Now()})
	en, _ := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "2", Author: ingest.Author{ID: "8", Handle: "bob"},
		Text: "@brand my parcel still hasn't arrived, can you check?", SentAt: time.Now()})
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	ag := newClient(t, srv.URL)
	ag.login("agent@b.test", "password1")
	restore := desk.SetCountBudget(time.Minute) // the counts come in the page, however slow the machine
	defer restore()
	if _, page := ag.get("/c/" + itoa(fr[0].ConversationID)); !strings.Contains(page, `<em class="lang" title="written in French; the models, which learnt English, read it through a French glossary, less surely than English">fr</em>`) {
		t.Fatal("no language badge on a French message")
	}
	if _, page := ag.get("/c/" + itoa(en[0].ConversationID)); strings.Contains(page, `class="lang"`) {
		t.Fatal("a language badge on an English message")
	}
	// Japanese is cut into its words and read through its glossary; the
	// explanation shows the customer's words and their English.
	ja, _ := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "3", Author: ingest.Author{ID: "7", Handle: "yuki"},
		Text: "@brand 注文した商品がまだ届きません", SentAt: time.Now()})
	_, page := ag.get("/c/" + itoa(ja[0].ConversationID))
	if !strings.Contains(page, `<em class="lang" title="written in Japanese; the models, which learnt English, read it through a Japanese glossary, less surely than English">ja</em>`) {
		t.Fatal("no language badge, or the wrong hover, on a Japanese message")
	}
	if !strings.Contains(page, "&#34;届きません&#34; (not arrived)") || !strings.Contains(page, "; language Japanese.") {
		t.Fatal("the labels' hover does not show the Japanese words read, or names the language by its code")
	}
	// Right-to-left and left-to-right text each sets its own direction,
	// and an unassigned conversation says so.
	if !strings.Contains(page, `<div class="text" dir="auto">`) || !strings.Contains(page, "Assignee: <b>nobody</b>") {
		t.Fatal("the message text has no direction of its own, or the assignee is blank")
	}
	// A filter that matches nothing says so, and how to see everything.
	if _, page := ag.get("/w/brand?lang=ko"); !strings.Contains(page, "No open conversation matches: Korean.") ||
		!strings.Contains(page, `href="/w/brand?status=open">Clear the filters`) || strings.Contains(page, "Inbox zero") {
		t.Fatal("an empty filtered inbox does not say the filters matched nothing")
	}
	// The inbox's language filter shows the French conversation alone.
	_, page = ag.get("/w/brand")
	if !strings.Contains(page, `href="/w/brand?lang=fr&amp;status=open" title="French"`) || !strings.Contains(page, "eve") || !strings.Contains(page, "bob") {
		t.Fatal("the inbox has no language filter, or misses a conversation")
	}
	if !strings.Contains(page, `>open <b>3</b>`) {
		t.Fatal("the inbox does not count the three open conversations")
	}
	if _, page := ag.get("/w/brand?lang=fr"); !strings.Contains(page, "eve") || strings.Contains(page, "bob") ||
		!strings.Contains(page, `<em class="lang" title="the customer last wrote in French">fr</em>`) ||
		!strings.Contains(page, `>open <b>1</b>`) || !strings.Contains(page, `title="Counted under the other filters"`) {
		t.Fatal("the French filter does not keep the French conversation alone, with its badge and its count")
	}
	if code, _ := ag.get("/w/brand?lang=french"); code != http.StatusBadRequest {
		t.Fatalf("a language that is no code: %d", code)
	}
	// A filter the desk refuses gets a page that says why, escaped, under
	// the desk's header, with the way back.
	req, _ := http.NewRequest("GET", ag.base+"/w/brand?tag="+url.QueryEscape("<b>x</b> y"), nil)
	req.Header.Set("Referer", ag.base+"/w/brand?lang=fr")
	resp, err := ag.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if page := string(body); resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(page, "<h1>That did not work</h1>") || !strings.Contains(page, "Tag &#34;&lt;b&gt;x&lt;/b&gt; y&#34;: one word of letters") ||
		!strings.Contains(page, `<a href="/w/brand?lang=fr">Back</a>`) || !strings.Contains(page, "Sign out") || strings.Contains(page, "<b>x</b>") {
		t.Fatalf("a refused filter's page: %d %s", resp.StatusCode, page)
	}
	if code, page := ag.get("/c/12345"); code != http.StatusNotFound || !strings.Contains(page, "<h1>Not found</h1>") || !strings.Contains(page, `href="/">Back to the inbox`) {
		t.Fatalf("a conversation that is not there: %d %s", code, page)
	}
	// A page that cannot wait for its counts shows the list without them,
	// and its counts fragment brings them (desk.js fetches it).
	desk.SetCountBudget(0)
	_, page = ag.get("/w/brand?lang=fr")
	if !strings.Contains(page, "eve") || !strings.Contains(page, `<nav id="counts" data-src="/w/brand/counts?lang=fr" data-pending>`) ||
		!strings.Contains(page, `>open <b></b>`) {
		t.Fatal("a page past its count budget does not leave its counts to the fragment")
	}
	if _, frag := ag.get("/w/brand/counts?lang=fr"); !strings.Contains(frag, `>open <b>1</b>`) || strings.Contains(frag, "<nav") ||
		!strings.Contains(frag, `href="/w/brand?lang=fr&amp;status=all"`) {
		t.Fatalf("the counts fragment under the French filter: %q", frag)
	}
	if code, _ := ag.get("/w/brand/counts?lang=french"); code != http.StatusBadRequest {
		t.Fatalf("the counts of a language that is no code: %d", code)
	}
}

// An agent corrects a message's labels in one click; the badge shows the
// correction and the inbox's needs-reply filter finds the conversation.
func TestLabelCorrectionInTheDesk(t *testing.T) {
	ctx := context.Background()
	a, x := brandOnX(t)
	a.Users.Add(ctx, "viewer@b.test", "Viewer", "viewer", "password1")
	res, _ := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "9", Handle: "eve"}, Text: "where is my refund", SentAt: time.Now()})
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	ag := newClient(t, srv.URL)
	ag.login("agent@b.test", "password1")
	_, page := ag.get("/c/" + itoa(res[0].ConversationID))
	if !strings.Contains(page, "/m/"+itoa(res[0].MessageID)+"/labels") {
		t.Fatal("no correction form on a customer message")
	}
	if code, _ := ag.post("/m/"+itoa(res[0].MessageID)+"/labels", url.Values{"csrf_token": {ag.csrf}, "intent": {"request"}, "needs_reply": {"true"}}); code != http.StatusSeeOther {
		t.Fatalf("correct: %d", code)
	}
	_, page = ag.get("/c/" + itoa(res[0].ConversationID))
	if !strings.Contains(page, `class="in in-request">request</em>`) || !strings.Contains(page, "corrected by an agent") {
		t.Fatal("the corrected labels are not shown")
	}
	// The hover gives the agent's word, not the model's probability for it.
	if !strings.Contains(page, `title="Corrected by an agent: request, needs a reply; `) || strings.Contains(page, "request (") {
		t.Fatal("the hover of corrected labels still reads as the model's")
	}
	_, page = ag.get("/w/brand?needs=1")
	if !strings.Contains(page, "eve") {
		t.Fatal("the needs-reply filter misses the corrected conversation")
	}
	vw := newClient(t, srv.URL)
	vw.login("viewer@b.test", "password1")
	vw.get("/c/" + itoa(res[0].ConversationID))
	if code, _ := vw.post("/m/"+itoa(res[0].MessageID)+"/labels", url.Values{"csrf_token": {vw.csrf}, "intent": {"other"}}); code != http.StatusForbidden {
		t.Fatalf("a viewer corrected labels: %d", code)
	}
}

// brandOnX opens an app with the classifier on a fresh database: a
// workspace "brand" with an X account and an agent (agent@b.test).
func brandOnX(t *testing.T) (*app.App, workspace.Account) {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: dbtest.Open(t, db.SQLite).DSN, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ws, _ := a.Workspaces.Create(ctx, "brand", "Brand")
	x, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "brand"})
	a.Users.Add(ctx, "agent@b.test", "Agent", "agent", "password1")
	return a, x
}

// Text no database can store (a NUL, invalid UTF-8) typed into the desk is
// refused alike on SQLite and PostgreSQL, where it was a 500.
func TestDeskRefusesTextNoDatabaseCanStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		ws, _ := a.Workspaces.Create(ctx, "brand", "Brand")
		x, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "brand"})
		a.Users.Add(ctx, "agent@b.test", "Agent", "agent", "password1")
		res, _ := a.Pipeline.Ingest(ctx, x.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "9", Handle: "eve"}, Text: "help", SentAt: time.Now()})
		convPath := "/c/" + itoa(res[0].ConversationID)
		srv := httptest.NewServer(server.Handler(a))
		defer srv.Close()
		ag := newClient(t, srv.URL)
		ag.login("agent@b.test", "password1")
		ag.get(convPath)
		for _, action := range []string{"/note", "/reply"} {
			for _, text := range []string{"on it\x00", "on it \xff"} {
				field := "body"
				if action == "/reply" {
					field = "text"
				}
				if code, _ := ag.post(convPath+action, url.Values{"csrf_token": {ag.csrf}, field: {text}}); code != http.StatusBadRequest {
					t.Errorf("%s %q: %d, want 400", action, text, code)
				}
			}
		}
		if code, _ := ag.get("/p/1?q=%00"); code >= 500 {
			t.Errorf("a search for a NUL: %d", code)
		}
	})
}

// The accounts page says how each kind of account works: a live chat
// takes no webhook and its replies need no connector; an api account
// cannot be answered from the desk. Before, both read "No connector
// configured: replies wait in the outbox until one is", with a webhook URL.
func TestAccountsPageSaysHowChatAndAPIAccountsWork(t *testing.T) {
	ctx := context.Background()
	a := apptest.Open(t, dbtest.Open(t, db.SQLite))
	ws, _ := a.Workspaces.Create(ctx, "brand", "Brand")
	chatAcct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "chat", Handle: "brand.test", Name: "Chat"})
	apiAcct, _, _ := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "api", Handle: "shop-app", Name: "Shop app"})
	a.Users.Add(ctx, "admin@b.test", "Admin", "admin", "password1")
	srv := httptest.NewServer(server.Handler(a))
	defer srv.Close()
	ad := newClient(t, srv.URL)
	ad.login("admin@b.test", "password1")
	code, page := ad.get("/w/brand/accounts")
	if code != 200 || strings.Contains(page, "/webhooks/"+itoa(chatAcct.ID)) || strings.Contains(page, "/webhooks/"+itoa(apiAcct.ID)) {
		t.Fatalf("a chat or api account shows a webhook URL (%d)", code)
	}
	if strings.Contains(page, "No connector configured") || !strings.Contains(page, "Replies reach visitors live") || !strings.Contains(page, "one a visitor has left before seeing is e-mailed") || !strings.Contains(page, "the desk cannot send replies to it") || !strings.Contains(page, "Chat settings") {
		t.Fatalf("the accounts page does not say how chat and api accounts work:\n%s", page)
	}
}

// "Continue in private" is offered only where the private message can be
// sent: on Facebook, not on LinkedIn (no private messages through its
// API), and on a blog only once it is set up to e-mail its commenters.
// A hand-off posted on LinkedIn all the same is refused, nothing queued.
func TestContinueInPrivateIsOfferedOnlyWhereItCanBeSent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.Open(t, d)
		ws, _ := a.Workspaces.Create(ctx, "brand", "Brand")
		a.Users.Add(ctx, "agent@b.test", "Agent", "agent", "password1")
		srv := httptest.NewServer(server.Handler(a))
		defer srv.Close()
		ag := newClient(t, srv.URL)
		ag.login("agent@b.test", "password1")
		for _, c := range []struct {
			channel, handle, config string
			offered                 bool
		}{
			{"facebook", "brandpage", "", true},
			{"linkedin", "brand", `{"organization":"42"}`, false},
			{"blog", "blog.brand.test", `{"site":"https://blog.brand.test"}`, false},
			{"blog", "news.brand.test", `{"site":"https://news.brand.test","reply_from":"help@brand.test","smtp":{"addr":"127.0.0.1:2525","security":"none"}}`, true},
		} {
			acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: c.channel, Handle: c.handle})
			if err != nil {
				t.Fatal(err)
			}
			if c.config != "" {
				if err := a.Workspaces.SetConfig(ctx, acct.ID, json.RawMessage(c.config)); err != nil {
					t.Fatal(err)
				}
			}
			res, err := a.Pipeline.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "c-" + itoa(acct.ID), Visibility: "public",
				Author: ingest.Author{ID: "ana-" + itoa(acct.ID), Name: "Ana"}, Text: "my order never arrived"})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Err != nil {
				t.Fatal(res[0].Err)
			}
			convPath := "/c/" + itoa(res[0].ConversationID)
			if _, page := ag.get(convPath); strings.Contains(page, `id="handoff"`) != c.offered {
				t.Errorf("%s %s: continue in private offered %v, want %v", c.channel, c.handle, !c.offered, c.offered)
			}
			if c.channel != "linkedin" {
				continue
			}
			code, _ := ag.post(convPath+"/reply", url.Values{"csrf_token": {ag.csrf}, "handoff": {"1"},
				"text": {"Sorry Ana, we'll message you"}, "private": {"Hi Ana, your order number?"}})
			var queued int
			d.R.QueryRow("SELECT COUNT(*) FROM outbox").Scan(&queued)
			if code != http.StatusBadRequest || queued != 0 {
				t.Errorf("a hand-off posted on LinkedIn: %d with %d replies queued, want 400 and none", code, queued)
			}
		}
	})
}
