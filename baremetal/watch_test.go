package baremetal_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/tripleo"
)

const cleanError = "Node " + uuid1 + " failed step {'interface': 'bios', 'step': 'apply_configuration', 'args': {'settings': [{'bogus': 1}]}, 'abortable': False, 'priority': 0}: 'name'"

// manual_cleaning does not notice "clean failed" (it would poll for 2 h): the
// watch reports it within one poll interval and ends the run with a
// NodeError while Mistral still says RUNNING, telling the host how to cancel.
func TestManualCleanFailureSurfacedEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, map[string]any{"name": "compute-0"})
		started := time.Now()
		run, err := baremetal.ManualClean(context.Background(), s.c, baremetal.CleanOpts{
			NodeUUID: uuid1, Steps: []baremetal.CleanStep{baremetal.ApplyBIOSSettings(baremetal.BIOSSetting{Name: "bogus"})},
		})
		require.NoError(t, err)
		id := run.ExecutionID()
		assert.Equal(t, map[string]any{
			"workflow_name": baremetal.WorkflowManualCleaning, "id": id,
			"input": map[string]any{
				"node_uuid":   uuid1,
				"clean_steps": []any{map[string]any{"interface": "bios", "step": "apply_configuration", "args": map[string]any{"settings": []any{map[string]any{"name": "bogus", "value": ""}}}}},
			},
		}, s.LastPost())

		// Ironic: cleaning at once, clean failed (and maintenance) 5 s later
		s.node(uuid1, map[string]any{"provision_state": "cleaning", "target_provision_state": "manageable"})
		time.Sleep(5 * time.Second)
		failedAt := time.Now()
		s.node(uuid1, map[string]any{"provision_state": "clean failed", "target_provision_state": nil, "last_error": cleanError,
			"maintenance": true, "maintenance_reason": cleanError})

		evs := events(t, run)
		_, err = run.Wait(context.Background())
		var ne *baremetal.NodeError
		require.ErrorAs(t, err, &ne)
		require.ErrorIs(t, err, baremetal.ErrNodeFailed)
		assert.Equal(t, baremetal.NodeError{UUID: uuid1, Name: "compute-0", ProvisionState: "clean failed", LastError: cleanError,
			Maintenance: true, MaintenanceReason: cleanError, Workflow: baremetal.WorkflowManualCleaning, ExecutionID: id}, *ne)
		assert.Contains(t, err.Error(), `node compute-0 (`+uuid1+`) is "clean failed": Node `)

		// polls at 2 s (cleaning: a change, so the interval is back to 2 s),
		// 4 s (no change: the next interval is 3 s), then 7 s sees the failure of 5 s
		warns := ofKind(evs, tripleo.EventWarning, baremetal.SourceIronic)
		require.Len(t, warns, 2)
		assert.Equal(t, uuid1, warns[0].Subject)
		assert.Equal(t, "clean failed", warns[0].Status)
		assert.Contains(t, warns[0].Text, cleanError)
		assert.Equal(t, 7*time.Second, warns[0].Time.Sub(started))
		assert.LessOrEqual(t, warns[0].Time.Sub(failedAt), 3*time.Second, "within one poll interval")
		assert.Contains(t, warns[1].Text, "Mistral execution "+id+" ("+baremetal.WorkflowManualCleaning+") is still running")
		assert.Contains(t, warns[1].Text, "Run.Cancel")

		prog := ofKind(evs, tripleo.EventProgress, baremetal.SourceIronic)
		require.Len(t, prog, 2)
		assert.Equal(t, "cleaning", prog[0].Status)
		assert.Equal(t, &tripleo.Progress{InProgress: 1, Total: 1}, prog[0].Progress)
		assert.Equal(t, "clean failed", prog[1].Status)
		assert.Equal(t, &tripleo.Progress{Failed: 1, Total: 1}, prog[1].Progress)

		// Mistral still runs it: nothing cancelled it behind the host's back
		assert.Equal(t, tripleo.StateRunning, s.State(id))
		assert.Empty(t, s.Cancels())

		// the watch has stopped: no Ironic request any more
		n := s.ironicCount()
		time.Sleep(time.Minute)
		synctest.Wait()
		assert.Equal(t, n, s.ironicCount())

		// the host cancels it
		require.NoError(t, run.Cancel(context.Background()))
		assert.Equal(t, []string{id}, s.Cancels())
	})
}

// StopOnNodeFailure false: the failure is a warning and the run goes on.
func TestManualCleanWatchWithoutStopping(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, nil)
		run, err := baremetal.ManualClean(context.Background(), s.c, baremetal.CleanOpts{
			NodeUUID: uuid1, Steps: []baremetal.CleanStep{baremetal.EraseDevicesMetadata()}, ContinueOnNodeFailure: true,
			Timeout: 30 * time.Second, RetryDelay: time.Second, RetryCount: 30,
		})
		require.NoError(t, err)
		id := run.ExecutionID()
		assert.Equal(t, map[string]any{"node_uuid": uuid1, "clean_steps": []any{map[string]any{"interface": "deploy", "step": "erase_devices_metadata"}},
			"timeout": float64(30), "retry_delay": float64(1), "retry_count": float64(30)}, s.LastPost()["input"])
		s.node(uuid1, map[string]any{"provision_state": "clean failed", "last_error": "boom"})
		time.Sleep(30 * time.Second)
		s.finish("tripleo", baremetal.WorkflowManualCleaning, id, "FAILED", "Cleaning of node "+uuid1+" timed out.", nil)
		evs := events(t, run)
		_, err = run.Wait(context.Background())
		require.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
		assert.NotErrorIs(t, err, baremetal.ErrNodeFailed)
		warns := ofKind(evs, tripleo.EventWarning, baremetal.SourceIronic)
		require.Len(t, warns, 1, "reported once")
		assert.Contains(t, warns[0].Text, `entered "clean failed": boom`)
	})
}

// A node already in "clean failed" before the run is not this run's failure.
func TestWatchBaselineIgnoresOldFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, map[string]any{"provision_state": "inspect failed", "last_error": "old"})
		s.node(uuid2, nil)
		run, err := baremetal.Introspect(context.Background(), s.c, baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1, uuid2}})
		require.NoError(t, err)
		time.Sleep(3 * time.Second)
		s.node(uuid2, map[string]any{"provision_state": "inspect failed", "last_error": "new"})
		time.Sleep(10 * time.Second)
		s.finish("tripleo", baremetal.WorkflowIntrospect, run.ExecutionID(), "SUCCESS", "", map[string]any{"introspected_nodes": map[string]any{}})
		evs := events(t, run)
		warns := ofKind(evs, tripleo.EventWarning, baremetal.SourceIronic)
		require.Len(t, warns, 1)
		assert.Equal(t, uuid2, warns[0].Subject)
	})
}

// "inspect failed" during Introspect is reported at once; the run goes on
// (the workflow retries) and ends as the workflow says.
func TestIntrospectInspectFailedReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.node(uuid1, map[string]any{"name": "ctl"})
		s.node(uuid2, map[string]any{"name": "cmp"})
		run, err := baremetal.Introspect(context.Background(), s.c, baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1, uuid2}})
		require.NoError(t, err)
		id := run.ExecutionID()
		s.node(uuid1, map[string]any{"provision_state": "inspecting", "target_provision_state": "manageable"})
		s.node(uuid2, map[string]any{"provision_state": "inspect wait", "target_provision_state": "manageable"})
		time.Sleep(3 * time.Second)
		s.node(uuid1, map[string]any{"provision_state": "manageable", "target_provision_state": nil})
		s.node(uuid2, map[string]any{"provision_state": "inspect failed", "target_provision_state": "manageable",
			"last_error": "Failed to start inspection: Could not contact ironic-inspector"})
		time.Sleep(10 * time.Second)
		s.finish("tripleo", baremetal.WorkflowIntrospect, id, "FAILED", "Retry limit reached with 1 nodes still failing introspection",
			map[string]any{"introspected_nodes": map[string]any{uuid2: map[string]any{"uuid": uuid2, "finished": true, "error": "Failed to start inspection"}},
				"failed_introspection": []any{uuid2}})
		evs := events(t, run)
		_, err = run.Wait(context.Background())
		var ie *baremetal.IntrospectError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, []baremetal.NodeIntrospection{{UUID: uuid2, Finished: true, Error: "Failed to start inspection"}}, ie.Result.Failed())

		warns := ofKind(evs, tripleo.EventWarning, baremetal.SourceIronic)
		require.Len(t, warns, 1)
		assert.Equal(t, uuid2, warns[0].Subject)
		assert.Equal(t, "inspect failed", warns[0].Status)
		assert.Contains(t, warns[0].Text, "Could not contact ironic-inspector")
		var ne *baremetal.NodeError
		require.ErrorAs(t, warns[0].Err, &ne)
		assert.Equal(t, "cmp", ne.Name)
		// polls at 2 s (inspecting / inspect wait) and 4 s (the outcome)
		prog := ofKind(evs, tripleo.EventProgress, baremetal.SourceIronic)
		require.Len(t, prog, 4)
		assert.Equal(t, &tripleo.Progress{InProgress: 2, Total: 2}, prog[1].Progress)
		assert.Equal(t, &tripleo.Progress{Done: 1, Failed: 1, Total: 2}, prog[3].Progress)
	})
}

// The poll interval backs off from 2 s to 10 s while nothing changes, and the
// watch says when Ironic cannot be read.
func TestWatchBackoffAndErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, false)
		s.node(uuid1, nil)
		run, err := baremetal.SetNodeState(context.Background(), s.c, baremetal.SetNodeStateOpts{NodeUUID: uuid1, StateAction: "provide", TargetState: "available"})
		require.NoError(t, err)
		base := s.ironicCount() // the baseline
		// polls at 2, 5, 9.5, 16.25, 26.25, 36.25 s
		time.Sleep(36*time.Second + 250*time.Millisecond)
		synctest.Wait()
		assert.Equal(t, base+6, s.ironicCount())

		s.mu.Lock()
		s.ironicFail = 3
		s.mu.Unlock()
		time.Sleep(30 * time.Second)
		s.node(uuid1, map[string]any{"provision_state": "available"})
		s.Set(run.ExecutionID(), tripleo.StateSuccess, "", nil)
		evs := events(t, run)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		assert.True(t, res.Verified)
		warns := ofKind(evs, tripleo.EventWarning, baremetal.SourceIronic)
		require.Len(t, warns, 1)
		assert.Contains(t, warns[0].Text, "Ironic could not be read 3 times in a row")
		assert.Contains(t, warns[0].Text, "Service Unavailable")
	})
}

func TestWatchOffOrWithoutIronic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		run, err := baremetal.ManualClean(context.Background(), s.c, baremetal.CleanOpts{NodeUUID: uuid1,
			Steps: []baremetal.CleanStep{baremetal.EraseDevices()}, SkipNodeWatch: true})
		require.NoError(t, err)
		time.Sleep(time.Minute)
		s.finish("tripleo", baremetal.WorkflowManualCleaning, run.ExecutionID(), "SUCCESS", "Successfully cleaned node "+uuid1+".", nil)
		_, err = run.Wait(context.Background())
		require.ErrorIs(t, err, baremetal.ErrNodeFailed, "the result check still reads the node (404 here)")
		assert.Equal(t, []string{"GET /v1/nodes/" + uuid1}, s.ironicReqs, "only the final check")

		// a client without Ironic: no watch, no check
		s2 := newSim(t, true)
		s2.c.Baremetal = nil
		run2, err := baremetal.ManualClean(context.Background(), s2.c, baremetal.CleanOpts{NodeUUID: uuid1, Steps: []baremetal.CleanStep{baremetal.EraseDevices()}})
		require.NoError(t, err)
		s2.finish("tripleo", baremetal.WorkflowManualCleaning, run2.ExecutionID(), "SUCCESS", "Successfully cleaned node "+uuid1+".", nil)
		res, err := run2.Wait(context.Background())
		require.NoError(t, err)
		assert.False(t, res.Verified)
		assert.Equal(t, "Successfully cleaned node "+uuid1+".", res.Message)
	})
}

// Many nodes are read with one list request per poll.
func TestWatchListsManyNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		var uuids []string
		for i := range 12 {
			id := fmt.Sprintf("%08d-1111-4111-8111-111111111111", i)
			uuids = append(uuids, id)
			s.node(id, nil)
		}
		run, err := baremetal.Provide(context.Background(), s.c, baremetal.ProvideOpts{NodeUUIDs: uuids})
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"node_uuids": stringsAny(uuids)}, s.LastPost()["input"])
		time.Sleep(2 * time.Second)
		synctest.Wait()
		for _, id := range uuids {
			s.node(id, map[string]any{"provision_state": "available"})
		}
		s.finish("tripleo", baremetal.WorkflowProvide, run.ExecutionID(), "SUCCESS", `12 node(s) successfully moved to the "available" state.`, nil)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		require.Len(t, res.Nodes, 12)
		assert.True(t, res.Verified)
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, r := range s.ironicReqs {
			assert.Equal(t, "GET /v1/nodes?fields=uuid%2Cname%2Cprovision_state%2Ctarget_provision_state%2Cpower_state%2Clast_error%2Cmaintenance%2Cmaintenance_reason%2Cprovision_updated_at%2Cinstance_uuid", r)
		}
		assert.Len(t, s.ironicReqs, 3, "baseline, one poll, the final check")
	})
}

func stringsAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// Ironic pages node lists (api.max_limit, 1000 by default) and links the
// next page with a top-level "next": the watch's list reads every page, so a
// node on the last page is watched and checked like the others.
func TestWatchListsEveryPage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.pageSize = 5
		var uuids []string
		for i := range 12 {
			id := fmt.Sprintf("%08d-1111-4111-8111-111111111111", i)
			uuids = append(uuids, id)
			s.node(id, nil)
		}
		run, err := baremetal.Provide(context.Background(), s.c, baremetal.ProvideOpts{NodeUUIDs: uuids})
		require.NoError(t, err)
		const fields = "fields=uuid%2Cname%2Cprovision_state%2Ctarget_provision_state%2Cpower_state%2Clast_error%2Cmaintenance%2Cmaintenance_reason%2Cprovision_updated_at%2Cinstance_uuid"
		const next = "fields=uuid,name,provision_state,target_provision_state,power_state,last_error,maintenance,maintenance_reason,provision_updated_at,instance_uuid&limit=5&marker="
		list := []string{"GET /v1/nodes?" + fields, "GET /v1/nodes?" + next + uuids[4], "GET /v1/nodes?" + next + uuids[9]}
		s.mu.Lock()
		assert.Equal(t, list, s.ironicReqs, "the baseline: three pages")
		s.mu.Unlock()

		// the last node, on the third page, fails cleaning
		for _, id := range uuids[:11] {
			s.node(id, map[string]any{"provision_state": "available"})
		}
		s.node(uuids[11], map[string]any{"provision_state": "clean failed", "last_error": "disk erase failed"})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		s.finish("tripleo", baremetal.WorkflowProvide, run.ExecutionID(), "SUCCESS", "", nil)
		evs := events(t, run)
		res, err := run.Wait(context.Background())
		var ne *baremetal.NodeError
		require.ErrorAs(t, err, &ne)
		assert.Equal(t, uuids[11], ne.UUID)
		assert.Equal(t, "disk erase failed", ne.LastError)
		require.Len(t, res.Nodes, 12, "the final check read every page")
		assert.True(t, res.Verified)

		warns := ofKind(evs, tripleo.EventWarning, baremetal.SourceIronic)
		require.Len(t, warns, 1)
		assert.Equal(t, uuids[11], warns[0].Subject)
		prog := ofKind(evs, tripleo.EventProgress, baremetal.SourceIronic)
		require.Len(t, prog, 12, "one change per node, all pages")
		assert.Equal(t, &tripleo.Progress{Done: 11, Failed: 1, Total: 12}, prog[11].Progress)
		s.mu.Lock()
		defer s.mu.Unlock()
		assert.Equal(t, append(append(list, list...), list...), s.ironicReqs, "baseline, one poll, the final check")
	})
}

// ProvideManageableNodes picks the nodes to watch and check from every page.
func TestProvideManageableNodesSelectsFromEveryPage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, true)
		s.pageSize = 2
		s.node(uuid1, map[string]any{"provision_state": "active", "instance_uuid": "i-1"})
		s.node(uuid2, map[string]any{"provision_state": "available"})
		s.node(uuid3, nil) // manageable, on the second page
		s.OnStart(baremetal.WorkflowProvideManageable, func(id string, _ map[string]any) {
			s.node(uuid3, map[string]any{"provision_state": "available"})
			s.finish("tripleo", baremetal.WorkflowProvideManageable, id, "SUCCESS", "", nil)
		})
		run, err := baremetal.ProvideManageableNodes(context.Background(), s.c, baremetal.ProvideManageableOpts{})
		require.NoError(t, err)
		res, err := run.Wait(context.Background())
		require.NoError(t, err)
		require.Len(t, res.Nodes, 1)
		assert.Equal(t, uuid3, res.Nodes[0].UUID)
		assert.Equal(t, "available", res.Nodes[0].ProvisionState)
	})
}
