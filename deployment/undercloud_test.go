package deployment_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// fastFollow polls the embedded undercloud's Heat every few milliseconds.
var fastFollow = deployment.FollowOpts{PollMin: 5 * time.Millisecond, PollMax: 50 * time.Millisecond}

// undercloudWithPlan starts an embedded undercloud holding the default plan
// "overcloud" and one available node per role.
func undercloudWithPlan(t *testing.T, opts ...tripleotest.Option) (*tripleo.Client, context.Context) {
	t.Helper()
	nodes := tripleotest.WithNodes(
		tripleotest.NodeSpec{Name: "ctl0", State: "available", Properties: map[string]any{"capabilities": "profile:control,boot_option:local"}},
		tripleotest.NodeSpec{Name: "cmp0", State: "available", Properties: map[string]any{"capabilities": "profile:compute,boot_option:local"}},
	)
	u := tripleotest.NewT(t, append([]tripleotest.Option{nodes}, opts...)...)
	c, err := u.Client()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	run, err := tripleo.Start(ctx, c, "tripleo.plan_management.v1.create_default_deployment_plan",
		map[string]any{"container": top}, tripleo.DecodeNothing, tripleo.StartOpts{})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.NoError(t, err)
	return c, ctx
}

func TestUndercloudDeployCreatesThenUpdates(t *testing.T) {
	c, ctx := undercloudWithPlan(t)

	run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: top, Follow: fastFollow})
	require.NoError(t, err)
	evs := collect(run.Events())
	st, err := run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "CREATE_COMPLETE", st.Status)
	assert.Equal(t, top, st.Name)
	assert.NotEmpty(t, st.ID)

	// the workflow's messages, then the stack's events
	lastMsg, firstHeat, done := -1, -1, 0
	for i, e := range evs {
		switch {
		case e.Kind == tripleo.EventMessage:
			lastMsg = i
		case e.Source == deployment.SourceHeat && e.Data != nil:
			if firstHeat < 0 {
				firstHeat = i
			}
			assert.GreaterOrEqual(t, e.Progress.Done, done, "a create's counters only rise")
			done = e.Progress.Done
		}
	}
	require.Positive(t, lastMsg)
	require.Positive(t, firstHeat)
	assert.Less(t, lastMsg, firstHeat)
	last := evs[len(evs)-2].Data.(deployment.StackEvent)
	assert.True(t, last.Top)
	assert.Equal(t, "CREATE_COMPLETE", last.Status)
	assert.Positive(t, last.Progress.Total)
	assert.Equal(t, last.Progress.Total, last.Progress.Done, "%+v", last.Progress)

	// deploy again: an update, followed from the newest event before it
	run, err = deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: top, Follow: fastFollow})
	require.NoError(t, err)
	st2, err := run.Wait(ctx)
	require.NoError(t, err, "UPDATE_COMPLETE is success")
	assert.Equal(t, "UPDATE_COMPLETE", st2.Status)
	assert.Equal(t, st.ID, st2.ID)
	for _, e := range run.Snapshot() {
		if se, ok := e.Data.(deployment.StackEvent); ok {
			assert.NotContains(t, se.Status, "CREATE_", "only the update's events: %s %s", se.ResourceName, se.Status)
		}
	}

	ds, err := deployment.Status(ctx, c, deployment.StatusOpts{Plan: top})
	require.NoError(t, err)
	assert.Equal(t, deployment.DeploySuccess, ds.Status)
	assert.Equal(t, deployment.FromWorkflow, ds.Source)
}

func TestUndercloudDeployPlanResult(t *testing.T) {
	c, ctx := undercloudWithPlan(t)
	run, err := deployment.DeployPlan(ctx, c, deployment.DeployPlanOpts{Plan: top})
	require.NoError(t, err)
	res, err := run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, top, res.Plan)
	assert.Equal(t, deployment.DeploySuccess, res.DeploymentStatus)
	assert.Equal(t, deployment.HeatActionCreate, res.Action)
	assert.NotEmpty(t, res.StackID)

	w, err := deployment.FollowStack(ctx, c, res.FollowOpts(fastFollow))
	require.NoError(t, err)
	n := 0
	for range w.Events() {
		n++
	}
	st, err := w.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "CREATE_COMPLETE", st.Status)
	assert.Positive(t, n)
}

func TestUndercloudDeployMissingPlanFails(t *testing.T) {
	u := tripleotest.NewT(t)
	c, err := u.Client()
	require.NoError(t, err)
	run, err := deployment.Deploy(t.Context(), c, deployment.DeployOpts{Plan: "missing", Follow: fastFollow})
	require.NoError(t, err)
	_, err = run.Wait(t.Context())
	var we *tripleo.WorkflowError
	require.ErrorAs(t, err, &we)
	require.NotNil(t, we.LastMessage)
	assert.Equal(t, "DEPLOY_FAILED", we.LastMessage.Payload.DeploymentStatus)
	assert.Equal(t, deployment.WorkflowDeployPlan, we.Workflow)
}

func TestUndercloudFailedResourceIsAStackError(t *testing.T) {
	c, ctx := undercloudWithPlan(t, tripleotest.FailResource("NetworkDeployment", "Deployment exited with non-zero status code: 1"))
	run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: top, Follow: fastFollow})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	var se *deployment.StackError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "CREATE_FAILED", se.Status)
	assert.Contains(t, se.Reason, "Deployment exited with non-zero status code: 1")
	var names []string
	for _, f := range se.Failed {
		names = append(names, f.Name)
		assert.Equal(t, deployment.StackFailed, deployment.ClassifyStatus(f.Status))
	}
	assert.Contains(t, names, "NetworkDeployment", "the failing leaf resource, from a nested stack")
}

func TestUndercloudDeployThroughHeatErrors(t *testing.T) {
	// slower (a 20-minute deployment takes 1.2 s) so that the watch polls many times
	c, ctx := undercloudWithPlan(t, tripleotest.WithTimeScale(1e-3),
		tripleotest.WithServerErrors(tripleotest.Heat, 0.2), tripleotest.WithLostResponses(tripleotest.Heat, 0.1), tripleotest.WithSeed(7))
	run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: top, Follow: fastFollow})
	require.NoError(t, err)
	st, err := run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "CREATE_COMPLETE", st.Status)
	warnings := 0
	for _, e := range run.Snapshot() {
		if e.Kind == tripleo.EventWarning && e.Source == deployment.SourceHeat {
			warnings++
		}
	}
	assert.Positive(t, warnings, "some polls were retried")
	t.Logf("%d Heat errors retried while following", warnings)

}

func TestUndercloudDeployOnServers(t *testing.T) {
	c, ctx := undercloudWithPlan(t)
	dep, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: top, Follow: fastFollow})
	require.NoError(t, err)
	_, err = dep.Wait(ctx)
	require.NoError(t, err)

	run, err := deployment.DeployOnServers(ctx, c, deployment.DeployOnServersOpts{ServerName: "all", ConfigName: "hello", Config: "echo hello\necho careful >&2\n"})
	require.NoError(t, err)
	res, err := run.Wait(ctx)
	require.NoError(t, err)
	require.Len(t, res, 2, "one result per overcloud server")
	for _, r := range res {
		assert.Equal(t, "SUCCESS", r.Status)
		assert.Equal(t, "hello", r.ConfigName)
		assert.Equal(t, "hello\n", r.Stdout)
		assert.Equal(t, "careful\n", r.Stderr)
		assert.NotEmpty(t, r.ServerUUID)
		assert.NotEmpty(t, r.ExecutionID)
	}
	assert.Less(t, res[0].ServerName, res[1].ServerName)

	run, err = deployment.DeployOnServers(ctx, c, deployment.DeployOnServersOpts{ServerName: "controller", ConfigName: "fail", Config: "echo nope >&2\nexit 3"})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
	res = deployment.ServerResults(run.Snapshot())
	require.Len(t, res, 1)
	assert.Equal(t, deployment.ServerResult{ServerUUID: res[0].ServerUUID, ServerName: res[0].ServerName, ConfigName: "fail",
		Status: "FAILED", StatusCode: 3, Stderr: "nope\n", ExecutionID: res[0].ExecutionID}, res[0])
	assert.Contains(t, res[0].ServerName, "controller")
}
