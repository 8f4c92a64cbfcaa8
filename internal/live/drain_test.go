package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/live"
)

// Wait returns once every held connection has ended, including one held
// after Wait began (a socket accepted as the node was told to stop), and
// gives up when its context does.
func TestDrainWaitsForEveryHeldConnection(t *testing.T) {
	d := live.NewDrain()
	ctx := d.Context(context.Background())
	first := live.Hold(ctx)
	d.Start()
	select {
	case <-live.Stopping(ctx):
	default:
		t.Fatal("Stopping is not closed after Start")
	}
	done := make(chan error, 1)
	go func() { done <- d.Wait(context.Background()) }()
	time.Sleep(10 * time.Millisecond)
	late := live.Hold(ctx)
	first()
	first() // a second release counts once
	select {
	case <-done:
		t.Fatal("Wait returned with a connection still held")
	case <-time.After(20 * time.Millisecond):
	}
	late()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Second):
		t.Fatal("Wait did not return once every connection ended")
	}
	stuck := live.Hold(ctx)
	defer stuck()
	tctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.Wait(tctx); err == nil {
		t.Fatal("Wait returned with a connection held past its context")
	}
	if live.Stopping(context.Background()) != nil || live.Hold(context.Background()) == nil {
		t.Fatal("outside a drained server: no stop signal, and holding is a no-op")
	}
}
