package tripleotest

import (
	"context"
	"sync"
	"testing"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
)

// Notifier is the tripleo.Notifier of unit tests that script a workflow's
// messages themselves (with MockMistral, say) instead of running the embedded
// undercloud: a messaging.Memory (Publish, Redeliver, Subscribers, Retained,
// Replay and Ephemeral as there) that also records how it is used (the
// options of every Subscribe, the number of Flush calls), and Post, which
// publishes a TripleO message in one call. It is safe for concurrent use and
// starts no goroutine, so it works inside testing/synctest bubbles.
type Notifier struct {
	*messaging.Memory

	mu      sync.Mutex
	subs    []tripleo.SubscribeOpts
	flushes int
}

var (
	_ tripleo.Notifier = (*Notifier)(nil)
	_ tripleo.Flusher  = (*Notifier)(nil)
)

// NewNotifier returns a Notifier on a new messaging.Memory built with opts.
func NewNotifier(opts ...messaging.MemoryOption) *Notifier {
	return &Notifier{Memory: messaging.NewMemory(opts...)}
}

// Subscribe implements tripleo.Notifier (messaging.Memory's Subscribe) and
// records opts for Subscriptions.
func (n *Notifier) Subscribe(ctx context.Context, queue string, opts tripleo.SubscribeOpts) (tripleo.Subscription, error) {
	s, err := n.Memory.Subscribe(ctx, queue, opts)
	if err == nil {
		n.mu.Lock()
		n.subs = append(n.subs, opts)
		n.mu.Unlock()
	}
	return s, err
}

// Subscriptions returns the options of every successful Subscribe so far,
// open or closed, in call order.
func (n *Notifier) Subscriptions() []tripleo.SubscribeOpts {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]tripleo.SubscribeOpts(nil), n.subs...)
}

// Flush implements tripleo.Flusher (messaging.Memory's Flush) and counts the call.
func (n *Notifier) Flush(ctx context.Context, queue string) error {
	n.mu.Lock()
	n.flushes++
	n.mu.Unlock()
	return n.Memory.Flush(ctx, queue)
}

// Flushes returns how many times Flush was called.
func (n *Notifier) Flushes() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.flushes
}

// Post publishes the TripleO message {"type": typ, "payload": payload} to
// queue and returns it as subscribers see it. A message that cannot be
// published (an invalid queue name, a payload that is not JSON) fails the
// test with t.Errorf, so Post may be called from any goroutine.
func (n *Notifier) Post(t testing.TB, queue, typ string, payload map[string]any) tripleo.Message {
	t.Helper()
	m, err := n.Publish(queue, map[string]any{"type": typ, "payload": payload})
	if err != nil {
		t.Errorf("tripleotest: post to %s: %v", queue, err)
	}
	return m
}
