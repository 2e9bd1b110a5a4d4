package tripleotest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/tripleo-go/sdk/tripleo"
)

// tripleo.baremetal.v1 workflows through tripleo.Start.

func TestRegisterOrUpdate(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	f, evs := mustRun(t, c, "tripleo.baremetal.v1.register_or_update", map[string]any{"nodes_json": instackenv(2)})
	wantMessages(t, evs,
		"tripleo.baremetal.v1.validate_nodes SUCCESS",
		"tripleo.baremetal.v1.manage SUCCESS",
		`tripleo.baremetal.v1.register_or_update SUCCESS: 2 node(s) successfully moved to the "manageable" state.`)
	var reg []map[string]any
	f.Field("registered_nodes", &reg)
	if len(reg) != 2 || reg[0]["provision_state"] != "enroll" || asMap(reg[0]["driver_info"])["ipmi_password"] != "******" {
		t.Fatalf("registered_nodes (as published before manage): %v", reg)
	}
	for i, n := range u.Nodes() {
		if n.ProvisionState != "manageable" || n.Driver != "ipmi" || n.DriverInfo["ipmi_address"] != fmt.Sprintf("192.168.24.%d", 10+i) ||
			!slices.Equal(n.MACs, []string{fmt.Sprintf("52:54:00:00:00:%02x", i)}) || n.Properties["capabilities"] != "boot_option:local" || n.Properties["cpus"] != "4" {
			t.Errorf("node %d: %+v", i, n)
		}
	}
	// the legacy messages carry the whole execution, secrets and all; the SDK masks them
	for _, e := range evs {
		if e.Kind == tripleo.EventMessage && strings.Contains(e.Text, "p@ssw0rd") {
			t.Errorf("event text shows a password: %s", e.Text)
		}
	}
	// registering again updates: no new node, nothing to manage
	_, evs = mustRun(t, c, "tripleo.baremetal.v1.register_or_update", map[string]any{"nodes_json": instackenv(2)})
	if got := msgLines(evs); got[2] != `tripleo.baremetal.v1.register_or_update SUCCESS: 0 node(s) successfully moved to the "manageable" state.` || len(u.Nodes()) != 2 {
		t.Errorf("update: %q, %d nodes", got, len(u.Nodes()))
	}
	// initial_state available also provides the new nodes
	more := instackenv(3)[2:]
	_, evs = mustRun(t, c, "tripleo.baremetal.v1.register_or_update", map[string]any{"nodes_json": more, "initial_state": "available"})
	wantMessages(t, evs,
		"tripleo.baremetal.v1.validate_nodes SUCCESS",
		"tripleo.baremetal.v1.manage SUCCESS",
		`tripleo.baremetal.v1.provide SUCCESS: 1 node(s) successfully moved to the "available" state.`,
		`tripleo.baremetal.v1.register_or_update SUCCESS: 1 node(s) successfully moved to the "available" state.`)
	if n, _ := u.Node("node-2"); n.ProvisionState != "available" || n.PowerState != "power off" {
		t.Errorf("node-2: %+v", n)
	}
	// execution tree: children carry the root's id
	for _, ex := range u.Executions() {
		if ex.Workflow == "tripleo.baremetal.v1.set_node_state" && ex.RootExecutionID == "" {
			t.Errorf("set_node_state without root: %+v", ex)
		}
	}
}

func TestRegisterOrUpdateDuplicateMAC(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	nodes := instackenv(2)
	asMap(nodes[1])["mac"] = []any{"52:54:00:00:00:00"}
	asMap(nodes[1])["bogus"] = 1
	f, evs, err := runWF(t, c, "tripleo.baremetal.v1.register_or_update", map[string]any{"nodes_json": nodes})
	want := "Invalid node data: node #1: MAC 52:54:00:00:00:00 is not unique\nnode #1: Unknown field bogus"
	var we *tripleo.WorkflowError
	if !errors.As(err, &we) || f != nil || we.LastMessage.Payload.Message != want {
		t.Fatalf("duplicate MAC: %v", err)
	}
	wantMessages(t, evs, "tripleo.baremetal.v1.validate_nodes FAILED: "+want, "tripleo.baremetal.v1.register_or_update FAILED: "+want)
	if len(u.Nodes()) != 0 {
		t.Error("nodes were created")
	}
	var reg []any
	if ok, _ := we.LastMessage.Payload.Decode("registered_nodes", &reg); !ok || len(reg) != 0 {
		t.Errorf("registered_nodes %v", reg)
	}
	// the validate action alone
	var actErr *tripleo.ActionError
	err = c.RunAction(testCtx(t), "tripleo.baremetal.validate_nodes", map[string]any{"nodes_json": []any{map[string]any{"pm_type": "redfish", "pm_addr": "x"}}}, nil)
	if !errors.As(err, &actErr) || actErr.Result != "Invalid node data: node #0: The following fields are missing: pm_user, pm_password, pm_system_id" {
		t.Errorf("validate action: %v", err)
	}
}

func TestIntrospect(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ids := registerNodes(t, c, 2)
	f, evs := mustRun(t, c, "tripleo.baremetal.v1.introspect", map[string]any{"node_uuids": ids})
	got := msgLines(evs)
	if len(got) != 3 || got[2] != "tripleo.baremetal.v1.introspect SUCCESS: Successfully introspected 2 node(s)." {
		t.Fatalf("messages %q", got)
	}
	for _, id := range ids {
		want := fmt.Sprintf("tripleo.baremetal.v1._introspect SUCCESS: Introspection of node %s completed. Status:SUCCESS. Errors:None", id)
		if !slices.Contains(got, want) {
			t.Errorf("no %q", want)
		}
	}
	var in map[string]map[string]any
	f.Field("introspected_nodes", &in)
	if len(in) != 2 || in[ids[0].(string)]["finished"] != true || in[ids[0].(string)]["error"] != nil {
		t.Errorf("introspected_nodes %v", in)
	}
	if n, _ := u.Node(ids[0].(string)); n.ProvisionState != "manageable" || n.Properties["local_gb"] != "40" {
		t.Errorf("node after introspection: %+v", n)
	}

	// introspect_manageable_nodes: every manageable node; none → FAILED
	_, evs = mustRun(t, c, "tripleo.baremetal.v1.introspect_manageable_nodes", nil)
	if got := msgLines(evs); len(got) != 4 || got[3] != "tripleo.baremetal.v1.introspect_manageable_nodes SUCCESS" {
		t.Errorf("manageable: %q", got)
	}
	mustRun(t, c, "tripleo.baremetal.v1.provide", map[string]any{"node_uuids": ids})
	_, _, err := runWF(t, c, "tripleo.baremetal.v1.introspect_manageable_nodes", nil)
	if err == nil || !strings.Contains(err.Error(), "No manageable nodes to introspect. Check node states and maintenance.") {
		t.Errorf("no manageable nodes: %v", err)
	}
}

func TestIntrospectFailures(t *testing.T) {
	t.Parallel()
	u := NewT(t, FailIntrospection("node-1"))
	c := newClient(t, u)
	ids := registerNodes(t, c, 2)
	f, evs, err := runWF(t, c, "tripleo.baremetal.v1.introspect", map[string]any{"node_uuids": ids})
	var we *tripleo.WorkflowError
	if !errors.As(err, &we) || f != nil {
		t.Fatalf("introspect with a failing node: %v", err)
	}
	bad := ids[1].(string)
	fail := fmt.Sprintf("tripleo.baremetal.v1._introspect FAILED: Introspection of node %s completed. Status:FAILED. Errors:Introspection timeout", bad)
	got := msgLines(evs)
	want := []string{
		fail,
		"tripleo.baremetal.v1.introspect RUNNING: Retrying 1 nodes that failed introspection. Attempt 2 of 3 ",
		fail,
		"tripleo.baremetal.v1.introspect RUNNING: Retrying 1 nodes that failed introspection. Attempt 3 of 3 ",
		fail,
		"tripleo.baremetal.v1.introspect FAILED: Retry limit reached with 1 nodes still failing introspection",
	}
	if len(got) != 7 || !slices.Equal(slices.DeleteFunc(slices.Clone(got), func(s string) bool { return strings.Contains(s, ids[0].(string)) }), want) {
		t.Fatalf("messages:\n%s", strings.Join(got, "\n"))
	}
	var failedIDs []string
	we.LastMessage.Payload.Decode("failed_introspection", &failedIDs)
	if !slices.Equal(failedIDs, []string{bad}) {
		t.Errorf("failed_introspection %v", failedIDs)
	}

	// a node that is not manageable cannot be introspected
	mustRun(t, c, "tripleo.baremetal.v1.provide", map[string]any{"node_uuids": ids[:1]})
	_, evs, err = runWF(t, c, "tripleo.baremetal.v1.introspect", map[string]any{"node_uuids": ids[:1], "max_retry_attempts": 0})
	if err == nil || !strings.Contains(msgLines(evs)[0], `BaremetalIntrospectionAction.introspect failed: Invalid provision state for introspection: "available"`) {
		t.Errorf("available node: %v %q", err, msgLines(evs))
	}
}

func TestProvideAndCleaning(t *testing.T) {
	t.Parallel()
	u := NewT(t, FailCleaning("node-1", "Node failed step erase_devices_metadata: disk gone"))
	c := newClient(t, u)
	ids := registerNodes(t, c, 3)

	// manual cleaning: success, then a failing node that the workflow does not notice until its timeout
	_, evs := mustRun(t, c, "tripleo.baremetal.v1.manual_cleaning", map[string]any{"node_uuid": ids[0], "clean_steps": []any{map[string]any{"interface": "deploy", "step": "erase_devices_metadata"}}})
	wantMessages(t, evs, "tripleo.baremetal.v1.manual_cleaning SUCCESS")
	_, evs, err := runWF(t, c, "tripleo.baremetal.v1.manual_cleaning", map[string]any{"node_uuid": ids[1], "clean_steps": []any{map[string]any{"interface": "deploy", "step": "erase_devices_metadata"}}})
	if err == nil || msgLines(evs)[0] != fmt.Sprintf("tripleo.baremetal.v1.manual_cleaning FAILED: Cleaning of node %s timed out.", ids[1]) {
		t.Fatalf("failed cleaning: %v %q", err, msgLines(evs))
	}
	if n, _ := u.Node(ids[1].(string)); n.ProvisionState != "clean failed" || !n.Maintenance || n.LastError != "Node failed step erase_devices_metadata: disk gone" {
		t.Errorf("node after failed cleaning: %+v", n)
	}

	// provide: available and powered off; provide_manageable_nodes takes the rest
	_, evs = mustRun(t, c, "tripleo.baremetal.v1.provide", map[string]any{"node_uuids": ids[:1]})
	wantMessages(t, evs, `tripleo.baremetal.v1.provide SUCCESS: 1 node(s) successfully moved to the "available" state.`)
	_, evs = mustRun(t, c, "tripleo.baremetal.v1.provide_manageable_nodes", nil)
	wantMessages(t, evs, `tripleo.baremetal.v1.provide SUCCESS: 1 node(s) successfully moved to the "available" state.`, "tripleo.baremetal.v1.provide_manageable_nodes SUCCESS")
	for i, id := range []string{ids[0].(string), ids[2].(string)} {
		if n, _ := u.Node(id); n.ProvisionState != "available" || n.PowerState != "power off" {
			t.Errorf("node %d: %+v", i, n)
		}
	}

	// provide of the failing node: set_node_state notices "clean failed"
	if err := nodes.ChangeProvisionState(testCtx(t), c.Baremetal, ids[1].(string), nodes.ProvisionStateOpts{Target: nodes.TargetManage}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	waitNode(t, u, ids[1].(string), "manageable")
	_, evs, err = runWF(t, c, "tripleo.baremetal.v1.provide", map[string]any{"node_uuids": ids[1:2]})
	want := fmt.Sprintf(`Node %s did not reach state "available", the state is "clean failed", error: Node failed step erase_devices_metadata: disk gone`, ids[1])
	if err == nil || msgLines(evs)[0] != "tripleo.baremetal.v1.provide FAILED: "+want {
		t.Errorf("provide of a failing node: %v %q", err, msgLines(evs))
	}
	for _, ex := range u.Executions() {
		// a bare fail: state_info null, the reason in output-on-error's result
		if ex.Workflow == "tripleo.baremetal.v1.set_node_state" && ex.State == "ERROR" && (ex.StateInfo != "" || ex.Output["result"] != want) {
			t.Errorf("set_node_state state_info %q, output %v", ex.StateInfo, ex.Output)
		}
	}
}

func TestSetNodeState(t *testing.T) {
	t.Parallel()
	u := NewT(t, WithNodes(NodeSpec{Name: "n1", State: "enroll"}))
	c := newClient(t, u)
	n, _ := u.Node("n1")
	// no queue: followed by Mistral alone (the watchdog's first GET after 1 s)
	ctx := testCtx(t)
	r, err := tripleo.Start(ctx, c, "tripleo.baremetal.v1.set_node_state", map[string]any{"node_uuid": n.UUID, "state_action": "provide", "target_state": "available"},
		tripleo.DecodeFinal, tripleo.StartOpts{NoQueue: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Wait(ctx)
	var we *tripleo.WorkflowError
	refused := `The requested action "provide" can not be performed on node "` + n.UUID + `" while it is in state "enroll".`
	if !errors.As(err, &we) || we.State != "ERROR" || we.StateInfo != "" || !strings.Contains(we.Reason, refused) || !strings.Contains(err.Error(), refused) {
		t.Errorf("invalid transition: %v", err)
	}
	// the failed task holds Ironic's text too
	tasks, err := c.ListTasks(ctx, r.ExecutionID())
	if err != nil || len(tasks) == 0 || tasks[0].Name != "set_provision_state" || tasks[0].State != "ERROR" || !strings.Contains(tasks[0].Result, refused) {
		t.Errorf("tasks: %v %+v", err, tasks)
	}
	// a node Ironic does not know: Ironic's 404 text
	missing := "0d7c1f0e-8b43-4d0c-9d1e-000000000404"
	r, err = tripleo.Start(ctx, c, "tripleo.baremetal.v1.set_node_state", map[string]any{"node_uuid": missing, "state_action": "manage", "target_state": "manageable"},
		tripleo.DecodeFinal, tripleo.StartOpts{NoQueue: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Wait(ctx)
	if err == nil || !strings.Contains(err.Error(), "Node "+missing+" could not be found. (HTTP 404)") {
		t.Errorf("unknown node: %v", err)
	}
	if len(u.Messages("tripleo")) != 0 {
		t.Error("an internal helper posted a message")
	}
}
