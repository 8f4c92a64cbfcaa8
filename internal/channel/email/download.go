package email

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/hark"
)

// Register mounts the attachment download behind the desk's sign-in:
// GET /email/attachments/{id}/{name}.
func (s *Store) Register(mux *http.ServeMux, a *auth.Authenticator) {
	mux.Handle("GET "+AttachmentPath+"{id}/{name}", a.Identify(http.HandlerFunc(s.download)))
}

// inlineTypes are shown in the browser; everything else is downloaded, so a
// customer's HTML or SVG never runs on the desk's origin.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "application/pdf": true, "audio/mpeg": true, "text/plain": true}

func (s *Store) download(w http.ResponseWriter, r *http.Request) {
	c, ok := auth.From(r.Context())
	if !ok || !c.User.Can("read") {
		http.Error(w, "sign in to download attachments", http.StatusUnauthorized)
		return
	}
	b, err := s.File(r.Context(), r.PathValue("id"))
	if errors.Is(err, hark.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "could not read the attachment", http.StatusInternalServerError)
		return
	}
	ct, _, _ := mime.ParseMediaType(b.Type)
	disp := "attachment"
	if inlineTypes[ct] {
		disp = "inline"
	} else {
		ct = "application/octet-stream"
	}
	if ct == "text/plain" {
		ct = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": strings.ToValidUTF8(b.Name, "_")}))
	w.Header().Set("Content-Length", strconv.Itoa(len(b.Data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	w.Write(b.Data)
}
