package tripleo

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
)

// Option configures a Client.
type Option func(*options)

type options struct {
	notifier     Notifier
	notifierFrom func(*Client) (Notifier, error)
	logger       *slog.Logger
	queue        string
	clientID     string
	endpoint     gophercloud.EndpointOpts
	endpointSet  bool
	httpClient   *http.Client
	maxBody      int64
	timeout      time.Duration
	longTimeout  time.Duration
	retryMax     time.Duration
}

// WithNotifier sets the Notifier that delivers workflow messages (see package messaging).
func WithNotifier(n Notifier) Option { return func(o *options) { o.notifier = n } }

// WithNotifierFrom builds the Notifier from the finished Client (e.g. a Zaqar
// Notifier needs its Messaging service client); see messaging.UseZaqar.
func WithNotifierFrom(build func(*Client) (Notifier, error)) Option {
	return func(o *options) { o.notifierFrom = build }
}

// WithLogger sets the logger (nil = silent).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithQueue sets the default queue for runs (DefaultQueue when unset).
func WithQueue(q string) Option { return func(o *options) { o.queue = q } }

// WithClientID sets the Zaqar Client-ID (a UUID); a random one is made otherwise.
func WithClientID(id string) Option { return func(o *options) { o.clientID = id } }

// WithEndpointOpts sets the catalog search (region, interface) for NewClient and NewClientFromCloud.
func WithEndpointOpts(eo gophercloud.EndpointOpts) Option {
	return func(o *options) { o.endpoint, o.endpointSet = eo, true }
}

// WithHTTPClient sets the HTTP client of clients this package creates the
// ProviderClient for (NewNoAuthClient, NewClientFromCloud). With
// NewClientFromCloud, clouds.yaml's TLS settings (cacert, insecure) are then
// the given client's business.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.httpClient = hc } }

// WithMaxResponseBytes bounds the body of every successful response
// (DefaultMaxResponseBytes when unset or not positive); a longer one fails
// with a *BodyTooLargeError before more than the bound is read. Error
// responses are always read to ErrorBodyBytes at most.
func WithMaxResponseBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBody = n
		}
	}
}

// WithRequestTimeout sets the deadline of each request, from sending it to the
// end of its answer's body, whatever the caller's context allows
// (DefaultRequestTimeout when unset or not positive). A request that misses it
// fails with a *TimeoutError, which idempotent calls retry.
func WithRequestTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithLongRequestTimeout sets the deadline of the requests that may rightly
// take long, in place of the request timeout: uploads to the object store (a
// PUT or POST to Swift) and synchronous Mistral actions (RunAction)
// (DefaultLongRequestTimeout when unset or not positive).
func WithLongRequestTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.longTimeout = d
		}
	}
}

// WithMaxRetryTime bounds how long one call retries (5xx, 429, connection
// errors and request timeouts of idempotent calls), DefaultMaxRetryTime when
// unset or not positive.
func WithMaxRetryTime(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.retryMax = d
		}
	}
}

func buildOptions(opts []Option) (*options, error) {
	o := &options{queue: DefaultQueue, maxBody: DefaultMaxResponseBytes, timeout: DefaultRequestTimeout,
		longTimeout: DefaultLongRequestTimeout, retryMax: DefaultMaxRetryTime}
	for _, f := range opts {
		f(o)
	}
	if o.clientID == "" {
		o.clientID = uuid.NewString()
	} else if _, err := uuid.Parse(o.clientID); err != nil {
		return nil, Invalid("client id", "Zaqar needs a UUID")
	}
	if err := ValidateQueueName(o.queue); err != nil {
		return nil, err
	}
	return o, nil
}
