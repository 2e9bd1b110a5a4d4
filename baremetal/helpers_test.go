package baremetal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
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
	ironicURL  = "http://ironic.test/v1"
)

// Node uuids used across the tests.
const (
	uuid1 = "11111111-1111-4111-8111-111111111111"
	uuid2 = "22222222-2222-4222-8222-222222222222"
	uuid3 = "33333333-3333-4333-8333-333333333333"
)

// sim is an in-memory Mistral (a tripleotest.MockMistral: OnStart scripts
// what each workflow does when started) + Ironic behind a per-test httpmock
// transport, with a tripleotest.Notifier.
type sim struct {
	*tripleotest.MockMistral
	t  testing.TB
	mt *httpmock.MockTransport
	c  *tripleo.Client
	n  *tripleotest.Notifier

	mu         sync.Mutex
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
	s := &sim{t: t, n: tripleotest.NewNotifier(), nodes: map[string]map[string]any{}}
	if notifier {
		opts = append([]tripleo.Option{tripleo.WithNotifier(s.n)}, opts...)
	}
	s.c, s.mt = tripleotest.NewMockClient(t, tripleo.Endpoints{Mistral: mistralURL, Ironic: "http://ironic.test"}, opts...)
	s.MockMistral = tripleotest.NewMockMistral(s.mt, mistralURL)
	s.routes()
	return s
}

func (s *sim) routes() {
	s.mt.RegisterRegexpResponder("GET", regexp.MustCompile(`^`+ironicURL+`/nodes/([^/]+)$`), func(r *http.Request) (*http.Response, error) {
		id := httpmock.MustGetSubmatch(r, 1)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.ironicReqs = append(s.ironicReqs, "GET /v1/nodes/"+id)
		if s.ironicFail > 0 {
			s.ironicFail--
			return tripleotest.JSONResponse(r, 503, map[string]any{"error_message": `{"faultstring": "Service Unavailable"}`}), nil
		}
		n, ok := s.nodes[id]
		if !ok {
			return tripleotest.JSONResponse(r, 404, map[string]any{"error_message": `{"faultcode": "Client", "faultstring": "Node ` + id + ` could not be found.", "debuginfo": null}`}), nil
		}
		return tripleotest.JSONResponse(r, 200, n), nil
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
		return tripleotest.JSONResponse(r, 200, body), nil
	})
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

func (s *sim) ironicCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ironicReqs)
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
	s.Set(id, state, "", out)
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
	s.n.Post(s.t, queue, wf, payload)
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
