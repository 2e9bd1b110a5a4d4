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

// startedRun is what the test reads of a *tripleo.Run[T], whatever T.
type startedRun interface {
	ExecutionID() string
	Name() string
	Snapshot() []tripleo.Event
	Done() <-chan struct{}
}

// Every workflow run of the package is the workflow's own run seen through
// its result check: the execution id is known as soon as the run is
// returned, and the events hold exactly one EventStarted, the workflow's.
func TestRunsStartOnceWithTheirExecutionID(t *testing.T) {
	inv := loadInventory(t, "ipmi.json")
	for _, tc := range []struct {
		workflow string
		start    func(ctx context.Context, c *tripleo.Client) (startedRun, error)
	}{
		{baremetal.WorkflowRegisterOrUpdate, func(ctx context.Context, c *tripleo.Client) (startedRun, error) {
			return baremetal.RegisterOrUpdate(ctx, c, baremetal.RegisterOpts{Nodes: inv})
		}},
		{baremetal.WorkflowIntrospect, func(ctx context.Context, c *tripleo.Client) (startedRun, error) {
			return baremetal.Introspect(ctx, c, baremetal.IntrospectOpts{NodeUUIDs: []string{uuid1}})
		}},
		{baremetal.WorkflowIntrospectManageable, func(ctx context.Context, c *tripleo.Client) (startedRun, error) {
			return baremetal.IntrospectManageableNodes(ctx, c, baremetal.IntrospectManageableOpts{})
		}},
		{baremetal.WorkflowManualCleaning, func(ctx context.Context, c *tripleo.Client) (startedRun, error) {
			return baremetal.ManualClean(ctx, c, baremetal.CleanOpts{NodeUUID: uuid1, Steps: []baremetal.CleanStep{baremetal.EraseDevicesMetadata()}})
		}},
		{baremetal.WorkflowProvide, func(ctx context.Context, c *tripleo.Client) (startedRun, error) {
			return baremetal.Provide(ctx, c, baremetal.ProvideOpts{NodeUUIDs: []string{uuid1}})
		}},
		{baremetal.WorkflowProvideManageable, func(ctx context.Context, c *tripleo.Client) (startedRun, error) {
			return baremetal.ProvideManageableNodes(ctx, c, baremetal.ProvideManageableOpts{})
		}},
		{baremetal.WorkflowSetNodeState, func(ctx context.Context, c *tripleo.Client) (startedRun, error) {
			return baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: uuid1, StateAction: "manage", TargetState: "manageable"})
		}},
	} {
		t.Run(tc.workflow, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, true)
				s.node(uuid1, nil)
				run, err := tc.start(context.Background(), s.c)
				require.NoError(t, err)
				id := run.ExecutionID()
				assert.Equal(t, s.LastPost()["id"], id, "the execution id at once")
				assert.Equal(t, tc.workflow, run.Name())
				if tc.workflow == baremetal.WorkflowSetNodeState {
					s.Set(id, tripleo.StateSuccess, "", nil)
				} else {
					s.finish("tripleo", tc.workflow, id, "SUCCESS", "done", map[string]any{
						"registered_nodes": []any{ironicNode(uuid1, "controller-0", "enroll")}, "introspected_nodes": map[string]any{}})
				}
				<-run.Done()
				synctest.Wait()
				evs := run.Snapshot()
				started := ofKind(evs, tripleo.EventStarted, "")
				require.Len(t, started, 1, "one EventStarted")
				assert.Equal(t, id, started[0].ExecutionID)
				assert.Equal(t, tc.workflow, started[0].Source)
				assert.Equal(t, tripleo.EventStarted, evs[0].Kind, "first")
				assert.Equal(t, tripleo.EventDone, evs[len(evs)-1].Kind, "last")
				assert.Equal(t, id, evs[len(evs)-1].ExecutionID)
			})
		})
	}
}
