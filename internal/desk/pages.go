package desk

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/classify"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
)

//go:embed templates
var templateFS embed.FS

// pages are the desk's templates, parsed once at start: each page is the
// layout plus its own file plus the shared partials.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"asset":        func(name string) string { return assetNames[name] },
	"channel":      func(c string) string { return hark.ChannelLabels[c] },
	"linkify":      linkify,
	"ago":          ago,
	"waiting":      waiting,
	"clock":        clock,
	"iso":          func(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) },
	"id":           func(id int64) string { return fmt.Sprint(id) },
	"count":        humanCount,
	"rhythm":       func(ms int64) string { return (time.Duration(ms) * time.Millisecond).Round(time.Second).String() },
	"statuses":     func() []string { return hark.Statuses },
	"channels":     func() []string { return hark.Channels },
	"intents":      func() []string { return hark.Intents },
	"languages":    func() []language { return inboxLanguages },
	"languageName": languageName,
	"labels":       messageLabels,
	"eq64":         func(a, b int64) bool { return a == b },
	"flat":         flat,
	"activity":     activityLine,
	"rowData": func(c conversation.Conversation, v view) map[string]any {
		return map[string]any{"C": c, "Accounts": v.Accounts, "Users": v.Users}
	},
}

func mustPages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range []string{"login", "inbox", "conversation", "accounts", "customer", "error"} {
		t := template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
		p.byName[name] = t
	}
	return p
}

// render writes a whole page, or with block set only that named template
// (the fragments live views fetch).
func (p *pages) render(w http.ResponseWriter, name, block string, data any) error {
	return p.renderStatus(w, http.StatusOK, name, block, data)
}

// renderStatus is render answering with code: a form shown again with
// what the desk refused in it.
func (p *pages) renderStatus(w http.ResponseWriter, code int, name, block string, data any) error {
	var buf bytes.Buffer
	t := p.byName[name]
	if block == "" {
		block = "layout"
	}
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", name, block, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, err := buf.WriteTo(w)
	return err
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"'` + "`" + `]+`)

// linkify escapes customer text and turns http(s) URLs into links that open
// apart from the desk and pass nothing back to it. Nothing else in the text
// can become markup.
func linkify(s string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range urlRE.FindAllStringIndex(s, -1) {
		raw := strings.TrimRight(s[m[0]:m[1]], ".,;:!?)")
		end := m[0] + len(raw)
		b.WriteString(html.EscapeString(s[last:m[0]]))
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			b.WriteString(html.EscapeString(raw))
		} else {
			fmt.Fprintf(&b, `<a href="%s" rel="nofollow noopener noreferrer ugc" target="_blank">%s</a>`,
				html.EscapeString(u.String()), html.EscapeString(raw))
		}
		last = end
	}
	b.WriteString(html.EscapeString(s[last:]))
	return template.HTML(b.String())
}

func clock(ms int64) string { return time.UnixMilli(ms).Format("2 Jan 15:04") }

// activityLine is what a line of a conversation's log did: a status
// change names the status it set (and until when a snooze lasts), where
// the log said "status" whichever it was.
func activityLine(a conversation.Activity) string {
	if a.Kind != "status" {
		return a.Kind
	}
	var d struct {
		Status string `json:"status"`
		Until  int64  `json:"until"`
	}
	if json.Unmarshal(a.Detail, &d) != nil || d.Status == "" {
		return a.Kind
	}
	if d.Status == hark.StatusSnoozed && d.Until > 0 {
		return "status: snoozed until " + clock(d.Until)
	}
	return "status: " + d.Status
}

func ago(ms int64) string {
	if ms == 0 {
		return ""
	}
	d := time.Since(time.UnixMilli(ms))
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// waiting is how long the customer has waited: "waiting 5m", and under a
// minute "waiting <1m" ("waiting now" read as an order).
func waiting(ms int64) string {
	if ms == 0 {
		return ""
	}
	if time.Since(time.UnixMilli(ms)) < time.Minute {
		return "waiting <1m"
	}
	return "waiting " + ago(ms)
}

func humanCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// language is one the classifier can name, for the inbox's filter.
type language struct{ Code, Name string }

// inboxLanguages are the inbox filter's languages, built once.
var inboxLanguages = func() []language {
	var out []language
	for _, code := range classify.Languages() {
		out = append(out, language{code, classify.LanguageName(code)})
	}
	return out
}()

// flat is a customer's text with its direction controls taken out, for
// where no element can isolate it (a page's title, a placeholder): a
// name written after a right-to-left override ran on reversed into the
// text after it, so "… as Skyway" read as another account's.
func flat(s string) string {
	return strings.Map(func(r rune) rune {
		if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, s)
}
