//go:build integration

package integration

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
)

// bogusBIOSStep is the failure recipe for a clean step on fake hardware:
// Ironic puts the node in "clean failed" and in maintenance at once.
var bogusBIOSStep = baremetal.CleanStep{Interface: "bios", Step: "apply_configuration",
	Args: map[string]any{"settings": []any{map[string]any{"bogus": 1}}}}

// inspectorError is what Ironic says when inspect_interface is "inspector"
// and nothing listens on the inspector's port.
const inspectorError = "Could not contact ironic-inspector"

func fakeNode(nm, pmType string, macs ...string) instackenv.Node {
	return instackenv.Node{PMType: pmType, Name: nm, MACs: macs, CPU: 2, Memory: 4096, Disk: 20, Arch: "x86_64",
		Capabilities: instackenv.Capabilities{"profile": "compute"}}
}

// step runs one stage of a stateful test; the stages after a failed one are skipped.
func step(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}

// waitRun waits for a run and logs its events if the test fails.
func waitRun[T any](t *testing.T, ctx context.Context, run *tripleo.Run[T], err error) (T, error) {
	t.Helper()
	require.NoError(t, err)
	logEventsOnFailure(t, run)
	return run.Wait(ctx)
}

// The bare metal life of a few fake-hardware nodes on the real Ironic:
// registration (nodes, ports, manageable), lookup, introspection that works
// and introspection that really fails, set_node_state, provide, a manual
// clean that really fails (surfaced by the SDK's Ironic watch before the
// workflow's own 2 h timeout) and one that works, the *_manageable_nodes
// workflows, and the Enroll pipeline.
func TestBaremetal(t *testing.T) {
	need(t, "zaqar", "ironic")
	ctx := testCtx(t, 8*time.Minute)
	prefix := name("bm-")
	t.Cleanup(func() { ironicDeleteNodesNamed(context.Background(), prefix) })
	c := newClient(t, viaREST)
	cw := newClient(t, viaWS)

	macs := []string{randMAC(), randMAC(), strings.ToUpper(randMAC()), randMAC()}
	inv := &instackenv.Inventory{Nodes: []instackenv.Node{
		fakeNode(prefix+"n0", "fake-hardware", macs[0]),
		fakeNode(prefix+"n1", "fake", macs[1], macs[2]),
		fakeNode(prefix+"n2", "fake_pxe", macs[3]),
	}}
	inv.Nodes[2].InspectInterface = "inspector" // introspection failure trigger
	var uuids []string

	step(t, "RegisterOrUpdate", func(t *testing.T) {
		bad := &instackenv.Inventory{Nodes: []instackenv.Node{fakeNode(prefix+"bad", "fake", "not-a-mac")}}
		_, err := baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: bad})
		require.ErrorIs(t, err, tripleo.ErrInvalidInput, "validated locally")
		require.Len(t, instackenv.Problems(err), 1)

		run, err := baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: inv})
		res, err := waitRun(t, ctx, run, err)
		require.NoError(t, err)
		require.Len(t, res.Nodes, 3)
		assert.Len(t, res.New, 3)
		uuids = res.UUIDs()
		evs := run.Snapshot()
		checkEnvelope(t, evs)
		var seq []string
		for _, ev := range ofKind(evs, tripleo.EventMessage, "") {
			seq = append(seq, ev.Source+":"+ev.Status)
		}
		assert.Equal(t, []string{"tripleo.baremetal.v1.validate_nodes:SUCCESS", "tripleo.baremetal.v1.manage:SUCCESS",
			baremetal.WorkflowRegisterOrUpdate + ":SUCCESS"}, seq, "sub-workflows' messages, then the final one")
		for i, u := range uuids {
			n := ironicGet(t, ctx, u)
			assert.Equal(t, inv.Nodes[i].Name, n.Name)
			assert.Equal(t, baremetal.StateManageable, n.ProvisionState, n.Name)
			assert.Equal(t, "fake-hardware", n.Driver)
			assert.Contains(t, n.Properties["capabilities"], "boot_option:local")
			assert.Contains(t, n.Properties["capabilities"], "profile:compute")
			var want []string
			for _, m := range inv.Nodes[i].MACs {
				want = append(want, strings.ToLower(m))
			}
			slices.Sort(want)
			assert.Equal(t, want, ironicPorts(t, ctx, u), "one port per MAC, lower-cased")
		}
		assert.Equal(t, "inspector", ironicGet(t, ctx, uuids[2]).InspectInterface)

		// again, with a change: the node is updated in place, nothing new
		upd := &instackenv.Inventory{Nodes: []instackenv.Node{inv.Nodes[0]}}
		upd.Nodes[0].CPU = 4
		run, err = baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: upd})
		res, err = waitRun(t, ctx, run, err)
		require.NoError(t, err)
		assert.Equal(t, []string{uuids[0]}, res.UUIDs())
		assert.Empty(t, res.New)
		assert.EqualValues(t, 4, ironicGet(t, ctx, uuids[0]).Properties["cpus"])
	})

	step(t, "ListNodes and ResolveNodes", func(t *testing.T) {
		for _, limit := range []int{0, 1} {
			nodes, err := baremetal.ListNodes(ctx, c, baremetal.ListNodesOpts{ProvisionState: baremetal.StateManageable, Limit: limit})
			require.NoError(t, err)
			var got []string
			for _, n := range nodes {
				assert.Equal(t, baremetal.StateManageable, n.ProvisionState)
				if strings.HasPrefix(n.Name, prefix) {
					got = append(got, n.UUID)
				}
			}
			assert.Equal(t, uuids, got, "limit %d: every page, Ironic's order", limit)
		}
		inMaint, err := baremetal.ListNodes(ctx, c, baremetal.ListNodesOpts{Maintenance: baremetal.Only})
		require.NoError(t, err)
		for _, n := range inMaint {
			assert.NotContains(t, uuids, n.UUID)
		}
		nodes, err := baremetal.ResolveNodes(ctx, c, baremetal.ResolveNodesOpts{Nodes: []string{prefix + "n1", uuids[0]}})
		require.NoError(t, err)
		require.Len(t, nodes, 2)
		assert.Equal(t, uuids[1], nodes[0].UUID)
		assert.Equal(t, prefix+"n0", nodes[1].Name)
		_, err = baremetal.ResolveNodes(ctx, c, baremetal.ResolveNodesOpts{Nodes: []string{prefix + "n0", prefix + "nope"}})
		var le *baremetal.NodeLookupError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, 1, le.Index)
		assert.ErrorIs(t, err, tripleo.ErrNotFound)
		assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	})

	step(t, "Introspect", func(t *testing.T) {
		run, err := baremetal.Introspect(ctx, c, baremetal.IntrospectOpts{NodeUUIDs: uuids[:2]})
		res, err := waitRun(t, ctx, run, err)
		require.NoError(t, err)
		require.Len(t, res.Nodes, 2)
		assert.Empty(t, res.Failed())
		assert.Equal(t, "Successfully introspected 2 node(s).", res.Message)
		for i, u := range uuids[:2] {
			assert.Equal(t, u, res.Nodes[i].UUID, "in the order asked for")
			assert.True(t, res.Nodes[i].Finished)
		}
		evs := run.Snapshot()
		checkEnvelope(t, evs)
		per := ofKind(evs, tripleo.EventMessage, baremetal.WorkflowIntrospectNode)
		require.Len(t, per, 2)
		var subjects []string
		for _, ev := range per {
			subjects = append(subjects, ev.Subject)
			assert.Equal(t, tripleo.StatusSuccess, ev.Status)
			require.NotNil(t, ev.Progress)
			assert.IsType(t, baremetal.NodeIntrospection{}, ev.Data)
		}
		assert.ElementsMatch(t, uuids[:2], subjects)
		assert.Equal(t, 2, per[1].Progress.Done)
		for _, u := range uuids[:2] {
			assert.Equal(t, baremetal.StateManageable, ironicGet(t, ctx, u).ProvisionState)
		}
	})

	step(t, "Introspect failing for real", func(t *testing.T) {
		run, err := baremetal.Introspect(ctx, cw, baremetal.IntrospectOpts{NodeUUIDs: uuids[2:], MaxRetryAttempts: 1})
		_, err = waitRun(t, ctx, run, err)
		var ie *baremetal.IntrospectError
		require.ErrorAs(t, err, &ie)
		assert.ErrorIs(t, err, baremetal.ErrNodeFailed)
		assert.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
		failed := ie.Result.Failed()
		require.Len(t, failed, 1)
		assert.Equal(t, uuids[2], failed[0].UUID)
		assert.Contains(t, failed[0].Reason(), inspectorError, "Ironic's last_error")
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		require.NotNil(t, we.LastMessage)
		assert.Equal(t, "Retry limit reached with 1 nodes still failing introspection", we.LastMessage.Payload.Message)

		evs := run.Snapshot()
		checkEnvelope(t, evs)
		var seq []string
		for _, ev := range ofKind(evs, tripleo.EventMessage, "") {
			seq = append(seq, strings.TrimPrefix(ev.Source, "tripleo.baremetal.v1.")+":"+ev.Status)
		}
		assert.Equal(t, []string{"_introspect:FAILED", "introspect:RUNNING", "_introspect:FAILED", "introspect:FAILED"}, seq,
			"one retry round, announced")
		// the node watch polls every 2 s at first: it sees "inspect failed"
		// only when the node is still in it (the retry round starts at once)
		for _, w := range ofKind(evs, tripleo.EventWarning, baremetal.SourceIronic) {
			assert.Equal(t, uuids[2], w.Subject)
			assert.Equal(t, baremetal.StateInspectFailed, w.Status)
			assert.Contains(t, w.Text, inspectorError)
		}
		n := ironicGet(t, ctx, uuids[2])
		assert.Equal(t, baremetal.StateInspectFailed, n.ProvisionState)
		assert.Contains(t, n.LastError, inspectorError)
	})

	step(t, "SetNodeState", func(t *testing.T) {
		run, err := baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: uuids[2], StateAction: "manage", TargetState: baremetal.StateManageable})
		res, err := waitRun(t, ctx, run, err)
		require.NoError(t, err)
		assert.True(t, res.Verified)
		assert.Equal(t, baremetal.StateManageable, res.Node.ProvisionState)
		assert.Empty(t, ofKind(run.Snapshot(), tripleo.EventMessage, ""), "set_node_state posts no message: followed through Mistral")
		ironicPatch(t, ctx, uuids[2], "/inspect_interface", "fake")

		// a verb Ironic refuses in this state
		run, err = baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: uuids[2], StateAction: "active", TargetState: baremetal.StateActive})
		_, err = waitRun(t, ctx, run, err)
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, tripleo.StateError, we.State)
		out, oerr := c.ExecutionOutput(ctx, run.ExecutionID())
		require.NoError(t, oerr)
		assert.Contains(t, out.String("result"), "can not be performed", "Ironic's refusal in the workflow's output")
		assert.Equal(t, baremetal.StateManageable, ironicGet(t, ctx, uuids[2]).ProvisionState)
	})

	step(t, "Provide", func(t *testing.T) {
		run, err := baremetal.Provide(ctx, cw, baremetal.ProvideOpts{NodeUUIDs: uuids[:2]})
		res, err := waitRun(t, ctx, run, err)
		require.NoError(t, err)
		assert.True(t, res.Verified)
		assert.Equal(t, `2 node(s) successfully moved to the "available" state.`, res.Message)
		require.Len(t, res.Nodes, 2)
		for _, n := range res.Nodes {
			assert.Equal(t, baremetal.StateAvailable, n.ProvisionState)
		}
		for _, u := range uuids[:2] {
			n := ironicGet(t, ctx, u)
			assert.Equal(t, baremetal.StateAvailable, n.ProvisionState)
			assert.Equal(t, "power off", n.PowerState)
		}
		checkEnvelope(t, run.Snapshot())
	})

	step(t, "ManualClean failing for real", func(t *testing.T) {
		run, err := baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: uuids[0], StateAction: "manage", TargetState: baremetal.StateManageable})
		_, err = waitRun(t, ctx, run, err)
		require.NoError(t, err)

		// workflow defaults: it polls every 10 s for up to 2 hours and never
		// notices "clean failed"; the SDK's node watch does
		crun, err := baremetal.ManualClean(ctx, cw, baremetal.CleanOpts{NodeUUID: uuids[0], Steps: []baremetal.CleanStep{bogusBIOSStep}})
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		_, err = waitRun(t, wctx, crun, err)
		var ne *baremetal.NodeError
		require.ErrorAs(t, err, &ne, "ended by the node watch")
		assert.ErrorIs(t, err, baremetal.ErrNodeFailed)
		assert.Equal(t, uuids[0], ne.UUID)
		assert.Equal(t, baremetal.StateCleanFailed, ne.ProvisionState)
		assert.Contains(t, ne.LastError, "failed step")
		assert.Contains(t, ne.LastError, "apply_configuration")
		assert.True(t, ne.Maintenance, "a failed clean step turns maintenance on")
		assert.Equal(t, crun.ExecutionID(), ne.ExecutionID)

		// the workflow itself is still waiting for the node
		ex, err := c.GetExecution(ctx, crun.ExecutionID())
		require.NoError(t, err)
		assert.Equal(t, tripleo.StateRunning, ex.State, "the run ended before the workflow's own timeout")
		evs := crun.Snapshot()
		checkEnvelope(t, evs)
		warns := ofKind(evs, tripleo.EventWarning, baremetal.SourceIronic)
		require.Len(t, warns, 2)
		assert.Equal(t, baremetal.StateCleanFailed, warns[0].Status)
		assert.Contains(t, warns[0].Text, "failed step")
		assert.Contains(t, warns[1].Text, "Run.Cancel")
		assert.Empty(t, ofKind(evs, tripleo.EventMessage, ""), "the workflow posted nothing")

		require.NoError(t, crun.Cancel(ctx))
		eventually(t, 30*time.Second, "execution cancelled", func() bool {
			ex, err := c.GetExecution(ctx, crun.ExecutionID())
			return err == nil && ex.State == tripleo.StateCancelled
		})
		n := ironicGet(t, ctx, uuids[0])
		assert.Equal(t, baremetal.StateCleanFailed, n.ProvisionState)
		assert.True(t, n.Maintenance)

		// back to manageable, out of maintenance
		run, err = baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: uuids[0], StateAction: "manage", TargetState: baremetal.StateManageable})
		_, err = waitRun(t, ctx, run, err)
		require.NoError(t, err)
		rawJSON(t, ctx, http.MethodDelete, env.Ironic+"/v1/nodes/"+uuids[0]+"/maintenance", ironicHeaders(), nil, nil, 202, 204)
		assert.False(t, ironicGet(t, ctx, uuids[0]).Maintenance)
	})

	step(t, "ManualClean failing, no Ironic on the client", func(t *testing.T) {
		// no node watch: the workflow's own (short) timeout ends the run with
		// "timed out"; the node's state comes from its wait_for_provision_state task
		noIronic := newClient(t, viaREST)
		noIronic.Baremetal = nil
		crun, err := baremetal.ManualClean(ctx, noIronic, baremetal.CleanOpts{NodeUUID: uuids[0], Steps: []baremetal.CleanStep{bogusBIOSStep},
			Timeout: 30 * time.Second, RetryDelay: time.Second, RetryCount: 3})
		_, err = waitRun(t, ctx, crun, err)
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, "Cleaning of node "+uuids[0]+" timed out.", we.LastMessage.Payload.Message)
		var ne *baremetal.NodeError
		require.ErrorAs(t, err, &ne, "read from Mistral's task: %v", err)
		assert.Equal(t, uuids[0], ne.UUID)
		assert.Equal(t, baremetal.StateCleanFailed, ne.ProvisionState)
		assert.Contains(t, ne.LastError, "apply_configuration")
		assert.True(t, ne.Maintenance)
		assert.Equal(t, crun.ExecutionID(), ne.ExecutionID)

		// back to manageable by the node's name, out of maintenance
		run, err := baremetal.SetNodeState(ctx, noIronic, baremetal.SetNodeStateOpts{NodeUUID: prefix + "n0", StateAction: "manage", TargetState: baremetal.StateManageable})
		_, err = waitRun(t, ctx, run, err)
		require.NoError(t, err)
		rawJSON(t, ctx, http.MethodDelete, env.Ironic+"/v1/nodes/"+uuids[0]+"/maintenance", ironicHeaders(), nil, nil, 202, 204)
		assert.Equal(t, baremetal.StateManageable, ironicGet(t, ctx, uuids[0]).ProvisionState)
	})

	step(t, "SetNodeState of a node Ironic does not know", func(t *testing.T) {
		// set_node_state posts nothing and ends with a bare fail (state_info
		// null): Ironic's text is only in the execution's output
		missing := uuid.NewString()
		run, err := baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: missing, StateAction: "manage", TargetState: baremetal.StateManageable})
		_, err = waitRun(t, ctx, run, err)
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Empty(t, we.StateInfo)
		assert.Equal(t, "Node "+missing+" could not be found.", we.Reason)
		assert.Contains(t, err.Error(), "ended ERROR: Node "+missing+" could not be found.")
	})

	step(t, "ManualClean", func(t *testing.T) {
		run, err := baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: uuids[1], StateAction: "manage", TargetState: baremetal.StateManageable})
		_, err = waitRun(t, ctx, run, err)
		require.NoError(t, err)
		crun, err := baremetal.ManualClean(ctx, c, baremetal.CleanOpts{NodeUUID: uuids[1], RetryDelay: time.Second,
			Steps: []baremetal.CleanStep{baremetal.ApplyBIOSSettings(baremetal.BIOSSetting{Name: "ProcVirtualization", Value: "Enabled"})}})
		res, err := waitRun(t, ctx, crun, err)
		require.NoError(t, err)
		assert.True(t, res.Verified)
		assert.Equal(t, baremetal.StateManageable, res.Node.ProvisionState)
		assert.Equal(t, "Successfully cleaned node "+uuids[1]+".", res.Message)
		var bios struct {
			BIOS []struct{ Name, Value string } `json:"bios"`
		}
		rawJSON(t, ctx, http.MethodGet, env.Ironic+"/v1/nodes/"+uuids[1]+"/bios", ironicHeaders(), nil, &bios, 200)
		require.Len(t, bios.BIOS, 1)
		assert.Equal(t, "ProcVirtualization", bios.BIOS[0].Name)
		assert.Equal(t, "Enabled", bios.BIOS[0].Value)
	})

	step(t, "IntrospectManageableNodes and ProvideManageableNodes", func(t *testing.T) {
		run, err := baremetal.IntrospectManageableNodes(ctx, cw, baremetal.IntrospectManageableOpts{})
		res, err := waitRun(t, ctx, run, err)
		require.NoError(t, err)
		var got []string
		for _, n := range res.Nodes {
			got = append(got, n.UUID)
			assert.False(t, n.Failed(), n.UUID)
		}
		assert.ElementsMatch(t, uuids, got, "every manageable node (none of another test)")
		assert.True(t, slices.IsSorted(got), "sorted by uuid")

		prun, err := baremetal.ProvideManageableNodes(ctx, c, baremetal.ProvideManageableOpts{})
		pres, err := waitRun(t, ctx, prun, err)
		require.NoError(t, err)
		assert.True(t, pres.Verified)
		var avail []string
		for _, n := range pres.Nodes {
			assert.Equal(t, baremetal.StateAvailable, n.ProvisionState)
			avail = append(avail, n.UUID)
		}
		assert.ElementsMatch(t, uuids, avail)
		for _, u := range uuids {
			assert.Equal(t, baremetal.StateAvailable, ironicGet(t, ctx, u).ProvisionState)
		}

		// nothing manageable left: the workflow's own refusal
		run, err = baremetal.IntrospectManageableNodes(ctx, c, baremetal.IntrospectManageableOpts{})
		_, err = waitRun(t, ctx, run, err)
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Contains(t, err.Error(), "No manageable nodes to introspect. Check node states and maintenance.")
	})

	step(t, "Enroll", func(t *testing.T) {
		einv := &instackenv.Inventory{Nodes: []instackenv.Node{
			fakeNode(prefix+"e0", "fake-hardware", randMAC()),
			fakeNode(prefix+"e1", "fake-hardware", randMAC()),
		}}
		einv.Nodes[1].InspectInterface = "inspector"
		run, err := baremetal.Enroll(ctx, cw, baremetal.EnrollOpts{Nodes: einv, MaxRetryAttempts: baremetal.NoRetries})
		res, err := waitRun(t, ctx, run, err)
		var ee *baremetal.EnrollError
		require.ErrorAs(t, err, &ee)
		assert.ErrorIs(t, err, baremetal.ErrNodeFailed)
		assert.Equal(t, baremetal.OpEnroll, run.Name())
		assert.Equal(t, baremetal.StateAvailable, res.Goal)
		require.Len(t, res.Nodes, 2)
		ok := res.Succeeded()
		require.Len(t, ok, 1)
		assert.Equal(t, prefix+"e0", ok[0].Name)
		assert.Equal(t, baremetal.StateAvailable, ok[0].ProvisionState)
		bad := res.Failed()
		require.Len(t, bad, 1)
		assert.Equal(t, prefix+"e1", bad[0].Name)
		assert.Equal(t, baremetal.StageIntrospect, bad[0].Stage)
		assert.Contains(t, bad[0].Reason, inspectorError)
		assert.Equal(t, baremetal.StateInspectFailed, bad[0].ProvisionState)
		assert.Contains(t, bad[0].LastError, inspectorError)

		evs := run.Snapshot()
		checkEnvelope(t, evs)
		stages := map[string][]string{}
		for _, ev := range ofKind(evs, tripleo.EventProgress, baremetal.OpEnroll) {
			stages[ev.Subject] = append(stages[ev.Subject], ev.Status)
		}
		assert.Equal(t, []string{"registered", "introspected", baremetal.StateAvailable}, stages[ok[0].UUID])
		assert.Equal(t, []string{"registered", "failed"}, stages[bad[0].UUID])
		assert.Equal(t, baremetal.StateAvailable, ironicGet(t, ctx, ok[0].UUID).ProvisionState)
	})

	step(t, "RegisterOrUpdate failing, with a password", func(t *testing.T) {
		pw := newSecret()
		n := instackenv.Node{PMType: "ipmi", Name: prefix + "ipmi", PMAddr: "127.0.0.1", PMPort: 6230 + int(randHex(1)[0]%64),
			PMUser: "admin", PMPassword: pw, MACs: []string{randMAC()}}
		run, err := baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: &instackenv.Inventory{Nodes: []instackenv.Node{n}}})
		_, err = waitRun(t, ctx, run, err)
		var re *baremetal.RegisterError
		require.ErrorAs(t, err, &re, "no BMC answers: manage fails, the node falls back to enroll")
		require.Len(t, re.Registered, 1, "registered before the failure")
		node := ironicGet(t, ctx, re.Registered[0].UUID)
		assert.Equal(t, baremetal.StateEnroll, node.ProvisionState)
		assert.Contains(t, strings.ToLower(node.LastError), "power")
		assert.Equal(t, "ipmi", node.Driver)
		assert.NotEqual(t, pw.Reveal(), node.DriverInfo["ipmi_password"], "Ironic masks it")
		checkNoSecret(t, pw, append(eventTexts(run.Snapshot()), err.Error(), fmtV(re))...)
	})
}
