package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/tripleo-go/sdk/tripleo"
)

// Defaults of WebsocketOpts.
const (
	DefaultSubscriptionTTL = time.Hour
	DefaultDialTimeout     = 10 * time.Second
	DefaultReconnectMin    = 250 * time.Millisecond
	DefaultReconnectMax    = 30 * time.Second
	DefaultPingInterval    = 30 * time.Second
	DefaultReadLimit       = 4 << 20
)

// WebsocketOpts tunes the Zaqar websocket Notifier. The zero value gives the defaults.
type WebsocketOpts struct {
	// SubscriptionTTL is the ttl of each subscription_create (default 1 h;
	// sent as at least 60 s, Zaqar's minimum). A subscription is renewed
	// (subscription_delete + subscription_create + a REST catch-up) when three
	// quarters of SubscriptionTTL have run.
	SubscriptionTTL time.Duration
	// ProjectID is the X-Project-ID of the frames. Default: the REST client's
	// X-Project-ID header (noauth), else the project of its Keystone v3 token.
	ProjectID string
	// HTTPClient performs the handshake. Default: the REST ProviderClient's
	// HTTP client (same TLS settings).
	HTTPClient *http.Client
	// DialTimeout bounds each handshake (default 10 s).
	DialTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the backoff (×2, ±20 % jitter)
	// between reconnection attempts after the socket drops (defaults 250 ms, 30 s).
	ReconnectMin, ReconnectMax time.Duration
	// PingInterval is how often the socket is pinged to detect a dead peer
	// (default 30 s; negative disables pings).
	PingInterval time.Duration
	// ReadLimit is the largest frame accepted (default 4 MiB; Zaqar's message limit is 256 KiB by default).
	ReadLimit int64
	// Zaqar tunes the REST side: catch-up listings, and polling when the
	// websocket endpoint is absent or unreachable at Subscribe. Its Logger
	// defaults to Logger.
	Zaqar ZaqarOpts
	// Logger receives connection warnings and debug logs; nil is silent.
	Logger *slog.Logger
}

func (o WebsocketOpts) normalized() WebsocketOpts {
	o.SubscriptionTTL = positive(o.SubscriptionTTL, DefaultSubscriptionTTL)
	o.DialTimeout = positive(o.DialTimeout, DefaultDialTimeout)
	o.ReconnectMin = positive(o.ReconnectMin, DefaultReconnectMin)
	o.ReconnectMax = max(positive(o.ReconnectMax, DefaultReconnectMax), o.ReconnectMin)
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	o.ReadLimit = positive(o.ReadLimit, DefaultReadLimit)
	if o.Logger == nil {
		o.Logger = discard
	}
	if o.Zaqar.Logger == nil {
		o.Zaqar.Logger = o.Logger
	}
	return o
}

// Websocket is the Zaqar websocket Notifier: one socket per Notifier, shared
// by all queues, on which Zaqar pushes every message posted to a subscribed
// queue. It speaks the frames python-tripleoclient sends (authenticate when
// the ProviderClient has a token, queue_create, subscription_create),
// reconnects with backoff when the socket drops (close code 4003
// "Authentication expired." included: the ProviderClient re-authenticates
// first when it can), resubscribes, and after every (re)subscription lists the
// queue over REST from the last marker, so that nothing posted while the socket
// was down is lost; while the socket is down each reconnection attempt is
// paired with such a listing.
//
// Pushed notifications carry no message id. A pushed message and its REST
// listing are paired by a hash of the body's canonical JSON (sorted keys):
// each path counts the copies it delivered per hash, and a copy is delivered
// only when the other path has not already delivered more copies of that
// body. So a message seen both ways is delivered once, and two messages with
// identical bodies are still both delivered. A pushed message gets the
// synthetic id "push-<hash>-<n>" (n-th push of that body); a listed one keeps
// its Zaqar id, so a subscriber may still see a message twice (pushed to it
// and later re-listed for a Replay); the run engine, which de-duplicates by
// (execution, body) as well as by id, makes it one event.
//
// When the websocket URL is empty, or the handshake fails at a Subscribe that
// has to open the socket, that subscription is served by REST polling (a
// Zaqar Notifier) instead. Flush lists over REST. Websocket implements
// tripleo.Notifier and tripleo.Flusher; it is safe for concurrent use.
type Websocket struct {
	url  string
	rest *gophercloud.ServiceClient
	o    WebsocketOpts
	log  *slog.Logger
	push *readers // queues served by the socket: on-demand readers with matchers
	poll *Zaqar   // REST polling fallback

	dialMu sync.Mutex // serialises opening the socket
	mu     sync.Mutex
	conn   *wsConn // running connection manager, nil when no subscription uses the socket
	total  int     // subscriptions using conn
	closed bool
}

var (
	_ tripleo.Notifier = (*Websocket)(nil)
	_ tripleo.Flusher  = (*Websocket)(nil)
)

// NewWebsocket returns a websocket Notifier for the Zaqar websocket endpoint
// wsURL (ws:// or wss://, e.g. ws://undercloud:9000; "" = none: REST polling)
// and the Zaqar REST client rest (a tripleo.Client's Messaging client), whose
// Client-ID, X-Project-ID and token the frames reuse. No connection is made
// until the first Subscribe.
func NewWebsocket(wsURL string, rest *gophercloud.ServiceClient, opts WebsocketOpts) *Websocket {
	o := opts.normalized()
	o.Zaqar = o.Zaqar.normalized()
	// A queue served by the socket: its reader lists only when the socket
	// asks (a subscription took effect, a reconnection, the socket is down)
	// or for a flush or replay, and its matcher pairs pushed copies with
	// listed ones.
	push := newReaders(rest, o.Zaqar, func(queue string) *reader {
		return newReader(rest, queue, o.Zaqar, newOnDemand(o.Zaqar), newMatcher(o.Zaqar.SeenSize))
	})
	return &Websocket{url: wsURL, rest: rest, o: o, log: o.Logger, push: push, poll: NewZaqar(rest, o.Zaqar)}
}

// UseWebsocket is a tripleo.Option that gives the Client a websocket Notifier
// on its Messaging client. An empty wsURL is looked up in the catalog
// (service type messaging-websocket); without one the Notifier polls over
// REST. Building the Client fails with tripleo.ErrNoService when it has no
// Zaqar endpoint.
func UseWebsocket(wsURL string, opts WebsocketOpts) tripleo.Option {
	return tripleo.WithNotifierFrom(func(c *tripleo.Client) (tripleo.Notifier, error) {
		if err := c.Need("messaging"); err != nil {
			return nil, fmt.Errorf("zaqar websocket notifier: %w", err)
		}
		if opts.Logger == nil {
			opts.Logger = c.Logger
		}
		if wsURL == "" && c.Messaging.ProviderClient != nil && c.Messaging.ProviderClient.EndpointLocator != nil {
			if u, err := c.Messaging.ProviderClient.EndpointLocator(gophercloud.EndpointOpts{
				Type: "messaging-websocket", Availability: gophercloud.AvailabilityPublic,
			}); err == nil {
				wsURL = u
			}
		}
		return NewWebsocket(wsURL, c.Messaging, opts), nil
	})
}

// Subscribe implements tripleo.Notifier. The first subscription opens the
// socket (if that fails it and later ones poll over REST until a Subscribe
// manages to open it); each queue is subscribed once (queue_create +
// subscription_create) and then listed over REST from its beginning, so
// every message posted after Subscribe returns is delivered. Replay and
// Ephemeral behave as with Zaqar. While connected, Subscribe waits for
// Zaqar's answer to subscription_create (bounded by ctx); while reconnecting
// it returns at once, the resubscription and catch-up listing following later.
func (w *Websocket) Subscribe(ctx context.Context, queue string, opts tripleo.SubscribeOpts) (tripleo.Subscription, error) {
	if err := tripleo.ValidateQueueName(queue); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mgr, fallback, err := w.connection(ctx)
	if err != nil {
		return nil, fmt.Errorf("zaqar websocket: subscribe to %s: %w", queue, err)
	}
	if fallback != nil {
		if w.url != "" {
			w.log.Warn("zaqar websocket unavailable; polling over REST", "url", w.url, "queue", queue, "error", fallback)
		}
		return w.poll.Subscribe(ctx, queue, opts)
	}

	box, r, err := w.push.subscribe(ctx, queue, opts)
	if err != nil {
		w.release(mgr, "")
		return nil, err
	}
	if err := mgr.acquire(ctx, queue, r); err != nil {
		box.Close()
		w.release(mgr, "")
		return nil, err
	}
	return &wsSub{Mailbox: box, release: func() { w.release(mgr, queue) }}, nil
}

// connection returns the running connection manager, counting one more
// subscription on it, opening the socket first when none is open. fallback
// says why the socket cannot be used (REST polling then serves).
func (w *Websocket) connection(ctx context.Context) (mgr *wsConn, fallback, err error) {
	w.dialMu.Lock()
	defer w.dialMu.Unlock()
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, nil, ErrClosed
	}
	if w.conn == nil {
		w.mu.Unlock()
		if w.url == "" {
			return nil, errors.New("no websocket endpoint"), nil
		}
		conn, err := w.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, err, nil
		}
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			conn.CloseNow()
			return nil, nil, ErrClosed
		}
		w.conn = newWSConn(w, conn)
	}
	mgr = w.conn
	w.total++
	w.mu.Unlock()
	return mgr, nil, nil
}

// release drops one subscription of mgr (and of queue, when not ""); the
// last one stops the connection manager.
func (w *Websocket) release(mgr *wsConn, queue string) {
	if queue != "" {
		mgr.releaseQueue(queue)
	}
	w.mu.Lock()
	w.total--
	var stop *wsConn
	if w.total == 0 && w.conn == mgr {
		w.conn, stop = nil, mgr
	}
	w.mu.Unlock()
	if stop != nil {
		stop.stop()
	}
}

// Flush implements tripleo.Flusher: a REST listing of queue from its last
// marker, delivered before Flush returns.
func (w *Websocket) Flush(ctx context.Context, queue string) error {
	if w.isClosed() {
		return ErrClosed
	}
	return errors.Join(w.push.flush(ctx, queue), w.poll.Flush(ctx, queue))
}

// Close closes the socket and stops every goroutine (REST readers included).
// Open subscriptions receive nothing more. Close is idempotent.
func (w *Websocket) Close() error {
	w.mu.Lock()
	w.closed = true
	mgr := w.conn
	w.conn = nil
	w.mu.Unlock()
	if mgr != nil {
		mgr.stop()
	}
	w.push.close()
	return w.poll.Close()
}

func (w *Websocket) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// Reconnects reports how many times the socket was re-established after a drop.
func (w *Websocket) Reconnects() int {
	w.mu.Lock()
	mgr := w.conn
	w.mu.Unlock()
	if mgr == nil {
		return 0
	}
	mgr.mu.Lock()
	defer mgr.mu.Unlock()
	return mgr.reconnects
}

// wsSub is a websocket subscription: the mailbox plus the socket reference.
type wsSub struct {
	*tripleo.Mailbox
	once    sync.Once
	release func()
}

// Close implements tripleo.Subscription.
func (s *wsSub) Close() error {
	s.Mailbox.Close()
	s.once.Do(s.release)
	return nil
}
