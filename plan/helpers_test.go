package plan_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const (
	mistralURL = "http://mistral.test/v2"
	swiftURL   = "http://swift.test/v1/AUTH_x"
)

// newMockClient returns a noauth Client whose HTTP goes to a per-test httpmock transport.
func newMockClient(t testing.TB, opts ...tripleo.Option) (*tripleo.Client, *httpmock.MockTransport) {
	t.Helper()
	return tripleotest.NewMockClient(t, tripleo.Endpoints{Mistral: mistralURL, Swift: swiftURL, Heat: "http://heat.test/v1/admin"}, opts...)
}

// newMistral is the Mistral of a test: a MockMistral on mt.
func newMistral(mt *httpmock.MockTransport) *tripleotest.MockMistral {
	return tripleotest.NewMockMistral(mt, mistralURL)
}

// newWfSim is a Mistral in which every started execution is RUNNING as
// created, then state (stateInfo, output).
func newWfSim(mt *httpmock.MockTransport, state, stateInfo string, output map[string]any) *tripleotest.MockMistral {
	m := newMistral(mt)
	m.OnStart("", func(id string, _ map[string]any) { m.Set(id, state, stateInfo, output) })
	return m
}

// fakeSwift is an in-memory Swift proxy subset: /info, containers (HEAD, PUT,
// GET listing with marker/limit, DELETE), objects (PUT with ETag check, GET)
// and bulk extract-archive with a JSON report. It serves httptest servers and,
// through responder, httpmock transports.
type fakeSwift struct {
	prefix string // e.g. "/v1/AUTH_x"
	bulk   bool   // /info lists bulk_upload

	mu          sync.Mutex
	containers  map[string]*fakeContainer
	attempts    map[string]int      // PUT attempts per object
	bodies      map[string][][]byte // PUT bodies per object, per attempt
	requests    []string            // "METHOD path?query"
	headers     []http.Header       // headers of requests, same order
	inFlight    int
	maxInFlight int

	hold       time.Duration                         // time each object PUT takes
	failPut    func(name string, attempt int) int    // status to answer an object PUT (0: store it)
	bulkErrors func(name string) string              // per-file status of an extraction ("" ok)
	onArchive  func(names []string, body []byte) int // status to answer a bulk PUT (0: extract)
	keepBodies bool
	quiet      bool // no request log (benchmarks)
}

type fakeContainer struct {
	meta    http.Header
	objects map[string]fakeObject
}

type fakeObject struct {
	data  []byte
	ctype string
	etag  string
}

func newFakeSwift(prefix string, bulk bool) *fakeSwift {
	return &fakeSwift{prefix: prefix, bulk: bulk, containers: map[string]*fakeContainer{},
		attempts: map[string]int{}, bodies: map[string][][]byte{}}
}

// responder adapts the fake to httpmock.
func (s *fakeSwift) responder(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// register routes every request to swift.test through the fake.
func (s *fakeSwift) register(mt *httpmock.MockTransport) {
	for _, m := range []string{"GET", "PUT", "HEAD", "POST", "DELETE"} {
		mt.RegisterRegexpResponder(m, regexp.MustCompile(`^http://swift\.test/`), s.responder)
	}
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// mkContainer creates a plan container holding objects.
func (s *fakeSwift) mkContainer(name string, objects map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &fakeContainer{meta: http.Header{"X-Container-Meta-Usage-Tripleo": {"plan"}}, objects: map[string]fakeObject{}}
	for k, v := range objects {
		c.objects[k] = fakeObject{data: []byte(v), ctype: "application/octet-stream", etag: md5hex([]byte(v))}
	}
	s.containers[name] = c
}

func (s *fakeSwift) object(container, name string) (fakeObject, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.containers[container]
	if c == nil {
		return fakeObject{}, false
	}
	o, ok := c.objects[name]
	return o, ok
}

func (s *fakeSwift) names(container string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if c := s.containers[container]; c != nil {
		for k := range c.objects {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (s *fakeSwift) log() ([]string, []http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...), append([]http.Header(nil), s.headers...)
}

func (s *fakeSwift) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.quiet {
		s.mu.Unlock()
		s.route(w, r)
		return
	}
	line := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		line += "?" + r.URL.RawQuery
	}
	s.requests = append(s.requests, line)
	h := r.Header.Clone()
	if r.ContentLength >= 0 && r.Method == "PUT" {
		h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10)) // net/http moves it out of Header
	}
	s.headers = append(s.headers, h)
	s.mu.Unlock()
	s.route(w, r)
}

func (s *fakeSwift) route(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/info" {
		info := map[string]any{"swift": map[string]any{"version": "2.30.1"}, "tempurl": map[string]any{}}
		if s.bulk {
			info["bulk_upload"] = map[string]any{"max_containers_per_extraction": 10000, "max_failed_extractions": 1000}
			info["bulk_delete"] = map[string]any{"max_deletes_per_request": 10000}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(info)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, s.prefix+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	container, object, _ := strings.Cut(rest, "/")
	if object == "" {
		s.serveContainer(w, r, container)
		return
	}
	s.serveObject(w, r, container, object)
}

func (s *fakeSwift) serveContainer(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	c := s.containers[name]
	s.mu.Unlock()
	switch {
	case r.Method == "PUT" && r.URL.Query().Has("extract-archive"):
		s.extract(w, r, name)
	case r.Method == "PUT":
		s.mu.Lock()
		defer s.mu.Unlock()
		if c != nil {
			w.WriteHeader(202)
			return
		}
		meta := http.Header{}
		for k, v := range r.Header {
			if strings.HasPrefix(k, "X-Container-Meta-") {
				meta[k] = v
			}
		}
		s.containers[name] = &fakeContainer{meta: meta, objects: map[string]fakeObject{}}
		w.WriteHeader(201)
	case c == nil:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(404)
		_, _ = io.WriteString(w, "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>")
	case r.Method == "HEAD":
		s.mu.Lock()
		for k, v := range c.meta {
			w.Header()[k] = v
		}
		w.Header().Set("X-Container-Object-Count", strconv.Itoa(len(c.objects)))
		s.mu.Unlock()
		w.WriteHeader(204)
	case r.Method == "GET":
		s.mu.Lock()
		names := make([]string, 0, len(c.objects))
		for k := range c.objects {
			names = append(names, k)
		}
		sort.Strings(names)
		q := r.URL.Query()
		limit := 10000
		if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
			limit = l
		}
		var list []map[string]any
		for _, n := range names {
			if n <= q.Get("marker") {
				continue
			}
			if len(list) == limit {
				break
			}
			o := c.objects[n]
			list = append(list, map[string]any{"name": n, "hash": o.etag, "bytes": len(o.data),
				"content_type": o.ctype, "last_modified": "2026-11-24T10:00:00.000000"})
		}
		s.mu.Unlock()
		if len(list) == 0 {
			w.WriteHeader(204)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(list)
	case r.Method == "DELETE":
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(c.objects) > 0 {
			w.WriteHeader(409)
			_, _ = io.WriteString(w, "<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>")
			return
		}
		delete(s.containers, name)
		w.WriteHeader(204)
	default:
		w.WriteHeader(405)
	}
}

func (s *fakeSwift) serveObject(w http.ResponseWriter, r *http.Request, container, name string) {
	s.mu.Lock()
	c := s.containers[container]
	s.mu.Unlock()
	if c == nil {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>")
		return
	}
	switch r.Method {
	case "PUT":
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.attempts[name]++
		attempt := s.attempts[name]
		if s.keepBodies {
			s.bodies[name] = append(s.bodies[name], body)
		}
		s.inFlight++
		s.maxInFlight = max(s.maxInFlight, s.inFlight)
		hold, fail := s.hold, s.failPut
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inFlight--
			s.mu.Unlock()
		}()
		if hold > 0 {
			select {
			case <-time.After(hold):
			case <-r.Context().Done():
				return
			}
		}
		if fail != nil {
			if code := fail(name, attempt); code != 0 {
				w.WriteHeader(code)
				_, _ = io.WriteString(w, "<html><h1>"+http.StatusText(code)+"</h1></html>")
				return
			}
		}
		sum := md5hex(body)
		if e := r.Header.Get("Etag"); e != "" && !strings.EqualFold(strings.Trim(e, `"`), sum) {
			w.WriteHeader(422)
			_, _ = io.WriteString(w, "<html><h1>Unprocessable Entity</h1></html>")
			return
		}
		s.mu.Lock()
		c.objects[name] = fakeObject{data: body, ctype: r.Header.Get("Content-Type"), etag: sum}
		s.mu.Unlock()
		w.Header().Set("Etag", sum)
		w.WriteHeader(201)
	case "GET":
		s.mu.Lock()
		o, ok := c.objects[name]
		s.mu.Unlock()
		if !ok {
			w.WriteHeader(404)
			_, _ = io.WriteString(w, "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>")
			return
		}
		w.Header().Set("Content-Type", o.ctype)
		w.Header().Set("Etag", o.etag)
		_, _ = w.Write(o.data)
	default:
		w.WriteHeader(405)
	}
}

// extract implements ?extract-archive=tar.gz into container.
func (s *fakeSwift) extract(w http.ResponseWriter, r *http.Request, container string) {
	body, _ := io.ReadAll(r.Body)
	type entry struct {
		name string
		data []byte
	}
	var entries []entry
	gz, err := gzip.NewReader(bytes.NewReader(body))
	if err == nil {
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			data, _ := io.ReadAll(tr)
			entries = append(entries, entry{strings.TrimPrefix(h.Name, "./"), data})
		}
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.name
	}
	s.mu.Lock()
	onArchive, bulkErrors := s.onArchive, s.bulkErrors
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if s.hold > 0 {
		time.Sleep(s.hold)
	}
	if onArchive != nil {
		if code := onArchive(names, body); code != 0 {
			w.WriteHeader(code)
			return
		}
	}
	rep := map[string]any{"Response Status": "201 Created", "Response Body": "", "Errors": [][]string{}}
	var errs [][]string
	created := 0
	s.mu.Lock()
	c := s.containers[container]
	for _, e := range entries {
		if c == nil {
			errs = append(errs, []string{s.prefix + "/" + container + "/" + e.name, "404 Not Found"})
			continue
		}
		if bulkErrors != nil {
			if st := bulkErrors(e.name); st != "" {
				errs = append(errs, []string{s.prefix + "/" + container + "/" + e.name, st})
				continue
			}
		}
		c.objects[e.name] = fakeObject{data: e.data, ctype: "application/x-yaml", etag: md5hex(e.data)}
		created++
	}
	s.mu.Unlock()
	if len(entries) == 0 {
		rep["Response Status"], rep["Response Body"] = "400 Bad Request", "Invalid Tar File: No Valid Files"
	}
	if len(errs) > 0 {
		rep["Response Status"], rep["Errors"] = "400 Bad Request", errs
	}
	rep["Number Files Created"] = created
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	_, _ = io.WriteString(w, "  \r\n\r\n") // keep-alive whitespace before the report, as Swift sends
	_ = json.NewEncoder(w).Encode(rep)
}

func mustRe(s string) *regexp.Regexp { return regexp.MustCompile(s) }

func (s *fakeSwift) has(container string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.containers[container]
	return ok
}
