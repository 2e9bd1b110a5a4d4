package tripleotest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const (
	mockURL = "http://mistral.test/v2"
	regWF   = "tripleo.baremetal.v1.register_or_update"
)

// mockClient is a noauth Client on a MockMistral of its own transport.
func mockClient(t testing.TB, opts ...tripleo.Option) (*tripleo.Client, *tripleotest.MockMistral) {
	t.Helper()
	c, mt := tripleotest.NewMockClient(t, tripleo.Endpoints{Mistral: mockURL}, opts...)
	return c, tripleotest.NewMockMistral(mt, mockURL)
}

func TestMockMistralExecutions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, m := mockClient(t)
		var started []string
		m.OnStart(regWF, func(id string, in map[string]any) {
			started = append(started, id)
			assert.Equal(t, map[string]any{"nodes_json": []any{}}, in)
			m.Set(id, tripleo.StateSuccess, "", map[string]any{"registered_nodes": []any{}})
		})
		ex, err := c.CreateExecution(t.Context(), tripleo.CreateExecutionOpts{ID: "e0000000-0000-4000-8000-000000000001", WorkflowName: regWF, Input: map[string]any{"nodes_json": []any{}}})
		require.NoError(t, err)
		assert.Equal(t, tripleo.StateRunning, ex.State, "answered as created")
		assert.Equal(t, tripleo.StateSuccess, m.State(ex.ID), "then the hook ran")
		_, err = c.CreateExecution(t.Context(), tripleo.CreateExecutionOpts{ID: ex.ID, WorkflowName: regWF})
		require.NoError(t, err)
		assert.Equal(t, []string{ex.ID}, started, "a known id runs no hook")
		assert.Len(t, m.Posts(), 2)
		assert.Len(t, m.PostsOf(regWF), 2)
		assert.Empty(t, m.PostsOf("other"))
		assert.Equal(t, ex.ID, m.LastPost()["id"])

		got, err := c.GetExecution(t.Context(), ex.ID)
		require.NoError(t, err)
		assert.JSONEq(t, `[]`, string(got.Input["nodes_json"]), "Set keeps the input")
		assert.Len(t, m.GetTimes(), 1)
		_, err = c.GetExecution(t.Context(), "nope")
		assert.ErrorIs(t, err, tripleo.ErrNotFound)

		m.Add("e2", "wf", tripleo.StateRunning, nil, nil)
		assert.Equal(t, []string{ex.ID, "e2"}, m.Executions())
		_, err = c.CancelExecution(t.Context(), "e2", "stop")
		require.NoError(t, err)
		assert.Equal(t, tripleo.StateCancelled, m.State("e2"))
		assert.Equal(t, []string{"e2"}, m.Cancels())

		m.SetTasks("e2", []map[string]any{{"id": "t1", "name": "send_message", "state": "ERROR", "workflow_execution_id": "e2"}})
		tasks, err := c.ListTasks(t.Context(), "e2")
		require.NoError(t, err)
		require.Len(t, tasks, 1)
		assert.Equal(t, "send_message", tasks[0].Name)

		m.OnGET(httpmock.NewErrorResponder(errors.New("connection reset by peer")))
		_, err = c.GetExecution(t.Context(), "e2")
		assert.ErrorContains(t, err, "connection reset by peer")
		m.OnGET(nil)
		_, err = c.GetExecution(t.Context(), "e2")
		assert.NoError(t, err)

		m.FailPOSTs(400)
		_, err = c.CreateExecution(t.Context(), tripleo.CreateExecutionOpts{ID: "e0000000-0000-4000-8000-000000000003", WorkflowName: regWF})
		var api *tripleo.APIError
		require.ErrorAs(t, err, &api)
		assert.Equal(t, 400, api.StatusCode)
		assert.Equal(t, "Bad Request", api.Message)
		assert.Len(t, m.Posts(), 3, "a failed POST is recorded too")

		_, err = c.GetWorkflow(t.Context(), "wf")
		assert.ErrorIs(t, err, tripleo.ErrNotFound)
		m.AddWorkflow("wf", "version: '2.0'\nwf:\n  input:\n    - plan: overcloud\n  tasks: {}\n")
		w, err := c.GetWorkflow(t.Context(), "wf")
		require.NoError(t, err)
		assert.Equal(t, "wf", w.Name)
	})
}

func TestMockMistralActions(t *testing.T) {
	c, m := mockClient(t)
	m.OnAction("tripleo.plan.list", func(in map[string]any) (string, any) {
		assert.Equal(t, map[string]any{"a": float64(1)}, in)
		return tripleo.StateSuccess, []string{"overcloud"}
	})
	m.OnAction("std.fail", func(map[string]any) (string, any) { return tripleo.StateError, "boom" })
	var plans []string
	require.NoError(t, c.RunAction(t.Context(), "tripleo.plan.list", map[string]any{"a": 1}, &plans))
	assert.Equal(t, []string{"overcloud"}, plans)
	var ae *tripleo.ActionError
	require.ErrorAs(t, c.RunAction(t.Context(), "std.fail", nil, nil), &ae)
	assert.Equal(t, "boom", ae.Result)
	var api *tripleo.APIError
	require.ErrorAs(t, c.RunAction(t.Context(), "nope", nil, nil), &api)
	assert.Equal(t, 400, api.StatusCode)
	assert.Equal(t, "Action not found [action_name=nope]", api.Message)
	calls := m.ActionCalls()
	require.Len(t, calls, 3, "every call recorded, unknown ones too")
	assert.Equal(t, map[string]any{"name": "tripleo.plan.list", "input": map[string]any{"a": float64(1)},
		"params": map[string]any{"run_sync": true, "save_result": true}}, calls[0])
}

func TestMockHTTPHelpers(t *testing.T) {
	c, mt := tripleotest.NewMockClient(t, tripleo.Endpoints{Mistral: mockURL})
	var got map[string]any
	mt.RegisterResponder(http.MethodPost, mockURL+"/executions", func(r *http.Request) (*http.Response, error) {
		got = tripleotest.RequestJSON(t, r)
		resp := tripleotest.JSONResponse(r, http.StatusConflict, map[string]any{"faultstring": "taken"})
		assert.Same(t, r, resp.Request, "the pager needs the request")
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		return resp, nil
	})
	_, err := c.CreateExecution(t.Context(), tripleo.CreateExecutionOpts{ID: "e0000000-0000-4000-8000-000000000009", WorkflowName: "wf"})
	var api *tripleo.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "taken", api.Message)
	assert.Equal(t, "wf", got["workflow_name"])

	ft := &fakeT{TB: t}
	r, _ := http.NewRequest(http.MethodPost, mockURL, strings.NewReader("not json"))
	assert.Nil(t, tripleotest.RequestJSON(ft, r))
	assert.True(t, ft.failed, "a body that is not JSON fails the test")
}

func TestNotifierRecordsAndPosts(t *testing.T) {
	n := tripleotest.NewNotifier()
	s, err := n.Subscribe(context.Background(), "q", tripleo.SubscribeOpts{Replay: true})
	require.NoError(t, err)
	_, err = n.Subscribe(context.Background(), "bad queue", tripleo.SubscribeOpts{Ephemeral: true})
	require.Error(t, err)
	assert.Equal(t, []tripleo.SubscribeOpts{{Replay: true}}, n.Subscriptions(), "successful Subscribes only")
	assert.Equal(t, 1, n.Subscribers("q"))

	m := n.Post(t, "q", "tripleo.x.v1.wf", map[string]any{"status": "SUCCESS", "execution_id": "e1"})
	assert.Equal(t, "e1", m.Payload.ExecutionID)
	assert.Equal(t, "tripleo.x.v1.wf", m.Type)
	assert.Equal(t, []tripleo.Message{m}, s.Take())

	require.NoError(t, n.Flush(context.Background(), "q"))
	assert.Equal(t, 1, n.Flushes())

	ft := &fakeT{TB: t}
	n.Post(ft, "bad queue", "x", nil)
	assert.True(t, ft.failed, "Post fails the test on a bad queue")
}

// fakeT records Errorf instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Errorf(string, ...any) { f.failed = true }

// A workflow scripted with MockMistral and a Notifier: the hook posts the
// final message (in a test, n.Post(t, queue, type, payload) does it in one
// call) and sets the execution's state. Wrap a test in testing/synctest to
// run it on fake time.
func ExampleMockMistral() {
	mt := httpmock.NewMockTransport()
	m := tripleotest.NewMockMistral(mt, "http://mistral.test/v2")
	n := tripleotest.NewNotifier()
	m.OnStart(regWF, func(id string, in map[string]any) {
		n.Publish("tripleo", map[string]any{"type": regWF, "payload": map[string]any{
			"status": "SUCCESS", "message": "registered", "execution_id": id}})
		m.Set(id, tripleo.StateSuccess, "", nil)
	})
	c, _ := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test/v2"},
		tripleo.WithHTTPClient(&http.Client{Transport: mt}), tripleo.WithNotifier(n))
	ctx := context.Background()
	run, err := tripleo.Start(ctx, c, regWF, map[string]any{"nodes_json": []any{}}, tripleo.DecodeFinal, tripleo.StartOpts{})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := run.Wait(ctx)
	fmt.Println(f.Text(), err)
	fmt.Println(m.LastPost()["input"], n.Subscribers("tripleo"), len(m.GetTimes()))
	// Output:
	// registered <nil>
	// map[nodes_json:[]] 0 1
}
