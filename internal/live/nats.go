package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream is the JetStream stream that carries live events between nodes.
// It keeps a few minutes of events, so a node whose connection drops picks
// up where it left off instead of missing changes.
const Stream = "HARK_LIVE"

// maxPending bounds the publishes awaiting JetStream's acknowledgement.
// Past it an event is not queued but dropped, and desks told to resync:
// Publish runs on the ingest committer, which must never wait for NATS.
const maxPending = 4096

// NATS is a Bus shared by every node connected to the same NATS server: each
// node publishes its changes to JetStream and fans what it reads back out to
// its own subscribers, so a desk on node A sees a reply sent on node B.
//
// A live event lost loses no data, only freshness, so NATS being away
// never holds anyone up: while it is, this node's events reach this node's
// desks directly, and once it is back every desk is told to resync. A NATS
// restart loses the stream (kept in memory); the node makes it again.
type NATS struct {
	local *Local
	nc    *nats.Conn
	js    jetstream.JetStream
	log   *slog.Logger

	mu   sync.Mutex
	cons jetstream.ConsumeContext

	dropped atomic.Bool  // events other nodes have not seen
	warned  atomic.Int64 // when an outage was last logged (unix ns)
	check   chan struct{}
	done    chan struct{}
	stopped sync.WaitGroup
}

// DialNATS connects to url, makes sure the stream exists and starts reading
// new events from it.
func DialNATS(url string, log *slog.Logger) (*NATS, error) {
	n := &NATS{local: NewLocal(), log: log, check: make(chan struct{}, 1), done: make(chan struct{})}
	nc, err := nats.Connect(url, nats.Name("hark"), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.Timeout(5*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("live: lost NATS; desks on other nodes resync when it is back", "err", err)
		}),
		nats.ReconnectHandler(func(*nats.Conn) { n.recheck() }))
	if err != nil {
		return nil, fmt.Errorf("live: connect to NATS at %s: %w", db.Redact(url), err)
	}
	n.nc = nc
	n.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(maxPending),
		jetstream.WithPublishAsyncTimeout(5*time.Second),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
			n.lost(err)
			var e Event
			if json.Unmarshal(m.Data, &e) == nil {
				n.local.Publish(e) // it will not come back from the stream
			}
		}))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("live: JetStream: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.setUp(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	n.stopped.Add(1)
	go n.keep()
	return n, nil
}

// setUp makes the stream and starts a new consumer of it.
func (n *NATS) setUp(ctx context.Context) error {
	_, err := n.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     Stream,
		Subjects: []string{"hark.live.>"},
		Storage:  jetstream.MemoryStorage,
		MaxAge:   10 * time.Minute,
		MaxMsgs:  1_000_000,
		Discard:  jetstream.DiscardOld,
	})
	if err != nil {
		return fmt.Errorf("live: create stream %s (is JetStream enabled on the server?): %w", Stream, err)
	}
	// An ordered consumer is per node and ephemeral; after a disconnect the
	// client library resumes it from the last sequence it delivered.
	c, err := n.js.OrderedConsumer(ctx, Stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return fmt.Errorf("live: consumer: %w", err)
	}
	cons, err := c.Consume(n.deliver, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		n.warn("live: reading from NATS", err)
		n.recheck()
	}))
	if err != nil {
		return fmt.Errorf("live: consume: %w", err)
	}
	n.mu.Lock()
	old := n.cons
	n.cons = cons
	n.mu.Unlock()
	if old != nil {
		old.Stop()
	}
	return nil
}

func (n *NATS) deliver(m jetstream.Msg) {
	var e Event
	if err := json.Unmarshal(m.Data(), &e); err != nil {
		n.log.Warn("live: bad event on NATS", "err", err)
		return
	}
	if md, err := m.Metadata(); err == nil {
		e.Seq = int64(md.Sequence.Stream) // one sequence for the whole cluster
	}
	n.local.Publish(e)
}

// keep checks the stream after every reconnect and failed publish: it
// makes it again if NATS lost it, and tells every desk to resync once NATS
// takes events again. While NATS refuses them (its store full, say), it
// waits longer between tries rather than trying at every failed publish.
func (n *NATS) keep() {
	defer n.stopped.Done()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	wait, backingOff := time.Second, false
	for {
		select {
		case <-n.done:
			return
		case <-n.check:
		case <-retry.C:
			backingOff = false
		}
		if !n.nc.IsConnected() || backingOff {
			continue // the reconnect handler or the timer checks again
		}
		if err := n.settle(); err != nil {
			n.warn("live: NATS is not taking events", err)
			backingOff = true
			retry.Reset(wait)
			wait = min(2*wait, 30*time.Second)
			continue
		}
		wait = time.Second
	}
}

// settle makes the stream again if NATS lost it and, if events were
// dropped, publishes a resync and waits for NATS to take it: only then is
// NATS back, and every desk (this node's too, through the stream) reloads.
func (n *NATS) settle() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := n.js.Stream(ctx, Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if err = n.setUp(ctx); err == nil {
			n.log.Info("live: made the NATS stream again")
			n.dropped.Store(true)
		}
	}
	if err != nil || !n.dropped.Swap(false) {
		return err
	}
	b, _ := json.Marshal(Event{Kind: "resync"})
	if _, err := n.js.Publish(ctx, "hark.live.0", b); err != nil {
		n.dropped.Store(true)
		return err
	}
	return nil
}

func (n *NATS) recheck() {
	select {
	case n.check <- struct{}{}:
	default:
	}
}

// lost notes an event the other nodes will not see.
func (n *NATS) lost(err error) {
	n.dropped.Store(true)
	n.warn("live: publish to NATS", err)
	n.recheck()
}

// warn logs an outage's errors once every ten seconds, not once an event.
func (n *NATS) warn(msg string, err error) {
	now := time.Now().UnixNano()
	if last := n.warned.Load(); now-last > int64(10*time.Second) && n.warned.CompareAndSwap(last, now) {
		n.log.Warn(msg, "err", err)
	}
}

// Publish sends e to every node, this one included. It never waits: while
// NATS is away, or too far behind, e goes to this node's desks only.
func (n *NATS) Publish(e Event) {
	if !n.nc.IsConnected() {
		n.dropped.Store(true)
		n.local.Publish(e)
		return
	}
	if n.js.PublishAsyncPending() >= maxPending {
		// NATS is connected but not answering: queuing more would make
		// this call wait for room, on the ingest committer.
		n.lost(errors.New("too many events awaiting NATS's acknowledgement"))
		n.local.Publish(e)
		return
	}
	b, _ := json.Marshal(e)
	subject := "hark.live." + strconv.FormatInt(e.WorkspaceID, 10)
	if _, err := n.js.PublishAsync(subject, b, jetstream.WithStallWait(time.Millisecond)); err != nil {
		n.lost(err)
		n.local.Publish(e)
	}
}

// Subscribe registers a local subscriber.
func (n *NATS) Subscribe() (<-chan Event, func()) { return n.local.Subscribe() }

// Close stops reading and drains the connection.
func (n *NATS) Close() error {
	close(n.done)
	n.stopped.Wait()
	n.mu.Lock()
	n.cons.Stop()
	n.mu.Unlock()
	select {
	case <-n.js.PublishAsyncComplete():
	case <-time.After(2 * time.Second):
	}
	return n.nc.Drain()
}
