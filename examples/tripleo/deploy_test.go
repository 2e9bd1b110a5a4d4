package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// deployable returns an undercloud with the plan "overcloud" created and
// three nodes available.
func deployable(t *testing.T, opts ...tripleotest.Option) *tripleotest.Undercloud {
	u := tripleotest.NewT(t, opts...)
	ok(t, u, "plan", "create", "overcloud", "-q")
	ok(t, u, "nodes", "import", instackenvFile, "--provide", "-q")
	return u
}

func TestDeployFollow(t *testing.T) {
	t.Parallel()
	u := deployable(t)
	r := cli(t, u, "deploy", "overcloud", "--follow", "--poll", "20ms")
	require.Equal(t, 0, r.code, r)
	golden(t, "deploy-follow.txt", normalize(r.stdout))
	assert.Contains(t, r.stderr, "deployment.deploy_plan started (execution ")
	assert.Contains(t, r.stderr, "heat overcloud CREATE_COMPLETE: Stack CREATE completed successfully [")
	assert.Contains(t, r.stderr, "deployment.Deploy finished")

	// The stack is complete: watching it ends at once, with the stack.
	r = cli(t, u, "stack", "watch", "overcloud", "--poll", "20ms", "-q", "-f", "json")
	require.Equal(t, 0, r.code, r)
	golden(t, "stack-watch.json", normalize(r.stdout))
	golden(t, "stack-status.txt", normalize(ok(t, u, "stack", "status", "overcloud")))
	// a plan never deployed: get_deployment_status has nothing recorded; Heat has no stack
	r = cli(t, u, "stack", "status", "never-deployed", "-f", "json")
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, `"Not recorded": true`)
	assert.Contains(t, r.stdout, `"Source": "heat"`)
	assert.Contains(t, r.stdout, `"Deployment status": "UNDEPLOYED"`)

	// deploy without --follow: Heat accepted the update; how to follow it.
	r = cli(t, u, "deploy", "overcloud", "-f", "json", "-c", "Plan", "-c", "Action", "-c", "Deployment status")
	require.Equal(t, 0, r.code, r)
	golden(t, "deploy.json", r.stdout)
	assert.Contains(t, r.stderr, "follow it with: tripleo stack watch overcloud\n")
	r = cli(t, u, "stack", "watch", "overcloud", "--poll", "20ms", "-f", "value", "-c", "Status")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, "UPDATE_COMPLETE\n", r.stdout)

	// Bad usage and missing things.
	r = cli(t, u, "deploy", "bad_name")
	assert.Equal(t, 2, r.code, r)
	r = cli(t, u, "stack", "watch", "nope", "--poll", "20ms")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "404")
}

func TestDeployFailedStackExitsOneWithTheFailedResources(t *testing.T) {
	t.Parallel()
	u := deployable(t, tripleotest.FailResource("NetworkDeployment", "os-net-config failed: no such interface nic9"))
	r := cli(t, u, "deploy", "overcloud", "--follow", "--poll", "20ms")
	assert.Equal(t, 1, r.code, r)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "tripleo: heat stack overcloud (")
	assert.Contains(t, r.stderr, "CREATE_FAILED")
	assert.Contains(t, r.stderr, "NetworkDeployment")
	assert.Contains(t, r.stderr, "os-net-config failed: no such interface nic9")

	r = cli(t, u, "stack", "watch", "overcloud", "--poll", "20ms", "-q")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "os-net-config failed")
	// Queens records DEPLOY_SUCCESS once Heat accepted the stack: the stack's
	// own status stands beside it.
	r = cli(t, u, "stack", "status", "overcloud", "-f", "json")
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, `"Deployment status": "DEPLOY_SUCCESS"`)
	assert.Contains(t, r.stdout, `"Stack status": "CREATE_FAILED"`)
}

func TestDeployCtrlCWhileHeatWorksSaysHowToWatchAgain(t *testing.T) {
	t.Parallel()
	u := deployable(t, tripleotest.WithTimeScale(1e-2))
	ctx, cancel, watch := interruptWhen("heat overcloud CREATE_IN_PROGRESS")
	defer cancel()
	r := cliCtx(ctx, t, u, watch, "deploy", "overcloud", "--follow", "--poll", "20ms")
	assert.Equal(t, 130, r.code, r)
	assert.Contains(t, r.stderr, "tripleo: interrupted: Heat goes on with the stack; follow it again with:\n  tripleo stack watch overcloud\n")
	st, found := u.Stack("overcloud")
	require.True(t, found)
	assert.Equal(t, "CREATE_IN_PROGRESS", st.Status)
}
