package deployment_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/deployment"
)

// Queens' get_deployment_status with nothing recorded for the plan succeeds
// with an empty deployment_status: Status says so and derives it from Heat;
// once deploy_plan recorded one, the workflow's answer stands.
func TestUndercloudStatusNothingRecordedThenRecorded(t *testing.T) {
	c, ctx := undercloudWithPlan(t)

	st, err := deployment.Status(ctx, c, deployment.StatusOpts{Plan: top})
	require.NoError(t, err)
	assert.True(t, st.NotRecorded)
	assert.Equal(t, deployment.FromHeat, st.Source)
	assert.Equal(t, deployment.NoStack, st.StackStatus)
	assert.Equal(t, deployment.Undeployed, st.Status)
	assert.NotEmpty(t, st.ExecutionID, "the workflow ran")

	run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: top, Follow: fastFollow})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.NoError(t, err)

	st, err = deployment.Status(ctx, c, deployment.StatusOpts{Plan: top})
	require.NoError(t, err)
	assert.False(t, st.NotRecorded)
	assert.Equal(t, deployment.FromWorkflow, st.Source)
	assert.Equal(t, deployment.DeploySuccess, st.Status)
}
