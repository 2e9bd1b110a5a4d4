package tripleo

import (
	"context"
	"errors"
	"sync"
)

// ErrNotifierClosed is the error (errors.Is) of a Notifier's Subscribe and
// Flush once the Notifier is closed. The engine does not retry a Flush that
// fails with it: the run is decided from Mistral at once.
var ErrNotifierClosed = errors.New("notifier closed")

// DefaultQueue is the Zaqar queue tripleo.* workflows post to unless given another queue_name.
const DefaultQueue = "tripleo"

// Notifier delivers the messages posted to a queue. The run engine subscribes
// before it starts an execution, so no message of the run is missed, and
// demultiplexes by execution id, so one subscription per queue can serve any
// number of runs. Implementations live in package messaging (Zaqar REST polling,
// Zaqar websocket, in-memory, mirror); a Client without a Notifier follows runs
// by polling Mistral alone.
//
// Implementations must never block on a slow subscriber (a Mailbox queues without
// bound) and may deliver a message more than once.
//
// The run engine makes each message one event: it de-duplicates per run by
// Zaqar message id AND by (execution, body), the body being the message's
// type and payload in canonical form. So one message delivered twice is one
// event, and so is one body posted twice under two ids (a workflow's
// zaqar.queue_post retried after a lost answer); two messages of one
// execution with identical bodies are one event too.
type Notifier interface {
	// Subscribe starts delivering messages of queue. Messages posted after
	// Subscribe returns are delivered; with opts.Replay the messages the queue
	// still retains are delivered first. ctx bounds only the subscribing itself.
	Subscribe(ctx context.Context, queue string, opts SubscribeOpts) (Subscription, error)
}

// SubscribeOpts tunes a subscription.
type SubscribeOpts struct {
	// Replay delivers the messages the queue retains (Zaqar keeps them for their
	// TTL, one hour for TripleO's) before new ones. Attach uses it.
	Replay bool
	// Ephemeral marks a queue that belongs to this subscription alone (a per-run
	// queue): a Notifier that creates it deletes it again when the subscription closes.
	Ephemeral bool
	// Execution, when set, says the subscriber wants only the messages of that
	// execution and of its sub-workflows (Payload.Belongs). A Notifier may
	// leave the others out of the subscription (the Zaqar Notifiers route each
	// message to the subscriptions of its execution and root, so a message
	// costs one delivery, not one per subscription of the queue); the run
	// engine filters by execution either way. Start and Attach set it.
	Execution string
}

// Subscription is a stream of messages of one queue. It is pull-based so that
// the publisher never waits for the reader.
type Subscription interface {
	// Ready is signalled (it receives a value) whenever messages are waiting in Take.
	Ready() <-chan struct{}
	// Take removes and returns the waiting messages, oldest first.
	Take() []Message
	// Close ends the subscription; it is idempotent. Messages not yet taken are dropped.
	Close() error
}

// Flusher is implemented by Notifiers that can fetch on demand. After Flush
// returns nil, every message the server held for queue when Flush was called
// is waiting in the queue's subscriptions; a Flush fails when the read fails,
// never because it is slow. The engine flushes before it decides a run from
// the Mistral state alone (retrying a failed Flush for up to 30 s), so no run
// is decided before the messages its queue holds have been read.
type Flusher interface {
	Flush(ctx context.Context, queue string) error
}

// Mailbox is a ready-made Subscription for Notifier implementations: Put never
// blocks, Take drains, Ready signals. The zero value is not usable; call NewMailbox.
type Mailbox struct {
	mu      sync.Mutex
	msgs    []Message
	ready   chan struct{}
	closed  bool
	onClose func()
	once    sync.Once
}

// NewMailbox returns an open Mailbox; onClose (may be nil) runs once, on the first Close.
func NewMailbox(onClose func()) *Mailbox {
	return &Mailbox{ready: make(chan struct{}, 1), onClose: onClose}
}

// Put appends messages and signals Ready. It returns false once the mailbox is closed.
func (b *Mailbox) Put(msgs ...Message) bool {
	if len(msgs) == 0 {
		return true
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	b.msgs = append(b.msgs, msgs...)
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default:
	}
	return true
}

// Ready implements Subscription.
func (b *Mailbox) Ready() <-chan struct{} { return b.ready }

// Take implements Subscription.
func (b *Mailbox) Take() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.msgs
	b.msgs = nil
	return m
}

// Closed reports whether Close was called.
func (b *Mailbox) Closed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Close implements Subscription.
func (b *Mailbox) Close() error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.msgs = nil
		b.mu.Unlock()
		if b.onClose != nil {
			b.onClose()
		}
	})
	return nil
}
