package deployment_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// deploy_plan's final message carries Heat's raw answer on Queens; its event
// and DeployResult.Message say it in a sentence.
func TestUndercloudDeployPlanMessageIsASentence(t *testing.T) {
	c, ctx := undercloudWithPlan(t)
	run, err := deployment.DeployPlan(ctx, c, deployment.DeployPlanOpts{Plan: top})
	require.NoError(t, err)
	var texts []string
	for ev := range run.Events() {
		if ev.Kind == tripleo.EventMessage {
			texts = append(texts, ev.Text)
		}
	}
	res, err := run.Wait(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, res.StackID)
	want := "Heat accepted the creation of stack " + top + " (id " + res.StackID + ")"
	assert.Equal(t, want, res.Message)
	require.NotEmpty(t, texts)
	assert.Equal(t, want, texts[len(texts)-1])
	for _, s := range texts {
		assert.NotContains(t, s, "{", "no raw JSON in event texts")
	}
}

// On Queens the recorded deployment status is deploy_plan's (DEPLOY_SUCCESS
// once Heat accepted the stack); Status reads the stack's own status beside it.
func TestUndercloudStatusShowsTheStackBesideTheWorkflow(t *testing.T) {
	c, ctx := undercloudWithPlan(t, tripleotest.FailResource("NetworkDeployment", "os-net-config failed"))
	run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: top, Follow: fastFollow})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.ErrorIs(t, err, deployment.ErrStackFailed)

	ds, err := deployment.Status(ctx, c, deployment.StatusOpts{Plan: top})
	require.NoError(t, err)
	assert.Equal(t, deployment.FromWorkflow, ds.Source)
	assert.Equal(t, deployment.DeploySuccess, ds.Status, "what Queens records")
	assert.Equal(t, "CREATE_FAILED", ds.StackStatus, "what Heat says")
}
