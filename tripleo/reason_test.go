package tripleo_test

import (
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// A run ended by a bare `fail` (state_info null, no message) keeps its reason:
// from output-on-error's result, else from the failed tasks.
func TestWorkflowErrorReasonFromOutputAndTasks(t *testing.T) {
	const setState = "tripleo.baremetal.v1.set_node_state"
	gone := "IronicAction.node.set_provision_state failed: Node n9 could not be found. (HTTP 404)"

	t.Run("output-on-error", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, sim := newEngine(t, nil)
			sim.OnStart(setState, func(id string, _ map[string]any) {
				sim.Set(id, "ERROR", "", map[string]any{"result": gone})
			})
			run, err := tripleo.Start(t.Context(), c, setState, map[string]any{"node_uuid": "n9"}, tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
			require.NoError(t, err)
			_, err = run.Wait(t.Context())
			var we *tripleo.WorkflowError
			require.ErrorAs(t, err, &we)
			assert.Empty(t, we.StateInfo)
			assert.Equal(t, gone, we.Reason)
			assert.Equal(t, "workflow "+setState+" (execution "+run.ExecutionID()+") ended ERROR: "+gone, err.Error())
		})
	})

	t.Run("failed task result", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, mt := newMockClient(t)
			sim := tripleotest.NewMockMistral(mt, mistralURL)
			bounded(t)
			sim.OnStart(setState, func(id string, _ map[string]any) {
				sim.Set(id, "ERROR", "", map[string]any{"result": nil})
				sim.SetTasks(id, []map[string]any{
					{"id": "t1", "name": "set_provision_state", "state": "ERROR", "state_info": nil},
					{"id": "t2", "name": "set_provision_state_failed", "state": "SUCCESS", "result": `{"k": "unrelated"}`},
				})
			})
			// the list leaves the result out: the task itself is read
			mt.RegisterResponder(http.MethodGet, mistralURL+"/tasks/t1", func(r *http.Request) (*http.Response, error) {
				return tripleotest.JSONResponse(r, http.StatusOK, map[string]any{"id": "t1", "state": "ERROR", "result": `"` + gone + `"`}), nil
			})
			run, err := tripleo.Start(t.Context(), c, setState, map[string]any{"node_uuid": "n9"}, tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
			require.NoError(t, err)
			_, err = run.Wait(t.Context())
			var we *tripleo.WorkflowError
			require.ErrorAs(t, err, &we)
			assert.Equal(t, gone, we.Reason)
			assert.Contains(t, err.Error(), "ended ERROR: "+gone)
			assert.NotContains(t, err.Error(), "unrelated", "only failed tasks speak")
		})
	})

	t.Run("failed std.http task", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, mt := newMockClient(t)
			sim := tripleotest.NewMockMistral(mt, mistralURL)
			bounded(t)
			sim.OnStart(setState, func(id string, _ map[string]any) {
				sim.Set(id, "ERROR", "", map[string]any{"result": nil})
				sim.SetTasks(id, []map[string]any{{"id": "t1", "name": "get", "state": "ERROR",
					"state_info": "{'content': {'error_message': '...'}, 'status': 404, 'headers': {'X-Openstack-Request-Id': 'req-1'}}"}})
			})
			mt.RegisterResponder(http.MethodGet, mistralURL+"/tasks/t1", func(r *http.Request) (*http.Response, error) {
				return tripleotest.JSONResponse(r, http.StatusOK, map[string]any{"id": "t1", "state": "ERROR",
					"result": `{"content": {"error_message": "{\"faultcode\": \"Client\", \"faultstring\": \"Node n9 could not be found.\", \"debuginfo\": null}"}, "status": 404, "headers": {"X-Openstack-Request-Id": "req-1"}}`}), nil
			})
			run, err := tripleo.Start(t.Context(), c, setState, nil, tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
			require.NoError(t, err)
			_, err = run.Wait(t.Context())
			var we *tripleo.WorkflowError
			require.ErrorAs(t, err, &we)
			assert.Equal(t, "HTTP 404: Node n9 could not be found.", we.Reason, "the server's message, not the response dict")
		})
	})

	t.Run("state_info wins", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, sim := newEngine(t, nil)
			sim.OnStart(setState, func(id string, _ map[string]any) {
				sim.Set(id, "ERROR", "Failure caused by error in tasks: x", map[string]any{"result": "Failure caused by error in tasks: x"})
			})
			run, err := tripleo.Start(t.Context(), c, setState, nil, tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
			require.NoError(t, err)
			_, err = run.Wait(t.Context())
			var we *tripleo.WorkflowError
			require.ErrorAs(t, err, &we)
			assert.Empty(t, we.Reason, "not looked for")
			assert.Contains(t, err.Error(), "Failure caused by error in tasks: x")
		})
	})
}
