package live

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// Subject carries live events between nodes.
const Subject = "hark.live"

// NATS is a Bus shared by every node connected to the same NATS server:
// each node publishes its changes there and fans what it receives out to its
// own subscribers, so a desk on node A sees a reply sent on node B.
type NATS struct {
	local *Local
	nc    *nats.Conn
	sub   *nats.Subscription
	log   *slog.Logger
}

// DialNATS connects to url and subscribes to the live subject.
func DialNATS(url string, log *slog.Logger) (*NATS, error) {
	nc, err := nats.Connect(url, nats.Name("hark"), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.Timeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("live: connect to NATS at %s: %w", url, err)
	}
	n := &NATS{local: NewLocal(), nc: nc, log: log}
	n.sub, err = nc.Subscribe(Subject, func(m *nats.Msg) {
		var e Event
		if err := json.Unmarshal(m.Data, &e); err != nil {
			log.Warn("live: bad event on NATS", "err", err)
			return
		}
		e.Seq = 0 // sequence numbers are per node
		n.local.Publish(e)
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("live: subscribe: %w", err)
	}
	if err := nc.Flush(); err != nil {
		nc.Close()
		return nil, fmt.Errorf("live: NATS: %w", err)
	}
	return n, nil
}

// Publish sends e to every node, this one included.
func (n *NATS) Publish(e Event) {
	b, _ := json.Marshal(e)
	if err := n.nc.Publish(Subject, b); err != nil {
		// Desks will resync on their next event; a lost live event loses no data.
		n.log.Warn("live: publish to NATS", "err", err)
		n.local.Publish(Event{Kind: "resync"})
	}
}

// Subscribe registers a local subscriber.
func (n *NATS) Subscribe() (<-chan Event, func()) { return n.local.Subscribe() }

// Close drains the connection.
func (n *NATS) Close() error {
	n.sub.Unsubscribe()
	return n.nc.Drain()
}
