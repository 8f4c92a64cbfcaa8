package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestEveryFakeServesAndConfiguresAnAccount(t *testing.T) {
	for name, p := range fakes {
		h, cfg := p.start("http://127.0.0.1:1")
		if !json.Valid(cfg) || len(cfg) < 10 {
			t.Errorf("%s: config %s", name, cfg)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/definitely/not/an/endpoint", nil))
		if rec.Code < 400 {
			t.Errorf("%s: an unknown endpoint answered %d", name, rec.Code)
		}
	}
}
