package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/auth"
	"github.com/harkdesk/hark/internal/live"
)

// RecheckCaller is how often a live stream checks that its caller may
// still read the desk.
var RecheckCaller = 5 * time.Second

// events streams live changes as Server-Sent Events. ?workspace=ID narrows
// the stream to one workspace. Events carry ids only; the page fetches what
// changed, so nothing customer-written travels on this stream.
func events(a *app.App) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		caller, ok := auth.From(r.Context())
		if !ok {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		ws, _ := strconv.ParseInt(r.URL.Query().Get("workspace"), 10, 64)
		rc := http.NewResponseController(w)
		rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no")
		ch, cancel := a.Bus.Subscribe()
		defer cancel()
		// The opening id makes every reconnect carry Last-Event-ID, even
		// one before any event: a browser coming back (to this node or
		// another) missed what changed while it was away, and is told to
		// reload what it shows.
		fmt.Fprint(w, "id: 0\nretry: 2000\n\n")
		if r.Header.Get("Last-Event-ID") != "" {
			fmt.Fprint(w, "event: resync\ndata: {\"kind\":\"resync\"}\n\n")
		}
		rc.Flush()
		ping := time.NewTicker(20 * time.Second)
		defer ping.Stop()
		stop := live.Stopping(r.Context())
		// A stream outlives the sign-in it opened with: a user disabled, a
		// session ended or a token revoked since ends it, within
		// RecheckCaller, not when the browser happens to close it.
		checked := time.Now()
		still := func() bool {
			if time.Since(checked) < RecheckCaller {
				return true
			}
			checked = time.Now()
			return a.Auth.Still(r, caller)
		}
		for {
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return // the browser reconnects to another node
			case <-ping.C:
				if !still() {
					return
				}
				fmt.Fprint(w, ": ping\n\n")
			case e := <-ch:
				if ws != 0 && e.WorkspaceID != 0 && e.WorkspaceID != ws {
					continue
				}
				if !still() {
					return
				}
				b, _ := json.Marshal(e)
				fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Kind, b)
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}
