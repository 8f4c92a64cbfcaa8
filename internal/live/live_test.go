package live

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestLocalDeliversAndFlagsSlowSubscribers(t *testing.T) {
	l := NewLocal()
	fast, cancelFast := l.Subscribe()
	defer cancelFast()
	slow, cancelSlow := l.Subscribe()
	defer cancelSlow()
	const n = 1000 // more than a subscriber's buffer
	go func() {
		for range fast {
		}
	}()
	for i := 0; i < n; i++ {
		l.Publish(Event{Kind: "message", WorkspaceID: 1, ConversationID: int64(i)})
	}
	got, resync := 0, false
	for {
		select {
		case e := <-slow:
			got++
			if e.Kind == "resync" {
				resync = true
			}
			continue
		default:
		}
		break
	}
	if got == 0 || got > 257 {
		t.Fatalf("slow subscriber got %d events, want its buffer's worth", got)
	}
	// The next publish tells the slow subscriber it missed events.
	l.Publish(Event{Kind: "message"})
	for e := range drain(slow) {
		if e.Kind == "resync" {
			resync = true
		}
	}
	if !resync {
		t.Fatal("a subscriber that fell behind was not told to resync")
	}
	cancelSlow()
	if l.Subscribers() != 1 {
		t.Fatalf("%d subscribers after cancel, want 1", l.Subscribers())
	}
}

// A subscriber that fell behind during a burst learns it missed events
// once it catches up, even when the burst was the last activity (a bulk
// action, a webhook storm, then a quiet desk): no later publish comes to
// tell it. One resync, read last, covers the whole burst.
func TestASlowSubscriberIsToldToResyncAtTheEndOfABurst(t *testing.T) {
	l := NewLocal()
	ch, cancel := l.Subscribe()
	defer cancel()
	for i := 1; i <= 300; i++ { // more than a subscriber's buffer
		l.Publish(Event{Kind: "message", WorkspaceID: 1, ConversationID: int64(i)})
	}
	var last Event
	n, resyncs := 0, 0
	for e := range drain(ch) {
		last, n = e, n+1
		if e.Kind == "resync" {
			resyncs++
		}
	}
	if last.Kind != "resync" {
		t.Fatalf("the subscriber read %d events ending at conversation %d and was never told to resync: the rest of the burst is lost until some unrelated change", n, last.ConversationID)
	}
	if resyncs != 1 {
		t.Fatalf("%d resyncs in %d events, want one for the burst", resyncs, n)
	}
	// Once it has read everything, new events arrive as usual.
	l.Publish(Event{Kind: "message", WorkspaceID: 1, ConversationID: 301})
	if e := <-ch; e.ConversationID != 301 {
		t.Fatalf("after catching up the subscriber read %+v, want conversation 301", e)
	}
}

func drain(ch <-chan Event) <-chan Event {
	out := make(chan Event, 512)
	for {
		select {
		case e := <-ch:
			out <- e
		default:
			close(out)
			return out
		}
	}
}

// natsURL returns the server for the scale-out test; HARK_TEST_NATS makes it
// required, so CI fails rather than skips when NATS is down.
func natsURL(t *testing.T) string {
	url := os.Getenv("HARK_TEST_NATS")
	required := url != ""
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		if required {
			t.Fatalf("HARK_TEST_NATS=%s unreachable: %v", url, err)
		}
		t.Skipf("no NATS server at %s", url)
	}
	nc.Close()
	return url
}

func TestNATSCarriesEventsBetweenNodes(t *testing.T) {
	url := natsURL(t)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	a, err := DialNATS(url, log)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := DialNATS(url, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	onB, cancel := b.Subscribe()
	defer cancel()
	onA, cancelA := a.Subscribe()
	defer cancelA()
	want := Event{Kind: "message", WorkspaceID: 7, ConversationID: time.Now().UnixNano()}
	a.Publish(want)
	for name, ch := range map[string]<-chan Event{"other node": onB, "same node": onA} {
		deadline := time.After(5 * time.Second)
	wait:
		for {
			select {
			case e := <-ch:
				if e.ConversationID == want.ConversationID && e.Kind == want.Kind && e.WorkspaceID == want.WorkspaceID {
					break wait
				}
			case <-deadline:
				t.Fatalf("the %s did not receive the event", name)
			}
		}
	}
}
