package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/harkdesk/hark/internal/hark"
)

// apiError is the body of every error response.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// requestError is a problem with the request itself (its JSON, a parameter)
// that carries its own status and code.
type requestError struct {
	status int
	code   string
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(code, msg string) error {
	return &requestError{status: http.StatusBadRequest, code: code, msg: msg}
}

// classify is the one place domain errors become statuses. Anything it does
// not know is a 500 whose detail stays in the log.
func classify(err error) (status int, e apiError) {
	var re *requestError
	switch {
	case errors.As(err, &re):
		return re.status, apiError{re.code, re.msg}
	case errors.Is(err, hark.ErrNotFound):
		return http.StatusNotFound, apiError{"not_found", detail(err, hark.ErrNotFound)}
	case errors.Is(err, hark.ErrInvalid):
		return http.StatusBadRequest, apiError{"invalid", detail(err, hark.ErrInvalid)}
	case errors.Is(err, hark.ErrConflict):
		return http.StatusConflict, apiError{"conflict", detail(err, hark.ErrConflict)}
	case errors.Is(err, hark.ErrForbidden):
		return http.StatusForbidden, apiError{"forbidden", detail(err, hark.ErrForbidden)}
	}
	return http.StatusInternalServerError, apiError{"internal", "internal error; the server log has the detail"}
}

// detail drops the leading "invalid: " that domain errors wrap with: the
// code already says it.
func detail(err, kind error) string {
	return strings.TrimPrefix(err.Error(), kind.Error()+": ")
}

// fail answers with err's status and logs what the caller is not told.
func (s *service) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, e := classify(err)
	if status == http.StatusInternalServerError {
		s.a.Log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, status, e.Code, e.Message)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]apiError{"error": {code, msg}})
}

// writeJSON sends v; encoding/json escapes <, > and & so customer text
// cannot turn into markup even where a client forgets the content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
