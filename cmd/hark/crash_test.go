package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// TestCrashKeepsEveryAcknowledgedMessageOnce sends inbound messages to the
// real binary from several goroutines, kills it with SIGKILL mid-load,
// restarts it on the same database and sends again what was not acknowledged
// and some of what was. Every acknowledged message must be stored exactly
// once, under the id it was acknowledged with.
func TestCrashKeepsEveryAcknowledgedMessageOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin := buildHark(t, ctx)
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	token := seedAccount(t, ctx, dbPath)

	addr := freeAddr(t)
	srv := startServer(t, ctx, bin, dbPath, addr)
	if code := postStatus(ctx, addr, token, ingest.Message{ProviderID: "probe", Author: ingest.Author{ID: "p"}, Text: "probe"}); code == http.StatusNotFound {
		srv.Process.Kill()
		srv.Wait()
		t.Skip("POST /api/v1/ingest is not mounted yet")
	}

	const senders, each = 8, 400
	msg := func(g, i int) ingest.Message {
		return ingest.Message{ProviderID: fmt.Sprintf("crash-%d-%d", g, i), Author: ingest.Author{ID: fmt.Sprintf("author-%d", i%23), Handle: fmt.Sprintf("author%d", i%23)},
			Text: fmt.Sprintf("message %d from sender %d: my bag never arrived", i, g)}
	}
	var mu sync.Mutex
	acked := map[string]int64{"probe": 0} // provider id -> message id it was acknowledged with
	record := func(pid string, id int64) error {
		mu.Lock()
		defer mu.Unlock()
		if prev, ok := acked[pid]; ok && prev != 0 && prev != id {
			return fmt.Errorf("%s acknowledged as message %d and as %d", pid, prev, id)
		}
		acked[pid] = id
		return nil
	}
	// First run: send until the server dies under us.
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	killAfter := make(chan struct{})
	var once sync.Once
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				m := msg(g, i)
				for k := 0; k < 1+btoi(i%7 == 0); k++ { // some are delivered twice, as providers do
					id, err := post(ctx, addr, token, m)
					if err != nil {
						return // the server is gone
					}
					if err := record(m.ProviderID, id); err != nil {
						errs <- err
						return
					}
				}
				if g == 0 && i == 150 {
					once.Do(func() { close(killAfter) })
				}
			}
		}()
	}
	select {
	case <-killAfter:
	case <-ctx.Done():
		t.Fatal("the load never got going")
	}
	if err := srv.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	srv.Wait()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	if before < 100 {
		t.Fatalf("only %d messages acknowledged before the kill; the test proves little", before)
	}

	// Second run on the same file: resend what was not acknowledged, and
	// every third one that was, which must come back as the same message.
	srv = startServer(t, ctx, bin, dbPath, addr)
	resent := 0
	for g := 0; g < senders; g++ {
		for i := 0; i < each; i++ {
			m := msg(g, i)
			mu.Lock()
			prev, ok := acked[m.ProviderID]
			mu.Unlock()
			if ok && i%3 != 0 {
				continue
			}
			id, err := post(ctx, addr, token, m)
			if err != nil {
				t.Fatalf("after restart: %v", err)
			}
			if ok && id != prev {
				t.Fatalf("%s was acknowledged as message %d before the crash and is %d after", m.ProviderID, prev, id)
			}
			record(m.ProviderID, id)
			resent++
		}
	}
	srv.Process.Signal(os.Interrupt)
	srv.Wait()

	d, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var dups int
	if err := d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT provider_id FROM messages GROUP BY account_id, provider_id HAVING COUNT(*) > 1)").Scan(&dups); err != nil {
		t.Fatal(err)
	}
	if dups != 0 {
		t.Fatalf("%d provider ids are stored more than once", dups)
	}
	for pid, id := range acked {
		var got int64
		err := d.R.QueryRowContext(ctx, "SELECT id FROM messages WHERE provider_id = ?", pid).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("acknowledged message %s (id %d) is missing after the crash", pid, id)
		}
		if err != nil {
			t.Fatal(err)
		}
		if id != 0 && got != id {
			t.Fatalf("%s stored as %d, acknowledged as %d", pid, got, id)
		}
	}
	var n int
	d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages").Scan(&n)
	if n != senders*each+1 {
		t.Fatalf("%d messages stored, want %d", n, senders*each+1)
	}
	t.Logf("%d acknowledged before SIGKILL; %d sent after restart; %d stored, none twice", before, resent, n)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seedAccount creates the workspace and channel account and returns the
// account's ingest token.
func seedAccount(t *testing.T, ctx context.Context, path string) string {
	t.Helper()
	a, err := app.Open(ctx, app.Options{DB: path, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ws, err := a.Workspaces.Create(ctx, "crash", "Crash Air")
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "CrashAir", Purpose: "service"})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer runs hark serve and waits until it answers /healthz.
func startServer(t *testing.T, ctx context.Context, bin, dbPath, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "serve", "--db", dbPath, "--addr", addr, "--log-level", "error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("the server did not come up")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func ingestRequest(ctx context.Context, addr, token string, m ingest.Message) (*http.Response, error) {
	body, _ := json.Marshal(m)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/v1/ingest", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

func postStatus(ctx context.Context, addr, token string, m ingest.Message) int {
	resp, err := ingestRequest(ctx, addr, token, m)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// post sends one message and returns the message id it was acknowledged
// with; anything but a 200 carrying a message id is not an acknowledgement.
func post(ctx context.Context, addr, token string, m ingest.Message) (int64, error) {
	resp, err := ingestRequest(ctx, addr, token, m)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("ingest %s: %s: %s", m.ProviderID, resp.Status, b)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // ids use all 63 bits; a float64 would round them
	if err := dec.Decode(&v); err != nil {
		return 0, fmt.Errorf("ingest %s: %w", m.ProviderID, err)
	}
	if id := findMessageID(v); id != 0 {
		return id, nil
	}
	return 0, fmt.Errorf("ingest %s: no message_id in %s", m.ProviderID, b)
}

// findMessageID finds the first "message_id" in a response, whatever the
// envelope around the per-message results.
func findMessageID(v any) int64 {
	switch x := v.(type) {
	case map[string]any:
		switch id := x["message_id"].(type) {
		case json.Number:
			n, _ := id.Int64()
			return n
		case string:
			n, _ := strconv.ParseInt(id, 10, 64)
			return n
		}
		for _, y := range x {
			if id := findMessageID(y); id != 0 {
				return id
			}
		}
	case []any:
		for _, y := range x {
			if id := findMessageID(y); id != 0 {
				return id
			}
		}
	}
	return 0
}
