package live

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// These tests run their own nats-server, so they can stop and restart it.

func startNATS(t *testing.T, port int, dir string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("no nats-server to stop and start: ", err)
	}
	cmd := exec.Command(bin, "-js", "-p", fmt.Sprint(port), "-sd", dir, "-a", "127.0.0.1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("nats-server did not start")
	return nil
}

func stopNATS(cmd *exec.Cmd) {
	cmd.Process.Kill()
	cmd.Wait()
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor waits for an event of workspace ws, or a resync when ws is 0.
func waitFor(ch <-chan Event, ws int64, kind string, d time.Duration) bool {
	deadline := time.After(d)
	for {
		select {
		case e := <-ch:
			if e.WorkspaceID == ws && e.Kind == kind {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// A NATS restart (an upgrade, a crash) loses the stream, which lives in
// memory: the nodes make it again, and their desks resync for what they
// missed.
func TestLiveSurvivesANATSRestart(t *testing.T) {
	port, dir := freePort(t), t.TempDir()
	srv := startNATS(t, port, dir)
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	a, err := DialNATS(url, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := DialNATS(url, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ch, cancel := b.Subscribe()
	defer cancel()
	a.Publish(Event{Kind: "message", WorkspaceID: 1})
	if !waitFor(ch, 1, "message", 5*time.Second) {
		t.Fatal("before the restart: node B did not see node A's event")
	}
	stopNATS(srv)
	a.Publish(Event{Kind: "message", WorkspaceID: 3}) // while NATS is away
	srv = startNATS(t, port, dir)
	defer stopNATS(srv)
	if !waitFor(ch, 0, "resync", 15*time.Second) {
		t.Error("node B's desks were not told to resync after the outage")
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		a.Publish(Event{Kind: "message", WorkspaceID: 2})
		if waitFor(ch, 2, "message", time.Second) {
			return
		}
	}
	t.Fatal("after a NATS restart, node B never again sees node A's events")
}

// While NATS is down, Publish must not block its caller: the ingest
// committer calls it once per stored message. This node's desks still see
// its events.
func TestPublishDoesNotWaitForNATS(t *testing.T) {
	port, dir := freePort(t), t.TempDir()
	srv := startNATS(t, port, dir)
	a, err := DialNATS(fmt.Sprintf("nats://127.0.0.1:%d", port), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ch, cancel := a.Subscribe()
	defer cancel()
	stopNATS(srv)
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	for i := range 5000 {
		a.Publish(Event{Kind: "message", WorkspaceID: 1, MessageID: int64(i)})
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("5,000 publishes while NATS is down took %v", d)
	}
	if !waitFor(ch, 1, "message", time.Second) {
		t.Error("this node's desk did not see its own event while NATS was down")
	}
}

// When JetStream refuses events (its store full) the node does not tell
// its desks to resync over and over: a failed resync is not news, and it
// tries again later, not at once.
func TestARefusingNATSCausesNoResyncStorm(t *testing.T) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("no nats-server: ", err)
	}
	port, dir := freePort(t), t.TempDir()
	conf := filepath.Join(dir, "n.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("host: 127.0.0.1\nport: %d\njetstream { store_dir: %q, max_memory_store: 65536 }\n", port, dir)), 0o600)
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stopNATS(cmd)
	for range 100 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	a, err := DialNATS(fmt.Sprintf("nats://127.0.0.1:%d", port), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ch, cancel := a.Subscribe()
	defer cancel()
	for i := range 2000 { // more than 64 kB of events
		a.Publish(Event{Kind: "message", WorkspaceID: 1, MessageID: int64(i)})
	}
	time.Sleep(2 * time.Second)
	for len(ch) > 0 {
		<-ch
	}
	resyncs := 0 // nothing is published from now on
	deadline := time.After(3 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.Kind == "resync" {
				resyncs++
			}
			continue
		case <-deadline:
		}
		break
	}
	if resyncs > 3 {
		t.Fatalf("with nothing published, this node's desks were told to resync %d times in 3 s", resyncs)
	}
}

// NATS connected but not answering (a hung server): acknowledgements stop
// coming, and Publish must not wait for room among them.
func TestPublishDoesNotWaitForAHungNATS(t *testing.T) {
	port, dir := freePort(t), t.TempDir()
	srv := startNATS(t, port, dir)
	defer stopNATS(srv)
	a, err := DialNATS(fmt.Sprintf("nats://127.0.0.1:%d", port), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv.Process.Signal(syscall.SIGSTOP)
	defer srv.Process.Signal(syscall.SIGCONT)
	start := time.Now()
	for i := range 10_000 {
		a.Publish(Event{Kind: "message", WorkspaceID: 1, MessageID: int64(i)})
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("10,000 publishes to a hung NATS took %v", d)
	}
}
