package baremetal_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/tripleo"
)

// enrollSim scripts the three workflows over the three nodes of ipmi.json
// (controller-0, compute-0, compute-1 → uuid1, uuid2, uuid3).
func enrollSim(t *testing.T, introFails map[string]string, provideFails map[string]string) *sim {
	s := newSim(t, true)
	s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, _ map[string]any) {
		for _, n := range [][2]string{{uuid1, "controller-0"}, {uuid2, "compute-0"}, {uuid3, "compute-1"}} {
			s.node(n[0], map[string]any{"name": n[1], "provision_state": "manageable"})
		}
		s.finish("tripleo", baremetal.WorkflowRegisterOrUpdate, id, "SUCCESS", `3 node(s) successfully moved to the "manageable" state.`,
			map[string]any{"registered_nodes": []any{
				ironicNode(uuid1, "controller-0", "enroll"), ironicNode(uuid2, "compute-0", "enroll"), ironicNode(uuid3, "compute-1", "enroll")}})
	})
	s.OnStart(baremetal.WorkflowIntrospect, func(id string, in map[string]any) {
		nodes := map[string]any{}
		var failed []any
		for i, u := range in["node_uuids"].([]any) {
			uuid := u.(string)
			st := map[string]any{"uuid": uuid, "finished": true, "error": nil}
			status := "SUCCESS"
			if e, ok := introFails[uuid]; ok {
				st["error"], status = e, "FAILED"
				failed = append(failed, uuid)
			}
			nodes[uuid] = st
			s.message("tripleo", baremetal.WorkflowIntrospectNode, id+"-"+string(rune('a'+i)), id, status, "Introspection of node "+uuid+" completed.",
				map[string]any{"node_uuid": uuid, "introspected_node": st})
		}
		if len(failed) > 0 {
			s.finish("tripleo", baremetal.WorkflowIntrospect, id, "FAILED", "Retry limit reached with 1 nodes still failing introspection",
				map[string]any{"introspected_nodes": nodes, "failed_introspection": failed})
			return
		}
		s.finish("tripleo", baremetal.WorkflowIntrospect, id, "SUCCESS", "Successfully introspected node(s).",
			map[string]any{"introspected_nodes": nodes, "failed_introspection": []any{}})
	})
	s.OnStart(baremetal.WorkflowProvide, func(id string, in map[string]any) {
		var bad []string
		for _, u := range in["node_uuids"].([]any) {
			uuid := u.(string)
			if e, ok := provideFails[uuid]; ok {
				s.node(uuid, map[string]any{"provision_state": "clean failed", "last_error": e, "maintenance": true})
				bad = append(bad, uuid)
				continue
			}
			s.node(uuid, map[string]any{"provision_state": "available"})
		}
		if len(bad) > 0 {
			s.finish("tripleo", baremetal.WorkflowProvide, id, "FAILED", "Node "+bad[0]+` did not reach state "available", the state is "clean failed"`, nil)
			return
		}
		s.finish("tripleo", baremetal.WorkflowProvide, id, "SUCCESS", "ok", nil)
	})
	return s
}

// One node fails introspection: the other two are provided and available;
// the result says why the third is not.
func TestEnrollMixedOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := enrollSim(t, map[string]string{uuid2: "Introspection timeout"}, nil)
		run, err := baremetal.Enroll(context.Background(), s.c, baremetal.EnrollOpts{Nodes: loadInventory(t, "ipmi.json")})
		require.NoError(t, err)
		assert.Equal(t, baremetal.OpEnroll, run.Name())
		evs := events(t, run)
		res, err := run.Wait(context.Background())

		var ee *baremetal.EnrollError
		require.ErrorAs(t, err, &ee)
		require.ErrorIs(t, err, baremetal.ErrNodeFailed)
		require.ErrorIs(t, err, tripleo.ErrWorkflowFailed, "the introspection's error is kept")
		var ie *baremetal.IntrospectError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, `1 node(s) did not reach "available": compute-0 (`+uuid2+`): introspect: introspection failed: Introspection timeout`, err.Error())

		assert.Equal(t, "available", res.Goal)
		require.Len(t, res.Nodes, 3)
		ok := res.Succeeded()
		require.Len(t, ok, 2)
		assert.Equal(t, []string{"controller-0", "compute-1"}, []string{ok[0].Name, ok[1].Name})
		assert.Equal(t, "available", ok[0].ProvisionState)
		assert.Equal(t, &baremetal.NodeIntrospection{UUID: uuid1, Finished: true}, ok[0].Introspection)
		bad := res.Failed()
		require.Len(t, bad, 1)
		assert.Equal(t, baremetal.EnrollNode{Index: 1, Name: "compute-0", UUID: uuid2, ProvisionState: "manageable",
			Stage: baremetal.StageIntrospect, Reason: "introspection failed: Introspection timeout",
			Introspection: &baremetal.NodeIntrospection{UUID: uuid2, Finished: true, Error: "Introspection timeout"}}, bad[0])

		// provide got only the introspected nodes
		provides := s.PostsOf(baremetal.WorkflowProvide)
		require.Len(t, provides, 1)
		assert.Equal(t, []any{uuid1, uuid3}, provides[0]["input"].(map[string]any)["node_uuids"])
		assert.NotContains(t, s.PostsOf(baremetal.WorkflowRegisterOrUpdate)[0]["input"], "initial_state", "the default, manageable, is not sent")

		// per-node progress of the pipeline, and the steps' own events
		prog := ofKind(evs, tripleo.EventProgress, baremetal.OpEnroll)
		var compute0 []string
		for _, ev := range prog {
			if ev.Subject == uuid2 {
				compute0 = append(compute0, ev.Status)
			}
		}
		assert.Equal(t, []string{"registered", "failed"}, compute0)
		lastProg := prog[len(prog)-1]
		assert.Equal(t, &tripleo.Progress{Done: 2, Failed: 1, Total: 3}, lastProg.Progress)
		assert.Len(t, ofKind(evs, tripleo.EventMessage, baremetal.WorkflowIntrospectNode), 3)
		assert.Empty(t, ofKind(evs, tripleo.EventProgress, baremetal.WorkflowIntrospectNode), "one event per node message")
		provideStarted := ofKind(evs, tripleo.EventStarted, baremetal.WorkflowProvide)
		require.Len(t, provideStarted, 1, "the provide step starts once")
		assert.Equal(t, provides[0]["id"], provideStarted[0].ExecutionID)
		assert.Equal(t, tripleo.StateError, evs[len(evs)-1].Status)
	})
}

// A node whose automated cleaning fails during provide: the reason carries
// Ironic's last_error, read at the end.
func TestEnrollProvideFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := enrollSim(t, nil, map[string]string{uuid3: "Erasing devices failed"})
		run, err := baremetal.Enroll(context.Background(), s.c, baremetal.EnrollOpts{Nodes: loadInventory(t, "ipmi.json")})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		require.ErrorIs(t, err, baremetal.ErrNodeFailed)
		bad := res.Failed()
		require.Len(t, bad, 1)
		assert.Equal(t, "compute-1", bad[0].Name)
		assert.Equal(t, baremetal.StageProvide, bad[0].Stage)
		assert.Equal(t, `node is "clean failed" at the end (in maintenance): Erasing devices failed`, bad[0].Reason)
		assert.Equal(t, "Erasing devices failed", bad[0].LastError)
		assert.True(t, bad[0].Maintenance)
		assert.Len(t, res.Succeeded(), 2)
	})
}

func TestEnrollAllGoodWithoutProvide(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := enrollSim(t, nil, nil)
		run, err := baremetal.Enroll(context.Background(), s.c, baremetal.EnrollOpts{Nodes: loadInventory(t, "ipmi.json"), SkipProvide: true})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "manageable", res.Goal)
		assert.Len(t, res.Succeeded(), 3)
		assert.Empty(t, s.PostsOf(baremetal.WorkflowProvide))
	})
}

func TestEnrollRegistrationFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.OnStart(baremetal.WorkflowRegisterOrUpdate, func(id string, _ map[string]any) {
			s.finish("tripleo", baremetal.WorkflowRegisterOrUpdate, id, "FAILED", "node #1: MAC 52:54:00:0c:6a:02 is not unique", map[string]any{"registered_nodes": []any{}})
		})
		run, err := baremetal.Enroll(context.Background(), s.c, baremetal.EnrollOpts{Nodes: loadInventory(t, "ipmi.json")})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		var re *baremetal.RegisterError
		require.ErrorAs(t, err, &re)
		require.Len(t, res.Failed(), 3)
		for _, n := range res.Nodes {
			assert.Equal(t, baremetal.StageRegister, n.Stage)
			assert.Contains(t, n.Reason, "is not unique")
			assert.Empty(t, n.UUID)
		}
		assert.Empty(t, s.PostsOf(baremetal.WorkflowIntrospect))
	})
}
