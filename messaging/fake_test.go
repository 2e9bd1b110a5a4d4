package messaging

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// fakeZaqar is an in-process Zaqar v2 REST subset with the behaviour the
// Notifiers rely on (and the quirks seen on the real server): header checks,
// non-destructive listing with limit/marker/echo, links.next carrying the
// last message id as marker, queue create (201/204) and delete. It records
// every request. It serves through httpmock (synctest bubbles) or as an
// http.Handler (httptest, websocket tests).
type fakeZaqar struct {
	mu        sync.Mutex
	queues    map[string]*fakeQueue
	reqs      []recReq
	seq       int
	failGets  []int  // statuses answered to the next GETs of messages
	failAfter string // Retry-After sent with failures
	onGet     func(n int, queue string)
	gets      int
	// restartMarker answers the next n listings as if the marker were unknown
	// (Zaqar's redis driver then lists from the beginning).
	restartMarker int
	// withStats answers GET .../stats (a queue's end); without it, a 404
	withStats bool
	posted    func(queue string, m fakeMsg) // called (unlocked) after each POST
}

type fakeQueue struct{ msgs []fakeMsg }

type fakeMsg struct {
	id       string
	body     json.RawMessage
	posted   time.Time
	ttl      int
	clientID string
}

type recReq struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
	At     time.Time
}

func newFakeZaqar() *fakeZaqar { return &fakeZaqar{queues: map[string]*fakeQueue{}} }

const (
	testClientID = "6d7c5d38-2b8a-4c55-9c2a-0a3c1c1f0b11"
	testProject  = "proj-1"
)

// client returns a noauth tripleo.Client whose HTTP goes to f through httpmock.
func (f *fakeZaqar) client(t testing.TB, opts ...tripleo.Option) *tripleo.Client {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, r)
		return rec.Result(), nil
	})
	opts = append([]tripleo.Option{tripleo.WithHTTPClient(&http.Client{Transport: mt}), tripleo.WithClientID(testClientID)}, opts...)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test", Zaqar: "http://zaqar.test", ProjectID: testProject}, opts...)
	require.NoError(t, err)
	return c
}

var (
	reQueue    = regexp.MustCompile(`^/v2/queues/([a-zA-Z0-9_\-.]{1,64})$`)
	reMessages = regexp.MustCompile(`^/v2/queues/([a-zA-Z0-9_\-.]{1,64})/messages$`)
	reStats    = regexp.MustCompile(`^/v2/queues/([a-zA-Z0-9_\-.]{1,64})/stats$`)
)

func zerr(w http.ResponseWriter, status int, title, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"title": title, "description": desc})
}

func (f *fakeZaqar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, recReq{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body), At: time.Now()})
	f.mu.Unlock()
	cid := r.Header.Get("Client-ID")
	if _, err := uuid.Parse(cid); err != nil {
		zerr(w, 400, "Invalid API request", "Malformed hexadecimal UUID.")
		return
	}
	if r.Header.Get("X-Project-ID") == "" {
		zerr(w, 400, "Project-Id Missing", "The header X-PROJECT-ID was missing")
		return
	}
	if m := reQueue.FindStringSubmatch(r.URL.Path); m != nil {
		f.queueOp(w, r, m[1])
		return
	}
	if m := reStats.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet && f.withStats {
		f.stats(w, m[1])
		return
	}
	if m := reMessages.FindStringSubmatch(r.URL.Path); m != nil {
		switch r.Method {
		case http.MethodGet:
			f.list(w, r, m[1], cid)
		case http.MethodPost:
			f.post(w, m[1], cid, body)
		default:
			zerr(w, 405, "Method not allowed", r.Method)
		}
		return
	}
	zerr(w, 404, "Not found", r.URL.Path)
}

func (f *fakeZaqar) queueOp(w http.ResponseWriter, r *http.Request, q string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		if _, ok := f.queues[q]; ok {
			w.WriteHeader(204)
			return
		}
		f.queues[q] = &fakeQueue{}
		w.WriteHeader(201)
	case http.MethodDelete:
		delete(f.queues, q)
		w.WriteHeader(204)
	default:
		zerr(w, 405, "Method not allowed", r.Method)
	}
}

func (f *fakeZaqar) list(w http.ResponseWriter, r *http.Request, q, cid string) {
	f.mu.Lock()
	f.gets++
	n := f.gets
	hook := f.onGet
	f.mu.Unlock()
	if hook != nil {
		hook(n, q)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.failGets) > 0 {
		st := f.failGets[0]
		f.failGets = f.failGets[1:]
		if f.failAfter != "" {
			w.Header().Set("Retry-After", f.failAfter)
		}
		zerr(w, st, "Service Unavailable", "injected failure")
		return
	}
	qs := r.URL.Query()
	limit := 10
	if s := qs.Get("limit"); s != "" {
		var err error
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 20 {
			zerr(w, 400, "Invalid API request", "Limit must be at least 1 and may not be greater than 20.")
			return
		}
	}
	echo := qs.Get("echo") == "true"
	marker := qs.Get("marker")
	if f.restartMarker > 0 {
		f.restartMarker--
		marker = ""
	}
	out := []map[string]any{}
	links := []map[string]string{}
	fq := f.queues[q]
	if fq != nil {
		start := 0
		if marker != "" {
			for i, m := range fq.msgs {
				if m.id == marker {
					start = i + 1
				}
			}
		}
		now := time.Now()
		last := ""
		for i := start; i < len(fq.msgs) && len(out) < limit; i++ {
			m := fq.msgs[i]
			age := int(now.Sub(m.posted) / time.Second)
			if age >= m.ttl {
				continue
			}
			if !echo && m.clientID == cid {
				continue
			}
			out = append(out, map[string]any{"id": m.id, "href": "/v2/queues/" + q + "/messages/" + m.id, "ttl": m.ttl, "age": age, "body": m.body})
			last = m.id
		}
		if last != "" {
			links = append(links, map[string]string{"rel": "next", "href": fmt.Sprintf("/v2/queues/%s/messages?marker=%s&limit=%d&echo=%t", q, last, limit, echo)})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messages": out, "links": links})
}

// stats answers GET /v2/queues/{q}/stats: the message count and the newest
// message's href (as Zaqar's redis store renders them).
func (f *fakeZaqar) stats(w http.ResponseWriter, q string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := map[string]any{"claimed": 0}
	if fq := f.queues[q]; fq != nil && len(fq.msgs) > 0 {
		last := fq.msgs[len(fq.msgs)-1]
		st["newest"] = map[string]any{"href": "/v2/queues/" + q + "/messages/" + last.id, "age": 0}
		st["total"] = len(fq.msgs)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messages": st})
}

func (f *fakeZaqar) post(w http.ResponseWriter, q, cid string, body []byte) {
	var in struct {
		Messages []struct {
			TTL  int             `json:"ttl"`
			Body json.RawMessage `json:"body"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &in); err != nil || len(in.Messages) == 0 {
		zerr(w, 400, "Invalid API request", "bad body")
		return
	}
	var res []string
	var added []fakeMsg
	f.mu.Lock()
	for _, m := range in.Messages {
		ttl := m.TTL
		if ttl == 0 {
			ttl = 3600
		}
		fm := f.addLocked(q, m.Body, ttl, cid)
		added = append(added, fm)
		res = append(res, "/v2/queues/"+q+"/messages/"+fm.id)
	}
	hook := f.posted
	f.mu.Unlock()
	if hook != nil {
		for _, m := range added {
			hook(q, m)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(201)
	json.NewEncoder(w).Encode(map[string]any{"resources": res})
}

func (f *fakeZaqar) addLocked(q string, body json.RawMessage, ttl int, cid string) fakeMsg {
	fq := f.queues[q]
	if fq == nil {
		fq = &fakeQueue{}
		f.queues[q] = fq
	}
	f.seq++
	m := fakeMsg{id: fmt.Sprintf("id-%03d", f.seq), body: body, posted: time.Now(), ttl: ttl, clientID: cid}
	fq.msgs = append(fq.msgs, m)
	return m
}

// add posts a TripleO message body directly (as another client would) and returns its id.
func (f *fakeZaqar) add(q, execID, status, text string) string {
	b, _ := json.Marshal(map[string]any{"type": "tripleo.test.v1.wf", "payload": map[string]any{
		"status": status, "message": text, "execution_id": execID, "root_execution_id": nil}})
	return f.addRaw(q, b)
}

func (f *fakeZaqar) addRaw(q string, body json.RawMessage) string {
	f.mu.Lock()
	m := f.addLocked(q, body, 3600, "0b0e1e6a-5a89-4b2d-8c7e-3f4c1d2e9a00")
	hook := f.posted
	f.mu.Unlock()
	if hook != nil {
		hook(q, m)
	}
	return m.id
}

// requests returns the recorded requests matching method and path prefix.
func (f *fakeZaqar) requests(method, pathPrefix string) []recReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recReq
	for _, r := range f.reqs {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeZaqar) listings(q string) []recReq {
	return f.requests(http.MethodGet, "/v2/queues/"+q+"/messages")
}

func (f *fakeZaqar) fail(statuses ...int) {
	f.mu.Lock()
	f.failGets = append(f.failGets, statuses...)
	f.mu.Unlock()
}

// ids returns the ids of msgs.
func ids(msgs []tripleo.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// texts returns the payload texts of msgs.
func texts(msgs []tripleo.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Payload.Message
	}
	return out
}
