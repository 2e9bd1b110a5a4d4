package baremetal_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// SetNodeState takes a node name as Ironic and the workflow do, and reports
// Ironic's own text for a node it does not know (the workflow posts nothing
// and ends with a bare fail: the text is only in its output).
func TestUndercloudSetNodeStateByNameAndUnknownNode(t *testing.T) {
	u, c := undercloudClient(t, tripleotest.WithNodes(tripleotest.NodeSpec{Name: "ctl-0", State: "manageable"}))
	ctx := context.Background()

	run, err := baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: "ctl-0", StateAction: "provide", TargetState: "available"})
	res, err := wait(t, run, err)
	require.NoError(t, err)
	assert.True(t, res.Verified)
	n, _ := u.Node("ctl-0")
	assert.Equal(t, "available", n.ProvisionState)
	assert.Equal(t, n.UUID, res.Node.UUID, "read back by name, the node's uuid")
	assert.Equal(t, "available", res.Node.ProvisionState)

	const missing = "5b1e2f4c-9d7a-4c3e-8f00-000000000404"
	for _, watch := range []bool{true, false} {
		run, err = baremetal.SetNodeState(ctx, c, baremetal.SetNodeStateOpts{NodeUUID: missing, StateAction: "manage", TargetState: "manageable", SkipNodeWatch: !watch})
		_, err = wait(t, run, err)
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we, "watch %v", watch)
		assert.Empty(t, we.StateInfo)
		assert.Contains(t, err.Error(), "Node "+missing+" could not be found. (HTTP 404)")
	}
}
