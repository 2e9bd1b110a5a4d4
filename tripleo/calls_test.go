package tripleo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const registerDef = `---
version: '2.0'
tripleo.baremetal.v1.register_or_update:
  input:
    - nodes_json
    - remove: False
    - queue_name: tripleo
    - kernel_name: null
    - ramdisk_name: null
    - instance_boot_option: local
    - initial_state: manageable
  tags:
    - tripleo-common-managed
  tasks:
    validate_input:
      workflow: tripleo.baremetal.v1.validate_nodes
`

func TestListWorkflowsPagesAndFiltersByPrefix(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", mistralURL+"/workflows", func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("marker") == "" {
			return tripleotest.JSONResponse(r, 200, map[string]any{
				"workflows": []any{
					map[string]any{"id": "1", "name": "tripleo.plan_management.v1.create_default_deployment_plan", "input": "container, queue_name=tripleo"},
					map[string]any{"id": "2", "name": "std.create_instance"},
				},
				"next": mistralURL + "/workflows?marker=2&limit=2",
			}), nil
		}
		assert.Equal(t, "2", r.URL.Query().Get("marker"))
		return tripleotest.JSONResponse(r, 200, map[string]any{"workflows": []any{
			map[string]any{"id": "3", "name": "tripleo.baremetal.v1.provide", "input": "node_uuids, queue_name=tripleo"},
		}}), nil
	})
	wfs, err := c.ListWorkflows(context.Background(), "")
	require.NoError(t, err)
	var names []string
	for _, w := range wfs {
		names = append(names, w.Name)
	}
	assert.Equal(t, []string{"tripleo.baremetal.v1.provide", "tripleo.plan_management.v1.create_default_deployment_plan"}, names)
	assert.Equal(t, 2, mt.GetTotalCallCount())

	all, err := c.ListWorkflows(context.Background(), "*")
	require.NoError(t, err)
	assert.Len(t, all, 3)
}

func TestGetWorkflowParsesInputsFromDefinition(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", mistralURL+"/workflows/tripleo.baremetal.v1.register_or_update",
		httpmock.NewJsonResponderOrPanic(200, map[string]any{
			"id": "w1", "name": "tripleo.baremetal.v1.register_or_update", "definition": registerDef,
			"input": "nodes_json, remove=False, queue_name=tripleo, kernel_name=None, ramdisk_name=None, instance_boot_option=local, initial_state=manageable",
		}))
	w, err := c.GetWorkflow(context.Background(), "tripleo.baremetal.v1.register_or_update")
	require.NoError(t, err)
	assert.Equal(t, []tripleo.Input{
		{Name: "nodes_json", Required: true},
		{Name: "remove", Default: false},
		{Name: "queue_name", Default: "tripleo"},
		{Name: "kernel_name"},
		{Name: "ramdisk_name"},
		{Name: "instance_boot_option", Default: "local"},
		{Name: "initial_state", Default: "manageable"},
	}, w.Inputs)

	err = tripleo.CheckInput(w.Inputs, map[string]any{"remove": true, "nodes": 1})
	probs := tripleo.Problems(err)
	require.Len(t, probs, 2)
	assert.Equal(t, "nodes_json", probs[0].Field)
	assert.Equal(t, "nodes", probs[1].Field)
	assert.True(t, errors.Is(err, tripleo.ErrInvalidInput))
}

func TestParseInputsForms(t *testing.T) {
	// a workflow's own spec, as Mistral stores workflows of a workbook
	in, err := tripleo.ParseInputs("input:\n  - container\n  - queue_name: tripleo\ntasks: {}\n", "x.y")
	require.NoError(t, err)
	assert.Equal(t, []tripleo.Input{{Name: "container", Required: true}, {Name: "queue_name", Default: "tripleo"}}, in)
	// a workbook
	in, err = tripleo.ParseInputs("version: '2.0'\nname: tripleo.plan_management.v1\nworkflows:\n  create_deployment_plan:\n    input:\n      - container\n      - generate_passwords: true\n    tasks: {}\n  other:\n    tasks: {}\n", "tripleo.plan_management.v1.create_deployment_plan")
	require.NoError(t, err)
	assert.Equal(t, []tripleo.Input{{Name: "container", Required: true}, {Name: "generate_passwords", Default: true}}, in)
	_, err = tripleo.ParseInputs("::: not yaml", "x")
	assert.Error(t, err)
	// several pairs in one entry: sorted by name, the same on every call
	for range 20 {
		in, err = tripleo.ParseInputs("input: [a, {c: [x], b: 1, d: null}]\n", "x")
		require.NoError(t, err)
		assert.Equal(t, []tripleo.Input{{Name: "a", Required: true}, {Name: "b", Default: 1}, {Name: "c", Default: []any{"x"}}, {Name: "d"}}, in)
	}
}

func TestCreateExecutionSendsIDInputAndRevealsSecretsOnlyOnTheWire(t *testing.T) {
	c, mt := newMockClient(t)
	var body map[string]any
	mt.RegisterResponder("POST", mistralURL+"/executions", func(r *http.Request) (*http.Response, error) {
		body = tripleotest.RequestJSON(t, r)
		return tripleotest.JSONResponse(r, 201, tripleotest.ExecutionJSON("6c4c0b1e-0000-4000-8000-000000000001", "wf", "RUNNING", "", map[string]any{"a": 1}, nil)), nil
	})
	ex, err := c.CreateExecution(context.Background(), tripleo.CreateExecutionOpts{
		ID: "6c4c0b1e-0000-4000-8000-000000000001", WorkflowName: "wf",
		Input:       map[string]any{"nodes_json": []any{map[string]any{"pm_password": tripleo.Secret("hunter22")}}},
		Description: "d",
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"id": "6c4c0b1e-0000-4000-8000-000000000001", "workflow_name": "wf", "description": "d",
		"input": map[string]any{"nodes_json": []any{map[string]any{"pm_password": "hunter22"}}},
	}, body)
	assert.Equal(t, "RUNNING", ex.State)
	var a int
	ok, err := ex.Input.Decode("a", &a)
	require.True(t, ok)
	require.NoError(t, err)
	assert.Equal(t, 1, a)
}

func TestCreateExecutionErrorCarriesFaultstringWithoutSecrets(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("POST", mistralURL+"/executions", httpmock.NewJsonResponderOrPanic(400, map[string]any{
		"faultcode": "Client", "faultstring": "Invalid input [name=wf, class=X, missing=['container'], unexpected=['pw hunter22']]", "debuginfo": nil,
	}))
	_, err := c.CreateExecution(context.Background(), tripleo.CreateExecutionOpts{WorkflowName: "wf", Input: map[string]any{"pw": tripleo.Secret("hunter22")}})
	var ae *tripleo.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 400, ae.StatusCode)
	assert.Contains(t, ae.Message, "missing=['container']")
	assert.NotContains(t, err.Error(), "hunter22")
	assert.True(t, gophercloud.ResponseCodeIs(err, 400))
	var ue gophercloud.ErrUnexpectedResponseCode
	require.ErrorAs(t, err, &ue, "gophercloud's error is still in the chain")
	assert.NotContains(t, ue.Error()+string(ue.Body)+errors.Unwrap(err).Error(), "hunter22", "and masked there too")
	assert.Contains(t, string(ue.Body), "unexpected=['pw ***']")
}

func TestGetListCancelDeleteExecution(t *testing.T) {
	c, mt := newMockClient(t)
	id := "e1"
	mt.RegisterResponder("GET", mistralURL+"/executions/e1", httpmock.NewJsonResponderOrPanic(200,
		tripleotest.ExecutionJSON(id, "wf", "SUCCESS", "", map[string]any{"queue_name": "q"}, map[string]any{"registered_nodes": []any{map[string]any{"uuid": "n1"}}})))
	ex, err := c.GetExecution(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "q", ex.Input.String("queue_name"))
	out, err := c.ExecutionOutput(context.Background(), id)
	require.NoError(t, err)
	var nodes []struct{ UUID string }
	_, err = out.Decode("registered_nodes", &nodes)
	require.NoError(t, err)
	assert.Equal(t, "n1", nodes[0].UUID)

	mt.RegisterResponderWithQuery("GET", mistralURL+"/executions",
		"include_output=true&limit=1&root_execution_id=r1&sort_dirs=desc&state=RUNNING&task_execution_id=t1&workflow_name=wf",
		httpmock.NewJsonResponderOrPanic(200, map[string]any{"executions": []any{tripleotest.ExecutionJSON("e2", "wf", "RUNNING", "", nil, nil)}}))
	list, err := c.ListExecutions(context.Background(), tripleo.ListExecutionsOpts{
		WorkflowName: "wf", State: "RUNNING", RootExecutionID: "r1", TaskExecutionID: "t1", IncludeOutput: true, Limit: 1, SortDir: "desc",
	})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "e2", list[0].ID)

	mt.RegisterResponder("PUT", mistralURL+"/executions/e1", func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, map[string]any{"state": "CANCELLED", "state_info": "stop"}, tripleotest.RequestJSON(t, r))
		return tripleotest.JSONResponse(r, 200, tripleotest.ExecutionJSON(id, "wf", "CANCELLED", "stop", nil, nil)), nil
	})
	ex, err = c.CancelExecution(context.Background(), id, "stop")
	require.NoError(t, err)
	assert.Equal(t, "CANCELLED", ex.State)

	mt.RegisterResponder("DELETE", mistralURL+"/executions/e1", httpmock.NewStringResponder(204, ""))
	require.NoError(t, c.DeleteExecution(context.Background(), id))

	mt.RegisterResponder("GET", mistralURL+"/executions/nope", httpmock.NewJsonResponderOrPanic(404, map[string]any{"faultstring": "Execution not found [id=nope]"}))
	_, err = c.GetExecution(context.Background(), "nope")
	assert.ErrorIs(t, err, tripleo.ErrNotFound)
	assert.Contains(t, err.Error(), "Execution not found [id=nope]")

	mt.RegisterResponder("GET", mistralURL+"/executions/e1/tasks", httpmock.NewJsonResponderOrPanic(200, map[string]any{"tasks": []any{
		map[string]any{"id": "t1", "name": "send_message", "state": "SUCCESS", "published": `{"status": "SUCCESS"}`},
	}}))
	tasks, err := c.ListTasks(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "SUCCESS", tasks[0].Published.String("status"))
}

func TestRunActionDecodesResultAndErrors(t *testing.T) {
	c, mt := newMockClient(t)
	var body map[string]any
	mt.RegisterResponder("POST", mistralURL+"/action_executions", func(r *http.Request) (*http.Response, error) {
		body = tripleotest.RequestJSON(t, r)
		switch body["name"] {
		case "tripleo.plan.list":
			return tripleotest.JSONResponse(r, 201, map[string]any{"id": "a1", "state": "SUCCESS", "output": `{"result": ["overcloud", "other"]}`}), nil
		case "tripleo.plan.create_container":
			return tripleotest.JSONResponse(r, 201, map[string]any{"id": "a2", "state": "ERROR", "output": `{"result": "A container with the name overcloud already exists."}`}), nil
		case "tripleo.parameters.update":
			return tripleotest.JSONResponse(r, 201, map[string]any{"id": "a3", "state": "ERROR", "output": `{"result": "Failed to run action [params='{u'AdminPassword': u'sekrit-pw'}']"}`}), nil
		}
		return tripleotest.JSONResponse(r, 400, map[string]any{"faultstring": "Action not found [action_name=" + body["name"].(string) + "]"}), nil
	})
	var plans []string
	require.NoError(t, c.RunAction(context.Background(), "tripleo.plan.list", nil, &plans))
	assert.Equal(t, []string{"overcloud", "other"}, plans)
	assert.Equal(t, map[string]any{"name": "tripleo.plan.list", "input": map[string]any{}, "params": map[string]any{"run_sync": true, "save_result": true}}, body)

	err := c.RunAction(context.Background(), "tripleo.plan.create_container", map[string]any{"container": "overcloud"}, nil)
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "A container with the name overcloud already exists.", ae.Result)
	assert.ErrorIs(t, err, tripleo.ErrActionFailed)

	err = c.RunAction(context.Background(), "tripleo.parameters.update", map[string]any{"parameters": map[string]any{"AdminPassword": tripleo.Secret("sekrit-pw")}}, nil)
	require.ErrorAs(t, err, &ae)
	assert.NotContains(t, err.Error(), "sekrit-pw")

	err = c.RunAction(context.Background(), "tripleo.nope", nil, nil)
	var api *tripleo.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "Action not found [action_name=tripleo.nope]", api.Message)
}

func TestRunActionErrorObjectIsMaskedAndRedactedInEveryForm(t *testing.T) {
	c, mt := newMockClient(t)
	// Mistral's output is Python's json.dumps: non-ASCII as \uXXXX, quotes escaped.
	output := `{"result": {"error": "bad password \"p\u00e4ss\"w0rd\" for admin", "password": "p\u00e4ss\"w0rd", "n": 1.50}}`
	mt.RegisterResponder("POST", mistralURL+"/action_executions", func(r *http.Request) (*http.Response, error) {
		return tripleotest.JSONResponse(r, 201, map[string]any{"id": "a1", "state": "ERROR", "output": output}), nil
	})
	err := c.RunAction(context.Background(), "tripleo.x", map[string]any{"password": tripleo.Secret(`päss"w0rd`)}, nil)
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, `{"error":"bad password \"***\" for admin","n":1.50,"password":"***"}`, ae.Result)
}

func TestRunActionRetriesOnlyWhenSurelyNotProcessed(t *testing.T) {
	c, mt := newMockClient(t)
	calls := 0
	mt.RegisterResponder("POST", mistralURL+"/action_executions", func(r *http.Request) (*http.Response, error) {
		calls++
		if calls == 1 {
			return tripleotest.JSONResponse(r, 503, map[string]any{"faultstring": "busy"}), nil
		}
		return tripleotest.JSONResponse(r, 201, map[string]any{"state": "SUCCESS", "output": `{"result": null}`}), nil
	})
	require.NoError(t, c.RunAction(context.Background(), "tripleo.plan.list", nil, nil))
	assert.Equal(t, 2, calls)

	calls = 0
	mt.RegisterResponder("POST", mistralURL+"/action_executions", func(r *http.Request) (*http.Response, error) {
		calls++
		return tripleotest.JSONResponse(r, 500, map[string]any{"faultstring": "MessagingTimeout"}), nil
	})
	err := c.RunAction(context.Background(), "tripleo.plan.list", nil, nil)
	require.Error(t, err)
	assert.Equal(t, 1, calls, "a 500 may have run the action: not retried")
}

// A retried action whose server error echoes its input: the password is in
// neither the debug log of the retry nor the error.
func TestRunActionRetryLogIsRedacted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		c, mt := newMockClient(t, tripleo.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		calls := 0
		mt.RegisterResponder("POST", mistralURL+"/action_executions", func(r *http.Request) (*http.Response, error) {
			calls++
			in, _ := json.Marshal(tripleotest.RequestJSON(t, r)["input"])
			return tripleotest.JSONResponse(r, 503, map[string]any{"faultstring": "overloaded while handling " + string(in)}), nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := c.RunAction(ctx, "tripleo.parameters.update", map[string]any{"parameters": map[string]any{"AdminPassword": tripleo.Secret("sekrit-pw")}}, nil)
		require.Error(t, err)
		assert.Greater(t, calls, 1, "503 is retried")
		assert.Contains(t, logs.String(), "retrying")
		assert.Contains(t, logs.String(), "overloaded while handling")
		assert.NotContains(t, logs.String(), "sekrit-pw")
		assert.NotContains(t, fmt.Sprintf("%v %+v", err, err), "sekrit-pw")
		var api *tripleo.APIError
		require.ErrorAs(t, err, &api)
		assert.Equal(t, 503, api.StatusCode)
	})
}

func TestActionsAndEnvironments(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", mistralURL+"/actions", httpmock.NewJsonResponderOrPanic(200, map[string]any{"actions": []any{
		map[string]any{"name": "tripleo.plan.create_container", "input": "container", "is_system": true},
		map[string]any{"name": "std.echo", "input": "output"},
	}}))
	acts, err := c.ListActions(context.Background(), "")
	require.NoError(t, err)
	require.Len(t, acts, 1)
	assert.True(t, acts[0].IsSystem)
	mt.RegisterResponder("GET", mistralURL+"/actions/std.echo", httpmock.NewJsonResponderOrPanic(200, map[string]any{"name": "std.echo", "input": "output"}))
	a, err := c.GetAction(context.Background(), "std.echo")
	require.NoError(t, err)
	assert.Equal(t, "output", a.InputText)

	mt.RegisterResponder("POST", mistralURL+"/environments", func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, map[string]any{"name": "tripleo.undercloud-config", "variables": map[string]any{"undercloud_ceilometer_snmpd_password": "pw-123"}}, tripleotest.RequestJSON(t, r))
		return tripleotest.JSONResponse(r, 201, map[string]any{"name": "tripleo.undercloud-config", "variables": `{"undercloud_ceilometer_snmpd_password": "pw-123"}`}), nil
	})
	env, err := c.CreateEnvironment(context.Background(), tripleo.EnvironmentOpts{Name: "tripleo.undercloud-config",
		Variables: map[string]any{"undercloud_ceilometer_snmpd_password": tripleo.Secret("pw-123")}})
	require.NoError(t, err)
	assert.Equal(t, "pw-123", env.Variables.String("undercloud_ceilometer_snmpd_password"))
	// printing the environment never shows the password
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, sprintf(f, env), "pw-123", f)
	}
	mt.RegisterResponder("PUT", mistralURL+"/environments", func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, "private", tripleotest.RequestJSON(t, r)["scope"])
		return tripleotest.JSONResponse(r, 200, map[string]any{"name": "e"}), nil
	})
	_, err = c.UpdateEnvironment(context.Background(), tripleo.EnvironmentOpts{Name: "e", Scope: "private"})
	require.NoError(t, err)
	mt.RegisterResponder("GET", mistralURL+"/environments/e", httpmock.NewJsonResponderOrPanic(200, map[string]any{"name": "e"}))
	_, err = c.GetEnvironment(context.Background(), "e")
	require.NoError(t, err)
	mt.RegisterResponder("GET", mistralURL+"/environments", httpmock.NewJsonResponderOrPanic(200, map[string]any{"environments": []any{map[string]any{"name": "e"}}}))
	envs, err := c.ListEnvironments(context.Background())
	require.NoError(t, err)
	assert.Len(t, envs, 1)
	mt.RegisterResponder("DELETE", mistralURL+"/environments/e", httpmock.NewStringResponder(204, ""))
	require.NoError(t, c.DeleteEnvironment(context.Background(), "e"))
	_, err = c.CreateEnvironment(context.Background(), tripleo.EnvironmentOpts{})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
}

// Mistral's "next" links drop include_output (seen on Mistral 15: the second
// page of GET /v2/executions?include_output=true came without outputs); the
// SDK adds the first request's missing parameters back, keeping Mistral's own.
func TestListExecutionsNextPageKeepsIncludeOutput(t *testing.T) {
	c, mt := newMockClient(t)
	next := mistralURL + "/executions?sort_keys=created_at,id&sort_dirs=asc,asc&workflow_name=eq:wf&limit=1&marker=e1"
	mt.RegisterResponderWithQuery("GET", mistralURL+"/executions", "include_output=true&limit=1&workflow_name=wf",
		func(r *http.Request) (*http.Response, error) {
			return tripleotest.JSONResponse(r, 200, map[string]any{"next": next, "executions": []any{
				tripleotest.ExecutionJSON("e1", "wf", "SUCCESS", "", nil, map[string]any{"n": 1})}}), nil
		})
	mt.RegisterResponderWithQuery("GET", mistralURL+"/executions",
		"include_output=true&limit=1&marker=e1&sort_dirs=asc,asc&sort_keys=created_at,id&workflow_name=eq:wf",
		func(r *http.Request) (*http.Response, error) {
			return tripleotest.JSONResponse(r, 200, map[string]any{"executions": []any{
				tripleotest.ExecutionJSON("e2", "wf", "SUCCESS", "", nil, map[string]any{"n": 2})}}), nil
		})
	list, err := c.ListExecutions(context.Background(), tripleo.ListExecutionsOpts{WorkflowName: "wf", IncludeOutput: true, Limit: 1})
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.JSONEq(t, "1", string(list[0].Output["n"]))
	assert.JSONEq(t, "2", string(list[1].Output["n"]), "the second page was asked with include_output=true")
}

// A "next" link back to a page already read (here the first one, once the
// first request's query is put back) ends the list with an error instead of
// reading the same pages forever.
func TestListExecutionsStopsAtANextLinkBackToAReadPage(t *testing.T) {
	c, mt := newMockClient(t)
	n := 0
	mt.RegisterResponder("GET", mistralURL+"/executions", func(r *http.Request) (*http.Response, error) {
		n++
		return tripleotest.JSONResponse(r, 200, map[string]any{"next": mistralURL + "/executions?limit=1", "executions": []any{
			tripleotest.ExecutionJSON("e1", "wf", "SUCCESS", "", nil, nil)}}), nil
	})
	_, err := c.ListExecutions(context.Background(), tripleo.ListExecutionsOpts{WorkflowName: "wf", Limit: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mistral: list executions: the next link")
	assert.Contains(t, err.Error(), "leads back to a page already read")
	assert.Equal(t, 1, n)
}
