package desk

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets maps a file's checksum name (desk.3f2a….css) to its bytes, so a
// page always names the exact version it was rendered with and browsers
// may cache forever.
var assets, assetNames = loadAssets()

func loadAssets() (map[string][]byte, map[string]string) {
	byHash, names := map[string][]byte{}, map[string]string{}
	entries, _ := staticFS.ReadDir("static")
	for _, e := range entries {
		b, _ := staticFS.ReadFile("static/" + e.Name())
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		byHash[hashed] = b
		names[e.Name()] = "/static/" + hashed
	}
	return byHash, names
}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	b, ok := assets[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(r.PathValue("file"))))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
