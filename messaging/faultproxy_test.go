package messaging_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// fault is what the proxy does to Zaqar requests while a fault is on.
type fault int

const (
	faultNone  fault = iota
	faultReset       // the connection is reset, no answer
	fault503         // 503 Service Unavailable
	faultHang        // the request is accepted and never answered
)

func (f fault) String() string {
	return [...]string{"none", "reset", "503", "hang"}[f]
}

// faultProxy is a reverse proxy on 127.0.0.1 in front of an embedded
// undercloud that injects a fault into the requests whose path starts with
// /zaqar/ while the fault is on. A hung request stays unanswered until its
// client gives up (or the proxy closes), even after the fault is lifted.
type faultProxy struct {
	*httptest.Server
	rp *httputil.ReverseProxy

	mu      sync.Mutex
	mode    fault
	hit     map[fault]int
	release chan struct{} // closed when the proxy closes
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{rp: httputil.NewSingleHostReverseProxy(u), hit: map[fault]int{}, release: make(chan struct{})}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve)) // 127.0.0.1
	t.Cleanup(func() {
		close(p.release)
		p.Server.CloseClientConnections()
		p.Server.Close()
	})
	return p
}

// set turns the fault on (faultNone lifts it).
func (p *faultProxy) set(f fault) {
	p.mu.Lock()
	p.mode = f
	p.mu.Unlock()
}

// hits reports how many requests got fault f.
func (p *faultProxy) hits(f fault) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hit[f]
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	mode := p.mode
	if !strings.HasPrefix(r.URL.Path, "/zaqar/") {
		mode = faultNone
	}
	p.hit[mode]++
	p.mu.Unlock()
	switch mode {
	case faultReset:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST, not FIN
		}
		conn.Close()
	case fault503:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"title": "Service Unavailable", "description": "injected"}`))
	case faultHang:
		select {
		case <-r.Context().Done():
		case <-p.release:
		}
	default:
		p.rp.ServeHTTP(w, r)
	}
}
