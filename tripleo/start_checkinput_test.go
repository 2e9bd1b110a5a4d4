package tripleo_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// Start with CheckInput retries a transient 5xx of the workflow GET like it
// retries the create (found by tripleotest's WithServerErrors knob).
func TestStartCheckInputRetriesWorkflowGet(t *testing.T) {
	c, mt := newMockClient(t)
	gets := 0
	mt.RegisterResponder("GET", mistralURL+"/workflows/tripleo.x.v1.wf", func(req *http.Request) (*http.Response, error) {
		gets++
		if gets == 1 {
			return tripleotest.JSONResponse(req, 503, map[string]any{"faultstring": "busy"}), nil
		}
		return tripleotest.JSONResponse(req, 200, map[string]any{"name": "tripleo.x.v1.wf",
			"definition": "version: '2.0'\ntripleo.x.v1.wf:\n  input:\n    - a\n  tasks: {}\n"}), nil
	})
	mt.RegisterResponder("POST", mistralURL+"/executions", func(req *http.Request) (*http.Response, error) {
		return tripleotest.JSONResponse(req, 201, tripleotest.ExecutionJSON(tripleotest.RequestJSON(t, req)["id"].(string), "tripleo.x.v1.wf", "RUNNING", "", nil, nil)), nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := tripleo.Start(ctx, c, "tripleo.x.v1.wf", map[string]any{"a": 1}, tripleo.DecodeNothing, tripleo.StartOpts{CheckInput: true, NoQueue: true})
	require.NoError(t, err)
	require.Equal(t, 2, gets)
	require.NotEmpty(t, r.ExecutionID())
	cancel()
	_, err = r.Wait(context.Background())
	require.Error(t, err)

	// a 404 is not retried
	notFound := 0
	mt.RegisterResponder("GET", mistralURL+"/workflows/tripleo.nope", func(req *http.Request) (*http.Response, error) {
		notFound++
		return tripleotest.JSONResponse(req, 404, map[string]any{"faultstring": "Workflow not found"}), nil
	})
	_, err = tripleo.Start(context.Background(), c, "tripleo.nope", nil, tripleo.DecodeNothing, tripleo.StartOpts{CheckInput: true, NoQueue: true})
	require.True(t, tripleo.IsNotFound(err), "%v", err)
	require.Equal(t, 1, notFound)
}
