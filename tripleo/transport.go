package tripleo

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/tripleo-go/sdk/internal/httpx"
)

// Defaults of the HTTP guard every Client's requests go through.
const (
	// DefaultMaxResponseBytes bounds the body of every successful response
	// unless WithMaxResponseBytes says otherwise.
	DefaultMaxResponseBytes = 32 << 20
	// ErrorBodyBytes is how much of an error response's body is read: enough
	// for the server's message, never a hostile amount.
	ErrorBodyBytes = 8 << 10
	// DefaultRequestTimeout is the deadline of one request (answer and body)
	// unless WithRequestTimeout says otherwise.
	DefaultRequestTimeout = 60 * time.Second
	// DefaultLongRequestTimeout is the deadline of a request that may
	// rightly take long (an upload to the object store, a synchronous Mistral
	// action) unless WithLongRequestTimeout says otherwise.
	DefaultLongRequestTimeout = 10 * time.Minute
	// DefaultMaxRetryTime bounds the retries of one call unless
	// WithMaxRetryTime says otherwise.
	DefaultMaxRetryTime = 2 * time.Minute
)

// truncatedHeader is set on an error response whose body the guard cut at
// ErrorBodyBytes (its value is that bound); WrapHTTP reports it.
const truncatedHeader = "X-Tripleo-Go-Body-Truncated"

// guard is the RoundTripper of every Client: a per-request deadline and a
// bound on every response body. Redirects are checked by sameOrigin, the
// http.Client's CheckRedirect.
type guard struct {
	next        http.RoundTripper
	maxBody     int64
	timeout     time.Duration
	longTimeout time.Duration
	upload      atomic.Pointer[string] // the object store's endpoint, once known
	// prevRedirect is the HTTP client's own CheckRedirect, kept so that
	// hardening the same ProviderClient twice does not stack two checks.
	prevRedirect func(*http.Request, []*http.Request) error
}

// errGuardDeadline is the cause of a request context the guard timed out.
var errGuardDeadline = errors.New("tripleo: request deadline")

// RoundTrip implements http.RoundTripper.
func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Upgrade") != "" {
		// a websocket handshake: the connection outlives the request and
		// its body must stay the raw connection
		return g.next.RoundTrip(req)
	}
	d := g.timeout
	if g.isUpload(req) || req.Context().Value(longRequest{}) != nil {
		d = g.longTimeout
	}
	parent := req.Context()
	ctx, cancel := parent, context.CancelFunc(func() {})
	if d > 0 {
		ctx, cancel = context.WithTimeoutCause(parent, d, errGuardDeadline)
	}
	where := redactURL(req.URL)
	resp, err := g.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		err = timedOut(ctx, parent, req.Method, where, d, err)
		cancel()
		return nil, err
	}
	b := &guardedBody{rc: resp.Body, cancel: cancel, ctx: ctx, parent: parent, method: req.Method, url: where, d: d, limit: g.maxBody}
	switch {
	case req.Method == http.MethodHead || resp.Body == http.NoBody:
		// no body: a HEAD's Content-Length is the resource's
		cancel()
		return resp, nil
	case resp.StatusCode >= 400:
		b.limit, b.truncate, b.header = ErrorBodyBytes, true, resp.Header
	case resp.ContentLength > b.limit:
		resp.Body.Close()
		cancel()
		return nil, &BodyTooLargeError{Method: req.Method, URL: where, Limit: b.limit}
	case resp.ContentLength >= 0:
		// the transport ends the body at its declared length: within the bound
		b.trusted = true
	}
	resp.Body = b
	return resp, nil
}

// longRequest marks the context of a request that gets the long deadline.
type longRequest struct{}

// withLongDeadline marks ctx's requests for the long deadline.
func withLongDeadline(ctx context.Context) context.Context {
	return context.WithValue(ctx, longRequest{}, true)
}

// isUpload reports a PUT or POST under the object store's endpoint.
func (g *guard) isUpload(req *http.Request) bool {
	p := g.upload.Load()
	if p == nil || *p == "" || (req.Method != http.MethodPut && req.Method != http.MethodPost) {
		return false
	}
	return strings.HasPrefix(req.URL.String(), *p)
}

// timedOut turns the error of a request the guard timed out into a *TimeoutError.
func timedOut(ctx, parent context.Context, method, where string, d time.Duration, err error) error {
	if parent.Err() == nil && context.Cause(ctx) == errGuardDeadline {
		return &TimeoutError{Method: method, URL: where, After: d}
	}
	return err
}

// redactURL drops user info and the query (which could hold a temp URL's signature).
func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery = nil, "", false
	return c.String()
}

// sameOrigin is the CheckRedirect of every Client: a redirect within the
// request's origin is followed (through prev, the HTTP client's own policy, or
// Go's limit of 10); one to another scheme, host or port is refused with a
// *RedirectError.
func sameOrigin(prev func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		from, to := httpx.Origin(via[0].URL), httpx.Origin(req.URL)
		if from != to {
			return &RedirectError{From: from, To: to}
		}
		if prev != nil {
			return prev(req, via)
		}
		if len(via) >= 10 {
			return errors.New("tripleo: stopped after 10 redirects")
		}
		return nil
	}
}

// harden installs the guard and the redirect check on pc's HTTP client (a
// value inside pc: an *http.Client the caller handed over is not changed). A
// guard already there is replaced, not stacked.
func harden(pc *gophercloud.ProviderClient, o *options) *guard {
	next, prev := pc.HTTPClient.Transport, pc.HTTPClient.CheckRedirect
	if old, ok := next.(*guard); ok {
		next, prev = old.next, old.prevRedirect
	}
	g := newGuard(next, o)
	g.prevRedirect = prev
	pc.HTTPClient.Transport = g
	pc.HTTPClient.CheckRedirect = sameOrigin(prev)
	return g
}

// newGuard makes the guard of o over next (nil means http.DefaultTransport).
func newGuard(next http.RoundTripper, o *options) *guard {
	if next == nil {
		next = http.DefaultTransport
	}
	return &guard{next: next, maxBody: o.maxBody, timeout: o.timeout, longTimeout: o.longTimeout}
}

// uploadsTo tells the guard the object store's endpoint: PUTs and POSTs under
// it get the upload deadline.
func (g *guard) uploadsTo(sc *gophercloud.ServiceClient) {
	if sc != nil {
		ep := sc.Endpoint
		g.upload.Store(&ep)
	}
}

// CloseIdleConnections closes the idle connections of the transport under
// the guard (Client.Close calls it through the HTTP client).
func (g *guard) CloseIdleConnections() {
	if ci, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
