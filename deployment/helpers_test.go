package deployment_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const (
	mistralURL = "http://mistral.test/v2"
	heatURL    = "http://heat.test/v1/admin"
)

// newMockClient returns a noauth Client whose HTTP goes to a per-test httpmock transport.
func newMockClient(t testing.TB, opts ...tripleo.Option) (*tripleo.Client, *httpmock.MockTransport) {
	t.Helper()
	return tripleotest.NewMockClient(t, tripleo.Endpoints{Mistral: mistralURL, Heat: heatURL}, opts...)
}

// newSimClient returns a noauth Client whose Heat is sim (no httpmock: for benchmarks).
func newSimClient(t testing.TB, sim *heatSim) *tripleo.Client {
	t.Helper()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: mistralURL, Heat: heatURL},
		tripleo.WithHTTPClient(&http.Client{Transport: sim}))
	require.NoError(t, err)
	return c
}

// ---------------------------------------------------------------- Heat double

// simEvent is one Heat event of the double.
type simEvent struct {
	id, stack, resource, physical, status, reason string
	seq                                           int
}

type simStack struct {
	name, id, status, reason, parent string
	depth                            int
	outputs                          map[string]any
	created, updated                 time.Time
}

type simResource struct {
	name, typ, status, reason, stack string
}

type fault struct {
	code    int    // HTTP status to answer
	connErr bool   // fail the connection instead
	body    string // answer 200 with this body instead
}

// heatSim is an in-memory Heat (stacks, events, resources) served as an
// http.Handler, an http.RoundTripper or httpmock responders.
type heatSim struct {
	mu           sync.Mutex
	stacks       map[string]*simStack // by name
	events       []simEvent           // visible, in creation order
	pending      [][]simEvent         // each events GET first reveals the next batch
	resources    map[string]*simResource
	resOrder     []string
	faults       []fault // answers of the next events GETs
	getFaults    []fault // answers of the next stack GETs
	queries      []url.Values
	times        []time.Time // of the events GETs
	ignoreMkr    int         // the next events GETs ignore the marker (a Heat repeating events)
	resGets      int
	rendered     map[string][]byte // event JSON by id
	pos          map[string]int    // index in events by id
	failResAfter int               // resources GETs after this many answer 500 (0: never)
	requests     int
	stackGets    int
	seq          int
	base         time.Time
}

func newHeatSim() *heatSim {
	return &heatSim{stacks: map[string]*simStack{}, resources: map[string]*simResource{}, base: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
}

// stack adds a stack (parent "" for the top one).
func (h *heatSim) stack(name, id, status, parent string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	depth := 0
	if p := h.stacks[parent]; p != nil {
		depth = p.depth + 1
	}
	h.stacks[name] = &simStack{name: name, id: id, status: status, parent: parent, depth: depth, created: h.base}
}

// resource adds a resource to a stack.
func (h *heatSim) resource(stack, name, typ, status string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := stack + "/" + name
	if _, ok := h.resources[key]; !ok {
		h.resOrder = append(h.resOrder, key)
	}
	h.resources[key] = &simResource{name: name, typ: typ, status: status, stack: stack}
}

// ev makes an event of resource in stack; resource == stack makes the stack's own event.
func (h *heatSim) ev(stack, resource, status, reason string) simEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e := simEvent{id: fmt.Sprintf("ev-%05d", h.seq), stack: stack, resource: resource, status: status, reason: reason, seq: h.seq}
	if st := h.stacks[stack]; st != nil && resource == stack {
		e.physical = st.id
	} else {
		e.physical = "phys-" + resource
	}
	return e
}

// add makes events visible now.
func (h *heatSim) add(evs ...simEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		h.apply(e)
	}
}

// later queues a batch revealed by the next events GET that finds no earlier batch pending.
func (h *heatSim) later(evs ...simEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pending = append(h.pending, evs)
}

func (h *heatSim) apply(e simEvent) {
	if h.pos == nil {
		h.pos = map[string]int{}
	}
	h.pos[e.id] = len(h.events)
	h.events = append(h.events, e)
	if st := h.stacks[e.stack]; st != nil && e.resource == e.stack {
		st.status, st.reason = e.status, e.reason
		st.updated = h.base.Add(time.Duration(e.seq) * time.Second)
		return
	}
	key := e.stack + "/" + e.resource
	r := h.resources[key]
	if r == nil {
		r = &simResource{name: e.resource, typ: "OS::Heat::None", stack: e.stack}
		h.resources[key] = r
		h.resOrder = append(h.resOrder, key)
	}
	r.status, r.reason = e.status, e.reason
}

func (h *heatSim) setStatus(name, status, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stacks[name].status, h.stacks[name].reason = status, reason
}

func (h *heatSim) eventQueries() []url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.queries)
}

// pollTimes returns the offsets of the events GETs from the first one.
func (h *heatSim) pollTimes() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []time.Duration
	for _, t := range h.times {
		out = append(out, t.Sub(h.times[0]))
	}
	return out
}

func (h *heatSim) counts() (requests, stackGets int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests, h.stackGets
}

var errConn = errors.New("connection reset by peer")

// RoundTrip serves req in-process.
func (h *heatSim) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	if !h.serve(rec, req) {
		return nil, errConn
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// ServeHTTP makes the double an httptest server.
func (h *heatSim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.serve(w, r) {
		panic(http.ErrAbortHandler)
	}
}

// responder adapts the double to httpmock.
func (h *heatSim) responder(req *http.Request) (*http.Response, error) { return h.RoundTrip(req) }

// client returns a noauth Client whose Heat is the double (on an httpmock transport of its own).
func (h *heatSim) client(t testing.TB) *tripleo.Client {
	t.Helper()
	c, mt := newMockClient(t)
	h.register(mt)
	return c
}

// register installs the double on an httpmock transport.
func (h *heatSim) register(mt *httpmock.MockTransport) {
	mt.RegisterRegexpResponder("GET", regexp.MustCompile(`^`+regexp.QuoteMeta(heatURL)+`/stacks/`), h.responder)
}

func heatError(w http.ResponseWriter, code int, typ, msg string) {
	writeJSON(w, code, map[string]any{"code": code, "title": http.StatusText(code), "explanation": msg,
		"error": map[string]any{"type": typ, "message": msg, "traceback": nil}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// serve answers one request; false means "drop the connection".
func (h *heatSim) serve(w http.ResponseWriter, r *http.Request) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests++
	base := "http://" + r.Host + "/v1/admin"
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/admin/stacks/")
	if !ok || r.Method != http.MethodGet {
		heatError(w, 404, "HTTPNotFound", "no route")
		return true
	}
	parts := strings.Split(rest, "/")
	st := h.stacks[parts[0]]
	if st == nil {
		for _, s := range h.stacks {
			if s.id == parts[0] {
				st = s
			}
		}
	}
	if st == nil || (len(parts) > 1 && parts[1] != st.id) {
		heatError(w, 404, "EntityNotFound", "The Stack ("+parts[0]+") could not be found.")
		return true
	}
	switch {
	case len(parts) == 1 || (len(parts) == 2 && parts[1] == "events"):
		loc := base + "/stacks/" + st.name + "/" + st.id
		if len(parts) == 2 {
			loc += "/events"
		}
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusFound)
	case len(parts) == 2:
		h.stackGets++
		if len(h.getFaults) > 0 {
			f := h.getFaults[0]
			h.getFaults = h.getFaults[1:]
			if f.connErr {
				return false
			}
			heatError(w, f.code, "Fault", http.StatusText(f.code))
			return true
		}
		writeJSON(w, 200, map[string]any{"stack": h.stackJSON(base, st)})
	case len(parts) == 3 && parts[2] == "events":
		return h.serveEvents(w, r, base, st)
	case len(parts) == 3 && parts[2] == "resources":
		if h.resGets++; h.failResAfter > 0 && h.resGets > h.failResAfter {
			heatError(w, 500, "Fault", "resources unavailable")
			return true
		}
		depth, _ := strconv.Atoi(r.URL.Query().Get("nested_depth"))
		var out []any
		for _, k := range h.resOrder {
			res := h.resources[k]
			rs := h.stacks[res.stack]
			if !h.under(res.stack, st, depth) {
				continue
			}
			out = append(out, map[string]any{
				"resource_name": res.name, "logical_resource_id": res.name, "physical_resource_id": "phys-" + res.name,
				"resource_type": res.typ, "resource_status": res.status, "resource_status_reason": res.reason,
				"creation_time": "2026-11-24T10:00:00", "updated_time": "2026-11-24T10:00:01", "required_by": []any{},
				"links": []any{
					map[string]any{"rel": "self", "href": base + "/stacks/" + rs.name + "/" + rs.id + "/resources/" + res.name},
					map[string]any{"rel": "stack", "href": base + "/stacks/" + rs.name + "/" + rs.id},
				},
			})
		}
		writeJSON(w, 200, map[string]any{"resources": out})
	default:
		heatError(w, 404, "HTTPNotFound", "no route")
	}
	return true
}

func (h *heatSim) stackJSON(base string, st *simStack) map[string]any {
	var outs []any
	for k, v := range st.outputs {
		outs = append(outs, map[string]any{"output_key": k, "output_value": v, "description": k})
	}
	var updated any
	if !st.updated.IsZero() {
		updated = st.updated.Format("2006-01-02T15:04:05Z")
	}
	return map[string]any{
		"id": st.id, "stack_name": st.name, "stack_status": st.status, "stack_status_reason": st.reason,
		"creation_time": st.created.Format("2006-01-02T15:04:05Z"), "updated_time": updated, "outputs": outs,
		"parameters": map[string]any{"OS::stack_id": st.id, "ComputeCount": 3}, "timeout_mins": 240,
		"links": []any{map[string]any{"rel": "self", "href": base + "/stacks/" + st.name + "/" + st.id}},
	}
}

// under reports whether stack name is st or nested in it, at most depth levels down.
func (h *heatSim) under(name string, st *simStack, depth int) bool {
	for s := h.stacks[name]; s != nil; s = h.stacks[s.parent] {
		if s == st {
			return h.stacks[name].depth-st.depth <= depth
		}
	}
	return false
}

func (h *heatSim) serveEvents(w http.ResponseWriter, r *http.Request, base string, st *simStack) bool {
	q := r.URL.Query()
	h.queries = append(h.queries, q)
	h.times = append(h.times, time.Now())
	if len(h.faults) > 0 {
		f := h.faults[0]
		h.faults = h.faults[1:]
		switch {
		case f.connErr:
			return false
		case f.body != "":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(f.body))
			return true
		}
		heatError(w, f.code, "Fault", http.StatusText(f.code)+" (injected)")
		return true
	}
	if len(h.pending) > 0 {
		for _, e := range h.pending[0] {
			h.apply(e)
		}
		h.pending = h.pending[1:]
	}
	depth, _ := strconv.Atoi(q.Get("nested_depth"))
	// walk h.events in the requested order from just after the marker, keeping
	// up to limit events of st's tree (no copy of the whole list per request)
	asc := q.Get("sort_dir") == "asc" // Heat's default: newest first
	i, step := 0, 1
	if !asc {
		i, step = len(h.events)-1, -1
	}
	if h.ignoreMkr > 0 {
		h.ignoreMkr--
	} else if m := q.Get("marker"); m != "" {
		pos, ok := h.pos[m]
		if !ok {
			heatError(w, 404, "EntityNotFound", "The Event ("+m+") could not be found.")
			return true
		}
		i = pos + step
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	var list []simEvent
	for ; i >= 0 && i < len(h.events) && (limit <= 0 || len(list) < limit); i += step {
		if e := h.events[i]; h.under(e.stack, st, depth) {
			list = append(list, e)
		}
	}
	buf := append(make([]byte, 0, 64+len(list)*600), `{"events": [`...)
	for i, e := range list {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, h.render(base, e)...)
	}
	buf = append(buf, "]}"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	_, _ = w.Write(buf)
	return true
}

// render returns an event's JSON, rendered once.
func (h *heatSim) render(base string, e simEvent) []byte {
	if b, ok := h.rendered[e.id]; ok {
		return b
	}
	st := h.stacks[e.stack]
	stURL := base + "/stacks/" + st.name + "/" + st.id
	b, _ := json.Marshal(map[string]any{
		"id": e.id, "event_time": h.base.Add(time.Duration(e.seq) * time.Second).Format("2006-01-02T15:04:05Z"),
		"resource_name": e.resource, "logical_resource_id": e.resource, "physical_resource_id": e.physical,
		"resource_status": e.status, "resource_status_reason": e.reason,
		"links": []any{
			map[string]any{"rel": "self", "href": stURL + "/resources/" + e.resource + "/events/" + e.id},
			map[string]any{"rel": "resource", "href": stURL + "/resources/" + e.resource},
			map[string]any{"rel": "stack", "href": stURL},
		},
	})
	if h.rendered == nil {
		h.rendered = map[string][]byte{}
	}
	h.rendered[e.id] = b
	return b
}

// prerender renders every event (visible and pending) ahead of time.
func (h *heatSim) prerender(base string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.events {
		h.render(base, e)
	}
	for _, batch := range h.pending {
		for _, e := range batch {
			h.render(base, e)
		}
	}
}

// collect drains a channel.
func collect[T any](ch <-chan T) []T {
	var out []T
	for v := range ch {
		out = append(out, v)
	}
	return out
}
