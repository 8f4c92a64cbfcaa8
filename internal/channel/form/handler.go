package form

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/channel/email"
	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/hark"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

//go:embed static
var static embed.FS

var pages = template.Must(template.ParseFS(static, "static/*.html"))

// Limits on a submission.
const (
	MaxMessage = 10000
	MaxSubject = 200
	MaxName    = 200
	// MinFillTime is how long a person needs at least; bots post at once.
	MinFillTime = 2 * time.Second
)

// Deps are what the form handler needs from the desk.
type Deps struct {
	Workspaces *workspace.Store
	Pipeline   *ingest.Pipeline
	Log        *slog.Logger
	// Proxies are the load balancers in front of the desk: the client's
	// address, which PerIP counts, is read through them.
	Proxies auth.Proxies
	// PerIP limits submissions per client address; nil allows 5 per
	// 10 minutes with a burst of 5.
	PerIP *auth.Limiter
	Now   func() time.Time
}

// Handler serves the public form endpoints.
type Handler struct {
	d Deps
}

// NewHandler returns the form handler.
func NewHandler(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.PerIP == nil {
		d.PerIP = auth.NewLimiter(5, 2*time.Minute)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Handler{d: d}
}

// Register mounts the public endpoints: the form page, the embed script,
// the stylesheet and the submission.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /form/{id}", h.page)
	mux.HandleFunc("GET /form/{id}/embed.js", h.embed)
	mux.HandleFunc("GET /form/static/form.css", h.css)
	mux.HandleFunc("POST /form/{id}", h.submit)
}

type formView struct {
	Config   Config
	Action   string
	Stamp    string
	Values   map[string]string
	Problems []string
}

type thanksView struct {
	Config    Config
	Name      string
	Email     string
	Reference int64
}

func (h *Handler) account(r *http.Request) (workspace.Account, Config, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return workspace.Account{}, Config{}, hark.ErrNotFound
	}
	a, err := h.d.Workspaces.Account(r.Context(), id)
	if err != nil {
		return a, Config{}, err
	}
	if a.Channel != "form" {
		return a, Config{}, hark.ErrNotFound
	}
	cfg, err := ParseConfig(a.Config)
	if err != nil {
		return a, cfg, err
	}
	if cfg.Secret == "" {
		cfg.Secret = "hark-form-" + strconv.FormatInt(a.ID, 10) + "-" + strconv.FormatInt(a.CreatedAt, 10)
	}
	return a, cfg, nil
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	a, cfg, err := h.account(r)
	if err != nil {
		h.fail(w, err)
		return
	}
	h.render(w, http.StatusOK, "form.html", formView{Config: cfg, Action: "/form/" + strconv.FormatInt(a.ID, 10), Stamp: h.stamp(cfg), Values: map[string]string{}})
}

// stamp signs the time a form was shown, to measure how fast it was filled.
func (h *Handler) stamp(cfg Config) string {
	t := strconv.FormatInt(h.d.Now().UnixMilli(), 10)
	return t + "." + sign(cfg.Secret, t)
}

func sign(secret, s string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// filledTooFast reports a form sent sooner than a person could fill it.
// Only a stamp we signed counts: a missing or unreadable one (a plain HTML
// form pasted into the brand's site, another node's key) is let through to
// the other checks rather than risk dropping a real customer's message.
func (h *Handler) filledTooFast(cfg Config, stamp string) bool {
	t, sig, ok := strings.Cut(stamp, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(sign(cfg.Secret, t))) {
		return false
	}
	ms, err := strconv.ParseInt(t, 10, 64)
	return err == nil && h.d.Now().Sub(time.UnixMilli(ms)) < MinFillTime
}

func (h *Handler) submit(w http.ResponseWriter, r *http.Request) {
	a, cfg, err := h.account(r)
	if err != nil {
		h.fail(w, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	if !h.d.PerIP.Allow(strconv.FormatInt(a.ID, 10) + "|" + auth.ClientNet(h.d.Proxies.ClientIP(r))) {
		w.Header().Set("Retry-After", "600")
		h.render(w, http.StatusTooManyRequests, "limited.html", formView{Config: cfg})
		return
	}
	v := map[string]string{}
	for _, k := range []string{"name", "email", "subject", "message"} {
		v[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	// A filled honeypot or a form posted faster than a person types is a
	// bot: it gets the same confirmation, so it learns nothing.
	if r.PostForm.Get("website") != "" || h.filledTooFast(cfg, r.PostForm.Get("stamp")) {
		h.d.Log.Info("form spam dropped", "account", a.ID, "honeypot", r.PostForm.Get("website") != "")
		h.render(w, http.StatusOK, "thanks.html", thanksView{Config: cfg, Name: v["name"], Email: v["email"]})
		return
	}
	var problems []string
	addr, err := mail.ParseAddress(v["email"])
	if err != nil || !strings.Contains(addr.Address, ".") {
		problems = append(problems, "Please give an e-mail address we can answer.")
	}
	if v["message"] == "" {
		problems = append(problems, "Please write your message.")
	}
	if utf8.RuneCountInString(v["message"]) > MaxMessage {
		problems = append(problems, fmt.Sprintf("Please keep your message under %d characters.", MaxMessage))
	}
	if utf8.RuneCountInString(v["subject"]) > MaxSubject || utf8.RuneCountInString(v["name"]) > MaxName {
		problems = append(problems, "The name or subject is too long.")
	}
	if len(problems) > 0 {
		h.render(w, http.StatusUnprocessableEntity, "form.html", formView{Config: cfg, Action: "/form/" + strconv.FormatInt(a.ID, 10), Stamp: r.PostForm.Get("stamp"), Values: v, Problems: problems})
		return
	}
	msg := Submission(a, cfg, v["name"], strings.ToLower(addr.Address), v["subject"], v["message"], r.Referer(), h.d.Now())
	res, err := h.d.Pipeline.Ingest(r.Context(), a.ID, msg)
	if err == nil && res[0].Err != nil {
		err = res[0].Err
	}
	if err != nil {
		h.d.Log.Error("store form submission", "account", a.ID, "err", err)
		http.Error(w, "Sorry, your message could not be saved. Please try again in a minute.", http.StatusServiceUnavailable)
		return
	}
	h.render(w, http.StatusOK, "thanks.html", thanksView{Config: cfg, Name: v["name"], Email: strings.ToLower(addr.Address), Reference: res[0].ConversationID})
}

// Submission is the inbound message for a filled-in form. Its id looks
// like a Message-ID on the reply mailbox's domain so that answers thread
// like e-mail; the same text from the same address on the same day is
// one submission (a double click, a reload).
func Submission(a workspace.Account, cfg Config, name, addr, subject, text, page string, now time.Time) ingest.Message {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%s", a.ID, addr, subject, text, now.UTC().Format("2006-01-02"))))
	_, domain, _ := strings.Cut(strings.ToLower(cfg.ReplyFrom), "@")
	if domain == "" {
		domain = "form.invalid"
	}
	id := "form." + hex.EncodeToString(sum[:12]) + "@" + domain
	if subject == "" {
		subject = firstLine(text, 80)
	}
	raw, _ := json.Marshal(struct {
		email.Raw
		Page string `json:"page,omitempty"`
	}{Raw: email.Raw{MessageID: id, From: addr, Subject: subject, Kind: email.Customer, Source: "form"}, Page: conversation.Clip(page, 500)})
	return ingest.Message{ProviderID: id, Visibility: "private", Author: ingest.Author{ID: addr, Email: addr, Name: name},
		Text: text, Subject: subject, SentAt: now, Raw: raw}
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		h.d.Log.Error("render form page", "page", name, "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, hark.ErrNotFound) {
		http.Error(w, "There is no such form.", http.StatusNotFound)
		return
	}
	h.d.Log.Error("form account", "err", err)
	http.Error(w, "The form is unavailable.", http.StatusInternalServerError)
}

func (h *Handler) css(w http.ResponseWriter, r *http.Request) {
	b, _ := static.ReadFile("static/form.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// embed serves a script that writes the form into the brand's page where
// the script tag is, posting to the desk. It carries a fresh render stamp,
// so it is never cached.
func (h *Handler) embed(w http.ResponseWriter, r *http.Request) {
	a, cfg, err := h.account(r)
	if err != nil {
		h.fail(w, err)
		return
	}
	b, _ := static.ReadFile("static/embed.js")
	conf, _ := json.Marshal(map[string]string{"action": "/form/" + strconv.FormatInt(a.ID, 10), "stamp": h.stamp(cfg), "title": cfg.Title, "intro": cfg.Intro})
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	fmt.Fprintf(w, "(function(conf){\n%s\n})(%s);\n", b, conf)
}

// Snippet is the plain HTML a brand can paste instead of the script.
func Snippet(deskURL string, accountID int64) string {
	return fmt.Sprintf(`<form action="%s/form/%d" method="post" accept-charset="utf-8">
  <label>Name <input name="name" autocomplete="name"></label>
  <label>E-mail <input name="email" type="email" required autocomplete="email"></label>
  <label>Subject <input name="subject"></label>
  <label>Message <textarea name="message" required rows="6"></textarea></label>
  <div style="position:absolute;left:-9999px" aria-hidden="true"><label>Leave empty <input name="website" tabindex="-1" autocomplete="off"></label></div>
  <button type="submit">Send</button>
</form>`, template.HTMLEscapeString(strings.TrimRight(deskURL, "/")), accountID)
}
