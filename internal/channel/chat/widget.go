package chat

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
)

//go:embed static
var static embed.FS

var (
	widgetJS   = mustRead("static/widget.js")
	widgetETag = func() string { h := sha256.Sum256(widgetJS); return `"` + hex.EncodeToString(h[:8]) + `"` }()
	demoPage   = template.Must(template.ParseFS(static, "static/demo.html"))
)

func mustRead(name string) []byte {
	b, err := static.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// widget serves the embeddable script. Brands paste one tag, so the URL
// cannot carry a checksum; an ETag and a short max-age keep it fresh.
func (s *Server) widget(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("ETag", widgetETag)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if r.Header.Get("If-None-Match") == widgetETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(widgetJS)
}

// demo serves a page with the widget on it, to try the chat by hand and for
// the browser test.
func (s *Server) demo(w http.ResponseWriter, r *http.Request) {
	acct, _, err := s.account(r.Context(), r.PathValue("account"))
	if err != nil {
		http.Error(w, "no such chat", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	demoPage.Execute(w, map[string]string{"Account": strconv.FormatInt(acct.ID, 10), "Name": acct.Name})
}
