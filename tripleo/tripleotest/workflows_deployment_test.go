package tripleotest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tripleo-go/sdk/tripleo"
)

// tripleo.deployment.v1 workflows through tripleo.Start.

// readyUndercloud has the default plan and n available nodes.
func readyUndercloud(t *testing.T, n int, opts ...Option) (*Undercloud, *tripleo.Client) {
	t.Helper()
	u := NewT(t, opts...)
	c := newClient(t, u)
	mustRun(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})
	ids := registerNodes(t, c, n)
	mustRun(t, c, "tripleo.baremetal.v1.provide", map[string]any{"node_uuids": ids})
	return u, c
}

func TestDeployPlan(t *testing.T) {
	t.Parallel()
	u, c := readyUndercloud(t, 5)
	if err := c.RunAction(testCtx(t), "tripleo.parameters.update", map[string]any{"parameters": map[string]any{"ControllerCount": 3, "ComputeCount": 2}}, nil); err != nil {
		t.Fatal(err)
	}
	// nothing recorded yet: a SUCCESS message with an empty deployment_status,
	// then ERROR (the failed Swift read had only on-complete after it)
	_, evs, err := runWF(t, c, "tripleo.deployment.v1.get_deployment_status", nil)
	wantMessages(t, evs, "tripleo.deployment.v1.get_deployment_status SUCCESS: No deployment status found for plan overcloud")
	var we *tripleo.WorkflowError
	if !errors.As(err, &we) || !strings.HasPrefix(we.StateInfo, "Failure caused by error in tasks: get_deployment_status") || we.LastMessage.Payload.DeploymentStatus != "" {
		t.Fatalf("nothing recorded: %v", err)
	}
	if ex, _ := u.Execution(we.ExecutionID); ex.Output["deployment_status"] != "" || ex.Output["message"] != "No deployment status found for plan overcloud" {
		t.Errorf("output %v", ex.Output)
	}
	if tasks, err := c.ListTasks(testCtx(t), we.ExecutionID); err != nil || len(tasks) == 0 || tasks[0].State != "ERROR" || !strings.Contains(tasks[0].Result, "404") {
		t.Errorf("tasks %v %+v", err, tasks)
	}
	f, evs := mustRun(t, c, "tripleo.deployment.v1.deploy_plan", map[string]any{"container": "overcloud"})
	got := msgLines(evs)
	if len(got) != 2 || got[0] != "tripleo.deployment.v1.deploy_plan RUNNING: Workflow Started" || !strings.HasPrefix(got[1], `tripleo.deployment.v1.deploy_plan SUCCESS: {"stack":{"id":`) {
		t.Fatalf("messages %q", got)
	}
	p := f.Message.Payload
	if p.PlanName != "overcloud" || p.DeploymentStatus != "DEPLOY_SUCCESS" || p.ExecutionID != f.ExecutionID || p.RootExecutionID != "" {
		t.Errorf("standard envelope: %+v", p)
	}
	// SUCCESS means Heat accepted the create: the stack goes on
	s, ok := u.Stack("overcloud")
	if !ok || !strings.HasPrefix(s.Status, "CREATE_") {
		t.Fatalf("stack %+v", s)
	}
	settle(t, u)
	s, _ = u.Stack("overcloud")
	if s.Status != "CREATE_COMPLETE" || s.AllResources < 110 {
		t.Errorf("stack %s with %d resources", s.Status, s.AllResources)
	}
	first, last := s.Events[0], s.Events[len(s.Events)-1]
	if first.Reason != "Stack CREATE started" || last.Stack != "overcloud" || last.Status != "CREATE_COMPLETE" {
		t.Errorf("events from %+v to %+v", first, last)
	}
	var names []string
	for _, sv := range u.Servers() {
		names = append(names, sv.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"overcloud-controller-0", "overcloud-controller-1", "overcloud-controller-2", "overcloud-novacompute-0", "overcloud-novacompute-1"}) {
		t.Errorf("servers %v", names)
	}
	for _, n := range u.Nodes() {
		if n.ProvisionState != "active" || n.InstanceUUID == "" || n.PowerState != "power on" {
			t.Errorf("node %+v", n)
		}
	}
	env := planEnv(t, u, "overcloud")
	if pd := asMap(env["parameter_defaults"]); pd["StackAction"] != "CREATE" || pd["DeployIdentifier"] == nil {
		t.Errorf("deploy parameters %v", pd)
	}
	if st, _ := u.Object("overcloud-messages", "deployment_status.yaml"); !strings.Contains(string(st), "deployment_status: DEPLOY_SUCCESS") {
		t.Errorf("deployment_status.yaml: %s", st)
	}

	// get_deployment_status: the whole deployment_status.yaml as payload deployment_status
	f, evs = mustRun(t, c, "tripleo.deployment.v1.get_deployment_status", nil)
	var ds struct {
		WorkflowStatus struct {
			Payload struct {
				DeploymentStatus string `json:"deployment_status"`
			} `json:"payload"`
		} `json:"workflow_status"`
	}
	if _, err := f.Execution.Output.Decode("deployment_status", &ds); err != nil || ds.WorkflowStatus.Payload.DeploymentStatus != "DEPLOY_SUCCESS" {
		t.Errorf("deployment status %+v %v", ds, err)
	}
	wantMessages(t, evs, "tripleo.deployment.v1.get_deployment_status SUCCESS")

	// deploy_on_servers: one message per matching server, then the parent's
	_, evs = mustRun(t, c, "tripleo.deployment.v1.deploy_on_servers", map[string]any{"server_name": "controller", "config_name": "hello", "config": "#!/bin/sh\necho hello\n"})
	got = msgLines(evs)
	if len(got) != 4 || got[3] != "tripleo.deployment.v1.deploy_on_servers SUCCESS" {
		t.Errorf("deploy_on_servers %q", got)
	}
	for _, e := range evs {
		if e.Kind == tripleo.EventMessage && e.Source == "tripleo.deployment.v1.deploy_on_server" {
			var out string
			e.Message.Payload.Decode("stdout", &out)
			if out != "hello\n" || e.Message.Payload.RootExecutionID == "" {
				t.Errorf("per-server message %+v", e.Message.Payload)
			}
		}
	}
	_, evs, err = runWF(t, c, "tripleo.deployment.v1.deploy_on_servers", map[string]any{"server_name": "novacompute-1", "config_name": "bad", "config": "echo oops >&2\nexit 3"})
	if err == nil || len(msgLines(evs)) != 2 {
		t.Errorf("failing config: %v %q", err, msgLines(evs))
	}

	// a second deploy updates the stack
	mustRun(t, c, "tripleo.deployment.v1.deploy_plan", map[string]any{"container": "overcloud"})
	settle(t, u)
	if s, _ := u.Stack("overcloud"); s.Status != "UPDATE_COMPLETE" {
		t.Errorf("update: %s %s", s.Status, s.Reason)
	}
	if pd := asMap(planEnv(t, u, "overcloud")["parameter_defaults"]); pd["StackAction"] != "UPDATE" {
		t.Errorf("StackAction %v", pd["StackAction"])
	}
}

func TestDeployPlanFailures(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	// a plan that does not exist
	f, evs, err := runWF(t, c, "tripleo.deployment.v1.deploy_plan", map[string]any{"container": "nope"})
	var we *tripleo.WorkflowError
	if !errors.As(err, &we) || f != nil || we.LastMessage.Payload.DeploymentStatus != "DEPLOY_FAILED" ||
		!strings.HasPrefix(we.LastMessage.Payload.Message, "Error retrieving environment for plan nope: Object GET failed") {
		t.Fatalf("missing plan: %v", err)
	}
	got := msgLines(evs)
	if len(got) != 2 || got[0] != "tripleo.deployment.v1.deploy_plan RUNNING: Workflow Started" {
		t.Errorf("messages %q", got)
	}
	if ex, _ := u.Execution(we.ExecutionID); ex.State != "ERROR" || !strings.HasPrefix(ex.StateInfo, "Failure caused by error in tasks: send_message") {
		t.Errorf("standard failure: %+v", ex)
	}

	// a plan without nodes: Heat accepts, then the servers find no host
	mustRun(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})
	mustRun(t, c, "tripleo.deployment.v1.deploy_plan", map[string]any{"container": "overcloud"})
	settle(t, u)
	s, _ := u.Stack("overcloud")
	if s.Status != "CREATE_FAILED" || !strings.Contains(s.Reason, "No valid host was found") || !strings.HasPrefix(s.Reason, "Resource CREATE failed: ResourceInError: resources.Co") {
		t.Errorf("no nodes: %s %q", s.Status, s.Reason)
	}
	// a bad parameter value: Heat refuses the create, deploy_plan fails
	if err := c.RunAction(testCtx(t), "tripleo.plan.create_container", map[string]any{"container": "p2"}, nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range DefaultTemplates() {
		u.swiftPutObject("p2", name, data, "")
	}
	mustRun(t, c, "tripleo.plan_management.v1.create_deployment_plan", map[string]any{"container": "p2"})
	if err := c.RunAction(testCtx(t), "tripleo.parameters.update", map[string]any{"container": "p2", "parameters": map[string]any{"ComputeCount": "many"}}, nil); err != nil {
		t.Fatal(err) // Heat's validate does not check parameter_defaults values
	}
	_, _, err = runWF(t, c, "tripleo.deployment.v1.deploy_plan", map[string]any{"container": "p2"})
	if !errors.As(err, &we) || we.LastMessage.Payload.Message != "Error during stack creation: ERROR: Parameter 'ComputeCount' is invalid: could not convert string to float: 'many'" {
		t.Errorf("bad parameter: %v", err)
	}
}

func TestDeployPlanTestFail(t *testing.T) {
	t.Parallel()
	u, c := readyUndercloud(t, 2)
	if err := c.RunAction(testCtx(t), "tripleo.parameters.update", map[string]any{"parameters": map[string]any{"TestFail": true}}, nil); err != nil {
		t.Fatal(err)
	}
	mustRun(t, c, "tripleo.deployment.v1.deploy_plan", map[string]any{"container": "overcloud"})
	settle(t, u)
	s, _ := u.Stack("overcloud")
	if s.Status != "CREATE_FAILED" || s.Reason != "Resource CREATE failed: ValueError: resources.Deployment: Test Resource failed test" {
		t.Errorf("TestFail: %s %q", s.Status, s.Reason)
	}
	// the plan cannot be deleted while its stack exists
	_, _, err := runWF(t, c, "tripleo.plan_management.v1.delete_deployment_plan", map[string]any{"container": "overcloud"})
	if err == nil || !strings.Contains(err.Error(), "Cannot delete a plan that has an associated stack.") {
		t.Errorf("delete plan with stack: %v", err)
	}
}
