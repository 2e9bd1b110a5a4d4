package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/tripleo-go/sdk/tripleo"
)

// DefaultTTL is how long Memory retains a message for Replay: Zaqar's default message TTL.
const DefaultTTL = time.Hour

// Memory is an in-process Notifier for tests and host programs: Publish
// delivers a message at once to every subscription of its queue and retains
// it for its TTL, for Replay subscriptions. It implements tripleo.Notifier and
// tripleo.Flusher (Flush has nothing to fetch); it is safe for concurrent use.
type Memory struct {
	mu     sync.Mutex
	ttl    time.Duration
	seq    uint64
	queues map[string]*memQueue
	closed bool
}

type memQueue struct {
	subs     map[*tripleo.Mailbox]string // subscription -> its execution ("": every message)
	retained []memMessage
	owner    *tripleo.Mailbox // the Ephemeral subscription that created the queue
}

type memMessage struct {
	msg     tripleo.Message
	posted  time.Time
	expires time.Time
}

// MemoryOption configures a Memory.
type MemoryOption func(*Memory)

// MemoryTTL sets how long published messages are retained for Replay
// (DefaultTTL when unset or not positive).
func MemoryTTL(d time.Duration) MemoryOption {
	return func(m *Memory) {
		if d > 0 {
			m.ttl = d
		}
	}
}

var (
	_ tripleo.Notifier = (*Memory)(nil)
	_ tripleo.Flusher  = (*Memory)(nil)
)

// NewMemory returns an empty in-memory Notifier.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{ttl: DefaultTTL, queues: map[string]*memQueue{}}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Publish posts body (anything that marshals to a JSON object {"type",
// "payload"}, e.g. a map, or a tripleo.Message, whose Body is used) to queue
// with the Memory's TTL, and returns the message as subscribers see it. Ids
// are "<queue>-<n>", n counting up from 1 for the whole Memory.
func (mem *Memory) Publish(queue string, body any) (tripleo.Message, error) {
	return mem.PublishTTL(queue, body, mem.ttl)
}

// PublishTTL is Publish with a TTL for this message (the Memory's when ttl <= 0).
func (mem *Memory) PublishTTL(queue string, body any, ttl time.Duration) (tripleo.Message, error) {
	if err := tripleo.ValidateQueueName(queue); err != nil {
		return tripleo.Message{}, err
	}
	switch m := body.(type) {
	case tripleo.Message:
		body = m.Body()
	case *tripleo.Message:
		body = m.Body()
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return tripleo.Message{}, fmt.Errorf("messaging: publish to %s: %w", queue, err)
	}
	var msg tripleo.Message
	if err := msg.ParseBody(raw); err != nil {
		return tripleo.Message{}, fmt.Errorf("messaging: publish to %s: %w", queue, err)
	}
	if ttl <= 0 {
		ttl = mem.ttl
	}
	now := time.Now()
	mem.mu.Lock()
	if mem.closed {
		mem.mu.Unlock()
		return tripleo.Message{}, ErrClosed
	}
	mem.seq++
	msg.ID = queue + "-" + strconv.FormatUint(mem.seq, 10)
	msg.Queue = queue
	msg.TTL = int(ttl / time.Second)
	q := mem.queue(queue)
	q.prune(now)
	q.retained = append(q.retained, memMessage{msg: msg, posted: now, expires: now.Add(ttl)})
	subs := q.open(&msg)
	mem.mu.Unlock()
	for _, s := range subs {
		s.Put(msg)
	}
	return msg, nil
}

// open returns the queue's open subscriptions that take msg (nil for a nil
// queue): those without an execution, and those of msg's execution or root.
// mem.mu is held.
func (q *memQueue) open(msg *tripleo.Message) []*tripleo.Mailbox {
	if q == nil {
		return nil
	}
	subs := make([]*tripleo.Mailbox, 0, len(q.subs))
	for s, exec := range q.subs {
		if exec == "" || msg.Payload.Belongs(exec) {
			subs = append(subs, s)
		}
	}
	return subs
}

// queue returns (creating) the queue; mem.mu is held.
func (mem *Memory) queue(name string) *memQueue {
	q := mem.queues[name]
	if q == nil {
		q = &memQueue{subs: map[*tripleo.Mailbox]string{}}
		mem.queues[name] = q
	}
	return q
}

func (q *memQueue) prune(now time.Time) {
	i := 0
	for i < len(q.retained) && !now.Before(q.retained[i].expires) {
		i++
	}
	if i > 0 {
		q.retained = append(q.retained[:0:0], q.retained[i:]...)
	}
}

// Subscribe implements tripleo.Notifier: messages published after it returns
// are delivered; with opts.Replay the retained ones first (with their Age);
// with opts.Execution only that execution's and its sub-workflows' messages.
// With opts.Ephemeral a queue this subscription created is dropped, retained
// messages included, when it closes.
func (mem *Memory) Subscribe(ctx context.Context, queue string, opts tripleo.SubscribeOpts) (tripleo.Subscription, error) {
	if err := tripleo.ValidateQueueName(queue); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mem.mu.Lock()
	defer mem.mu.Unlock()
	if mem.closed {
		return nil, ErrClosed
	}
	_, existed := mem.queues[queue]
	q := mem.queue(queue)
	var box *tripleo.Mailbox
	box = tripleo.NewMailbox(func() {
		mem.mu.Lock()
		defer mem.mu.Unlock()
		delete(q.subs, box)
		if q.owner == box && mem.queues[queue] == q {
			delete(mem.queues, queue)
		}
	})
	q.subs[box] = opts.Execution
	if opts.Ephemeral && !existed {
		q.owner = box
	}
	if opts.Replay {
		now := time.Now()
		q.prune(now)
		msgs := make([]tripleo.Message, 0, len(q.retained))
		for _, r := range q.retained {
			if opts.Execution != "" && !r.msg.Payload.Belongs(opts.Execution) {
				continue
			}
			m := r.msg
			m.Age = int(now.Sub(r.posted) / time.Second)
			msgs = append(msgs, m)
		}
		box.Put(msgs...)
	}
	return box, nil
}

// Flush implements tripleo.Flusher: Publish delivers synchronously, so there
// is never anything to fetch.
func (mem *Memory) Flush(ctx context.Context, queue string) error {
	if mem.isClosed() {
		return ErrClosed
	}
	return ctx.Err()
}

// Redeliver delivers msg, a message Publish returned, once more to the open
// subscriptions of msg.Queue, with its ID unchanged, as Zaqar may deliver a
// message twice; subscribers are expected to de-duplicate by Message.ID. It
// retains nothing and fails with ErrClosed once the Memory is closed.
func (mem *Memory) Redeliver(msg tripleo.Message) error {
	if err := tripleo.ValidateQueueName(msg.Queue); err != nil {
		return err
	}
	mem.mu.Lock()
	if mem.closed {
		mem.mu.Unlock()
		return ErrClosed
	}
	subs := mem.queues[msg.Queue].open(&msg)
	mem.mu.Unlock()
	for _, s := range subs {
		s.Put(msg)
	}
	return nil
}

// Subscribers returns how many subscriptions of queue are open (not yet
// closed), e.g. to check that every run released its subscription.
func (mem *Memory) Subscribers(queue string) int {
	mem.mu.Lock()
	defer mem.mu.Unlock()
	if q := mem.queues[queue]; q != nil {
		return len(q.subs)
	}
	return 0
}

// Retained returns the unexpired messages of queue, oldest first.
func (mem *Memory) Retained(queue string) []tripleo.Message {
	mem.mu.Lock()
	defer mem.mu.Unlock()
	q := mem.queues[queue]
	if q == nil {
		return nil
	}
	q.prune(time.Now())
	out := make([]tripleo.Message, len(q.retained))
	for i, r := range q.retained {
		out[i] = r.msg
	}
	return out
}

// Close drops every queue and retained message; open subscriptions receive
// nothing more; Publish, Subscribe and Flush fail with ErrClosed.
func (mem *Memory) Close() error {
	mem.mu.Lock()
	defer mem.mu.Unlock()
	mem.closed = true
	clear(mem.queues)
	return nil
}

func (mem *Memory) isClosed() bool {
	mem.mu.Lock()
	defer mem.mu.Unlock()
	return mem.closed
}
