package tripleo_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tripleo-go/sdk/tripleo"
)

// fault is what the proxy does with one request.
type fault string

const (
	pass      fault = "pass"      // forward to the backend
	fail503   fault = "503"       // answer 503 without forwarding
	busy      fault = "429"       // answer 429 with Retry-After: 1
	busyLong  fault = "429-long"  // answer 429 with Retry-After: 3600
	reset     fault = "reset"     // read the request, then reset the connection (RST)
	hang      fault = "hang"      // read the request, never answer
	slowloris fault = "slowloris" // answer headers, then one body byte every 20 ms
	lost      fault = "lost"      // forward to the backend, then reset the connection (the answer is lost)
)

// faultProxy is a reverse proxy on 127.0.0.1 in front of a backend that
// injects faults into the requests whose "METHOD path" contains a pattern, in order,
// then forwards the rest. It counts what it received and what reached the backend.
type faultProxy struct {
	srv  *httptest.Server
	stop chan struct{}

	mu        sync.Mutex
	pattern   string
	script    []fault
	received  []string // "METHOD path" of every request the proxy got
	forwarded []string // of every request it passed on
}

func newFaultProxy(t *testing.T, backend string) *faultProxy {
	t.Helper()
	target, err := url.Parse(backend)
	require.NoError(t, err)
	p := &faultProxy{stop: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{DisableKeepAlives: true}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		line := r.Method + " " + r.URL.Path
		p.received = append(p.received, line)
		f := pass
		if p.pattern != "" && strings.Contains(line, p.pattern) && len(p.script) > 0 {
			f, p.script = p.script[0], p.script[1:]
		}
		if f == pass || f == lost {
			p.forwarded = append(p.forwarded, line)
		}
		p.mu.Unlock()
		p.serve(w, r, f, rp)
	}))
	t.Cleanup(func() {
		close(p.stop)
		p.srv.CloseClientConnections()
		p.srv.Close()
	})
	return p
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request, f fault, rp *httputil.ReverseProxy) {
	switch f {
	case pass:
		rp.ServeHTTP(w, r)
	case fail503:
		http.Error(w, `{"faultstring": "service unavailable"}`, http.StatusServiceUnavailable)
	case busy, busyLong:
		w.Header().Set("Retry-After", map[fault]string{busy: "1", busyLong: "3600"}[f])
		http.Error(w, `{"faultstring": "slow down"}`, http.StatusTooManyRequests)
	case lost:
		rp.ServeHTTP(httptest.NewRecorder(), r)
		p.serve(w, r, reset, rp)
	case reset:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close sends RST
		}
		conn.Close()
	case hang:
		select {
		case <-r.Context().Done():
		case <-p.stop:
		}
	case slowloris:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1000000")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-p.stop:
				return
			case <-tick.C:
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				_ = rc.Flush()
			}
		}
	}
}

// inject makes the next requests whose path contains pattern meet faults, in order.
func (p *faultProxy) inject(pattern string, faults ...fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pattern, p.script = pattern, faults
}

// count returns how many requests whose "METHOD path" contains s the proxy
// received and how many it forwarded.
func (p *faultProxy) count(s string) (received, forwarded int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.received {
		if strings.Contains(l, s) {
			received++
		}
	}
	for _, l := range p.forwarded {
		if strings.Contains(l, s) {
			forwarded++
		}
	}
	return received, forwarded
}

// recorder is a server that must receive nothing: it records every request,
// its headers and body.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []string
	auth []string
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 1<<16)
		n, _ := r.Body.Read(body)
		rec.mu.Lock()
		rec.got = append(rec.got, r.Method+" "+r.URL.Path+" "+string(body[:n]))
		rec.auth = append(rec.auth, r.Header.Get("X-Auth-Token"))
		rec.mu.Unlock()
		w.WriteHeader(200)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// hostileClient is a noauth Client on endpoints with its own transport
// (closed at cleanup, so that goleak sees no idle connection); more opts
// come last (the tests about deadlines set short ones).
func hostileClient(t *testing.T, ep tripleo.Endpoints, opts ...tripleo.Option) *tripleo.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	all := append([]tripleo.Option{
		tripleo.WithHTTPClient(&http.Client{Transport: tr}),
		tripleo.WithRequestTimeout(time.Minute), // a loaded machine must not time out a test that is not about time
		tripleo.WithMaxRetryTime(30 * time.Second),
	}, opts...)
	c, err := tripleo.NewNoAuthClient(ep, all...)
	require.NoError(t, err)
	return c
}

// leakCheck fails the test if it leaves a goroutine behind (checked after
// the cleanups registered later, which run first).
func leakCheck(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}
