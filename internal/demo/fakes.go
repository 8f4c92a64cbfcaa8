package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/channel/blog"
	"github.com/harkdesk/hark/internal/channel/linkedin"
	"github.com/harkdesk/hark/internal/channel/meta"
	"github.com/harkdesk/hark/internal/channel/twilio"
	"github.com/harkdesk/hark/internal/channel/x"
	"github.com/harkdesk/hark/internal/workspace"
)

// Fakes are the providers' fake APIs a demo runs with --fakes: one per
// social, SMS, phone and blog account, served by the demo's own server
// under /fakes/{account}/. Messages then reach the desk the way they do in
// production (signed webhooks, polling) and the agents' answers leave
// through the real connectors and arrive at the fakes, which /fakes lists.
type Fakes struct {
	a     *app.App
	accts map[int64]*fake
	order []int64
	desk  string
}

type fake struct {
	acct workspace.Account
	kind string // meta, linkedin, twilio, wordpress
	h    http.Handler
	meta *meta.Fake
	li   *linkedin.Fake
	tw   *twilio.Fake
	wp   *blog.WordPress
	xf   *x.Fake

	mu   sync.Mutex
	got  []fakeCall
	urns map[string]string // generated ids -> LinkedIn comment URNs
}

// fakeCall is one request the desk made to a fake, kept to show.
type fakeCall struct {
	At           time.Time
	Method, Path string
	Body         string
}

const linkedinPost = "urn:li:share:7094637247487995904"

// NewFakes makes a fake for every demo account that has a provider fake.
func NewFakes(a *app.App, w *World) *Fakes {
	f := &Fakes{a: a, accts: map[int64]*fake{}}
	for _, ws := range w.Workspaces {
		for _, acct := range ws.Accounts {
			fk := &fake{acct: acct, urns: map[string]string{}}
			switch acct.Channel {
			case "x":
				fk.kind, fk.xf = "x", x.NewFake("demo-consumer-secret", "demo-x-token")
				fk.xf.UserID, fk.xf.Handle = strconv.FormatInt(1_000_000+acct.ID%1_000_000_000, 10), acct.Handle
				fk.xf.AddUser(x.User{ID: fk.xf.UserID, Handle: acct.Handle, Name: acct.Name, Verified: true})
				fk.h = fk.xf
			case "facebook", "instagram", "whatsapp":
				fk.kind, fk.meta = "meta", meta.NewFake("demo-app-secret", "demo-verify-token", "demo-page-token")
				// One Page, Instagram account or number is one account: each
				// brand's has its own ids.
				n := acct.ID % 1_000_000_000
				fk.meta.PageID = strconv.FormatInt(104_000_000_000_000+n, 10)
				fk.meta.IGUserID = strconv.FormatInt(17_841_400_000_000_000+n, 10)
				fk.meta.PhoneNumberID = strconv.FormatInt(106_540_000_000_000+n, 10)
				fk.h = fk.meta
			case "linkedin":
				fk.kind, fk.li = "linkedin", linkedin.NewFake("demo-client-secret", "demo-access-token", strconv.FormatInt(2_414_183+acct.ID%1_000_000_000, 10))
				fk.h = fk.li
			case "sms", "phone":
				fk.kind, fk.tw = "twilio", twilio.NewFake("ACdemo00000000000000000000000000", "demo-auth-token")
				fk.h = fk.tw
			case "blog":
				fk.kind, fk.wp = "wordpress", blog.NewWordPress("hark", "demo app password")
				fk.h = fk.wp
			default:
				continue
			}
			f.accts[acct.ID] = fk
			f.order = append(f.order, acct.ID)
		}
	}
	return f
}

// Configure points every faked account at its fake, now that the desk is
// listening at deskURL (the fakes live on the same server).
func (f *Fakes) Configure(ctx context.Context, deskURL string) error {
	f.desk = strings.TrimRight(deskURL, "/")
	for _, id := range f.order {
		fk := f.accts[id]
		base := fmt.Sprintf("%s/fakes/%d", f.desk, id)
		var cfg []byte
		switch fk.kind {
		case "x":
			cfg = fk.xf.Config(base)
		case "meta":
			cfg = fk.meta.Config(base)
		case "linkedin":
			cfg = fk.li.Config(base, linkedinPost)
		case "twilio":
			cfg, _ = json.Marshal(twilio.Config{AccountSID: fk.tw.AccountSID, AuthToken: "demo-auth-token", Number: fk.acct.Handle, BaseURL: base})
		case "wordpress":
			cfg, _ = json.Marshal(map[string]any{"kind": "wordpress", "site": base, "username": "hark", "app_password": "demo app password", "poll_interval_seconds": 5})
		}
		if err := f.a.ConfigureAccount(ctx, id, cfg); err != nil {
			return fmt.Errorf("demo: point %s account %s at its fake: %w", fk.acct.Channel, fk.acct.Handle, err)
		}
	}
	return nil
}

// ServeHTTP serves /fakes (what each fake received) and the fakes' APIs.
func (f *Fakes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/fakes")
	if rest == "" || rest == "/" {
		f.index(w)
		return
	}
	idPart, path, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	id, _ := strconv.ParseInt(idPart, 10, 64)
	fk := f.accts[id]
	if fk == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		fk.mu.Lock()
		fk.got = append(fk.got, fakeCall{At: time.Now(), Method: r.Method, Path: "/" + path, Body: string(body)})
		if len(fk.got) > 200 {
			fk.got = slices.Delete(fk.got, 0, 100)
		}
		fk.mu.Unlock()
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + path
	r2.URL.RawPath = ""
	fk.h.ServeHTTP(w, r2)
}

var fakesPage = template.Must(template.New("fakes").Parse(`<!doctype html><meta charset="utf-8"><title>Provider fakes · Hark demo</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1100px}h2{font-size:15px;margin:18px 0 4px}code,pre{font-size:12px}pre{white-space:pre-wrap;background:#f6f7f9;padding:6px;margin:2px 0 8px}small{color:#667085}</style>
<h1>What the providers' fakes received</h1>
<p>Each brand account below is connected to a fake of its provider. Answers sent from the desk arrive here through the real connectors. <a href="/">Back to the desk</a></p>
{{range .}}<h2>{{.Channel}} · {{.Handle}} <small>({{.Kind}} fake, {{len .Calls}} requests)</small></h2>
{{range .Calls}}<div><small>{{.At.Format "15:04:05"}}</small> <code>{{.Method}} {{.Path}}</code><pre>{{.Body}}</pre></div>{{else}}<p><small>nothing yet: answer a conversation on this account</small></p>{{end}}{{end}}`))

func (f *Fakes) index(w http.ResponseWriter) {
	type view struct {
		Channel, Handle, Kind string
		Calls                 []fakeCall
	}
	var out []view
	for _, id := range f.order {
		fk := f.accts[id]
		fk.mu.Lock()
		calls := slices.Clone(fk.got)
		fk.mu.Unlock()
		slices.Reverse(calls)
		out = append(out, view{fk.acct.Channel, fk.acct.Handle, fk.kind, calls})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fakesPage.Execute(w, out)
}

// Sent is how many requests the desk made to the fake of an account.
func (f *Fakes) Sent(accountID int64) int {
	fk := f.accts[accountID]
	if fk == nil {
		return 0
	}
	fk.mu.Lock()
	defer fk.mu.Unlock()
	return len(fk.got)
}

// deliver has the account's fake deliver a generated message the way its
// provider would; handled is false for accounts without a fake.
func (f *Fakes) deliver(ctx context.Context, d Delivery) (handled bool, err error) {
	fk := f.accts[d.Account.ID]
	if fk == nil || f.desk == "" {
		return false, nil
	}
	hook := fmt.Sprintf("%s/webhooks/%d", f.desk, d.Account.ID)
	m := d.Msg
	var codes []int
	switch d.Account.Channel {
	case "x":
		who := x.User{ID: m.Author.ID, Handle: m.Author.Handle, Name: m.Author.Name, Followers: m.Author.Followers, Verified: m.Author.Verified}
		if m.Visibility == "private" {
			codes, err = fk.xf.Deliver(ctx, hook, x.DeliverOptions{}, fk.xf.DMBody(who, m.ProviderID, m.Text, m.SentAt))
			break
		}
		codes, err = fk.xf.Deliver(ctx, hook, x.DeliverOptions{}, fk.xf.MentionBody(x.Post{ID: m.ProviderID, Author: who, Text: m.Text, At: m.SentAt, ReplyTo: m.ReplyTo}))
	case "facebook":
		if m.Visibility == "private" {
			codes, err = fk.meta.Deliver(ctx, hook, meta.DeliverOptions{}, fk.meta.MessengerBody(m.Author.ID, m.ProviderID, m.Text, m.SentAt))
			break
		}
		codes, err = fk.meta.Deliver(ctx, hook, meta.DeliverOptions{}, fk.meta.FeedBody(meta.FeedComment{CommentID: m.ProviderID,
			PostID: fk.meta.PageID + "_1", ParentID: m.ReplyTo, FromID: m.Author.ID, FromName: m.Author.Name, Message: m.Text, At: m.SentAt}))
	case "instagram":
		if m.Visibility == "private" {
			codes, err = fk.meta.Deliver(ctx, hook, meta.DeliverOptions{}, fk.meta.InstagramDMBody(m.Author.ID, m.ProviderID, m.Text, m.SentAt))
			break
		}
		codes, err = fk.meta.Deliver(ctx, hook, meta.DeliverOptions{}, fk.meta.InstagramCommentBody(meta.IGComment{ID: m.ProviderID,
			FromID: m.Author.ID, Username: m.Author.Handle, Text: m.Text, MediaID: "17900000000000001", ParentID: m.ReplyTo, At: m.SentAt}, false))
	case "whatsapp":
		codes, err = fk.meta.Deliver(ctx, hook, meta.DeliverOptions{}, fk.meta.WhatsAppTextBody(strings.TrimPrefix(m.Author.Phone, "+"), m.Author.Name, m.ProviderID, m.Text, m.SentAt))
	case "linkedin":
		fk.mu.Lock()
		parent := fk.urns[m.ReplyTo]
		fk.mu.Unlock()
		urn := fk.li.Comment(linkedinPost, parent, m.Author.ID, m.Text, m.SentAt)
		fk.mu.Lock()
		fk.urns[m.ProviderID] = urn
		fk.mu.Unlock()
		codes, err = fk.li.Deliver(ctx, hook, linkedin.DeliverOptions{}, linkedin.Body(fk.li.Notification("COMMENT", urn)))
	case "sms", "phone":
		var form url.Values
		if d.Account.Channel == "sms" {
			form = twilio.SMS("SM"+m.ProviderID, m.Author.Phone, d.Account.Handle, m.Text)
		} else {
			_, said, _ := strings.Cut(m.Text, "transcribed: ")
			form = twilio.Transcription("CA"+m.ProviderID, "RE"+m.ProviderID, m.Author.Phone, d.Account.Handle, said)
		}
		req, rerr := fk.tw.Request(hook, form)
		if rerr != nil {
			return true, rerr
		}
		resp, rerr := http.DefaultClient.Do(req.WithContext(ctx))
		if rerr != nil {
			return true, rerr
		}
		resp.Body.Close()
		codes = []int{resp.StatusCode}
	case "blog":
		var c blog.Comment
		c.Post, c.AuthorName, c.AuthorEmail, c.DateGMT = 12, m.Author.Name, m.Author.Email, m.SentAt.UTC().Format("2006-01-02T15:04:05")
		c.Content.Raw = m.Text
		fk.wp.Add(c) // the desk's poller picks it up
		return true, nil
	default:
		return false, nil
	}
	if err != nil {
		return true, err
	}
	for _, c := range codes {
		if c/100 != 2 {
			return true, fmt.Errorf("demo: the desk answered %s's fake webhook with %d", d.Account.Channel, c)
		}
	}
	return true, nil
}

// history prepares a back-filled message: the fakes learn of the Meta
// messages the desk is given directly (so answers to them are accepted,
// within the providers' windows), and LinkedIn and blog comments, whose ids
// only the fakes can mint, go through the fakes. handled reports the latter.
func (f *Fakes) history(ctx context.Context, d Delivery) (handled bool, err error) {
	fk := f.accts[d.Account.ID]
	if fk == nil {
		return false, nil
	}
	m := d.Msg
	switch fk.kind {
	case "x":
		if m.Visibility == "public" {
			fk.xf.Publish(x.Post{ID: m.ProviderID, Author: x.User{ID: m.Author.ID, Handle: m.Author.Handle, Name: m.Author.Name}, Text: m.Text, At: m.SentAt, ReplyTo: m.ReplyTo})
		}
		return false, nil
	case "meta":
		switch {
		case d.Account.Channel == "whatsapp":
			fk.meta.CustomerWrote(strings.TrimPrefix(m.Author.Phone, "+"), m.ProviderID, m.Text, m.SentAt)
		case m.Visibility == "private":
			fk.meta.CustomerWrote(m.Author.ID, m.ProviderID, m.Text, m.SentAt)
		default:
			fk.meta.Commented(m.ProviderID, m.SentAt)
		}
		return false, nil
	case "linkedin", "wordpress":
		return f.deliver(ctx, d)
	}
	return false, nil
}
