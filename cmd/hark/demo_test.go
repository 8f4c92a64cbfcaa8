package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/demo"
)

// demoProcess is `hark demo` running as a real process.
type demoProcess struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    strings.Builder
	lines  chan string
	stderr bytes.Buffer
}

func startDemo(t *testing.T, ctx context.Context, bin string, env []string, args ...string) *demoProcess {
	t.Helper()
	p := &demoProcess{cmd: exec.CommandContext(ctx, bin, append([]string{"demo"}, args...)...), lines: make(chan string, 100)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		close(p.lines)
	}()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// field waits for the banner line starting with name and returns its value.
func (p *demoProcess) field(t *testing.T, name string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("hark demo ended before printing %s; stderr:\n%s", name, p.stderr.String())
			}
			if v, found := strings.CutPrefix(strings.TrimSpace(l), name+" "); found {
				return strings.TrimSpace(v)
			}
		case <-deadline:
			t.Fatalf("no %s line within %s", name, timeout)
		}
	}
}

// stop interrupts the demo as Ctrl-C does and returns all it printed.
func (p *demoProcess) stop(t *testing.T) string {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("hark demo exited with %v; stderr:\n%s", err, p.stderr.String())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func buildHark(t *testing.T, ctx context.Context) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hark")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestDemoServesALiveDesk runs `hark demo` as a newcomer would and waits
// for the desk to answer and live messages to arrive in its store.
func TestDemoServesALiveDesk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bin := buildHark(t, ctx)
	dbPath := filepath.Join(t.TempDir(), "demo.db")

	start := time.Now()
	p := startDemo(t, ctx, bin, nil, "--addr", "127.0.0.1:0", "--db", dbPath, "--rate", "20")
	url := strings.Fields(p.field(t, "Desk", 10*time.Second))[0]
	for {
		resp, err := http.Get(url + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("/healthz did not answer within 10 s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	healthy := time.Since(start)
	if got := p.field(t, "Database", time.Second); !strings.HasPrefix(got, dbPath) {
		t.Fatalf("Database %q, want %s", got, dbPath)
	}

	d, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var history, live int
	for {
		var conversations int
		d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM conversations").Scan(&conversations)
		if history == 0 && conversations > 0 {
			d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages WHERE direction = 'in'").Scan(&history)
		}
		d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND sent_at > ?", start.UnixMilli()).Scan(&live)
		if live >= 10 {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("after 10 s: %d conversations, %d live messages", conversations, live)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("/healthz answered after %s; %d back-filled messages; 10 live messages after %s", healthy.Round(time.Millisecond), history, time.Since(start).Round(time.Millisecond))
	if history < demoHistory {
		t.Errorf("%d messages of history, want %d", history, demoHistory)
	}

	out := p.stop(t)
	for _, want := range []string{"maya@hark.demo", "admin", "viewer", "20 messages a second", "Ctrl-C", "Stopped after"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo did not print %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Fatalf("the --db file is gone after stop: %v", err)
	}
}

// TestDemoDeletesItsTemporaryStore checks that without --db the demo keeps
// nothing, and never uses HARK_DB, which may name a real desk.
func TestDemoDeletesItsTemporaryStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bin := buildHark(t, ctx)
	real := filepath.Join(t.TempDir(), "real.db")
	p := startDemo(t, ctx, bin, []string{"HARK_DB=" + real, "TMPDIR=" + t.TempDir()}, "--addr", "127.0.0.1:0", "--rate", "0")
	p.field(t, "Desk", 10*time.Second)
	path := strings.Fields(p.field(t, "Database", time.Second))[0]
	if path == real || !strings.HasSuffix(path, "demo.db") {
		t.Fatalf("the demo uses %s", path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the temporary store is not there while the demo runs: %v", err)
	}
	out := p.stop(t)
	if !strings.Contains(out, "Deleted") {
		t.Errorf("no word of the deletion:\n%s", out)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Fatalf("%s is still there after stop (%v)", filepath.Dir(path), err)
	}
	if _, err := os.Stat(real); !os.IsNotExist(err) {
		t.Fatalf("the demo touched HARK_DB %s", real)
	}
}

// The demo's banner names a PostgreSQL store without its password.
func TestTheDemoBannerHidesThePostgresPassword(t *testing.T) {
	var out strings.Builder
	printDemoBanner(&out, &demo.Demo{World: &demo.World{}}, demo.History{},
		demoBanner{url: "http://127.0.0.1:8080/", db: "postgres://hark:DemoS3cret@127.0.0.1/demo?password=DemoS3cret", keep: true})
	if strings.Contains(out.String(), "DemoS3cret") || !strings.Contains(out.String(), "postgres://hark:xxxxx@127.0.0.1/demo") {
		t.Errorf("the banner shows the password or no store:\n%s", out.String())
	}
	// Without --fakes it says why agents' answers stay queued, and how to
	// see them leave; with it, where they went.
	if !strings.Contains(out.String(), "Replies    stay queued") || !strings.Contains(out.String(), "--fakes sends them") {
		t.Errorf("the banner does not say that replies stay queued without --fakes:\n%s", out.String())
	}
	out.Reset()
	printDemoBanner(&out, &demo.Demo{World: &demo.World{}}, demo.History{}, demoBanner{url: "http://127.0.0.1:8080/", db: "d.db", fakes: true})
	if strings.Contains(out.String(), "stay queued") || !strings.Contains(out.String(), "http://127.0.0.1:8080/fakes") {
		t.Errorf("the banner with --fakes:\n%s", out.String())
	}
}

// A demo that cannot listen (the port is taken) fails before it writes
// anything: it had already made its brands and users, so every later run on
// that --db found the world made and skipped its history.
func TestADemoThatCannotListenLeavesNoDatabase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	path := filepath.Join(t.TempDir(), "demo.db")
	err = cmdDemo([]string{"--addr", ln.Addr().String(), "--db", path, "--rate", "0"})
	if err == nil || !strings.Contains(err.Error(), "--addr 127.0.0.1:0") {
		t.Errorf("hark demo on a taken port: %v; want the advice to take a free one", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("the failed demo left %s", path)
	}
}
