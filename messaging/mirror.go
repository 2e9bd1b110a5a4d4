package messaging

import (
	"context"
	"sync"

	"github.com/tripleo-go/sdk/tripleo"
)

// Sink receives a copy of every message a Mirror delivers. Receive is called
// from the goroutine that takes the messages (the run engine's): it must not
// block and must not modify the message (its Payload maps are shared).
type Sink interface {
	Receive(tripleo.Message)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(tripleo.Message)

// Receive calls f(m).
func (f SinkFunc) Receive(m tripleo.Message) { f(m) }

// Mirror is a Notifier that wraps another and copies every message taken
// through its subscriptions to its sinks, exactly once per (queue, message
// id) however many subscriptions of the queue take it (ids are remembered in a
// bounded set; messages without an id are copied each time). Copies are made
// when a subscriber takes the messages (Subscription.Take): Mirror adds no
// goroutine, and a message dropped unread by a closed subscription is not
// copied. The engine's subscriptions are for one execution each
// (SubscribeOpts.Execution), so behind the engine the sinks see the messages
// of the host's runs and their sub-workflows, not the other messages of a
// shared queue. Mirror implements tripleo.Flusher by delegating when the
// wrapped Notifier does (otherwise Flush does nothing).
type Mirror struct {
	n     tripleo.Notifier
	sinks []Sink

	mu   sync.Mutex
	seen *tripleo.Seen
}

var (
	_ tripleo.Notifier = (*Mirror)(nil)
	_ tripleo.Flusher  = (*Mirror)(nil)
)

// NewMirror wraps n; sinks receive the copies, in order.
func NewMirror(n tripleo.Notifier, sinks ...Sink) *Mirror {
	return &Mirror{n: n, sinks: sinks, seen: tripleo.NewSeen(4 * tripleo.DefaultSeenSize)}
}

// Subscribe implements tripleo.Notifier.
func (mi *Mirror) Subscribe(ctx context.Context, queue string, opts tripleo.SubscribeOpts) (tripleo.Subscription, error) {
	sub, err := mi.n.Subscribe(ctx, queue, opts)
	if err != nil {
		return nil, err
	}
	return &mirrored{Subscription: sub, mi: mi}, nil
}

// Flush implements tripleo.Flusher.
func (mi *Mirror) Flush(ctx context.Context, queue string) error {
	if f, ok := mi.n.(tripleo.Flusher); ok {
		return f.Flush(ctx, queue)
	}
	return nil
}

// Close closes the wrapped Notifier if it has a Close method.
func (mi *Mirror) Close() error {
	if c, ok := mi.n.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// copy sends the messages not copied before to the sinks.
func (mi *Mirror) copy(msgs []tripleo.Message) {
	if len(mi.sinks) == 0 || len(msgs) == 0 {
		return
	}
	mi.mu.Lock()
	fresh := make([]bool, len(msgs))
	for i := range msgs {
		fresh[i] = msgs[i].ID == "" || mi.seen.Add(msgs[i].Queue+"\x00"+msgs[i].ID)
	}
	mi.mu.Unlock()
	for i, m := range msgs {
		if !fresh[i] {
			continue
		}
		for _, s := range mi.sinks {
			s.Receive(m)
		}
	}
}

type mirrored struct {
	tripleo.Subscription
	mi *Mirror
}

// Take implements tripleo.Subscription, copying to the sinks first.
func (s *mirrored) Take() []tripleo.Message {
	msgs := s.Subscription.Take()
	s.mi.copy(msgs)
	return msgs
}
