package live

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream is the JetStream stream that carries live events between nodes.
// It keeps a few minutes of events, so a node whose connection drops picks
// up where it left off instead of missing changes.
const Stream = "HARK_LIVE"

// NATS is a Bus shared by every node connected to the same NATS server: each
// node publishes its changes to JetStream and fans what it reads back out to
// its own subscribers, so a desk on node A sees a reply sent on node B.
type NATS struct {
	local *Local
	nc    *nats.Conn
	js    jetstream.JetStream
	cons  jetstream.ConsumeContext
	log   *slog.Logger
}

// DialNATS connects to url, makes sure the stream exists and starts reading
// new events from it.
func DialNATS(url string, log *slog.Logger) (*NATS, error) {
	nc, err := nats.Connect(url, nats.Name("hark"), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.Timeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("live: connect to NATS at %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("live: JetStream: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     Stream,
		Subjects: []string{"hark.live.>"},
		Storage:  jetstream.MemoryStorage,
		MaxAge:   10 * time.Minute,
		MaxMsgs:  1_000_000,
		Discard:  jetstream.DiscardOld,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("live: create stream %s (is JetStream enabled on the server?): %w", Stream, err)
	}
	// An ordered consumer is per node and ephemeral; after a disconnect the
	// client library resumes it from the last sequence it delivered.
	c, err := js.OrderedConsumer(ctx, Stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("live: consumer: %w", err)
	}
	n := &NATS{local: NewLocal(), nc: nc, js: js, log: log}
	n.cons, err = c.Consume(func(m jetstream.Msg) {
		var e Event
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			log.Warn("live: bad event on NATS", "err", err)
			return
		}
		if md, err := m.Metadata(); err == nil {
			e.Seq = int64(md.Sequence.Stream) // one sequence for the whole cluster
		}
		n.local.Publish(e)
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		log.Debug("live: consume", "err", err)
	}))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("live: consume: %w", err)
	}
	return n, nil
}

// Publish sends e to every node, this one included.
func (n *NATS) Publish(e Event) {
	b, _ := json.Marshal(e)
	subject := "hark.live." + strconv.FormatInt(e.WorkspaceID, 10)
	if _, err := n.js.PublishAsync(subject, b); err != nil {
		// Desks resync on the event below; a lost live event loses no data.
		n.log.Warn("live: publish to NATS", "err", err)
		n.local.Publish(Event{Kind: "resync"})
	}
}

// Subscribe registers a local subscriber.
func (n *NATS) Subscribe() (<-chan Event, func()) { return n.local.Subscribe() }

// Close stops reading and drains the connection.
func (n *NATS) Close() error {
	n.cons.Stop()
	select {
	case <-n.js.PublishAsyncComplete():
	case <-time.After(2 * time.Second):
	}
	return n.nc.Drain()
}
