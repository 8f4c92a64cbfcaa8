package live

import (
	"context"
	"sync"
)

// Drain tells a node's long-lived connections that it is stopping. The
// HTTP server serves requests under way to their end when it stops, but
// event streams and chat sockets never end by themselves, and Shutdown
// neither waits for nor cancels a hijacked socket: they end with the
// drain, so browsers reconnect to another node, and the node waits for the
// sockets to close before it closes its store under them.
type Drain struct {
	stop chan struct{}
	once sync.Once
	mu   sync.Mutex
	held int           // connections open
	idle chan struct{} // closed when held drops to 0, for Wait
}

type drainKey struct{}

// NewDrain returns a drain not yet started.
func NewDrain() *Drain { return &Drain{stop: make(chan struct{})} }

// Context returns ctx carrying the drain, for the requests it serves.
func (d *Drain) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, drainKey{}, d)
}

// Start tells every connection to end. It may be called more than once.
func (d *Drain) Start() { d.once.Do(func() { close(d.stop) }) }

// Wait waits until every held connection has ended, or ctx has. A
// connection held after Wait began is waited for too (it sees Stopping at
// once and ends).
func (d *Drain) Wait(ctx context.Context) error {
	d.mu.Lock()
	if d.held == 0 {
		d.mu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stopping is closed when the node serving ctx starts to stop; it is nil,
// never ready, outside a drained server (tests' httptest servers).
func Stopping(ctx context.Context) <-chan struct{} {
	if d, ok := ctx.Value(drainKey{}).(*Drain); ok {
		return d.stop
	}
	return nil
}

// Hold counts a connection the drain waits for; call the function it
// returns when the connection has ended.
func Hold(ctx context.Context) (release func()) {
	d, ok := ctx.Value(drainKey{}).(*Drain)
	if !ok {
		return func() {}
	}
	d.mu.Lock()
	d.held++
	d.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.held--; d.held == 0 && d.idle != nil {
				close(d.idle)
				d.idle = nil
			}
		})
	}
}
