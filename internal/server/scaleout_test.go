package server_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/live"
	"github.com/harkdesk/hark/internal/server"
	"github.com/harkdesk/hark/internal/workspace"
)

// Two hark nodes share one PostgreSQL and one NATS: a message ingested on
// node A appears in the store and on node B's live stream.
func TestTwoNodesSharePostgresAndNATS(t *testing.T) {
	base := dbtest.PostgresDSN(t)
	if base == "" {
		t.Skip("no PostgreSQL (set HARK_TEST_POSTGRES to require it)")
	}
	natsURL := os.Getenv("HARK_TEST_NATS")
	required := natsURL != ""
	if natsURL == "" {
		natsURL = "nats://127.0.0.1:4222"
	}
	ctx := context.Background()
	schema := fmt.Sprintf("t_%d", db.NewID())
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	dsn := dbtest.WithSchema(base, schema)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	node := func() *app.App {
		bus, err := live.DialNATS(natsURL, log)
		if err != nil {
			if required {
				t.Fatal(err)
			}
			t.Skip(err)
		}
		a, err := app.Open(ctx, app.Options{DB: dsn, Migrate: true, Bus: bus, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	a, b := node(), node() // both migrate at once safely: the second waits for the lock

	ws, err := a.Workspaces.Create(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := b.Users.Add(ctx, "agent@acme.test", "Agent", "agent", "")
	if err != nil {
		t.Fatal(err)
	}
	token, err := b.Users.CreateToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}

	// An agent's browser is connected to node B.
	srvB := httptest.NewServer(server.Handler(b))
	defer srvB.Close()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/events?workspace=%d", srvB.URL, ws.ID), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(sctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	time.Sleep(200 * time.Millisecond) // let node B's subscription settle

	// The message arrives at node A.
	res, err := a.Pipeline.Ingest(ctx, acct.ID, ingest.Message{ProviderID: "1", Author: ingest.Author{ID: "9", Handle: "maria"}, Text: "@acme help"})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	want := fmt.Sprintf(`"conversation_id":"%d"`, res[0].ConversationID)
	for line := range lines {
		if strings.HasPrefix(line, "data:") && strings.Contains(line, want) {
			// Node B reads it from the shared store.
			c, err := b.Conversations.Get(ctx, res[0].ConversationID)
			if err != nil || c.ContactHandle != "maria" {
				t.Fatalf("node B reads %+v, %v", c, err)
			}
			return
		}
	}
	t.Fatal("node B's live stream never showed the message ingested on node A")
}
