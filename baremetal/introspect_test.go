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

func TestIntrospectInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts baremetal.IntrospectOpts
		want map[string]any
	}{{
		name: "defaults",
		opts: baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1, uuid2}},
		want: map[string]any{"node_uuids": []any{uuid1, uuid2}},
	}, {
		name: "defaults given explicitly",
		opts: baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1}, Concurrency: 20, MaxRetryAttempts: 2, NodeTimeout: 20 * time.Minute},
		want: map[string]any{"node_uuids": []any{uuid1}},
	}, {
		name: "everything",
		opts: baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1}, RunValidations: true, Concurrency: 5,
			MaxRetryAttempts: baremetal.NoRetries, NodeTimeout: 599500 * time.Millisecond, Queue: "intro"},
		want: map[string]any{"node_uuids": []any{uuid1}, "run_validations": true, "concurrency": float64(5),
			"max_retry_attempts": float64(0), "node_timeout": float64(600), "queue_name": "intro"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, true)
				q := tc.opts.Queue
				if q == "" {
					q = "tripleo"
				}
				s.OnStart(baremetal.WorkflowIntrospect, func(id string, in map[string]any) {
					s.finish(q, baremetal.WorkflowIntrospect, id, "SUCCESS", "Successfully introspected 1 node(s).", map[string]any{
						"introspected_nodes": map[string]any{uuid1: map[string]any{"uuid": uuid1, "finished": true, "error": nil}}, "failed_introspection": []any{}})
				})
				tc.opts.SkipNodeWatch = true
				run, err := baremetal.Introspect(context.Background(), s.c, tc.opts)
				require.NoError(t, err)
				res, err := run.Wait(context.Background())
				require.NoError(t, err)
				assert.Equal(t, map[string]any{"workflow_name": baremetal.WorkflowIntrospect, "id": run.ExecutionID(), "input": tc.want}, s.LastPost())
				assert.Empty(t, res.Failed())
				assert.Zero(t, s.ironicCount(), "no watch: no Ironic request")
			})
		})
	}
}

func TestIntrospectValidate(t *testing.T) {
	err := baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1, "compute-0", uuid1, ""}, Concurrency: -1, MaxRetryAttempts: -2, NodeTimeout: -time.Second}.Validate()
	var fields []string
	for _, p := range tripleo.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"node_uuids[1]", "node_uuids[2]", "node_uuids[3]", "concurrency", "max_retry_attempts", "node_timeout"}, fields)
	require.ErrorContains(t, baremetal.IntrospectOpts{}.Validate(), "at least one node uuid")
}

// Three nodes: one succeeds, one fails in every round, one times out; the
// final payload (last round only) lists the failures as a uuid and a dict.
func TestIntrospectFailedNodesNormalised(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.OnStart(baremetal.WorkflowIntrospect, func(id string, _ map[string]any) {
			s.message("tripleo", baremetal.WorkflowIntrospectNode, "n1-"+id, id, "SUCCESS", "Introspection of node "+uuid1+" completed. Status:SUCCESS. Errors:None",
				map[string]any{"node_uuid": uuid1, "introspected_node": map[string]any{"uuid": uuid1, "finished": true, "error": nil, "started_at": "2026-11-24T10:00:00"}})
			s.message("tripleo", baremetal.WorkflowIntrospectNode, "n2-"+id, id, "FAILED", "Introspection of node "+uuid2+" completed. Status:FAILED. Errors:Introspection timeout",
				map[string]any{"node_uuid": uuid2, "introspected_node": map[string]any{"uuid": uuid2, "finished": true, "error": "Introspection timeout"}})
			s.message("tripleo", baremetal.WorkflowIntrospectNode, "n3-"+id, id, "FAILED", "Introspection of node "+uuid3+" timed out.",
				map[string]any{"node_uuid": uuid3, "introspected_node": nil})
			s.message("tripleo", baremetal.WorkflowIntrospect, id, "", "RUNNING", "Retrying 2 nodes that failed introspection. Attempt 2 of 3 ", nil)
			s.finish("tripleo", baremetal.WorkflowIntrospect, id, "FAILED", "Retry limit reached with 2 nodes still failing introspection", map[string]any{
				"introspected_nodes": map[string]any{
					uuid2: map[string]any{"uuid": uuid2, "finished": true, "error": "Introspection timeout"},
					uuid3: map[string]any{"uuid": uuid3, "finished": false, "error": nil},
				},
				"failed_introspection": []any{uuid2, map[string]any{"uuid": uuid3, "finished": false, "error": nil}},
			})
		})
		run, err := baremetal.Introspect(context.Background(), s.c, baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1, uuid2, uuid3}, SkipNodeWatch: true})
		require.NoError(t, err)
		evs := events(t, run)
		_, err = run.Wait(context.Background())
		var ie *baremetal.IntrospectError
		require.ErrorAs(t, err, &ie)
		require.ErrorIs(t, err, baremetal.ErrNodeFailed)
		require.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
		res := ie.Result
		require.Len(t, res.Nodes, 3)
		assert.Equal(t, uuid1, res.Nodes[0].UUID)
		assert.False(t, res.Nodes[0].Failed())
		assert.Equal(t, "Introspection timeout", res.Nodes[1].Reason())
		assert.Equal(t, "introspection did not finish", res.Nodes[2].Reason())
		require.Len(t, res.Failed(), 2)
		assert.Contains(t, err.Error(), "introspection failed for 2 of 3 node(s)")
		assert.Contains(t, err.Error(), "Retry limit reached")

		// one event per node message, the message itself annotated: Subject
		// the uuid, counters so far, the node's status
		prog := ofKind(evs, tripleo.EventMessage, baremetal.WorkflowIntrospectNode)
		require.Len(t, prog, 3)
		assert.Empty(t, ofKind(evs, tripleo.EventProgress, baremetal.WorkflowIntrospectNode), "no second event per message")
		assert.Equal(t, uuid1, prog[0].Subject)
		assert.Equal(t, "SUCCESS", prog[0].Status)
		assert.Equal(t, "Introspection of node "+uuid1+" completed. Status:SUCCESS. Errors:None", prog[0].Text)
		assert.Equal(t, "n1-"+run.ExecutionID(), prog[0].ExecutionID, "the sub-workflow's own execution")
		require.NotNil(t, prog[0].Message)
		assert.Equal(t, &tripleo.Progress{Done: 1, InProgress: 2, Total: 3}, prog[0].Progress)
		assert.Equal(t, baremetal.NodeIntrospection{UUID: uuid1, Finished: true, StartedAt: "2026-11-24T10:00:00"}, prog[0].Data)
		assert.Equal(t, uuid3, prog[2].Subject)
		assert.Equal(t, &tripleo.Progress{Done: 1, Failed: 2, Total: 3}, prog[2].Progress)
		assert.Equal(t, "Introspection timeout", prog[1].Data.(baremetal.NodeIntrospection).Error)
		assert.Equal(t, "Introspection of node "+uuid3+" timed out.", prog[2].Data.(baremetal.NodeIntrospection).Error)
		// the workflow's own messages are not annotated
		for _, ev := range ofKind(evs, tripleo.EventMessage, baremetal.WorkflowIntrospect) {
			assert.Empty(t, ev.Subject)
			assert.Nil(t, ev.Progress)
			assert.Nil(t, ev.Data)
		}
		// the run keeps one id and one name throughout, with one EventStarted
		assert.Equal(t, baremetal.WorkflowIntrospect, run.Name())
		started := ofKind(evs, tripleo.EventStarted, "")
		require.Len(t, started, 1)
		assert.Equal(t, run.ExecutionID(), started[0].ExecutionID)
		assert.Equal(t, run.ExecutionID(), evs[len(evs)-1].ExecutionID)
	})
}

// A retried node that succeeds in the second round is missing from the
// final payload's introspected_nodes (upstream re-publishes the last round
// only): the result still lists every node asked for.
func TestIntrospectRetriedNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.OnStart(baremetal.WorkflowIntrospect, func(id string, _ map[string]any) {
			s.finish("tripleo", baremetal.WorkflowIntrospect, id, "SUCCESS", "Successfully introspected 1 node(s).", map[string]any{
				"introspected_nodes":   map[string]any{uuid2: map[string]any{"uuid": uuid2, "finished": true, "error": nil}},
				"failed_introspection": []any{},
			})
		})
		run, err := baremetal.Introspect(context.Background(), s.c, baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1, uuid2}, SkipNodeWatch: true})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		assert.Equal(t, []baremetal.NodeIntrospection{{UUID: uuid1, Finished: true}, {UUID: uuid2, Finished: true}}, res.Nodes)
		assert.Equal(t, "Successfully introspected 1 node(s).", res.Message)
	})
}

func TestIntrospectManageableNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, map[string]any{"name": "a"})
		s.node(uuid2, map[string]any{"name": "b", "maintenance": true})
		s.node(uuid3, map[string]any{"name": "c", "provision_state": "available"})
		s.OnStart(baremetal.WorkflowIntrospectManageable, func(id string, _ map[string]any) {
			s.message("tripleo", baremetal.WorkflowIntrospectNode, "n1-"+id, id, "SUCCESS", "ok", map[string]any{"node_uuid": uuid1})
			s.finish("tripleo", baremetal.WorkflowIntrospectManageable, id, "SUCCESS", "", map[string]any{
				"introspected_nodes": map[string]any{uuid1: map[string]any{"uuid": uuid1, "finished": true, "error": nil}}})
		})
		run, err := baremetal.IntrospectManageableNodes(context.Background(), s.c, baremetal.IntrospectManageableOpts{RunValidations: true})
		require.NoError(t, err)
		evs := events(t, run)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"run_validations": true}, s.LastPost()["input"])
		assert.Equal(t, []baremetal.NodeIntrospection{{UUID: uuid1, Finished: true}}, res.Nodes)
		prog := ofKind(evs, tripleo.EventMessage, baremetal.WorkflowIntrospectNode)
		require.Len(t, prog, 1)
		assert.Equal(t, uuid1, prog[0].Subject)
		assert.Equal(t, &tripleo.Progress{Done: 1, Total: 1}, prog[0].Progress, "the watch picked the one manageable node")
	})
}

// The empty-list failure of introspect_manageable_nodes ("introspected_nodes": []).
func TestIntrospectManageableNoNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.OnStart(baremetal.WorkflowIntrospectManageable, func(id string, _ map[string]any) {
			s.finish("tripleo", baremetal.WorkflowIntrospectManageable, id, "FAILED",
				"No manageable nodes to introspect. Check node states and maintenance.", map[string]any{"introspected_nodes": []any{}})
		})
		run, err := baremetal.IntrospectManageableNodes(context.Background(), s.c, baremetal.IntrospectManageableOpts{})
		require.NoError(t, err)
		_, err = run.Wait(context.Background())
		var ie *baremetal.IntrospectError
		require.ErrorAs(t, err, &ie)
		assert.Empty(t, ie.Result.Nodes)
		assert.NotErrorIs(t, err, baremetal.ErrNodeFailed)
		assert.Contains(t, err.Error(), "No manageable nodes to introspect")
	})
}

// A _introspect message that does not end the node's introspection (RUNNING)
// names the node but carries no counters.
func TestIntrospectAnnotatesOnlyItsNodeMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.OnStart(baremetal.WorkflowIntrospect, func(id string, _ map[string]any) {
			s.message("tripleo", baremetal.WorkflowIntrospectNode, "n1-"+id, id, "RUNNING", "Introspecting node "+uuid1, map[string]any{"node_uuid": uuid1})
			s.message("tripleo", baremetal.WorkflowIntrospectNode, "n1-"+id, id, "SUCCESS", "done", map[string]any{"node_uuid": uuid1})
			s.finish("tripleo", baremetal.WorkflowIntrospect, id, "SUCCESS", "", map[string]any{"introspected_nodes": map[string]any{}})
		})
		run, err := baremetal.Introspect(context.Background(), s.c, baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1, uuid2}, SkipNodeWatch: true})
		require.NoError(t, err)
		evs := events(t, run)
		_, err = run.Wait(context.Background())
		require.NoError(t, err)
		msgs := ofKind(evs, tripleo.EventMessage, baremetal.WorkflowIntrospectNode)
		require.Len(t, msgs, 2)
		assert.Equal(t, uuid1, msgs[0].Subject)
		assert.Nil(t, msgs[0].Progress)
		assert.Nil(t, msgs[0].Data)
		assert.Equal(t, &tripleo.Progress{Done: 1, InProgress: 1, Total: 2}, msgs[1].Progress)
		assert.Equal(t, baremetal.NodeIntrospection{UUID: uuid1, Finished: true}, msgs[1].Data)
	})
}
