package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route of Register plus /healthz and /metrics.
// It is JSON so that the standard library can serve and test it: YAML would
// need a parser dependency for no gain to the machines that read it.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the API's OpenAPI 3.1 description.
func OpenAPI() []byte { return openAPIDoc }

// openAPI serves the description; it is public, like any API reference.
func (s *service) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDoc) // a failed write means the client left
	return nil
}
