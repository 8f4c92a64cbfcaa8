package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harkdesk/hark/internal/channel/x"
	"github.com/harkdesk/hark/internal/workspace"
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

func TestFakeXConfiguresAnXAccount(t *testing.T) {
	h, cfg := fakes["x"].start("http://127.0.0.1:1")
	c, err := x.New(workspace.Account{Channel: "x"}, cfg)
	if err != nil {
		t.Fatalf("the printed config must be a valid x account config: %v", err)
	}
	if got := c.(*x.Connector).Config().APIURL; got != "http://127.0.0.1:1" {
		t.Fatalf("api_url %q", got)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/2/users/1/mentions", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("a call without the token: %d", rec.Code)
	}
}
