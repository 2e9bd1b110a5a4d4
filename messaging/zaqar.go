package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/tripleo-go/sdk/tripleo"
)

// ErrClosed is returned by Subscribe and Flush once the Notifier is closed.
var ErrClosed = errors.New("messaging: notifier closed")

// Defaults of ZaqarOpts.
const (
	DefaultPageSize    = 20                     // Zaqar's maximum page
	DefaultMinInterval = 100 * time.Millisecond // poll interval while messages flow
	DefaultMaxInterval = 2 * time.Second        // poll interval of an idle queue
	DefaultRetryMin    = 500 * time.Millisecond // first wait after a server or connection error
	DefaultRetryMax    = 30 * time.Second       // longest wait after repeated errors
)

// ZaqarOpts tunes the Zaqar REST Notifier. The zero value gives the defaults.
type ZaqarOpts struct {
	// PageSize is the limit of each listing, 1 to 20 (Zaqar's maximum); default 20.
	PageSize int
	// MinInterval is the poll interval while messages flow (the floor); default 100 ms.
	MinInterval time.Duration
	// MaxInterval is the poll interval of an idle queue (the ceiling): the
	// interval doubles after each empty poll from MinInterval up to it; default 2 s.
	// It is also the retry interval after a 4xx answer.
	MaxInterval time.Duration
	// RetryMin and RetryMax bound the exponential backoff (×2, ±20 % jitter)
	// after 5xx, 429 and connection errors, which are retried for as long as
	// the queue has subscribers; defaults 500 ms and 30 s. A Retry-After
	// header lengthens the wait.
	RetryMin, RetryMax time.Duration
	// SeenSize bounds the per-queue set of message ids already delivered (default 4096).
	SeenSize int
	// Logger receives warnings (rejected requests, unparsable bodies) and debug
	// logs of retries; nil is silent (UseZaqar uses the Client's logger).
	Logger *slog.Logger
}

// positive is v, or def when v is zero or negative (an option left unset).
func positive[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (o ZaqarOpts) normalized() ZaqarOpts {
	if o.PageSize <= 0 || o.PageSize > DefaultPageSize {
		o.PageSize = DefaultPageSize
	}
	o.MinInterval = positive(o.MinInterval, DefaultMinInterval)
	o.MaxInterval = max(positive(o.MaxInterval, DefaultMaxInterval), o.MinInterval)
	o.RetryMin = positive(o.RetryMin, DefaultRetryMin)
	o.RetryMax = max(positive(o.RetryMax, DefaultRetryMax), o.RetryMin)
	o.SeenSize = positive(o.SeenSize, tripleo.DefaultSeenSize)
	if o.Logger == nil {
		o.Logger = discard
	}
	return o
}

var discard = slog.New(slog.DiscardHandler)

// Zaqar is the Zaqar REST Notifier: one shared poller goroutine per queue,
// reading with non-destructive listings (GET /v2/queues/{q}/messages?echo=true)
// and fanning each message out to every subscription of the queue. See the
// package documentation for its request budget. It implements tripleo.Notifier
// and tripleo.Flusher; it is safe for concurrent use.
type Zaqar struct {
	sc     *gophercloud.ServiceClient
	o      ZaqarOpts
	log    *slog.Logger
	manual bool // pollers list only when kicked (websocket catch-up mode)
	paired bool // listed messages are paired with pushed ones by body hash

	mu      sync.Mutex
	pollers map[string]*poller
	closed  bool
}

var (
	_ tripleo.Notifier = (*Zaqar)(nil)
	_ tripleo.Flusher  = (*Zaqar)(nil)
)

// NewZaqar returns a Zaqar REST Notifier on sc, a Zaqar v2 service client with
// a versionless endpoint and the Client-ID header set (a tripleo.Client's
// Messaging client; without Keystone it also carries X-Project-ID). No request
// is made until the first Subscribe.
func NewZaqar(sc *gophercloud.ServiceClient, opts ZaqarOpts) *Zaqar {
	o := opts.normalized()
	return &Zaqar{sc: sc, o: o, log: o.Logger, pollers: map[string]*poller{}}
}

// UseZaqar is a tripleo.Option that gives the Client a Zaqar REST Notifier
// built on its Messaging client (opts.Logger defaults to the Client's logger).
// Building the Client fails with tripleo.ErrNoService when it has no Zaqar endpoint.
func UseZaqar(opts ZaqarOpts) tripleo.Option {
	return tripleo.WithNotifierFrom(func(c *tripleo.Client) (tripleo.Notifier, error) {
		if err := c.Need("messaging"); err != nil {
			return nil, fmt.Errorf("zaqar notifier: %w", err)
		}
		if opts.Logger == nil {
			opts.Logger = c.Logger
		}
		return NewZaqar(c.Messaging, opts), nil
	})
}

// Subscribe implements tripleo.Notifier. The first subscription of a queue
// starts its poller, which reads the queue from its beginning; the last Close
// stops it. Every message posted after Subscribe returns is delivered; with
// opts.Replay the messages the queue retains are delivered first, otherwise
// messages whose age shows they were posted before Subscribe (by more than
// 2 s) are left out. With opts.Ephemeral the queue is created (PUT) and, if this
// call created it, deleted when the queue's last subscription closes. ctx bounds
// only the queue creation.
func (z *Zaqar) Subscribe(ctx context.Context, queue string, opts tripleo.SubscribeOpts) (tripleo.Subscription, error) {
	sub, _, err := z.subscribe(ctx, queue, opts)
	if err != nil {
		return nil, err
	}
	return sub, nil
}

func (z *Zaqar) subscribe(ctx context.Context, queue string, opts tripleo.SubscribeOpts) (*tripleo.Mailbox, *poller, error) {
	if err := tripleo.ValidateQueueName(queue); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if z.isClosed() {
		return nil, nil, ErrClosed
	}
	created := false
	if opts.Ephemeral {
		c, err := createQueue(ctx, z.sc, queue)
		if err != nil {
			return nil, nil, err
		}
		created = c
	}
	m := &member{since: time.Now(), replay: opts.Replay}
	z.mu.Lock()
	if z.closed {
		z.mu.Unlock()
		if created {
			z.deleteQueue(queue)
		}
		return nil, nil, ErrClosed
	}
	p := z.pollers[queue]
	fresh := p == nil
	if fresh {
		p = newPoller(z, queue)
		z.pollers[queue] = p
	}
	m.box = tripleo.NewMailbox(func() { z.leave(p, m) })
	p.mu.Lock()
	p.members[m] = struct{}{}
	if created {
		p.created = true
	}
	// A poller that has not delivered anything yet reads the queue from its
	// beginning anyway. In paired (websocket) mode a replay is always a
	// separate listing, since messages already pushed are not listed again.
	needReplay := opts.Replay && (p.advanced || z.paired)
	if needReplay {
		m.holding = true
		p.replays = append(p.replays, m)
	}
	p.mu.Unlock()
	if fresh {
		go p.run()
	}
	z.mu.Unlock()
	if needReplay {
		p.poke()
	}
	return m.box, p, nil
}

// leave removes m; the queue's last subscription stops its poller.
func (z *Zaqar) leave(p *poller, m *member) {
	z.mu.Lock()
	p.mu.Lock()
	delete(p.members, m)
	for i, r := range p.replays {
		if r == m {
			p.replays = append(p.replays[:i:i], p.replays[i+1:]...)
			break
		}
	}
	last := len(p.members) == 0
	if last && z.pollers[p.queue] == p {
		delete(z.pollers, p.queue)
	}
	p.mu.Unlock()
	z.mu.Unlock()
	if last {
		p.stop()
	}
}

// Flush implements tripleo.Flusher: the queue's poller polls now, page after
// page until a page is not full, and Flush returns once those messages (and any
// pending replay) are in the subscriptions' mailboxes. While the server fails,
// it waits (the poller retries) until ctx ends. A queue without subscriptions
// has nothing to flush.
func (z *Zaqar) Flush(ctx context.Context, queue string) error {
	z.mu.Lock()
	p := z.pollers[queue]
	closed := z.closed
	z.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if p == nil {
		return nil
	}
	return p.flush(ctx)
}

// Close stops every poller (waiting for their goroutines) and deletes the
// queues Ephemeral subscriptions created. Subscriptions still open receive
// nothing more; Subscribe and Flush fail with ErrClosed. Close is idempotent.
func (z *Zaqar) Close() error {
	z.mu.Lock()
	z.closed = true
	ps := make([]*poller, 0, len(z.pollers))
	for _, p := range z.pollers {
		ps = append(ps, p)
	}
	clear(z.pollers)
	z.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(p.stop)
	}
	wg.Wait()
	return nil
}

func (z *Zaqar) isClosed() bool {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.closed
}

// poller returns the running poller of queue, or nil.
func (z *Zaqar) poller(queue string) *poller {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.pollers[queue]
}

// kickAll asks every poller for a catch-up listing now.
func (z *Zaqar) kickAll() {
	z.mu.Lock()
	ps := make([]*poller, 0, len(z.pollers))
	for _, p := range z.pollers {
		ps = append(ps, p)
	}
	z.mu.Unlock()
	for _, p := range ps {
		p.catchUp()
	}
}

// queueDeleteTimeout bounds the DELETE of an ephemeral queue at Close.
const queueDeleteTimeout = 10 * time.Second

func (z *Zaqar) deleteQueue(queue string) {
	ctx, cancel := context.WithTimeout(context.Background(), queueDeleteTimeout)
	defer cancel()
	if err := deleteQueue(ctx, z.sc, queue); err != nil {
		z.log.Warn("zaqar: ephemeral queue not deleted", "queue", queue, "error", err)
	}
}
