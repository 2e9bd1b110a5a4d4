package tripleotest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// Mistral conformance, through the tripleo.Client calls the SDK uses.

func TestMistralWorkflowsAndActions(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)

	wfs, err := c.ListWorkflows(ctx, "tripleo.baremetal.v1.")
	if err != nil {
		t.Fatal(err)
	}
	if len(wfs) < 15 || wfs[0].Name != "tripleo.baremetal.v1._introspect" {
		t.Fatalf("baremetal workflows: %d, first %q", len(wfs), wfs[0].Name)
	}
	w, err := c.GetWorkflow(ctx, "tripleo.baremetal.v1.register_or_update")
	if err != nil {
		t.Fatal(err)
	}
	if w.InputText != "nodes_json, remove=False, queue_name=tripleo, kernel_name=None, ramdisk_name=None, instance_boot_option=local, initial_state=manageable" {
		t.Errorf("input string %q", w.InputText)
	}
	want := map[string]any{"nodes_json": "required", "remove": false, "queue_name": "tripleo", "kernel_name": nil, "initial_state": "manageable"}
	got := map[string]any{}
	for _, in := range w.Inputs {
		if in.Required {
			got[in.Name] = "required"
		} else {
			got[in.Name] = in.Default
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("input %s = %v, want %v", k, got[k], v)
		}
	}
	set, err := c.GetWorkflow(ctx, "tripleo.baremetal.v1.set_node_state")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(set.InputText, "error_states=['error', 'adopt failed', 'clean failed'") {
		t.Errorf("list default rendering: %q", set.InputText)
	}
	_, err = c.GetWorkflow(ctx, "tripleo.nope")
	if !tripleo.IsNotFound(err) || !strings.Contains(err.Error(), "Workflow not found [workflow_identifier=tripleo.nope, namespace=]") {
		t.Errorf("unknown workflow: %v", err)
	}

	acts, err := c.ListActions(ctx, "tripleo.plan.")
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 5 {
		t.Errorf("plan actions: %d", len(acts))
	}
	a, err := c.GetAction(ctx, "tripleo.parameters.update")
	if err != nil || a.InputText != "parameters, container=overcloud, key=parameter_defaults, validate=True" || !a.IsSystem {
		t.Errorf("action: %+v %v", a, err)
	}
	// paging: 5 workflows a page
	n := 0
	next := u.URL() + "/mistral/v2/workflows?limit=5"
	for next != "" && n < 100 {
		var page struct {
			Workflows []any `json:"workflows"`
			Next      string
		}
		getJSON(t, next, &page)
		n += len(page.Workflows)
		next = page.Next
	}
	all, _ := c.ListWorkflows(ctx, "*")
	if n != len(all) {
		t.Errorf("paged %d workflows, listed %d", n, len(all))
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func doJSON(t *testing.T, method, url string, body any, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

func TestMistralExecutions(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)

	// missing and unknown inputs: 400 with Mistral's text, extracted by WrapHTTP
	_, err := c.CreateExecution(ctx, tripleo.CreateExecutionOpts{WorkflowName: "tripleo.plan_management.v1.create_deployment_plan", Input: map[string]any{"bogus": 1}})
	var ae *tripleo.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 ||
		ae.Message != "Invalid input [name=tripleo.plan_management.v1.create_deployment_plan, class=DirectWorkflowSpec, missing=['container'], unexpected=['bogus']]" {
		t.Fatalf("invalid input: %v", err)
	}
	_, err = c.CreateExecution(ctx, tripleo.CreateExecutionOpts{WorkflowName: "tripleo.nope"})
	if !tripleo.IsNotFound(err) {
		t.Errorf("unknown workflow: %v", err)
	}
	_, err = c.GetExecution(ctx, "00000000-0000-0000-0000-000000000000")
	if !errors.As(err, &ae) || ae.Message != "WorkflowExecution not found [id=00000000-0000-0000-0000-000000000000]" {
		t.Errorf("get missing: %v", err)
	}

	// client-chosen id: the same POST returns the same execution, started once
	id := uuid.NewString()
	opts := tripleo.CreateExecutionOpts{ID: id, WorkflowName: "tripleo.plan_management.v1.create_deployment_plan",
		Input: map[string]any{"container": "p1", "use_default_templates": true}, Description: "first"}
	ex1, err := c.CreateExecution(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Description = "second"
	ex2, err := c.CreateExecution(ctx, opts)
	if err != nil || ex2.ID != id || ex2.Description != "first" {
		t.Fatalf("idempotent create: %+v %v", ex2, err)
	}
	if ex1.Input.String("queue_name") != "tripleo" || ex1.Input.String("container") != "p1" {
		t.Errorf("input with defaults: %v", ex1.Input)
	}
	// input given as a JSON string (mistralclient's way)
	code, _, body := doJSON(t, "POST", u.URL()+"/mistral/v2/executions", map[string]any{
		"workflow_name": "tripleo.plan_management.v1.create_deployment_plan", "input": `{"container": "p2", "use_default_templates": true}`}, nil)
	if code != 201 || !bytes.Contains(body, []byte(`\"container\": \"p2\"`)) && !bytes.Contains(body, []byte(`\"container\":\"p2\"`)) {
		t.Fatalf("string input: %d %s", code, body)
	}
	settle(t, u)
	n := 0
	for _, e := range u.Executions() {
		if e.Workflow == "tripleo.plan_management.v1.create_deployment_plan" && e.Input["container"] == "p1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("p1 plan created by %d executions", n)
	}
	ex, err := c.GetExecution(ctx, id)
	if err != nil || ex.State != tripleo.StateSuccess || ex.Output.String("message") != "Plan created." || ex.RootExecutionID != "" {
		t.Fatalf("execution: %+v %v", ex, err)
	}

	// lists: filters, output only on request, paging through next
	list, err := c.ListExecutions(ctx, tripleo.ListExecutionsOpts{WorkflowName: "tripleo.plan_management.v1.create_deployment_plan", Limit: 1})
	if err != nil || len(list) != 2 || list[0].Output != nil {
		t.Fatalf("list: %d %v", len(list), err)
	}
	list, _ = c.ListExecutions(ctx, tripleo.ListExecutionsOpts{WorkflowName: "tripleo.plan_management.v1.create_deployment_plan", IncludeOutput: true})
	if list[0].Output.String("status") != "SUCCESS" {
		t.Errorf("include_output: %v", list[0].Output)
	}
	subs, _ := c.ListExecutions(ctx, tripleo.ListExecutionsOpts{RootExecutionID: id})
	if len(subs) != 0 {
		t.Errorf("create_deployment_plan has no sub-workflows, got %d", len(subs))
	}
	tasks, err := c.ListTasks(ctx, id)
	if err != nil || len(tasks) < 5 || tasks[0].Name != "create_container" || tasks[0].State != "SUCCESS" {
		t.Fatalf("tasks: %+v %v", tasks, err)
	}

	// PUT: a bad state is 400; cancelling a finished execution changes nothing
	code, _, body = doJSON(t, "PUT", u.URL()+"/mistral/v2/executions/"+id, map[string]any{"state": "BOGUS"}, nil)
	if code != 400 || !bytes.Contains(body, []byte("Cannot change state to BOGUS")) {
		t.Errorf("bad state: %d %s", code, body)
	}
	if ex, err := c.CancelExecution(ctx, id, "too late"); err != nil || ex.State != "SUCCESS" {
		t.Errorf("cancel finished: %+v %v", ex, err)
	}
	if err := c.DeleteExecution(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetExecution(ctx, id); !tripleo.IsNotFound(err) {
		t.Errorf("deleted execution: %v", err)
	}
}

func TestMistralCancelRunning(t *testing.T) {
	t.Parallel()
	u := NewT(t, WithTimeScale(1)) // human pace: the workflow is still running when cancelled
	c := newClient(t, u)
	ctx := testCtx(t)
	ids := []any{}
	u.mu.Lock()
	n, _, _ := u.createNodeLocked(map[string]any{"name": "n1", "driver": "fake-hardware"})
	n.provisionState = "manageable"
	ids = append(ids, n.uuid)
	u.mu.Unlock()
	r, err := tripleo.Start(ctx, c, "tripleo.baremetal.v1.introspect", map[string]any{"node_uuids": ids}, tripleo.DecodeFinal, tripleo.StartOpts{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "_introspect to start", func() bool { return len(u.Executions()) >= 2 })
	if err := r.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = r.Wait(ctx)
	if !errors.Is(err, tripleo.ErrCancelled) {
		t.Fatalf("cancelled run: %v", err)
	}
	for _, e := range u.Executions() {
		if e.State != "CANCELLED" {
			t.Errorf("%s %s", e.Workflow, e.State)
		}
	}
}

func TestMistralActionsAndEnvironments(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	var out any
	if err := c.RunAction(ctx, "std.echo", map[string]any{"output": map[string]any{"a": 1}}, &out); err != nil {
		t.Fatal(err)
	}
	if m, ok := out.(map[string]any); !ok || m["a"] != float64(1) {
		t.Errorf("echo: %v", out)
	}
	err := c.RunAction(ctx, "tripleo.plan.create_container", map[string]any{"container": "bad_name"}, nil)
	var actErr *tripleo.ActionError
	if !errors.As(err, &actErr) || actErr.Result != "Unable to create plan. The plan name must only contain letters, numbers or dashes" {
		t.Errorf("action error: %v", err)
	}
	err = c.RunAction(ctx, "tripleo.plan.create_container", map[string]any{"name": "x"}, nil)
	var ae *tripleo.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(ae.Message, "missing=['container'], unexpected=['name']") {
		t.Errorf("bad action input: %v", err)
	}
	err = c.RunAction(ctx, "tripleo.nope", nil, nil)
	if !errors.As(err, &ae) || ae.Message != "Failed to find action [action_name=tripleo.nope]" {
		t.Errorf("unknown action: %v", err)
	}
	// asynchronous action execution: RUNNING at once, then GET
	code, _, body := doJSON(t, "POST", u.URL()+"/mistral/v2/action_executions", map[string]any{"name": "std.noop", "params": map[string]any{"run_sync": false}}, nil)
	var ax struct{ ID, State string }
	json.Unmarshal(body, &ax)
	if code != 201 || ax.ID == "" {
		t.Fatalf("async action: %d %s", code, body)
	}
	waitFor(t, "async action", func() bool {
		var got struct{ State string }
		getJSON(t, u.URL()+"/mistral/v2/action_executions/"+ax.ID, &got)
		return got.State == "SUCCESS"
	})

	e, err := c.CreateEnvironment(ctx, tripleo.EnvironmentOpts{Name: "tripleo.undercloud-config", Variables: map[string]any{"undercloud_ceilometer_snmpd_password": tripleo.Secret("s3cret")}})
	if err != nil || e.Variables.String("undercloud_ceilometer_snmpd_password") != "s3cret" {
		t.Fatalf("create env: %+v %v", e, err)
	}
	_, err = c.CreateEnvironment(ctx, tripleo.EnvironmentOpts{Name: "tripleo.undercloud-config"})
	if !errors.As(err, &ae) || ae.StatusCode != 409 || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("duplicate env: %v", err)
	}
	if _, err := c.UpdateEnvironment(ctx, tripleo.EnvironmentOpts{Name: "tripleo.undercloud-config", Description: "d", Variables: map[string]any{"x": 1}}); err != nil {
		t.Fatal(err)
	}
	envs, _ := c.ListEnvironments(ctx)
	if len(envs) != 1 || envs[0].Description != "d" {
		t.Errorf("envs: %+v", envs)
	}
	if err := c.DeleteEnvironment(ctx, "tripleo.undercloud-config"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetEnvironment(ctx, "tripleo.undercloud-config"); !tripleo.IsNotFound(err) {
		t.Errorf("deleted env: %v", err)
	}
}
