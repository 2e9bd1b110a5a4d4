package baremetal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tripleo-go/sdk/tripleo"
)

// fuzzIronic serves body for GET /v1/nodes (the first page; later pages are
// empty) and for GET /v1/nodes/{uuid}.
type fuzzIronic struct {
	mu    sync.Mutex
	body  []byte
	pages int
}

func (h *fuzzIronic) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	body := h.body
	if strings.HasSuffix(r.URL.Path, "/nodes") {
		if h.pages++; h.pages > 1 {
			body = []byte(`{"nodes": []}`)
		}
	}
	h.mu.Unlock()
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Request: r,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(bytes.NewReader(body)),
	}, nil
}

// FuzzIronicNodes reads an Ironic node listing through ListNodes and a node
// object through readNodes: an error names the operation; the nodes listed
// are those of the body, in its order; the filters hold; a node read by uuid
// keeps that uuid when the body has none.
func FuzzIronicNodes(f *testing.F) {
	for _, s := range []string{
		`{"nodes": [{"uuid": "9f7a8c2e-0000-4000-8000-000000000001", "name": "ctrl-0", "provision_state": "manageable", "target_provision_state": null, "power_state": "power off", "last_error": null, "maintenance": false, "maintenance_reason": null, "provision_updated_at": "2018-03-01T12:00:00+00:00", "instance_uuid": null}, {"uuid": "9f7a8c2e-0000-4000-8000-000000000002", "name": null, "provision_state": "clean failed", "target_provision_state": "available", "power_state": null, "last_error": "Failed to tear down. Error: IPMI call failed: power status.", "maintenance": true, "maintenance_reason": "Timeout reached while cleaning the node.", "provision_updated_at": null, "instance_uuid": "4b0c2c1e-0000-4000-8000-00000000000a"}], "next": "http://ironic.test/v1/nodes?limit=2&marker=9f7a8c2e-0000-4000-8000-000000000002&fields=uuid"}`,
		`{"uuid": "9f7a8c2e-0000-4000-8000-000000000001", "name": "ctrl-0", "provision_state": "available", "maintenance": false}`,
		`{"nodes": [{"uuid": 1}]}`,
		`{"nodes": {}}`,
		`{"nodes": null, "next": "%zz"}`,
		`{"nodes": [null, {}]}`,
		`{"nodes": [{"uuid": "9f7a8c2e-0000-4000-8000-000000000001", "uuid": null}]}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	h := &fuzzIronic{}
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test/v2", Ironic: "http://ironic.test"},
		tripleo.WithHTTPClient(&http.Client{Transport: h}))
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		h.mu.Lock()
		h.body, h.pages = data, 0
		h.mu.Unlock()
		nodes, err := ListNodes(context.Background(), c, ListNodesOpts{})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "ironic: list nodes: ") {
				t.Fatalf("error without the operation: %v", err)
			}
		} else {
			// As gophercloud reads a body: its first JSON value, as generic
			// values (of duplicate keys the last wins), then into the type.
			var body any
			if err := json.NewDecoder(bytes.NewReader(data)).Decode(&body); err != nil {
				t.Fatalf("listed %d nodes from a body that does not decode: %v", len(nodes), err)
			}
			generic, _ := json.Marshal(body)
			var page struct {
				Nodes []NodeState `json:"nodes"`
			}
			if err := json.Unmarshal(generic, &page); err != nil {
				t.Fatalf("listed %d nodes from a body whose nodes do not decode: %v", len(nodes), err)
			}
			if !slices.Equal(nodes, page.Nodes) && len(nodes)+len(page.Nodes) > 0 {
				t.Fatalf("listed %+v, the body holds %+v", nodes, page.Nodes)
			}
			for _, n := range nodes {
				_ = fmt.Sprint(n, n.Label(), n.Failed())
			}
			h.mu.Lock()
			h.pages = 0
			h.mu.Unlock()
			kept, err := ListNodes(context.Background(), c, ListNodesOpts{Maintenance: Without, ProvisionState: "available"})
			if err != nil {
				t.Fatalf("the same body, filtered: %v", err)
			}
			for _, n := range kept {
				if n.Maintenance || n.ProvisionState != "available" {
					t.Fatalf("filter let %+v through", n)
				}
			}
		}

		const id = "9f7a8c2e-0000-4000-8000-0000000000ff"
		states, missing, err := readNodes(context.Background(), c, []string{id})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "ironic: get node "+id+": ") {
				t.Fatalf("error without the operation: %v", err)
			}
			return
		}
		if len(missing) != 0 || len(states) != 1 {
			t.Fatalf("states %+v, missing %v", states, missing)
		}
		if s := states[id]; s.UUID == "" {
			t.Fatalf("node read by uuid has none: %+v", s)
		}
	})
}

// FuzzWorkflowResults reads a baremetal workflow's output (the execution's
// output object) as the introspection and registration decoders do: every
// node is reported once; a node the workflow reports as failed is failed; the
// nodes asked for come first, in order; new nodes are registered nodes.
func FuzzWorkflowResults(f *testing.F) {
	for _, s := range []string{
		`{"introspected_nodes": {"9f7a8c2e-0000-4000-8000-000000000001": {"uuid": "9f7a8c2e-0000-4000-8000-000000000001", "finished": true, "error": null, "state": "finished", "started_at": "2018-03-01T12:00:00", "finished_at": "2018-03-01T12:04:00"}, "9f7a8c2e-0000-4000-8000-000000000002": {"finished": true, "error": "Introspection timeout"}}, "failed_introspection": ["9f7a8c2e-0000-4000-8000-000000000002"], "message": "Introspection completed with errors"}`,
		`{"introspected_nodes": [{"uuid": "a", "finished": false}], "failed_introspection": [{"uuid": "b", "error": "x"}, "a", 5, ""]}`,
		`{"introspected_nodes": {"a": {"uuid": "b", "finished": true}}, "failed_introspection": ["a"]}`,
		`{"registered_nodes": [{"uuid": "9f7a8c2e-0000-4000-8000-000000000001", "name": "ctrl-0", "provision_state": "enroll", "power_state": null, "driver": "ipmi", "resource_class": "baremetal", "maintenance": false, "last_error": null, "properties": {"cpus": "4", "memory_mb": "8192", "local_gb": "40", "capabilities": "boot_option:local"}}, {"uuid": "9f7a8c2e-0000-4000-8000-000000000002", "provision_state": "manageable"}], "new_nodes": null, "message": "Nodes set to managed."}`,
		`{"registered_nodes": [{"uuid": "a", "provision_state": "enroll"}], "new_nodes": [{"uuid": "b"}]}`,
		`{"registered_nodes": "[]", "new_nodes": 5}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, ask bool) {
		var out tripleo.Object
		if json.Unmarshal(data, &out) != nil {
			return
		}
		fin := &tripleo.Final{Workflow: "tripleo.baremetal.v1.introspect", ExecutionID: "e", Execution: &tripleo.Execution{Output: out}}

		in, err := decodeIntrospection(fin)
		if err != nil {
			t.Fatalf("decodeIntrospection: %v", err)
		}
		var asked []string
		if ask {
			asked = []string{"a", "9f7a8c2e-0000-4000-8000-000000000001"}
		}
		res := newIntroTracker("e", asked, nil).result(in, true)
		seen := map[string]bool{}
		for i, n := range res.Nodes {
			if n.UUID == "" || seen[n.UUID] {
				t.Fatalf("node %d: uuid %q (twice: %v)", i, n.UUID, seen[n.UUID])
			}
			seen[n.UUID] = true
			if i < len(asked) && n.UUID != asked[i] {
				t.Fatalf("node %d is %q, asked %q", i, n.UUID, asked[i])
			}
		}
		for _, fl := range normaliseFailed(in.failed) {
			for _, n := range res.Nodes {
				if n.UUID == fl.UUID && !n.Failed() {
					t.Fatalf("node %s reported failed is not: %+v", n.UUID, n)
				}
			}
		}

		reg, err := decodeRegistered(fin)
		if err != nil {
			return
		}
		for _, n := range reg.New {
			if !n.New || !slices.ContainsFunc(reg.Nodes, func(r RegisteredNode) bool { return r.UUID == n.UUID }) {
				t.Fatalf("new node %+v is not a registered node", n)
			}
		}
	})
}
