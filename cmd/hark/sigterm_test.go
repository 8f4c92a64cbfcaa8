package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/ingest"
)

// SIGTERM starts a graceful drain of up to 10 s: a request already being
// received must still be served, so a webhook in flight at a rolling
// deploy is stored and acknowledged, not refused (a provider that does not
// retry, as Twilio by default, would lose it).
func TestARequestInFlightAtSIGTERMIsServed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin := buildHark(t, ctx)
	dbPath := filepath.Join(t.TempDir(), "t.db")
	token := seedAccount(t, ctx, dbPath)
	addr := freeAddr(t)
	srv := startServer(t, ctx, bin, dbPath, addr)

	body, _ := json.Marshal(ingest.Message{ProviderID: "inflight-1", Author: ingest.Author{ID: "a1"}, Text: "my bag never arrived"})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/v1/ingest HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", addr, token, len(body))
	c.Write(body[:10]) // the provider is still sending the body...
	time.Sleep(300 * time.Millisecond)
	srv.Process.Signal(syscall.SIGTERM) // ...when a rolling deploy stops this node
	time.Sleep(300 * time.Millisecond)
	c.Write(body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a request in flight at SIGTERM was refused with %s %v during the graceful drain", resp.Status, out)
	}
}
