// Package live carries change events to the desks that are watching: in one
// process by default, across nodes through NATS when configured.
package live

import (
	"sync"
	"sync/atomic"
)

// Event says that something in a workspace changed. Views reload what they
// show from the store; events carry ids, never customer text. Ids travel as
// JSON strings: they use 63 bits and JavaScript numbers keep only 53.
type Event struct {
	Seq            int64  `json:"seq"`
	Kind           string `json:"kind"`
	WorkspaceID    int64  `json:"workspace_id,string"`
	ConversationID int64  `json:"conversation_id,omitempty,string"`
	MessageID      int64  `json:"message_id,omitempty,string"`
}

// Bus delivers events to subscribers.
type Bus interface {
	Publish(Event)
	// Subscribe returns a channel of events and a function that ends the
	// subscription. A subscriber that falls behind gets a "resync" event
	// instead of the events it missed.
	Subscribe() (<-chan Event, func())
	Close() error
}

// Local is an in-process Bus.
type Local struct {
	seq  atomic.Int64
	mu   sync.RWMutex
	subs map[*sub]struct{}
}

type sub struct {
	mu sync.Mutex // one send at a time, so after counts what follows the resync
	ch chan Event
	// resynced says a resync was queued; after counts the events queued
	// since. While the buffer is full and after is below its size, that
	// resync is still unread.
	resynced bool
	after    int
}

// NewLocal returns an in-process bus.
func NewLocal() *Local { return &Local{subs: map[*sub]struct{}{}} }

// Publish delivers e to every subscriber without blocking on slow ones.
func (l *Local) Publish(e Event) {
	if e.Seq == 0 {
		e.Seq = l.seq.Add(1)
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for s := range l.subs {
		s.send(e)
	}
}

// send queues e or, when the subscriber is behind, drops it and makes sure
// the last thing it reads is a resync: the burst may be the last activity
// for hours, so the next publish cannot be relied on to tell it.
func (s *sub) send(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.ch <- e:
		s.after++
		return
	default:
	}
	if s.resynced && s.after < cap(s.ch) {
		return // a resync is still unread: the reload it asks for covers e
	}
	select {
	case <-s.ch: // the oldest event gives way to the resync
	default:
	}
	select {
	case s.ch <- Event{Seq: e.Seq, Kind: "resync"}:
		s.resynced, s.after = true, 0
	default: // only sends under s.mu fill the buffer, so there is room
	}
}

// Subscribe registers a subscriber.
func (l *Local) Subscribe() (<-chan Event, func()) {
	s := &sub{ch: make(chan Event, 256)}
	l.mu.Lock()
	l.subs[s] = struct{}{}
	l.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.subs, s)
			l.mu.Unlock()
		})
	}
}

// Subscribers counts the current subscribers.
func (l *Local) Subscribers() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.subs)
}

// Close does nothing for the in-process bus.
func (l *Local) Close() error { return nil }
