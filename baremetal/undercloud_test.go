package baremetal_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// undercloudClient starts an embedded undercloud and a client on it.
func undercloudClient(t *testing.T, opts ...tripleotest.Option) (*tripleotest.Undercloud, *tripleo.Client) {
	t.Helper()
	u := tripleotest.NewT(t, opts...)
	c, err := u.Client()
	require.NoError(t, err)
	return u, c
}

func wait[T any](t *testing.T, run *tripleo.Run[T], err error) (T, error) {
	t.Helper()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return run.Wait(ctx)
}

// register → manageable, introspect, provide → available, step by step.
func TestUndercloudRegisterIntrospectProvide(t *testing.T) {
	u, c := undercloudClient(t)
	ctx := context.Background()
	inv := loadInventory(t, "ipmi.json")

	run, err := baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: inv})
	reg, err := wait(t, run, err)
	require.NoError(t, err)
	require.Len(t, reg.Nodes, 3)
	require.Len(t, reg.New, 3)
	nodes := u.Nodes()
	require.Len(t, nodes, 3)
	for i, n := range nodes {
		assert.Equal(t, "manageable", n.ProvisionState, n.Name)
		assert.Equal(t, inv.Nodes[i].Name, n.Name)
		assert.Equal(t, reg.Nodes[i].UUID, n.UUID)
	}
	assert.Equal(t, []string{"52:54:00:0c:6a:02"}, nodes[1].MACs, "MACs lower-cased into ports")

	// registering again updates: nothing new
	run, err = baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: inv})
	again, err := wait(t, run, err)
	require.NoError(t, err)
	assert.Len(t, again.Nodes, 3)
	assert.Empty(t, again.New)

	irun, err := baremetal.Introspect(ctx, c, baremetal.IntrospectOpts{NodeUUIDs: reg.UUIDs()})
	ir, err := wait(t, irun, err)
	require.NoError(t, err)
	require.Len(t, ir.Nodes, 3)
	assert.Empty(t, ir.Failed())
	prog := ofKind(irun.Snapshot(), tripleo.EventMessage, baremetal.WorkflowIntrospectNode)
	require.Len(t, prog, 3)
	require.NotNil(t, prog[2].Progress)
	assert.Equal(t, 3, prog[2].Progress.Done)
	assert.Empty(t, ofKind(irun.Snapshot(), tripleo.EventProgress, baremetal.WorkflowIntrospectNode))

	prun, err := baremetal.Provide(ctx, c, baremetal.ProvideOpts{NodeUUIDs: reg.UUIDs()})
	pr, err := wait(t, prun, err)
	require.NoError(t, err)
	assert.True(t, pr.Verified)
	for _, n := range u.Nodes() {
		assert.Equal(t, "available", n.ProvisionState, n.Name)
	}
}

// The whole pipeline with one node failing introspection.
func TestUndercloudEnrollMixed(t *testing.T) {
	u, c := undercloudClient(t, tripleotest.FailIntrospection("compute-0"))
	run, err := baremetal.Enroll(context.Background(), c, baremetal.EnrollOpts{Nodes: loadInventory(t, "ipmi.json")})
	res, err := wait(t, run, err)
	require.ErrorIs(t, err, baremetal.ErrNodeFailed)
	var ie *baremetal.IntrospectError
	require.ErrorAs(t, err, &ie)

	ok := res.Succeeded()
	require.Len(t, ok, 2)
	assert.Equal(t, "controller-0", ok[0].Name)
	assert.Equal(t, "compute-1", ok[1].Name)
	bad := res.Failed()
	require.Len(t, bad, 1)
	assert.Equal(t, "compute-0", bad[0].Name)
	assert.Equal(t, baremetal.StageIntrospect, bad[0].Stage)
	assert.Equal(t, "introspection failed: Introspection timeout", bad[0].Reason)
	assert.Equal(t, "manageable", bad[0].ProvisionState)

	states := map[string]string{}
	for _, n := range u.Nodes() {
		states[n.Name] = n.ProvisionState
	}
	assert.Equal(t, map[string]string{"controller-0": "available", "compute-0": "manageable", "compute-1": "available"}, states)
}

func TestUndercloudIntrospectionFailure(t *testing.T) {
	u, c := undercloudClient(t, tripleotest.FailIntrospection("52:54:00:0c:6a:01"),
		tripleotest.WithNodes(tripleotest.NodeSpec{Name: "a", MACs: []string{"52:54:00:0c:6a:01"}}, tripleotest.NodeSpec{Name: "b"}))
	var ids []string
	for _, n := range u.Nodes() {
		ids = append(ids, n.UUID)
	}
	run, err := baremetal.Introspect(context.Background(), c, baremetal.IntrospectOpts{NodeUUIDs: ids, MaxRetryAttempts: 1})
	_, err = wait(t, run, err)
	var ie *baremetal.IntrospectError
	require.ErrorAs(t, err, &ie)
	require.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
	failed := ie.Result.Failed()
	require.Len(t, failed, 1)
	assert.Equal(t, ids[0], failed[0].UUID)
	assert.Equal(t, "Introspection timeout", failed[0].Error)
	n, ok := ie.Result.Node(ids[1])
	require.True(t, ok)
	assert.False(t, n.Failed())
	// two rounds of the failing node, one of the other
	var rounds int
	for _, ev := range ofKind(run.Snapshot(), tripleo.EventMessage, baremetal.WorkflowIntrospectNode) {
		if ev.Subject == ids[0] {
			rounds++
		}
	}
	assert.Equal(t, 2, rounds)
}

// A failing clean step: manual_cleaning would burn its 2 h timeout; the run
// ends on the watch's first polls with Ironic's last_error, the execution
// still RUNNING until the host cancels it.
func TestUndercloudCleaningFailureSurfacedEarly(t *testing.T) {
	const lastError = "Node failed step {'interface': 'deploy', 'step': 'erase_devices_metadata'}: disk /dev/sda is gone"
	// at this scale the workflow's 2 h timeout is 72 s of real time
	u, c := undercloudClient(t, tripleotest.WithTimeScale(1e-2), tripleotest.FailCleaning("b", lastError),
		tripleotest.WithNodes(tripleotest.NodeSpec{Name: "b"}))
	node, _ := u.Node("b")
	run, err := baremetal.ManualClean(context.Background(), c, baremetal.CleanOpts{NodeUUID: node.UUID,
		Steps: []baremetal.CleanStep{baremetal.EraseDevicesMetadata()}})
	_, err = wait(t, run, err)
	var ne *baremetal.NodeError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, "clean failed", ne.ProvisionState)
	assert.Equal(t, lastError, ne.LastError)
	assert.True(t, ne.Maintenance)

	// the workflow has not reached its own timeout, and nothing cancelled it
	ex, ok := u.Execution(run.ExecutionID())
	require.True(t, ok)
	assert.Equal(t, tripleo.StateRunning, ex.State)
	warns := ofKind(run.Snapshot(), tripleo.EventWarning, baremetal.SourceIronic)
	require.Len(t, warns, 2)
	assert.Contains(t, warns[0].Text, lastError)
	assert.Contains(t, warns[1].Text, "Run.Cancel")

	require.NoError(t, run.Cancel(context.Background()))
	ex, _ = u.Execution(run.ExecutionID())
	assert.Equal(t, tripleo.StateCancelled, ex.State)
}

func TestUndercloudDuplicateMAC(t *testing.T) {
	_, c := undercloudClient(t)
	ctx := context.Background()
	inv := loadInventory(t, "ipmi.json")

	// within one inventory: rejected locally, before any request
	dup := &instackenv.Inventory{Nodes: append([]instackenv.Node{}, inv.Nodes...)}
	dup.Nodes[2].MACs = []string{"52:54:00:0C:6A:01"}
	_, err := baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: dup})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	probs := instackenv.Problems(err)
	require.Len(t, probs, 1)
	assert.Equal(t, "mac", probs[0].Field)
	assert.Equal(t, 2, probs[0].Index)

	// against Ironic: a node with the MAC of one registered node and the BMC
	// of another matches two nodes, which the registration refuses
	run, err := baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: inv})
	_, err = wait(t, run, err)
	require.NoError(t, err)
	clash := inv.Nodes[1]
	clash.MACs = []string{"52:54:00:0c:6a:01"} // controller-0's MAC, compute-0's BMC
	run, err = baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: &instackenv.Inventory{Nodes: []instackenv.Node{clash}}})
	_, err = wait(t, run, err)
	var re *baremetal.RegisterError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "Several candidates found for the same node data")
	assert.NotContains(t, err.Error(), "Ipmi-Pa55word")
}
