package health_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/health"
	"github.com/harkdesk/hark/internal/workspace"
)

func TestReportJudgesQuietTokensAndErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		wss := workspace.New(d)
		ws, _ := wss.Create(ctx, "shop", "Shop")
		acct, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "shop"})
		h := health.New(d, nil)
		// A steady stream: one event every few milliseconds.
		for range health.MinHistory + 5 {
			h.Events(acct.ID, 1, true)
			if err := h.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Millisecond)
		}
		h.Rate(acct.ID, 12, time.Now().Add(10*time.Minute), "12 of 75 calls left")
		h.Flush(ctx)
		r, err := h.Of(ctx, acct, time.Now())
		if err != nil || r.Status != "ok" || r.Quiet || r.RhythmMS <= 0 || r.RateRemaining != 12 || r.LastWebhookAt == 0 {
			t.Fatalf("steady: %+v %v", r, err)
		}
		// Hours later with nothing: not quiet, for it has no past week to
		// say these hours bring anything (quiet_internal_test.go has weeks).
		r, _ = h.Of(ctx, acct, time.Now().Add(2*time.Hour))
		if r.Quiet || r.Status != "ok" {
			t.Fatalf("no week behind it: %+v", r)
		}

		acct.Config = json.RawMessage(`{"token_expires_at":"` + time.Now().Add(49*time.Hour).UTC().Format(time.RFC3339) + `"}`)
		if r, _ = h.Of(ctx, acct, time.Now()); r.Status != "warning" || !strings.Contains(strings.Join(r.Warnings, ";"), "the access token expires in 2 days") {
			t.Fatalf("token soon: %+v", r)
		}
		for i := range 25 {
			h.Error(ctx, acct.ID, "send", "provider answered 500: "+strings.Repeat("x", i*40))
		}
		if err := h.Presence(ctx, acct.ID, context.DeadlineExceeded); err != nil {
			t.Fatal(err)
		}
		r, _ = h.Of(ctx, acct, time.Now())
		if r.Status != "error" || len(r.Errors) != 20 || r.PresenceOK || len(r.Errors[0].Message) > health.MaxErrorLength+4 {
			t.Fatalf("errors: status %s, %d errors, presence %v", r.Status, len(r.Errors), r.PresenceOK)
		}
	})
}

func TestRateFromHeaders(t *testing.T) {
	for _, tc := range []struct {
		h       http.Header
		left    int64
		ok      bool
		contain string
	}{
		{http.Header{"X-Rate-Limit-Remaining": {"7"}, "X-Rate-Limit-Limit": {"300"}, "X-Rate-Limit-Reset": {"1900000000"}}, 7, true, "7 of 300"},
		{http.Header{"X-Ratelimit-Remaining": {"40"}}, 40, true, "40 calls"},
		{http.Header{"X-App-Usage": {`{"call_count":28,"total_time":85,"total_cputime":25}`}}, 15, true, "15%"},
		{http.Header{"X-Business-Use-Case-Usage": {`{"123":[{"type":"pages","call_count":100,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":12}]}`}}, 0, true, "0%"},
		{http.Header{"X-Rate-Limit-Remaining": {"lots"}}, 0, false, ""},
		{http.Header{}, 0, false, ""},
	} {
		left, _, detail, ok := health.RateFromHeaders(tc.h)
		if ok != tc.ok || left != tc.left || !strings.Contains(detail, tc.contain) {
			t.Errorf("%v: %d %q %v", tc.h, left, detail, ok)
		}
	}
}
