package baremetal

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/tripleo-go/sdk/tripleo"
)

// BenchmarkWatchPoll measures one poll of the node watch over 1000 nodes
// (one list request, decode, compare with the baseline, progress events).
func BenchmarkWatchPoll(b *testing.B) {
	mt := httpmock.NewMockTransport()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test", Ironic: "http://ironic.test"},
		tripleo.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1000
	uuids := make([]string, n)
	nodes := make([]any, n)
	for i := range uuids {
		uuids[i] = fmt.Sprintf("%08d-0000-4000-8000-000000000000", i)
		nodes[i] = map[string]any{"uuid": uuids[i], "name": fmt.Sprintf("node-%d", i), "provision_state": "cleaning",
			"last_error": nil, "maintenance": false, "provision_updated_at": "2026-11-24T10:00:00+00:00"}
	}
	resp, _ := httpmock.NewJsonResponder(200, map[string]any{"nodes": nodes})
	mt.RegisterResponder("GET", "http://ironic.test/v1/nodes", resp)
	w := newWatch(c, WorkflowProvide, false, false, StateAvailable, uuids)
	w.prime(context.Background())
	emit := func(tripleo.Event) {}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.poll(context.Background(), emit)
	}
}
