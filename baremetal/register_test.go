package baremetal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func loadInventory(t testing.TB, name string) *instackenv.Inventory {
	t.Helper()
	inv, err := instackenv.Load("testdata/" + name)
	require.NoError(t, err)
	return inv
}

// ironicNode is a registered_nodes entry as tripleo-common returns it (Ironic masks passwords).
func ironicNode(id, name, state string) map[string]any {
	return map[string]any{
		"uuid": id, "name": name, "provision_state": state, "power_state": nil, "driver": "ipmi",
		"driver_info":    map[string]any{"ipmi_address": "10.0.0.1", "ipmi_password": "******"},
		"resource_class": "baremetal", "maintenance": false, "last_error": nil,
		"properties": map[string]any{"cpus": "4", "capabilities": "boot_option:local"},
	}
}

func TestRegisterOrUpdateInput(t *testing.T) {
	s := newSim(t, true)
	inv := loadInventory(t, "ipmi.json")
	s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, in map[string]any) {
		s.message("tripleo", "tripleo.baremetal.v1.validate_nodes", "v-"+id, id, "SUCCESS", "", nil)
		s.finish("tripleo", baremetal.WorkflowRegisterOrUpdate, id, "SUCCESS", `3 node(s) successfully moved to the "manageable" state.`,
			map[string]any{"registered_nodes": []any{
				ironicNode(uuid1, "controller-0", "enroll"),
				ironicNode(uuid2, "compute-0", "enroll"),
				ironicNode(uuid3, "compute-1", "manageable"), // existing node, updated
			}})
	})
	run, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{Nodes: inv})
	require.NoError(t, err)
	require.Equal(t, baremetal.WorkflowRegisterOrUpdate, run.Name())
	id := run.ExecutionID()
	require.Len(t, id, 36)

	res, err := run.Wait(context.Background())
	require.NoError(t, err)

	post := s.LastPost()
	assert.Equal(t, map[string]any{
		"workflow_name": baremetal.WorkflowRegisterOrUpdate,
		"id":            id,
		// only nodes_json: every optional input left to the server's default
		// (instance_boot_option is "local" up to Rocky, null from Stein)
		"input": map[string]any{"nodes_json": roundTrip(t, inv.Wire())},
	}, post)
	// the wire carries the real passwords (and only the wire)
	assert.Equal(t, "Ipmi-Pa55word-ctl0", post["input"].(map[string]any)["nodes_json"].([]any)[0].(map[string]any)["pm_password"])

	require.Len(t, res.Nodes, 3)
	assert.Equal(t, []string{uuid1, uuid2, uuid3}, res.UUIDs())
	assert.Equal(t, baremetal.RegisteredNode{UUID: uuid1, Name: "controller-0", ProvisionState: "enroll", Driver: "ipmi",
		ResourceClass: "baremetal", Properties: map[string]any{"cpus": "4", "capabilities": "boot_option:local"}, New: true}, res.Nodes[0])
	require.Len(t, res.New, 2)
	assert.Equal(t, uuid2, res.New[1].UUID)
	assert.False(t, res.Nodes[2].New)
	assert.Contains(t, res.Message, "successfully moved")
}

func TestRegisterOrUpdateAllInputs(t *testing.T) {
	s := newSim(t, true)
	inv := loadInventory(t, "redfish.yaml")
	s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, _ map[string]any) {
		s.finish("bm-q", baremetal.WorkflowRegisterOrUpdate, id, "SUCCESS", "", map[string]any{"registered_nodes": []any{}})
	})
	run, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{
		Nodes: inv, Remove: true, KernelName: "bm-deploy-kernel", RamdiskName: "bm-deploy-ramdisk",
		InstanceBootOption: "netboot", InitialState: "available", Queue: "bm-q",
	})
	require.NoError(t, err)
	_, err = run.Wait(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"nodes_json":           roundTrip(t, inv.Wire()),
		"remove":               true,
		"kernel_name":          "bm-deploy-kernel",
		"ramdisk_name":         "bm-deploy-ramdisk",
		"instance_boot_option": "netboot",
		"initial_state":        "available",
		"queue_name":           "bm-q",
	}, s.LastPost()["input"])
}

func TestRegisterOrUpdateValidatesFirst(t *testing.T) {
	s := newSim(t, true)
	bad := &instackenv.Inventory{Nodes: []instackenv.Node{{PMType: "ipmi"}, {PMType: "nope", Name: "x"}}}
	_, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{
		Nodes: bad, InstanceBootOption: "pxe", InitialState: "active", Queue: "bad queue",
	})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	var fields []string
	for _, p := range tripleo.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"nodes[0].pm_addr", "nodes[1].pm_type", "instance_boot_option", "initial_state", "queue"}, fields)
	assert.Len(t, instackenv.Problems(err), 2)

	_, err = baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{Nodes: &instackenv.Inventory{}})
	require.ErrorContains(t, err, "the inventory has no node")
	assert.Zero(t, s.mt.GetTotalCallCount(), "no request before validation passes")
}

// The final message was lost: the result comes from the execution output
// (the whole context, with new_nodes too).
func TestRegisterOrUpdateFromExecutionOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, false)
		s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, _ map[string]any) {
			s.Set(id, tripleo.StateSuccess, "", map[string]any{
				"status":           "SUCCESS",
				"registered_nodes": []any{ironicNode(uuid1, "a", "enroll"), ironicNode(uuid2, "b", "manageable")},
				"new_nodes":        []any{ironicNode(uuid2, "b", "manageable")},
			})
		})
		run, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{Nodes: loadInventory(t, "idrac.json")})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		require.Len(t, res.Nodes, 2)
		require.Len(t, res.New, 1, "new_nodes wins over the enroll rule")
		assert.Equal(t, uuid2, res.New[0].UUID)
	})
}

// Zaqar refused the final message (too big): the execution ended ERROR in
// send_message only; the result is read from the tasks' published values.
func TestRegisterOrUpdateRecoversFromOversizedMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, _ map[string]any) {
			s.SetTasks(id, []map[string]any{
				{"id": "t1", "name": "validate_nodes", "state": "SUCCESS", "published": "{}"},
				{"id": "t2", "name": "register_or_update_nodes", "state": "SUCCESS",
					"published": mustJSON(t, map[string]any{"registered_nodes": []any{ironicNode(uuid1, "a", "enroll")}, "new_nodes": []any{ironicNode(uuid1, "a", "enroll")}})},
				{"id": "t3", "name": "set_nodes_managed", "state": "SUCCESS", "published": `{"status": "SUCCESS"}`},
				{"id": "t4", "name": "set_status_success", "state": "SUCCESS", "published": "{}"},
				{"id": "t5", "name": "send_message", "state": "ERROR", "state_info": "Request body can not be larger than 262144 bytes", "published": "{}"},
			})
			s.Set(id, tripleo.StateError, "Failure caused by error in tasks: send_message", map[string]any{"result": "Failure caused by error in tasks: send_message"})
		})
		run, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{Nodes: loadInventory(t, "idrac.json")})
		require.NoError(t, err)
		evs := events(t, run)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		require.Len(t, res.Nodes, 1)
		assert.True(t, res.Nodes[0].New)
		warn := ofKind(evs, tripleo.EventWarning, baremetal.WorkflowRegisterOrUpdate)
		require.Len(t, warn, 1)
		assert.Contains(t, warn[0].Text, "final message was not posted")
		assert.Equal(t, tripleo.StateSuccess, evs[len(evs)-1].Status)
	})
}

func TestRegisterOrUpdateFailures(t *testing.T) {
	t.Run("validation failed", func(t *testing.T) {
		s := newSim(t, true)
		s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, _ map[string]any) {
			s.finish("tripleo", baremetal.WorkflowRegisterOrUpdate, id, "FAILED", "node #0: MAC 52:54:00:aa:00:01 is not unique", map[string]any{"registered_nodes": []any{}})
		})
		run, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{Nodes: loadInventory(t, "idrac.json")})
		require.NoError(t, err)
		_, err = run.Wait(context.Background())
		var re *baremetal.RegisterError
		require.ErrorAs(t, err, &re)
		assert.Empty(t, re.Registered)
		require.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
		assert.Contains(t, err.Error(), "is not unique")
	})
	t.Run("manage failed after registration", func(t *testing.T) {
		s := newSim(t, true)
		s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, _ map[string]any) {
			s.SetTasks(id, []map[string]any{
				{"id": "t2", "name": "register_or_update_nodes", "state": "SUCCESS", "published": "{}"},
				{"id": "t3", "name": "set_nodes_managed", "state": "ERROR", "published": "{}"},
				{"id": "t4", "name": "set_status_failed_nodes_managed", "state": "SUCCESS", "published": "{}"},
			})
			s.finish("tripleo", baremetal.WorkflowRegisterOrUpdate, id, "FAILED",
				`Node `+uuid1+` did not reach state "manageable", the state is "enroll", error: Failed to get power state`,
				map[string]any{"registered_nodes": []any{ironicNode(uuid1, "a", "enroll")}})
		})
		run, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{Nodes: loadInventory(t, "idrac.json")})
		require.NoError(t, err)
		_, err = run.Wait(context.Background())
		var re *baremetal.RegisterError
		require.ErrorAs(t, err, &re)
		require.Len(t, re.Registered, 1)
		assert.Equal(t, uuid1, re.Registered[0].UUID)
		assert.Contains(t, err.Error(), "after 1 node(s) were registered")
	})
}

// pm_password appears on the wire and nowhere else: not in events, errors,
// logs, or any printing of the options and results.
func TestPasswordNeverLeaks(t *testing.T) {
	const password = "Sup3r-Secret-BMC-pw"
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSim(t, true, tripleo.WithLogger(logger))
	inv := &instackenv.Inventory{Nodes: []instackenv.Node{{
		Name: "ctl-0", PMType: "ipmi", PMAddr: "10.0.0.5", PMUser: "admin", PMPassword: tripleo.Secret(password),
		MACs: []string{"52:54:00:00:00:05"}, Extra: map[string]any{"ipmi_kg_password": tripleo.Secret(password + "-kg")},
	}}}
	opts := baremetal.RegisterOpts{Nodes: inv}

	var wire []byte
	// a server that echoes the node data back in its error (as tripleo-common's
	// "Several candidates found for the same node data: ..." does)
	s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, in map[string]any) {
		wire = []byte(mustJSON(t, in))
		node := in["nodes_json"].([]any)[0]
		msg := fmt.Sprintf("Several candidates found for the same node data: %v", node)
		s.message("tripleo", baremetal.WorkflowRegisterOrUpdate, id, "", "RUNNING", "checking "+password, nil)
		s.finish("tripleo", baremetal.WorkflowRegisterOrUpdate, id, "FAILED", msg, map[string]any{"registered_nodes": []any{}})
		s.Set(id, tripleo.StateError, "Failure caused by error in tasks: register_or_update_nodes: "+msg, map[string]any{"result": msg})
	})
	run, err := baremetal.RegisterOrUpdate(context.Background(), s.c, opts)
	require.NoError(t, err)
	evs := events(t, run)
	res, runErr := run.Wait(context.Background())
	require.Error(t, runErr)

	require.Contains(t, string(wire), password, "the wire body carries the password")
	require.Contains(t, string(wire), password+"-kg")

	var out strings.Builder
	for _, ev := range evs {
		out.WriteString(ev.String() + "\n")
		fmt.Fprintf(&out, "%v %+v\n", ev.Err, ev.Data)
	}
	fmt.Fprintf(&out, "%v\n%+v\n%#v\n", runErr, runErr, runErr)
	var we *tripleo.WorkflowError
	require.ErrorAs(t, runErr, &we)
	fmt.Fprintf(&out, "%v %+v %s %s\n", we, we.LastMessage, we.StateInfo, we.LastMessage.Payload.RawMessage)
	fmt.Fprintf(&out, "%v %+v %#v\n", opts, opts, opts)
	fmt.Fprintf(&out, "%v %+v %#v\n", *inv, *inv, *inv)
	fmt.Fprintf(&out, "%v %+v %#v\n", res, res, res)
	logger.Info("opts", "opts", opts, "inventory", inv, "node", inv.Nodes[0])
	out.WriteString(logs.String())

	assert.NotContains(t, out.String(), password)
	assert.Contains(t, out.String(), "Several candidates found", "the server's message is kept, redacted")
	assert.Contains(t, out.String(), "***")
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// A start that fails with a server error echoing the input (as a database
// error does): the error and the retry logs are redacted.
func TestPasswordNeverLeaksOnStartFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const password = "Start-Fail-Secret-pw"
		var logs bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		s := newSim(t, true, tripleo.WithLogger(logger))
		posts := 0
		s.mt.RegisterResponder("POST", mistralURL+"/executions", func(r *http.Request) (*http.Response, error) {
			posts++
			body := tripleotest.RequestJSON(t, r)
			return tripleotest.JSONResponse(r, 500, map[string]any{"faultstring": "DBError: (DataError) Data too long [parameters: " + mustJSON(t, body["input"]) + "]"}), nil
		})
		inv := &instackenv.Inventory{Nodes: []instackenv.Node{{PMType: "ipmi", PMAddr: "10.0.0.5", PMPassword: tripleo.Secret(password)}}}
		_, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{Nodes: inv})
		require.Error(t, err)
		assert.Greater(t, posts, 1, "5xx are retried")
		var ae *tripleo.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 500, ae.StatusCode)
		assert.Contains(t, err.Error(), "DBError")
		assert.NotContains(t, fmt.Sprintf("%v %+v %s", err, err, ae.Message), password)
		assert.Contains(t, logs.String(), "retrying")
		assert.NotContains(t, logs.String(), password)
	})
}

// What the caller sets is sent, as set.
func TestRegisterOrUpdateInputSetByCaller(t *testing.T) {
	s := newSim(t, true)
	inv := loadInventory(t, "ipmi.json")
	s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, _ map[string]any) {
		s.finish("tripleo", baremetal.WorkflowRegisterOrUpdate, id, "SUCCESS", "", map[string]any{"registered_nodes": []any{}})
	})
	run, err := baremetal.RegisterOrUpdate(context.Background(), s.c, baremetal.RegisterOpts{Nodes: inv, Remove: true,
		InstanceBootOption: "netboot", InitialState: baremetal.StateAvailable, KernelName: "bm-deploy-kernel", RamdiskName: "bm-deploy-ramdisk"})
	require.NoError(t, err)
	_, err = run.Wait(context.Background())
	require.NoError(t, err)
	in := s.LastPost()["input"].(map[string]any)
	delete(in, "nodes_json")
	assert.Equal(t, map[string]any{"remove": true, "instance_boot_option": "netboot", "initial_state": "available",
		"kernel_name": "bm-deploy-kernel", "ramdisk_name": "bm-deploy-ramdisk"}, in)
}
