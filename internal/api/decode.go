package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxBody matches the server's own cap; it is repeated here so the API
// answers 413 the same way when mounted on another mux.
const maxBody = 1 << 20

// readBody reads a request body, answering 413 for one over maxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, code: "too_large",
			msg: fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	}
	if err != nil {
		return nil, badRequest("bad_body", "reading the request body: "+err.Error())
	}
	return b, nil
}

// decodeBody reads a JSON request body into v, rejecting unknown fields and
// text no database can store.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := readText(w, r)
	if err != nil {
		return err
	}
	return decodeStrict(b, v)
}

// decodeStrict decodes exactly one JSON value into v and explains what is
// wrong in words a script's author can act on.
func decodeStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequest("bad_json", "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("bad_json", describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("bad_json", "malformed JSON: unexpected data after the object")
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: the body ends in the middle of a value"
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be %s, not a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return fmt.Sprintf("expected %s, not a JSON %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, new(*valueError)):
		return err.Error()
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	return "a number"
}

// valueError is a field value a custom decoder refused; its text is for the caller.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

// optionalID is an id field that tells absent from null, and takes a
// number or a string (ids use 63 bits; JavaScript clients send strings).
type optionalID struct {
	Set  bool
	Null bool
	ID   int64
}

// UnmarshalJSON accepts null, 123 or "123".
func (o *optionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	s := string(b)
	if s == "null" {
		o.Null = true
		return nil
	}
	s = strings.Trim(s, `"`)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return &valueError{fmt.Sprintf("%s is not an id: send a number, a string of digits or null", b)}
	}
	o.ID = id
	return nil
}

// pathID reads a numeric id from the path; a non-number names nothing.
func pathID(r *http.Request, name, what string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, &requestError{status: http.StatusNotFound, code: "not_found", msg: fmt.Sprintf("%s %q not found", what, v)}
	}
	return id, nil
}
