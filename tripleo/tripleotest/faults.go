package tripleotest

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// Request is one API request the undercloud answered, for assertions (e.g. counting polls).
type Request struct {
	Time    time.Time
	Service Service
	Method  string
	Path    string // URL path, e.g. /mistral/v2/executions/<id>
	Query   string // raw query
	Status  int
	// Fault names an injected fault: "503" (not processed) or "lost" (processed, answered 502).
	Fault string
}

// maxRequestLog bounds the request log (a long demo polls for hours): the
// older half is dropped when it is full.
const maxRequestLog = 1 << 18

// Requests returns the log of the requests answered so far, in order (the
// last 2^17 to 2^18 of them).
func (u *Undercloud) Requests() []Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]Request(nil), u.reqs...)
}

// CountRequests counts the logged requests of method (""= any) whose path has prefix.
func (u *Undercloud) CountRequests(method, pathPrefix string) int {
	n := 0
	for _, r := range u.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// buffered holds a whole response so that it can be thrown away (lost responses).
type buffered struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (b *buffered) Header() http.Header { return b.h }
func (b *buffered) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *buffered) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// front logs each request and applies the latency and 5xx knobs before the service handlers.
func (u *Undercloud) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc := serviceOf(r.URL.Path)
		rec := Request{Time: now(), Service: svc, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
		defer func() {
			u.mu.Lock()
			if len(u.reqs) >= maxRequestLog {
				u.reqs = append(u.reqs[:0:0], u.reqs[maxRequestLog/2:]...)
			}
			u.reqs = append(u.reqs, rec)
			u.mu.Unlock()
		}()
		if d := u.cfg.latency; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
			case <-u.root.Done():
			}
			t.Stop()
		}
		if rate := u.cfg.errRate[svc]; rate > 0 && u.randFloat() < rate {
			rec.Status, rec.Fault = http.StatusServiceUnavailable, "503"
			writeServiceError(w, svc, http.StatusServiceUnavailable, "The server is currently unavailable. Please try again at a later time.")
			return
		}
		if rate := u.cfg.lostRate[svc]; rate > 0 && r.Method != http.MethodGet && r.Method != http.MethodHead && u.randFloat() < rate {
			b := &buffered{h: http.Header{}}
			next.ServeHTTP(b, r)
			rec.Status, rec.Fault = http.StatusBadGateway, "lost"
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n"))
			return
		}
		sr := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(sr, r)
		rec.Status = sr.status
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
	})
}

// writeServiceError answers with the error body shape of service.
func writeServiceError(w http.ResponseWriter, svc Service, status int, msg string) {
	switch svc {
	case Mistral:
		mistralError(w, status, msg)
	case Zaqar:
		zaqarError(w, status, http.StatusText(status), msg)
	case Ironic:
		ironicError(w, status, msg)
	case Heat:
		heatError(w, status, "HTTPServiceUnavailable", msg)
	default:
		swiftError(w, status)
	}
}
