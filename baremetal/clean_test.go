package baremetal_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// Without Ironic on the client there is no node watch: the run lasts until
// manual_cleaning's own timeout, whose message says only "timed out"; the
// node's "clean failed" and last_error come from the workflow's
// wait_for_provision_state task in Mistral.
func TestUndercloudCleaningFailureWithoutIronicOnTheClient(t *testing.T) {
	const lastError = "Node failed step {'interface': 'deploy', 'step': 'erase_devices_metadata'}: disk /dev/sda is gone"
	u, c := undercloudClient(t, tripleotest.FailCleaning("b", lastError), tripleotest.WithNodes(tripleotest.NodeSpec{Name: "b"}))
	c.Baremetal = nil
	node, _ := u.Node("b")
	run, err := baremetal.ManualClean(context.Background(), c, baremetal.CleanOpts{NodeUUID: node.UUID,
		Steps: []baremetal.CleanStep{baremetal.EraseDevicesMetadata()}, Timeout: 10 * time.Minute, RetryDelay: 10 * time.Second})
	_, err = wait(t, run, err)

	var ne *baremetal.NodeError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, node.UUID, ne.UUID)
	assert.Equal(t, "b", ne.Name)
	assert.Equal(t, "clean failed", ne.ProvisionState)
	assert.Equal(t, baremetal.StateManageable, ne.TargetState)
	assert.Equal(t, lastError, ne.LastError)
	assert.True(t, ne.Maintenance)
	assert.Equal(t, run.ExecutionID(), ne.ExecutionID)
	var we *tripleo.WorkflowError
	require.ErrorAs(t, err, &we, "the workflow's own failure is kept")
	assert.Contains(t, err.Error(), "Cleaning of node "+node.UUID+" timed out.")
	assert.Contains(t, err.Error(), lastError)

}

// The polling options the caller sets are sent in the workflow's units; the
// others are left to its defaults (see TestManualCleanFailureSurfacedEarly).
func TestManualCleanInputSetByCaller(t *testing.T) {
	s := newSim(t, true)
	s.node(uuid1, map[string]any{"provision_state": "manageable"})
	s.OnStart(baremetal.WorkflowManualCleaning, func(id string, _ map[string]any) {
		s.finish("tripleo", baremetal.WorkflowManualCleaning, id, "SUCCESS", "", nil)
	})
	run, err := baremetal.ManualClean(context.Background(), s.c, baremetal.CleanOpts{NodeUUID: uuid1, Steps: []baremetal.CleanStep{baremetal.EraseDevicesMetadata()},
		Timeout: 90*time.Second + time.Millisecond, RetryDelay: 5 * time.Second, RetryCount: 18, SkipNodeWatch: true})
	require.NoError(t, err)
	_, err = run.Wait(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"node_uuid": uuid1, "clean_steps": []any{map[string]any{"interface": "deploy", "step": "erase_devices_metadata"}},
		"timeout": float64(91), "retry_delay": float64(5), "retry_count": float64(18)}, s.LastPost()["input"])
}
