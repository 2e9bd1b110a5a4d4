package tripleo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/tripleo-go/sdk/tripleo"
)

// maxListPages bounds the pages one fuzzed body may make a list read: every
// request gets the same body, so a list that follows its "next" link for
// ever would never end.
const maxListPages = 10

// FuzzMistralList serves a fuzzed page of executions for every request of
// ListExecutions: an error names the operation; the same page is not read
// again and again; a list read whole holds the body's executions once per
// page read.
func FuzzMistralList(f *testing.F) {
	for _, s := range []string{
		`{"executions": [{"id": "6c4c0b1e-0000-4000-8000-000000000001", "workflow_name": "tripleo.plan_management.v1.create_deployment_plan", "state": "SUCCESS", "input": "{\"container\": \"overcloud\"}", "output": "{}", "params": "{}"}], "next": "http://mistral.test/v2/executions?marker=6c4c0b1e-0000-4000-8000-000000000001&limit=1&sort_keys=created_at&sort_dirs=asc"}`,
		`{"executions": []}`,
		`{"executions": [{"id": "a"}, {"id": "b", "output": null}]}`,
		`{"executions": [{"id": "a"}], "next": "http://mistral.test/v2/executions?limit=1"}`,
		`{"executions": [{"id": "a"}], "next": "%zz"}`,
		`{"executions": {"id": "a"}}`,
		`{"executions": [{"input": "[1]"}]}`,
	} {
		f.Add([]byte(s))
	}
	c, mt := newMockClient(f)
	var body []byte
	var requests atomic.Int32
	mt.RegisterRegexpResponder("GET", regexp.MustCompile(`^http://mistral\.test/v2/executions`), func(r *http.Request) (*http.Response, error) {
		if requests.Add(1) > maxListPages {
			return httpmock.NewStringResponse(418, `{"faultstring": "too many pages"}`), nil
		}
		resp := httpmock.NewBytesResponse(200, body)
		resp.Header.Set("Content-Type", "application/json")
		resp.Request = r
		return resp, nil
	})

	f.Fuzz(func(t *testing.T, data []byte) {
		body = data
		requests.Store(0)
		exs, err := c.ListExecutions(context.Background(), tripleo.ListExecutionsOpts{WorkflowName: "tripleo.fuzz", Limit: 1})
		if n := requests.Load(); n > maxListPages {
			t.Fatalf("the same page was read %d times", n)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "mistral: list executions: ") {
				t.Fatalf("error without the operation: %v", err)
			}
			return
		}
		var page struct {
			Executions []json.RawMessage `json:"executions"`
		}
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(&page); err != nil { // as gophercloud reads a body
			t.Fatalf("%d executions from a body that does not decode: %v", len(exs), err)
		}
		if want := len(page.Executions) * int(requests.Load()); len(exs) != want && len(page.Executions) > 0 {
			t.Fatalf("%d executions, want %d (%d pages)", len(exs), want, requests.Load())
		}
	})
}
