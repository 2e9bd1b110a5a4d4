package deployment

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stackevents"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/tripleo-go/sdk/tripleo"
)

// fuzzHeat answers every request with status and body (no socket).
type fuzzHeat struct {
	status   int
	body     []byte
	requests int
}

func (h *fuzzHeat) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.requests++; h.requests > maxEventPages {
		return &http.Response{StatusCode: 418, Status: "418 I'm a teapot", Request: r, Body: io.NopCloser(bytes.NewReader(nil))}, nil
	}
	return &http.Response{
		StatusCode: h.status, Status: http.StatusText(h.status), Request: r,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(bytes.NewReader(h.body)),
	}, nil
}

func fuzzClient(f *testing.F, h *fuzzHeat) *tripleo.Client {
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test/v2", Heat: "http://heat.test/v1/admin"},
		tripleo.WithHTTPClient(&http.Client{Transport: h}))
	if err != nil {
		f.Fatal(err)
	}
	return c
}

func seedFile(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "seeds", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// maxEventPages bounds the requests of one fuzzed input: the test Heat
// answers every page request with the same body.
const maxEventPages = 10

// FuzzHeatEventPage reads a Heat events page as the watch does (the body as
// gophercloud decodes it) and feeds its events to a follower: a page is either
// read whole or reported; the marker is the last event's id; times read back;
// the resource counters never go negative nor exceed the resources seen; and
// paging (eachEventPage, the same body for every marker) does not read the
// same page again and again.
func FuzzHeatEventPage(f *testing.F) {
	f.Add(seedFile(f, "events-page.json"))
	for _, s := range []string{
		`{"events": []}`,
		`{"events": [1]}`,
		`{"events": {}}`,
		`{"events": [{"id": 5, "links": "x", "event_time": "2018-03-01T12:00:00+99:00"}]}`,
		`{"events": [{"id": "a", "resource_name": "r", "resource_status": "CREATE_COMPLETE", "links": [{"rel": "stack", "href": "/stacks//"}]}, {"id": "b", "resource_name": "r", "resource_status": "INIT_COMPLETE"}]}`,
		`{"events": [{"id": "a", "resource_name": "overcloud", "physical_resource_id": "sid", "resource_status": "UPDATE_FAILED", "links": [{"rel": "stack", "href": "%zz"}]}]}`,
		`[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	h := &fuzzHeat{status: 200}
	c := fuzzClient(f, h)

	f.Fuzz(func(t *testing.T, data []byte) {
		h.body, h.requests = data, 0
		err := eachEventPage(context.Background(), c, "overcloud", "sid", eventQuery{SortDir: "asc", Limit: 2}, func([]stackevents.Event) bool { return true })
		if h.requests > maxEventPages {
			t.Fatalf("the same page was read %d times", h.requests)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "heat: list events of stack overcloud: ") {
			t.Fatalf("error without the operation: %v", err)
		}

		var body any
		if json.Unmarshal(data, &body) != nil {
			return // gophercloud reports a body that is not JSON
		}
		p := newEventPage(pagination.PageResult{Result: gophercloud.Result{Body: body}}).(eventPage)
		empty, err := p.IsEmpty()
		if err != nil {
			t.Fatalf("IsEmpty: %v", err)
		}
		evs, err := p.events()
		marker, merr := p.LastMarker()
		if merr != nil {
			t.Fatalf("LastMarker: %v", merr)
		}
		if err != nil {
			if empty {
				t.Fatalf("a malformed page is empty: the pager would end without the error %v", err)
			}
			return
		}
		if empty != (len(evs) == 0) || len(evs) != len(p.items()) {
			t.Fatalf("empty %v with %d events of %d items", empty, len(evs), len(p.items()))
		}
		if len(evs) > 0 && marker != evs[len(evs)-1].ID {
			t.Fatalf("marker %q, last event %q", marker, evs[len(evs)-1].ID)
		}
		for _, e := range evs {
			if !e.Time.IsZero() {
				if back := heatTime(e.Time.Format(time.RFC3339Nano)); !back.Equal(e.Time) {
					t.Fatalf("time %v reads back as %v", e.Time, back)
				}
			}
		}

		fo := &follower{c: c, name: "overcloud", id: "sid", seen: tripleo.NewSeen(seenEvents)}
		run := tripleo.Go(context.Background(), c, "fuzz", func(_ context.Context, s *tripleo.Scope) (int, error) {
			for i := range evs {
				fo.handle(s, &evs[i])
			}
			return 0, nil
		})
		if _, err := run.Wait(context.Background()); err != nil {
			t.Fatalf("handling the events: %v", err)
		}
		n := fo.counts()
		if n.InProgress < 0 || n.Failed < 0 || n.Done < 0 || n.InProgress+n.Failed+n.Done > n.Total || n.Total != len(fo.table.rows) {
			t.Fatalf("counters %+v for %d resources", n, len(fo.table.rows))
		}
		for _, ev := range run.Snapshot() {
			if se, ok := ev.Data.(StackEvent); ok && se.StackID == "" {
				t.Fatalf("event without a stack id: %+v", se)
			}
		}
	})
}

// FuzzHeatStack reads a stack body through getStack: an error names the
// operation; outputs are exactly the string output_keys; times read back.
func FuzzHeatStack(f *testing.F) {
	f.Add(seedFile(f, "stack.json"))
	for _, s := range []string{
		`{"stack": {"outputs": [{"output_key": 1}, {"output_key": "a"}, {"output_key": "a", "output_value": 2}, null]}}`,
		`{"stack": {"outputs": {}, "creation_time": 5}}`,
		`{"stack": null}`, `{}`, `[]`, `"x"`,
		`{"stack": {"creation_time": "2018-13-01T00:00:00", "updated_time": "0001-01-01T00:00:00Z"}}`,
	} {
		f.Add([]byte(s))
	}
	h := &fuzzHeat{status: 200}
	c := fuzzClient(f, h)

	f.Fuzz(func(t *testing.T, data []byte) {
		h.body = data
		st, err := getStack(context.Background(), c, "overcloud", "sid")
		if err != nil {
			if st != nil {
				t.Fatalf("a stack and an error")
			}
			if !strings.HasPrefix(err.Error(), "heat: get stack overcloudsid") {
				t.Fatalf("error without the operation: %v", err)
			}
			return
		}
		var body struct {
			Stack struct {
				Outputs []map[string]any `json:"outputs"`
			} `json:"stack"`
		}
		_ = json.Unmarshal(data, &body)
		var keys []string
		for _, o := range body.Stack.Outputs {
			if k, ok := o["output_key"].(string); ok {
				keys = append(keys, k)
			}
		}
		keys = uniq(keys)
		var got []string
		for k := range st.Outputs {
			got = append(got, k)
		}
		sort.Strings(got)
		if strings.Join(got, "\x00") != strings.Join(keys, "\x00") || (len(keys) == 0) != (st.Outputs == nil) {
			t.Fatalf("outputs %q, output_keys %q", got, keys)
		}
		for _, tm := range []time.Time{st.CreationTime, st.UpdatedTime} {
			if !tm.IsZero() && !heatTime(tm.Format(time.RFC3339Nano)).Equal(tm) {
				t.Fatalf("time %v does not read back", tm)
			}
		}
		if a := st.Action(); a != "" && !strings.HasPrefix(st.Status, a+"_") {
			t.Fatalf("action %q of status %q", a, st.Status)
		}
	})
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// FuzzDeployOutput reads a deployment workflow's output (the execution's
// output object) for its deployment status and per-server results: the
// status is a plain word that reads back as itself; the results are sorted,
// one per server uuid, with an upper-case status.
func FuzzDeployOutput(f *testing.F) {
	f.Add(seedFile(f, "deploy-output.json"))
	for _, s := range []string{
		`{"deployment_status": "DEPLOY_FAILED"}`,
		`{"deployment_status": {"deployment_status": "\"DEPLOYING\""}}`,
		`{"deployment_status": "\"{\\\"deployment_status\\\": null}\""}`,
		`{"results": [{"result": "x", "server_uuid": "u1", "status_code": "1e400"}, {"server_uuid": null}]}`,
		`{"result": [{"server_uuid": "\"", "status": "failed", "status_code": "NaN"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out tripleo.Object
		if json.Unmarshal(data, &out) != nil {
			return
		}
		fin := &tripleo.Final{Workflow: "tripleo.deployment.v1.deploy_plan", ExecutionID: "e", Execution: &tripleo.Execution{Output: out}}
		st := finalDeployStatus(fin)
		if s := string(st); s != strings.TrimSpace(s) || strings.HasPrefix(s, "{") || strings.HasPrefix(s, `"`) || s == "null" {
			t.Fatalf("status %q", s)
		}
		if again := parseDeployStatus(string(st)); again != st {
			t.Fatalf("status %q reads back as %q", st, again)
		}
		res := finalServerResults(fin)
		seen := map[string]bool{}
		for i, r := range res {
			if r.ServerUUID == "" || r.ServerUUID == "null" || seen[r.ServerUUID] {
				t.Fatalf("result %d: uuid %q (seen %v)", i, r.ServerUUID, seen[r.ServerUUID])
			}
			seen[r.ServerUUID] = true
			if r.Status != strings.ToUpper(r.Status) || r.Status == "" {
				t.Fatalf("status %q", r.Status)
			}
			if i > 0 && (res[i-1].ServerName > r.ServerName || res[i-1].ServerName == r.ServerName && res[i-1].ServerUUID > r.ServerUUID) {
				t.Fatalf("not sorted: %+v before %+v", res[i-1], r)
			}
		}
	})
}
