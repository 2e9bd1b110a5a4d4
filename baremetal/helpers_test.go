package baremetal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

const (
	mistralURL = "http://mistral.test/v2"
	ironicURL  = "http://ironic.test/v1"
)

// Node uuids used across the tests.
const (
	uuid1 = "11111111-1111-4111-8111-111111111111"
	uuid2 = "22222222-2222-4222-8222-222222222222"
	uuid3 = "33333333-3333-4333-8333-333333333333"
)

// sim is an in-memory Mistral + Ironic behind a per-test httpmock transport,
// with a fake Notifier: tests script what each workflow does when started.
type sim struct {
	t  testing.TB
	mt *httpmock.MockTransport
	c  *tripleo.Client
	n  *fakeNotifier

	mu      sync.Mutex
	posts   []map[string]any          // bodies of POST /v2/executions
	execs   map[string]map[string]any // execution JSON by id
	tasks   map[string][]map[string]any
	cancels []string
	onStart map[string]func(id string, in map[string]any)

	nodes      map[string]map[string]any // Ironic nodes by uuid
	nodeOrder  []string
	ironicReqs []string // "GET /v1/nodes/<uuid>" ...
	ironicFail int      // answer the next Ironic requests with 503
	pageSize   int      // Ironic's api.max_limit for node lists (0: one page)
	clock      int
}

// newSim builds the simulation; with notifier false the client follows runs by Mistral polling alone.
func newSim(t testing.TB, notifier bool, opts ...tripleo.Option) *sim {
	t.Helper()
	s := &sim{
		t: t, mt: httpmock.NewMockTransport(), n: newFakeNotifier(),
		execs: map[string]map[string]any{}, tasks: map[string][]map[string]any{},
		onStart: map[string]func(string, map[string]any){}, nodes: map[string]map[string]any{},
	}
	all := []tripleo.Option{tripleo.WithHTTPClient(&http.Client{Transport: s.mt})}
	if notifier {
		all = append(all, tripleo.WithNotifier(s.n))
	}
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: mistralURL, Ironic: "http://ironic.test"}, append(all, opts...)...)
	require.NoError(t, err)
	s.c = c
	s.routes()
	return s
}

func (s *sim) routes() {
	s.mt.RegisterResponder("POST", mistralURL+"/executions", func(r *http.Request) (*http.Response, error) {
		body := readJSON(s.t, r)
		s.mu.Lock()
		s.posts = append(s.posts, body)
		id, _ := body["id"].(string)
		wf, _ := body["workflow_name"].(string)
		in, _ := body["input"].(map[string]any)
		ex, ok := s.execs[id]
		if !ok {
			ex = execJSON(id, wf, tripleo.StateRunning, "", in, nil)
			s.execs[id] = ex
		}
		resp := jsonResp(r, 201, ex)
		hook := s.onStart[wf]
		s.mu.Unlock()
		if hook != nil && !ok {
			hook(id, in)
		}
		return resp, nil
	})
	s.mt.RegisterRegexpResponder("GET", regexp.MustCompile(`/v2/executions/([^/]+)$`), func(r *http.Request) (*http.Response, error) {
		id := last(r.URL.Path)
		s.mu.Lock()
		defer s.mu.Unlock()
		ex, ok := s.execs[id]
		if !ok {
			return jsonResp(r, 404, map[string]any{"faultstring": "Execution not found [id=" + id + "]"}), nil
		}
		return jsonResp(r, 200, ex), nil
	})
	s.mt.RegisterRegexpResponder("PUT", regexp.MustCompile(`/v2/executions/([^/]+)$`), func(r *http.Request) (*http.Response, error) {
		id := last(r.URL.Path)
		body := readJSON(s.t, r)
		s.mu.Lock()
		s.cancels = append(s.cancels, id)
		s.mu.Unlock()
		s.setExec(id, body["state"].(string), "", nil)
		s.mu.Lock()
		defer s.mu.Unlock()
		return jsonResp(r, 200, s.execs[id]), nil
	})
	s.mt.RegisterRegexpResponder("GET", regexp.MustCompile(`/v2/executions/([^/]+)/tasks$`), func(r *http.Request) (*http.Response, error) {
		id := strings.Split(r.URL.Path, "/")[3]
		s.mu.Lock()
		defer s.mu.Unlock()
		return jsonResp(r, 200, map[string]any{"tasks": s.tasks[id]}), nil
	})
	s.mt.RegisterRegexpResponder("GET", regexp.MustCompile(`^`+ironicURL+`/nodes/([^/]+)$`), func(r *http.Request) (*http.Response, error) {
		id := last(r.URL.Path)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.ironicReqs = append(s.ironicReqs, "GET /v1/nodes/"+id)
		if s.ironicFail > 0 {
			s.ironicFail--
			return jsonResp(r, 503, map[string]any{"error_message": `{"faultstring": "Service Unavailable"}`}), nil
		}
		n, ok := s.nodes[id]
		if !ok {
			return jsonResp(r, 404, map[string]any{"error_message": `{"faultcode": "Client", "faultstring": "Node ` + id + ` could not be found.", "debuginfo": null}`}), nil
		}
		return jsonResp(r, 200, n), nil
	})
	s.mt.RegisterResponder("GET", ironicURL+"/nodes", func(r *http.Request) (*http.Response, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.ironicReqs = append(s.ironicReqs, "GET /v1/nodes?"+r.URL.RawQuery)
		q := r.URL.Query()
		order := s.nodeOrder
		if m := q.Get("marker"); m != "" {
			for i, id := range order {
				if id == m {
					order = order[i+1:]
					break
				}
			}
		}
		limit := len(order)
		if s.pageSize > 0 {
			limit = min(limit, s.pageSize)
		}
		list := make([]any, 0, limit)
		for _, id := range order[:limit] {
			list = append(list, s.nodes[id])
		}
		body := map[string]any{"nodes": list}
		if s.pageSize > 0 && limit == s.pageSize {
			// Ironic's next link: fields kept, limit and marker added
			body["next"] = fmt.Sprintf("%s/nodes?fields=%s&limit=%d&marker=%s", ironicURL, q.Get("fields"), s.pageSize, order[limit-1])
		}
		return jsonResp(r, 200, body), nil
	})
}

// setExec sets an execution's state (and output).
func (s *sim) setExec(id, state, info string, output map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.execs[id]
	wf, _ := old["workflow_name"].(string)
	in := map[string]any{}
	if raw, ok := old["input"].(string); ok {
		_ = json.Unmarshal([]byte(raw), &in)
	}
	s.execs[id] = execJSON(id, wf, state, info, in, output)
}

func (s *sim) execState(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, _ := s.execs[id]["state"].(string)
	return st
}

// node adds or changes an Ironic node; a provision state change stamps provision_updated_at.
func (s *sim) node(id string, fields map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.nodes[id]
	if !ok {
		n = map[string]any{"uuid": id, "name": nil, "provision_state": "manageable", "target_provision_state": nil,
			"power_state": "power off", "last_error": nil, "maintenance": false, "maintenance_reason": nil,
			"provision_updated_at": s.stampLocked(), "instance_uuid": nil, "driver": "ipmi"}
		s.nodes[id] = n
		s.nodeOrder = append(s.nodeOrder, id)
	}
	if st, ok := fields["provision_state"]; ok && st != n["provision_state"] {
		n["provision_updated_at"] = s.stampLocked()
	}
	for k, v := range fields {
		n[k] = v
	}
}

func (s *sim) stampLocked() string {
	s.clock++
	return time.Date(2026, 11, 24, 10, 0, s.clock, 0, time.UTC).Format(time.RFC3339)
}

func (s *sim) nodeState(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, _ := s.nodes[id]["provision_state"].(string)
	return st
}

func (s *sim) ironicCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ironicReqs)
}

func (s *sim) lastPost() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(s.t, s.posts)
	return s.posts[len(s.posts)-1]
}

func (s *sim) postsOf(wf string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, p := range s.posts {
		if p["workflow_name"] == wf {
			out = append(out, p)
		}
	}
	return out
}

// on scripts what a workflow does when it is started.
func (s *sim) on(wf string, f func(id string, in map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onStart[wf] = f
}

// finish posts the final message of execution id (standard envelope) and sets its Mistral state.
func (s *sim) finish(queue, wf, id, status, msg string, extra map[string]any) {
	s.message(queue, wf, id, "", status, msg, extra)
	state := tripleo.StateSuccess
	if status == tripleo.StatusFailed {
		state = tripleo.StateError
	}
	out := map[string]any{"status": status, "message": msg}
	for k, v := range extra {
		out[k] = v
	}
	if state == tripleo.StateError {
		out = map[string]any{"result": msg}
	}
	s.setExec(id, state, "", out)
}

// message posts a message of execution id (root "" for a top-level execution).
func (s *sim) message(queue, wf, id, root, status, msg string, extra map[string]any) {
	payload := map[string]any{"status": status, "message": msg, "execution_id": id, "root_execution_id": nil,
		"plan_name": nil, "deployment_status": nil}
	if root != "" {
		payload["root_execution_id"] = root
	}
	for k, v := range extra {
		payload[k] = v
	}
	s.n.post(s.t, queue, wf, payload)
}

func last(p string) string { return p[strings.LastIndex(p, "/")+1:] }

func readJSON(t testing.TB, r *http.Request) map[string]any {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m
}

func jsonResp(req *http.Request, status int, body any) *http.Response {
	r, _ := httpmock.NewJsonResponse(status, body)
	r.Request = req
	return r
}

// execJSON is an execution as Mistral renders it (JSON-string input/output).
func execJSON(id, wf, state, stateInfo string, input, output map[string]any) map[string]any {
	enc := func(v map[string]any) any {
		if v == nil {
			return nil
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	var si any
	if stateInfo != "" {
		si = stateInfo
	}
	return map[string]any{
		"id": id, "workflow_name": wf, "state": state, "state_info": si,
		"input": enc(input), "output": enc(output), "params": "{}",
		"created_at": "2026-11-24 10:00:00", "updated_at": "2026-11-24 10:00:01",
	}
}

// fakeNotifier is an in-process Notifier built on tripleo.Mailbox.
type fakeNotifier struct {
	mu       sync.Mutex
	subs     map[string][]*tripleo.Mailbox
	retained map[string][]tripleo.Message
	seq      int
}

func newFakeNotifier() *fakeNotifier {
	return &fakeNotifier{subs: map[string][]*tripleo.Mailbox{}, retained: map[string][]tripleo.Message{}}
}

func (n *fakeNotifier) Subscribe(_ context.Context, queue string, o tripleo.SubscribeOpts) (tripleo.Subscription, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var mb *tripleo.Mailbox
	mb = tripleo.NewMailbox(func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		subs := n.subs[queue]
		for i, s := range subs {
			if s == mb {
				n.subs[queue] = append(subs[:i:i], subs[i+1:]...)
				break
			}
		}
	})
	n.subs[queue] = append(n.subs[queue], mb)
	if o.Replay {
		mb.Put(n.retained[queue]...)
	}
	return mb, nil
}

// post publishes a message body {"type", "payload"} to queue.
func (n *fakeNotifier) post(t testing.TB, queue, typ string, payload map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"type": typ, "payload": payload})
	require.NoError(t, err)
	n.mu.Lock()
	n.seq++
	m := tripleo.Message{ID: fmt.Sprintf("m%04d", n.seq), Queue: queue}
	n.mu.Unlock()
	require.NoError(t, m.ParseBody(body))
	n.mu.Lock()
	n.retained[queue] = append(n.retained[queue], m)
	subs := append([]*tripleo.Mailbox(nil), n.subs[queue]...)
	n.mu.Unlock()
	for _, s := range subs {
		s.Put(m)
	}
}

func (n *fakeNotifier) subscribers(queue string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.subs[queue])
}

// events collects a run's events until its end.
func events[T any](t testing.TB, run *tripleo.Run[T]) []tripleo.Event {
	t.Helper()
	var out []tripleo.Event
	for ev, err := range run.All(context.Background()) {
		out = append(out, ev)
		_ = err
	}
	return out
}

// ofKind filters events.
func ofKind(evs []tripleo.Event, kind tripleo.EventKind, source string) []tripleo.Event {
	var out []tripleo.Event
	for _, ev := range evs {
		if ev.Kind == kind && (source == "" || ev.Source == source) {
			out = append(out, ev)
		}
	}
	return out
}

// roundTrip normalises a Go value to its JSON form (for comparing request bodies).
func roundTrip(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
