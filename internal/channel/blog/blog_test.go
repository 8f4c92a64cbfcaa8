package blog_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/channel/blog"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/contact"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/smtp"
	"github.com/harkdesk/hark/internal/workspace"
)

func comment(post, parent int64, name, mail, text string, at time.Time) blog.Comment {
	var c blog.Comment
	c.Post, c.Parent, c.AuthorName, c.AuthorEmail, c.DateGMT = post, parent, name, mail, at.UTC().Format("2006-01-02T15:04:05")
	c.Content.Raw = text
	return c
}

type rig struct {
	wp    *blog.WordPress
	c     *blog.Connector
	p     *ingest.Pipeline
	acct  workspace.Account
	convs *conversation.Store
	d     *db.DB
}

func newRig(t *testing.T, d *db.DB) *rig {
	t.Helper()
	ctx := context.Background()
	wp := blog.NewWordPress("shop-editor", "abcd efgh ijkl mnop")
	srv := httptest.NewServer(wp)
	t.Cleanup(srv.Close)
	wss := workspace.New(d)
	ws, _ := wss.Create(ctx, "shop", "Shop")
	acct, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "blog", Handle: srv.URL, Purpose: "marketing"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(blog.Config{Site: srv.URL, Username: "shop-editor", AppPassword: "abcd efgh ijkl mnop", WindowHours: 24})
	c, err := blog.New(acct, cfg, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	p := ingest.New(d, wss, nil, nil, nil)
	p.Start()
	t.Cleanup(p.Stop)
	return &rig{wp: wp, c: c, p: p, acct: acct, convs: conversation.New(d), d: d}
}

func (r *rig) poll(t *testing.T, cursor string) ([]ingest.Result, string) {
	t.Helper()
	evs, next, err := r.c.Poll(context.Background(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []ingest.Message
	for _, ev := range evs {
		msgs = append(msgs, ev.Msg)
	}
	if len(msgs) == 0 {
		return nil, next
	}
	res, err := r.p.Ingest(context.Background(), r.acct.ID, msgs...)
	if err != nil {
		t.Fatal(err)
	}
	return res, next
}

func fresh(res []ingest.Result) (n int) {
	for _, r := range res {
		if r.Err == nil && !r.Duplicate {
			n++
		}
	}
	return n
}

func TestWordPressComments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d)
		now := time.Now()
		first := r.wp.Add(comment(12, 0, "Mia", "Mia@Example.com", "Does the sale include <b>shoes</b>?", now.Add(-time.Hour)))
		res, cursor := r.poll(t, "")
		if len(res) != 1 || !res[0].NewConversation {
			t.Fatalf("first poll: %+v", res)
		}
		convID := res[0].ConversationID
		msgs, _ := r.convs.Messages(ctx, convID)
		if msgs[0].Text != "Does the sale include shoes?" {
			t.Errorf("text = %q", msgs[0].Text)
		}
		// The commenter's e-mail joins her to the e-mail contact.
		id, err := contact.New(d).ByIdentity(ctx, r.acct.WorkspaceID, "blog", "mia@example.com")
		if err != nil || id == 0 {
			t.Errorf("identity by e-mail: %d %v", id, err)
		}
		if got, _ := contact.New(d).Get(ctx, id); got.Email != "mia@example.com" {
			t.Errorf("contact = %+v", got)
		}

		// The agent answers publicly, under her comment, as the site user.
		answer, err := r.convs.Reply(ctx, conversation.ReplyInput{ConversationID: convID, Text: "Yes, shoes are 20% off."})
		if err != nil || answer.ReplyToProviderID != jsonID(first.ID) {
			t.Fatalf("reply: %+v %v", answer, err)
		}
		out := channel.Outgoing{IdempotencyKey: "hark-1", Text: answer.Text, ReplyTo: answer.ReplyToProviderID}
		sent, err := r.c.Send(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		// What the outbox does once the provider answered.
		if _, err := d.W.Exec(db.Rebind(d.Dialect, `UPDATE messages SET provider_id = ?, send_status = 'sent' WHERE id = ?`), sent.ProviderID, answer.ID); err != nil {
			t.Fatal(err)
		}
		// A crash before recording: sending again finds the reply already
		// there (WordPress refuses the duplicate) and posts nothing new.
		again, err := r.c.Send(ctx, out)
		if err != nil || again.ProviderID != sent.ProviderID || r.wp.Posted() != 1 {
			t.Errorf("resend: %+v %v, posted %d", again, err, r.wp.Posted())
		}
		got, found, err := r.c.Find(ctx, out)
		if err != nil || !found || got.ProviderID != sent.ProviderID {
			t.Errorf("find: %+v %v %v", got, found, err)
		}

		// Re-polling the trailing window stores nothing twice; a comment
		// approved late with an earlier date is still found; her answer to
		// our reply threads into the conversation.
		r.wp.Add(comment(12, 0, "Late", "", "Approved late", now.Add(-2*time.Hour)))
		// Someone else answers our reply: it joins by its parent, not by author.
		reply := r.wp.Add(comment(12, atoi(sent.ProviderID), "Ben", "", "Do boots count as shoes?", now))
		res, cursor = r.poll(t, cursor)
		if fresh(res) != 2 { // the late comment and Ben's; our own reply is not a customer's
			t.Errorf("second poll stored %d new: %+v", fresh(res), res)
		}
		for _, x := range res {
			if x.Err != nil {
				t.Error(x.Err)
			}
		}
		res, _ = r.poll(t, cursor)
		if fresh(res) != 0 || len(res) != 3 {
			t.Errorf("re-poll: %+v", res)
		}
		var stored conversation.Message
		msgs, _ = r.convs.Messages(ctx, convID)
		for _, m := range msgs {
			if m.ProviderID == jsonID(reply.ID) {
				stored = m
			}
		}
		if stored.Text != "Do boots count as shoes?" {
			t.Errorf("the answer to our reply is not in conversation %d: %+v", convID, msgs)
		}

		// Provider errors: polls fail without moving the cursor; sends are
		// classified for the outbox.
		r.wp.FailNext(503)
		if _, next, err := r.c.Poll(ctx, cursor); err == nil || next != cursor {
			t.Errorf("poll on 503: %v %q", err, next)
		}
		for _, tc := range []struct {
			status    int
			temporary bool
		}{{429, true}, {500, true}, {403, false}} {
			r.wp.FailNext(tc.status)
			_, err := r.c.Send(ctx, channel.Outgoing{IdempotencyKey: "x", Text: "another", ReplyTo: jsonID(first.ID)})
			var se *channel.SendError
			if !errors.As(err, &se) || se.Temporary != tc.temporary || se.Status != tc.status {
				t.Errorf("%d: %v", tc.status, err)
			}
		}
		// A private answer goes to her by e-mail.
		mf, err := email.StartFake("blog@shop.test", "pw")
		if err != nil {
			t.Fatal(err)
		}
		defer mf.Close()
		withMail, _ := blog.New(r.acct, mustJSON(blog.Config{Site: r.acct.Handle, ReplyFrom: "blog@shop.test", ReplyName: "Shop",
			SMTP: smtp.Config{Addr: mf.SMTPAddr, Username: "blog@shop.test", Password: "pw", Security: "none"}}), nil)
		if err := withMail.UseMail(email.Deps{Store: email.NewStore(d, "https://desk.test")}); err != nil {
			t.Fatal(err)
		}
		if _, err := withMail.Send(ctx, channel.Outgoing{IdempotencyKey: "hark-9", Private: true, Text: "Here is a code: SHOES20", ReplyTo: jsonID(first.ID)}); err != nil {
			t.Fatal(err)
		}
		if s := mf.Sent(); len(s) != 1 || s[0].To[0] != "mia@example.com" || !strings.Contains(string(s[0].Data), "Subject: Re: Your comment on") ||
			strings.Contains(string(s[0].Data), "In-Reply-To") {
			t.Errorf("private answer: %+v", s)
		}
		if _, err := r.c.Send(ctx, channel.Outgoing{Private: true, Text: "x", ReplyTo: jsonID(first.ID)}); err == nil || channel.IsTemporary(err) {
			t.Errorf("private answer without mail settings: %v", err)
		}
		bad, _ := blog.New(r.acct, json.RawMessage(`{"site":"`+r.acct.Handle+`","username":"shop-editor","app_password":"wrong"}`), nil)
		if _, err := bad.Send(ctx, out); err == nil || channel.IsTemporary(err) {
			t.Errorf("wrong password: %v", err)
		}
		if err := r.c.Check(ctx); err != nil {
			t.Errorf("check: %v", err)
		}
		if err := bad.Check(ctx); err == nil {
			t.Error("check with a wrong password passed")
		}
		if _, err := r.c.Send(ctx, channel.Outgoing{Text: "x", ReplyTo: "999999"}); err == nil || channel.IsTemporary(err) {
			t.Errorf("reply to a missing comment: %v", err)
		}
	})
}

func mustJSON(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }

func atoi(s string) int64 {
	var n int64
	json.Unmarshal([]byte(s), &n)
	return n
}

func TestFeeds(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []ingest.Message
	}{
		{"comments.rss", []ingest.Message{
			{ProviderID: "https://blog.shop.test/?p=12#comment-7", Text: "Does the sale include shoes?", Author: ingest.Author{Name: "Mia"}},
			{ProviderID: "https://blog.shop.test/spring-sale/#comment-8", Text: "Great prices!", Author: ingest.Author{Name: "Noor"}},
		}},
		{"comments.atom", []ingest.Message{
			{ProviderID: "tag:blog.shop.test,2026:comment-31", Text: "When does it open?", Author: ingest.Author{Name: "Ola", ID: "https://ola.example"},
				ReplyTo: "tag:blog.shop.test,2026:comment-30"},
		}},
	} {
		b, _ := os.ReadFile("testdata/" + tc.file)
		got, err := blog.ParseFeed(b)
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("%s: %v %+v", tc.file, err, got)
		}
		for i, w := range tc.want {
			g := got[i]
			if g.ProviderID != w.ProviderID || g.Text != w.Text || g.Author.Name != w.Author.Name || g.ReplyTo != w.ReplyTo ||
				(w.Author.ID != "" && g.Author.ID != w.Author.ID) || g.SentAt.IsZero() {
				t.Errorf("%s item %d = %+v, want %+v", tc.file, i, g, w)
			}
		}
	}
}

func TestFeedPollingDedupesAndUsesConditionalGET(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		rss, _ := os.ReadFile("testdata/comments.rss")
		f := &blog.Feed{Body: string(rss)}
		srv := httptest.NewServer(f)
		defer srv.Close()
		wss := workspace.New(d)
		ws, _ := wss.Create(ctx, "shop", "Shop")
		acct, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "blog", Handle: "feed", Purpose: "marketing"})
		c, err := blog.New(acct, json.RawMessage(`{"kind":"feed","feed_url":"`+srv.URL+`"}`), srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		p := ingest.New(d, wss, nil, nil, nil)
		p.Start()
		defer p.Stop()
		evs, cur, err := c.Poll(ctx, "")
		if err != nil || len(evs) != 2 {
			t.Fatalf("poll: %v %d", err, len(evs))
		}
		ingestAll := func(evs []channel.Event) []ingest.Result {
			var ms []ingest.Message
			for _, e := range evs {
				ms = append(ms, e.Msg)
			}
			res, err := p.Ingest(ctx, acct.ID, ms...)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if res := ingestAll(evs); fresh(res) != 2 {
			t.Errorf("first: %+v", res)
		}
		// Unchanged: 304, nothing read.
		evs, cur2, err := c.Poll(ctx, cur)
		if err != nil || len(evs) != 0 || cur2 != cur {
			t.Errorf("unchanged feed: %v %d", err, len(evs))
		}
		// A new item among the old: only it is new.
		f.Set(strings.Replace(string(rss), "<item>", `<item><title>Comment by Zed</title><link>https://blog.shop.test/x#comment-9</link><dc:creator>Zed</dc:creator><description>New one</description></item><item>`, 1))
		evs, _, err = c.Poll(ctx, cur)
		if err != nil || len(evs) != 3 {
			t.Fatalf("changed feed: %v %d", err, len(evs))
		}
		if res := ingestAll(evs); fresh(res) != 1 {
			t.Errorf("changed feed stored %d", fresh(res))
		}
		if _, err := c.Send(ctx, channel.Outgoing{Text: "hi", ReplyTo: "x"}); err == nil || channel.IsTemporary(err) {
			t.Errorf("feed reply: %v", err)
		}
	})
}

func FuzzParseFeed(f *testing.F) {
	for _, n := range []string{"comments.rss", "comments.atom"} {
		b, _ := os.ReadFile("testdata/" + n)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := blog.ParseFeed(b)
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.ProviderID == "" || len(m.ProviderID) > 512 {
				t.Fatalf("bad provider id %q", m.ProviderID)
			}
		}
	})
}

// busyBlog is a connector on a fake site with n comments in the last two
// hours, well inside its 48-hour window.
func busyBlog(t *testing.T, n int) (*blog.WordPress, *blog.Connector, []blog.Comment) {
	t.Helper()
	wp := blog.NewWordPress("ed", "pw")
	srv := httptest.NewServer(wp)
	t.Cleanup(srv.Close)
	cfg, _ := json.Marshal(blog.Config{Site: srv.URL, Username: "ed", AppPassword: "pw", WindowHours: 48})
	c, err := blog.New(workspace.Account{ID: 1, Channel: "blog"}, cfg, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-2 * time.Hour)
	var all []blog.Comment
	for i := range n {
		all = append(all, wp.Add(comment(12, 0, "Reader", "", "comment", start.Add(time.Duration(i)*2*time.Second))))
	}
	return wp, c, all
}

// pollUntil polls until every wanted comment was read, at most polls
// times, and fails naming those never read.
func pollUntil(t *testing.T, c *blog.Connector, cursor string, polls int, want ...blog.Comment) string {
	t.Helper()
	unread := map[string]bool{}
	for _, cm := range want {
		unread[jsonID(cm.ID)] = true
	}
	for range polls {
		evs, next, err := c.Poll(context.Background(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 1100 {
			t.Fatalf("one poll read %d comments: the whole window, not a bounded part of it", len(evs))
		}
		for _, ev := range evs {
			delete(unread, ev.Msg.ProviderID)
		}
		cursor = next
		if len(unread) == 0 {
			return cursor
		}
	}
	t.Fatalf("after %d polls %d of %d comments were never read (cursor %s)", polls, len(unread), len(want), cursor)
	return cursor
}

func TestABusyBlogsPollingReadsEveryCommentAndThoseApprovedLate(t *testing.T) {
	wp, c, all := busyBlog(t, 2500)
	// The newest is read on the first poll, not held behind the pass.
	cursor := pollUntil(t, c, "", 1, all[len(all)-1])
	// 2,500 comments inside the window: a pass takes three polls of at
	// most ten pages each, and reads them all.
	cursor = pollUntil(t, c, cursor, 3, all...)
	// A comment held for moderation and approved now keeps its date, an
	// hour ago, behind everything read; the next pass finds it.
	late := wp.Add(comment(12, 0, "Held", "", "approved late", time.Now().Add(-time.Hour)))
	newer := wp.Add(comment(12, 0, "New", "", "just now", time.Now()))
	pollUntil(t, c, cursor, 4, late, newer)
}

func TestAWordPressCursorFromBeforePassesStillReads(t *testing.T) {
	wp, c, _ := busyBlog(t, 0)
	newest := time.Now().Add(-time.Hour).UTC()
	cm := wp.Add(comment(12, 0, "Mia", "", "still read", newest.Add(-30*time.Minute)))
	cursor := pollUntil(t, c, newest.Format(time.RFC3339), 1, cm)
	// What it hands back reads on.
	pollUntil(t, c, cursor, 1, cm)
}

func TestFeedsInOtherCharsetsKeepTheirAccents(t *testing.T) {
	const dc = `xmlns:dc="http://purl.org/dc/elements/1.1/"`
	for _, tc := range []struct {
		name, charset, text, author string
		want, wantAuthor            string
	}{
		// Older blogs still serve their feeds in these; refused whole, as
		// not UTF-8, none of their comments was ever read.
		{"latin-1", "ISO-8859-1", "Le caf\xe9 \xe9tait froid", "Ren\xe9e", "Le café était froid", "Renée"},
		{"windows-1252", "windows-1252", "It\x92s \x93cold\x94", "Ren\xe9e", "It’s “cold”", "Renée"},
		// Labelled latin-1 but written on Windows, as browsers read it.
		{"latin-1 with curly quotes", "iso-8859-1", "It\x92s cold", "Zo\xeb", "It’s cold", "Zoë"},
		// A label nothing knows: the bytes are read as UTF-8, as before.
		{"unknown label", "x-made-up", "Stays readable", "Ana", "Stays readable", "Ana"},
	} {
		feed := `<?xml version="1.0" encoding="` + tc.charset + `"?>` + "\n" +
			`<rss version="2.0"><channel><title>Comments</title><item><title>On: Coffee</title><guid>c-1</guid>` +
			`<description>` + tc.text + `</description><dc:creator ` + dc + `>` + tc.author + `</dc:creator></item></channel></rss>`
		got, err := blog.ParseFeed([]byte(feed))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(got) != 1 || got[0].Text != tc.want || got[0].Author.Name != tc.wantAuthor {
			t.Errorf("%s: %+v, want %q by %q", tc.name, got, tc.want, tc.wantAuthor)
		}
	}
}

// A public reply the blog will not take is flagged before the agent
// writes it, with where to answer instead: a feed is read only, and
// WordPress needs an application password. Before, the reply was taken
// and failed in the outbox afterwards.
func TestTheAgentIsToldBeforeWritingWhereTheBlogTakesNoReply(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	acct := workspace.Account{ID: 1, Channel: "blog", Handle: "https://blog.shop.test"}
	advise := func(cfg string, mail bool) (bool, string) {
		t.Helper()
		c, err := blog.New(acct, json.RawMessage(cfg), nil)
		if err != nil {
			t.Fatal(err)
		}
		if mail {
			if err := c.UseMail(email.Deps{Store: email.NewStore(d, "https://desk.test")}); err != nil {
				t.Fatal(err)
			}
		}
		if ok, text := c.Advise(true, time.Now()); !ok || text != "" {
			t.Errorf("%s: a private answer is flagged: %q", cfg, text)
		}
		return c.Advise(false, time.Now())
	}
	const mailKeys = `,"reply_from":"blog@shop.test","smtp":{"addr":"127.0.0.1:1","security":"none"}`
	for _, tc := range []struct {
		cfg     string
		mail    bool
		allowed bool
		says    string
	}{
		{`{"kind":"feed","feed_url":"https://blog.shop.test/comments/feed"}`, false, false, "cannot be answered on the blog; answer the commenter by e-mail (set reply_from and smtp"},
		{`{"kind":"feed","feed_url":"https://blog.shop.test/comments/feed"` + mailKeys + `}`, true, false, "answer the commenter by e-mail: use Continue in private"},
		{`{"site":"https://blog.shop.test","username":"editor"}`, false, false, "set a WordPress application password to reply"},
		{`{"site":"https://blog.shop.test","username":"editor","app_password":"abcd efgh"}`, false, true, ""},
	} {
		c, _ := blog.New(acct, json.RawMessage(tc.cfg), nil)
		if c.Finds(channel.Outgoing{Private: true}) {
			t.Errorf("%s: claims to look up a private answer, which goes by e-mail", tc.cfg)
		}
		if wp := !strings.Contains(tc.cfg, "feed"); c.Finds(channel.Outgoing{}) != wp {
			t.Errorf("%s: looks up a public reply: %v, want %v", tc.cfg, !wp, wp)
		}
		allowed, says := advise(tc.cfg, tc.mail)
		if allowed != tc.allowed || !strings.Contains(says, tc.says) || (tc.says == "" && says != "") {
			t.Errorf("%s: advice %v %q, want %v %q", tc.cfg, allowed, says, tc.allowed, tc.says)
		}
	}
}
