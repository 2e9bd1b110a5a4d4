package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func TestExecutionShowListOutput(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	ok(t, u, "workflow", "run", planWF, `{"container": "overcloud"}`, "--id", fixedExecA, "--description", "from the test", "-q")

	golden(t, "execution-show.txt", normalize(ok(t, u, "execution", "show", fixedExecA), fixedExecA))
	golden(t, "execution-show.json", normalize(ok(t, u, "execution", "show", fixedExecA, "-f", "json"), fixedExecA))
	golden(t, "execution-output.json", normalize(ok(t, u, "execution", "output", fixedExecA), fixedExecA))

	// list: top-level executions (the sub-workflow only with --all).
	golden(t, "execution-list.txt", normalize(ok(t, u, "execution", "list"), fixedExecA))
	golden(t, "execution-list.json", normalize(ok(t, u, "execution", "list", "-f", "json"), fixedExecA))
	all := ok(t, u, "execution", "list", "--all", "-f", "value", "-c", "Workflow name")
	assert.Equal(t, planWF+"\ntripleo.plan_management.v1.create_deployment_plan\n", all)
	assert.Empty(t, ok(t, u, "execution", "list", "--state", "error"))

	r := cli(t, u, "execution", "show", "00000000-0000-4000-8000-000000000000")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "404")
}

// slowUndercloud runs at human pace (introspection takes minutes), with nodes.
func slowUndercloud(t *testing.T) *tripleotest.Undercloud {
	return tripleotest.NewT(t, tripleotest.WithTimeScale(1),
		tripleotest.WithNodes(tripleotest.NodeSpec{Name: "node-0", MACs: []string{"52:54:00:00:00:01"}}))
}

func TestExecutionCancel(t *testing.T) {
	t.Parallel()
	u := slowUndercloud(t)
	n, _ := u.Node("node-0")
	ok(t, u, "workflow", "run", "tripleo.baremetal.v1.introspect", `{"node_uuids": ["`+n.UUID+`"]}`, "--no-wait", "--id", fixedExecA)

	r := cli(t, u, "execution", "cancel", fixedExecA, "--reason", "test says stop", "-f", "json", "-c", "State", "-c", "State info")
	require.Equal(t, 0, r.code, r)
	golden(t, "execution-cancel.json", r.stdout)

	// Attaching to it now reports the cancellation: exit 1 with the reason.
	r = cli(t, u, "execution", "attach", fixedExecA)
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "tripleo: workflow tripleo.baremetal.v1.introspect (execution "+fixedExecA+") ended CANCELLED: test says stop\n")
}

// interruptWhen returns a ctx cancelled (as Ctrl-C would) once stderr holds want.
func interruptWhen(want string) (context.Context, context.CancelFunc, func(string)) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	return ctx, cancel, func(stderr string) {
		if strings.Contains(stderr, want) {
			cancel()
		}
	}
}

func TestCtrlCStopsFollowingAndTellsHowToReattach(t *testing.T) {
	t.Parallel()
	u := slowUndercloud(t)
	n, _ := u.Node("node-0")
	ctx, cancel, watch := interruptWhen("started (execution")
	defer cancel()
	t0 := time.Now()
	r := cliCtx(ctx, t, u, watch, "workflow", "run", "tripleo.baremetal.v1.introspect", `{"node_uuids": ["`+n.UUID+`"]}`, "--id", fixedExecA)
	assert.Equal(t, 130, r.code, r)
	assert.Less(t, time.Since(t0), 10*time.Second)
	assert.Contains(t, r.stderr, "tripleo: interrupted: the workflow goes on on the undercloud; re-attach with:\n  tripleo execution attach "+fixedExecA+"\n")
	assert.NotContains(t, r.stderr, "failed")
	assert.Empty(t, r.stdout)
	ex, found := u.Execution(fixedExecA)
	require.True(t, found)
	assert.Equal(t, "RUNNING", ex.State, "Ctrl-C stops following, not the workflow")

	// Re-attaching works, and Ctrl-C there says the same.
	ctx2, cancel2, watch2 := interruptWhen("attached (execution")
	defer cancel2()
	r = cliCtx(ctx2, t, u, watch2, "execution", "attach", fixedExecA)
	assert.Equal(t, 130, r.code, r)
	assert.Contains(t, r.stderr, "tripleo execution attach "+fixedExecA)
}
