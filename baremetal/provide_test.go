package baremetal_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/tripleo"
)

func TestProvide(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, map[string]any{"name": "a"})
		s.node(uuid2, map[string]any{"name": "b"})
		s.OnStart(baremetal.WorkflowProvide, func(id string, _ map[string]any) {
			s.node(uuid1, map[string]any{"provision_state": "available"})
			s.node(uuid2, map[string]any{"provision_state": "available"})
			s.finish("prov", baremetal.WorkflowProvide, id, "SUCCESS", `2 node(s) successfully moved to the "available" state.`, nil)
		})
		run, err := baremetal.Provide(context.Background(), s.c, baremetal.ProvideOpts{NodeUUIDs: []string{uuid1, uuid2}, Queue: "prov"})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"workflow_name": baremetal.WorkflowProvide, "id": run.ExecutionID(),
			"input": map[string]any{"node_uuids": []any{uuid1, uuid2}, "queue_name": "prov"}}, s.LastPost())
		assert.True(t, res.Verified)
		require.Len(t, res.Nodes, 2)
		assert.Equal(t, "available", res.Nodes[1].ProvisionState)
		assert.Equal(t, "b", res.Nodes[1].Name)
	})
}

// The workflow said SUCCESS but a node is not available (bugs 1667776/1755754):
// the run ends with a NodeError naming the node, and the result.
func TestProvideChecksFinalStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, map[string]any{"name": "a"})
		s.node(uuid2, map[string]any{"name": "b"})
		s.OnStart(baremetal.WorkflowProvide, func(id string, _ map[string]any) {
			s.node(uuid1, map[string]any{"provision_state": "available"})
			s.node(uuid2, map[string]any{"provision_state": "clean failed", "last_error": "disk erase failed"})
			s.finish("tripleo", baremetal.WorkflowProvide, id, "SUCCESS", "", nil)
		})
		run, err := baremetal.Provide(context.Background(), s.c, baremetal.ProvideOpts{NodeUUIDs: []string{uuid1, uuid2}, SkipNodeWatch: true})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		var ne *baremetal.NodeError
		require.ErrorAs(t, err, &ne)
		assert.Equal(t, uuid2, ne.UUID)
		assert.Equal(t, "available", ne.TargetState)
		assert.Equal(t, `node b (`+uuid2+`) is "clean failed", not "available": disk erase failed`, err.Error())
		require.Len(t, res.Nodes, 2, "the result comes with the error")
	})
}

func TestProvideManageableNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, nil)
		s.node(uuid2, map[string]any{"provision_state": "active", "instance_uuid": "i-1"})
		s.OnStart(baremetal.WorkflowProvideManageable, func(id string, _ map[string]any) {
			s.node(uuid1, map[string]any{"provision_state": "available"})
			s.finish("tripleo", baremetal.WorkflowProvideManageable, id, "SUCCESS", "", nil)
		})
		run, err := baremetal.ProvideManageableNodes(context.Background(), s.c, baremetal.ProvideManageableOpts{SkipNodeWatch: true})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		assert.Equal(t, map[string]any{}, s.LastPost()["input"])
		require.Len(t, res.Nodes, 1)
		assert.Equal(t, uuid1, res.Nodes[0].UUID)
	})
}

func TestSetNodeState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, map[string]any{"provision_state": "enroll"})
		s.OnStart(baremetal.WorkflowSetNodeState, func(id string, _ map[string]any) {
			s.node(uuid1, map[string]any{"provision_state": "manageable"})
			s.Set(id, tripleo.StateSuccess, "", nil)
		})
		run, err := baremetal.SetNodeState(context.Background(), s.c, baremetal.SetNodeStateOpts{
			NodeUUID: uuid1, StateAction: "manage", TargetState: "manageable", ErrorStates: []string{"enroll", "error"}})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"workflow_name": baremetal.WorkflowSetNodeState, "id": run.ExecutionID(),
			"input": map[string]any{"node_uuid": uuid1, "state_action": "manage", "target_state": "manageable",
				"error_states": []any{"enroll", "error"}}}, s.LastPost(), "no queue_name: the workflow has none")
		assert.True(t, res.Verified)
		assert.Equal(t, "manageable", res.Node.ProvisionState)
		assert.Zero(t, s.n.Subscribers("tripleo"))
	})
}

// Pike's set_node_state "succeeded" without the node reaching the target.
func TestSetNodeStateNotReached(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, false)
		s.node(uuid1, map[string]any{"provision_state": "enroll"})
		s.OnStart(baremetal.WorkflowSetNodeState, func(id string, _ map[string]any) {
			s.node(uuid1, map[string]any{"provision_state": "enroll", "last_error": "Failed to get power state for node " + uuid1 + ". Error: IPMI call failed: power status."})
			s.Set(id, tripleo.StateSuccess, "", nil)
		})
		run, err := baremetal.SetNodeState(context.Background(), s.c, baremetal.SetNodeStateOpts{NodeUUID: uuid1, StateAction: "manage", TargetState: "manageable"})
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"node_uuid": uuid1, "state_action": "manage", "target_state": "manageable"}, s.LastPost()["input"])
		res, err := run.Wait(context.Background())
		var ne *baremetal.NodeError
		require.ErrorAs(t, err, &ne)
		assert.Equal(t, "enroll", ne.ProvisionState)
		assert.Contains(t, ne.LastError, "IPMI call failed")
		assert.Equal(t, "enroll", res.Node.ProvisionState)
	})
}

func TestOptsValidate(t *testing.T) {
	fields := func(err error) []string {
		var out []string
		for _, p := range tripleo.Problems(err) {
			out = append(out, p.Field)
		}
		return out
	}
	assert.Equal(t, []string{"node_uuid", "clean_steps[0].interface", "clean_steps[1].step", "timeout", "retry_delay", "retry_count"},
		fields(baremetal.CleanOpts{Steps: []baremetal.CleanStep{{Interface: "disk", Step: "x"}, {Interface: "raid"}},
			Timeout: -1, RetryDelay: -time.Second, RetryCount: -1}.Validate()))
	assert.Equal(t, []string{"clean_steps"}, fields(baremetal.CleanOpts{NodeUUID: uuid1}.Validate()))
	assert.Equal(t, []string{"node_uuids", "queue"}, fields(baremetal.ProvideOpts{Queue: "a b"}.Validate()))
	assert.Equal(t, []string{"node_uuid", "state_action", "target_state", "error_states[0]"},
		fields(baremetal.SetNodeStateOpts{NodeUUID: "no such/node", StateAction: "deploy", ErrorStates: []string{""}}.Validate()))
	assert.Equal(t, []string{"queue"}, fields(baremetal.IntrospectManageableOpts{Queue: "!"}.Validate()))
	assert.Equal(t, []string{"queue"}, fields(baremetal.ProvideManageableOpts{Queue: "!"}.Validate()))
	assert.Equal(t, []string{"nodes", "concurrency"}, fields(baremetal.EnrollOpts{Concurrency: -1}.Validate()))

	// Validate runs before any request
	s := newSim(t, true)
	_, err := baremetal.ManualClean(context.Background(), s.c, baremetal.CleanOpts{})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = baremetal.Provide(context.Background(), s.c, baremetal.ProvideOpts{})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = baremetal.SetNodeState(context.Background(), s.c, baremetal.SetNodeStateOpts{})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = baremetal.Introspect(context.Background(), s.c, baremetal.IntrospectOpts{})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	_, err = baremetal.Enroll(context.Background(), s.c, baremetal.EnrollOpts{})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	assert.Zero(t, s.mt.GetTotalCallCount())
}

func TestCleanStepHelpers(t *testing.T) {
	assert.Equal(t, baremetal.CleanStep{Interface: "deploy", Step: "erase_devices_metadata"}, baremetal.EraseDevicesMetadata())
	assert.Equal(t, baremetal.CleanStep{Interface: "deploy", Step: "erase_devices"}, baremetal.EraseDevices())
	assert.Equal(t, baremetal.CleanStep{Interface: "bios", Step: "factory_reset"}, baremetal.ResetBIOS())
	assert.Equal(t, baremetal.CleanStep{Interface: "raid", Step: "delete_configuration"}, baremetal.DeleteRAIDConfiguration())
	assert.Equal(t, baremetal.CleanStep{Interface: "raid", Step: "create_configuration"}, baremetal.CreateRAIDConfiguration())
	assert.Equal(t, map[string]any{"settings": []any{map[string]any{"name": "ProcVirtualization", "value": "Enabled"}}},
		baremetal.ApplyBIOSSettings(baremetal.BIOSSetting{Name: "ProcVirtualization", Value: "Enabled"}).Args)
}
