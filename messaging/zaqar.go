package messaging

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/tripleo-go/sdk/tripleo"
)

// ErrClosed is returned by Subscribe and Flush once the Notifier is closed;
// it wraps tripleo.ErrNotifierClosed.
var ErrClosed = fmt.Errorf("messaging: %w", tripleo.ErrNotifierClosed)

// Defaults of ZaqarOpts.
const (
	DefaultPageSize    = 20                     // Zaqar's maximum page
	DefaultMinInterval = 100 * time.Millisecond // poll interval while messages flow
	DefaultMaxInterval = 250 * time.Millisecond // poll interval of an idle queue
	DefaultRetryMin    = 500 * time.Millisecond // first wait after a server or connection error
	DefaultRetryMax    = 30 * time.Second       // longest wait after repeated errors
	// DefaultRequestTimeout bounds each Zaqar request of a reader.
	DefaultRequestTimeout = 10 * time.Second
)

// ZaqarOpts tunes the Zaqar REST Notifier. The zero value gives the defaults.
type ZaqarOpts struct {
	// PageSize is the limit of each listing, 1 to 20 (Zaqar's maximum); default 20.
	PageSize int
	// MinInterval is the poll interval while messages flow (the floor); default 100 ms.
	MinInterval time.Duration
	// MaxInterval is the poll interval of an idle queue (the ceiling): the
	// interval doubles after each empty poll from MinInterval up to it; default
	// 250 ms, so that a final message after minutes of silence is read within
	// a quarter second (one reader per queue: the rate does not grow with the
	// number of runs).
	// It is also the retry interval after a 4xx answer.
	MaxInterval time.Duration
	// RetryMin and RetryMax bound the exponential backoff (×2, ±20 % jitter)
	// after 5xx, 429 and connection errors, which are retried for as long as
	// the queue has subscribers; defaults 500 ms and 30 s. A Retry-After
	// header lengthens the wait.
	RetryMin, RetryMax time.Duration
	// RequestTimeout bounds each request (a listing page, a queue creation or
	// deletion) on its own, from a context of the Notifier's, whatever the
	// caller's: a Zaqar that accepts connections and never answers costs a
	// read at most this long, and it is then retried like a connection
	// error; default 10 s.
	RequestTimeout time.Duration
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
	o.RequestTimeout = positive(o.RequestTimeout, DefaultRequestTimeout)
	o.SeenSize = positive(o.SeenSize, tripleo.DefaultSeenSize)
	if o.Logger == nil {
		o.Logger = discard
	}
	return o
}

var discard = slog.New(slog.DiscardHandler)

// Zaqar is the Zaqar REST Notifier: one reader per queue, driven by a ticker,
// reading with non-destructive listings (GET /v2/queues/{q}/messages?echo=true)
// and fanning each message out to every subscription of the queue. See the
// package documentation for its request budget. It implements tripleo.Notifier
// and tripleo.Flusher; it is safe for concurrent use.
type Zaqar struct {
	o   ZaqarOpts
	set *readers
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
	return &Zaqar{o: o, set: newReaders(sc, o, func(queue string) *reader {
		return newReader(sc, queue, o, newTicker(o), nil)
	})}
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
// starts its reader, which reads the queue from its beginning; the last Close
// stops it. Every message posted after Subscribe returns is delivered; with
// opts.Replay the messages the queue retains are delivered first, otherwise
// messages whose age shows they were posted before Subscribe (by more than
// 2 s) are left out. With opts.Ephemeral the queue is created (PUT) and, if this
// call created it, deleted when the queue's last subscription closes. ctx bounds
// only the queue creation.
func (z *Zaqar) Subscribe(ctx context.Context, queue string, opts tripleo.SubscribeOpts) (tripleo.Subscription, error) {
	box, _, err := z.set.subscribe(ctx, queue, opts)
	if err != nil {
		return nil, err
	}
	return box, nil
}

// Flush implements tripleo.Flusher: the queue's reader reads now, page after
// page until a page is not full, and Flush returns once those messages (and any
// pending replay) are in the subscriptions' mailboxes, however long that
// takes (only ctx bounds it). A read that fails fails the Flush with its
// error (the reader retries on its own; so may the caller). A queue without
// subscriptions has nothing to flush.
func (z *Zaqar) Flush(ctx context.Context, queue string) error {
	return z.set.flush(ctx, queue)
}

// Close stops every reader (waiting for their goroutines) and deletes the
// queues Ephemeral subscriptions created. Subscriptions still open receive
// nothing more; Subscribe and Flush fail with ErrClosed. Close is idempotent.
func (z *Zaqar) Close() error {
	z.set.close()
	return nil
}
