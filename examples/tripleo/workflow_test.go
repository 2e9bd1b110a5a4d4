package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const (
	planWF     = "tripleo.plan_management.v1.create_default_deployment_plan"
	fixedExecA = "11111111-2222-4333-8444-555555555555"
	fixedExecB = "66666666-7777-4888-8999-aaaaaaaaaaaa"
)

func TestWorkflowList(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	golden(t, "workflow-list.txt", normalize(ok(t, u, "workflow", "list", "--prefix", "tripleo.plan_management.v1.create")))
	golden(t, "workflow-list.json", normalize(ok(t, u, "workflow", "list", "--prefix", "tripleo.plan_management.v1.create", "-f", "json")))
	golden(t, "workflow-list-value.txt", ok(t, u, "workflow", "list", "--prefix", "tripleo.baremetal.", "-f", "value", "-c", "Name"))

	all := ok(t, u, "wf", "list", "--all", "-f", "value", "-c", "name")
	assert.Contains(t, all, "tripleo.baremetal.v1.introspect\n")
	assert.Contains(t, all, "tripleo.deployment.v1.deploy_plan\n")

	r := cli(t, u, "workflow", "list", "-c", "Nope")
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, `no column "Nope"`)
}

func TestWorkflowShow(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	golden(t, "workflow-show.txt", normalize(ok(t, u, "workflow", "show", "tripleo.baremetal.v1.introspect")))
	golden(t, "workflow-show.json", normalize(ok(t, u, "workflow", "show", "tripleo.baremetal.v1.introspect", "-f", "json")))
	def := ok(t, u, "workflow", "show", "tripleo.baremetal.v1.introspect", "--definition")
	assert.Contains(t, def, "tripleo.baremetal.v1.introspect:\n  input:\n    - node_uuids\n")

	r := cli(t, u, "workflow", "show", "tripleo.nope")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "404")
}

func TestWorkflowRunSucceeds(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	r := cli(t, u, "workflow", "run", planWF, `{"container": "overcloud"}`, "--id", fixedExecA, "-f", "json")
	require.Equal(t, 0, r.code, r)
	golden(t, "workflow-run.json", normalize(r.stdout, fixedExecA))
	// Progress, one line per event, on stderr.
	assert.Contains(t, r.stderr, "plan_management.create_default_deployment_plan started (execution "+fixedExecA+")")
	assert.Contains(t, r.stderr, "plan_management.create_deployment_plan SUCCESS: Plan created.")
	assert.Contains(t, r.stderr, "plan_management.create_default_deployment_plan finished")
	assert.Equal(t, []string{"overcloud"}, u.Plans())

	// The same from a file, as a table; -q silences the progress.
	in := filepath.Join(t.TempDir(), "input.yaml")
	require.NoError(t, os.WriteFile(in, []byte("container: second\n"), 0o644))
	r = cli(t, u, "workflow", "run", planWF, "@"+in, "--id", fixedExecB, "-q")
	require.Equal(t, 0, r.code, r)
	golden(t, "workflow-run.txt", normalize(r.stdout, fixedExecB))
	assert.Empty(t, r.stderr)

	// Starting again with the same id starts the workflow once.
	n := countExecutions(u)
	r = cli(t, u, "workflow", "run", planWF, "@"+in, "--id", fixedExecB, "-q")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, n, countExecutions(u))
}

func TestWorkflowRunFailedExitsOneWithMessage(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	ok(t, u, "workflow", "run", planWF, `{"container": "overcloud"}`, "-q")
	r := cli(t, u, "workflow", "run", planWF, `{"container": "overcloud"}`, "--id", fixedExecA)
	assert.Equal(t, 1, r.code, r)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "plan_management.create_default_deployment_plan failed\n")
	assert.Contains(t, r.stderr, "tripleo: workflow "+planWF+" (execution "+fixedExecA+") ended ERROR: Unable to create plan. The Swift container already exists\n")

	// A workflow that fails without a message of its own: Mistral's state_info.
	r = cli(t, u, "workflow", "run", "tripleo.baremetal.v1.introspect_manageable_nodes")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "No manageable nodes to introspect")
}

// set_node_state posts nothing and ends with a bare fail: its reason is in its
// output; it has no queue_name input, so --queue is not applied to it.
func TestWorkflowRunReasonOfABareFailAndQueueOnlyWhereTaken(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	const missing = "0d7c1f0e-8b43-4d0c-9d1e-000000000404"
	r := cli(t, u, "workflow", "run", "tripleo.baremetal.v1.set_node_state",
		`{"node_uuid": "`+missing+`", "state_action": "manage", "target_state": "manageable"}`, "--queue", "mine")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "--queue not applied: tripleo.baremetal.v1.set_node_state has no queue_name input")
	assert.NotContains(t, r.stderr, "no such input")
	assert.Contains(t, r.stderr, "ended ERROR: IronicAction.node.set_provision_state failed: Node "+missing+" could not be found. (HTTP 404)\n")

	// a workflow that takes queue_name posts to the chosen queue
	ok(t, u, "workflow", "run", planWF, `{"container": "q1"}`, "--queue", "mine", "-q")
	assert.NotEmpty(t, u.Messages("mine"))
}

func TestWorkflowRunBadInputExitsTwoBeforeAnyExecution(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"invalid JSON", []string{planWF, `{"container": `}, "input: invalid JSON in argument"},
		{"not an object", []string{planWF, `["overcloud"]`}, "input: argument is not a JSON object"},
		{"trailing data", []string{planWF, `{} {}`}, "more than one value"},
		{"missing file", []string{planWF, "@/nonexistent/input.json"}, "no such file"},
		{"unknown input", []string{planWF, `{"container": "x", "bogus": 1}`}, "bogus: the workflow has no such input"},
		{"missing input", []string{planWF, `{}`}, "container"},
		{"bad execution id", []string{planWF, `{"container": "x"}`, "--id", "nope"}, "not a UUID"},
		{"bad queue", []string{planWF, `{"container": "x"}`, "--queue", "bad queue!"}, "queue"},
		{"unknown flag", []string{planWF, "--nope"}, "unknown flag: --nope"},
		{"no name", nil, "takes NAME [JSON] (got 0 arguments)"},
		{"wait and no-wait", []string{planWF, `{"container": "x"}`, "--wait", "--no-wait"}, "exclude each other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, u, append([]string{"workflow", "run"}, tc.args...)...)
			assert.Equal(t, 2, r.code, r)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
	assert.Zero(t, countExecutions(u), "no execution may be created for bad input")
}

func TestWorkflowRunNoWaitThenAttach(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	r := cli(t, u, "workflow", "run", planWF, `{"container": "overcloud"}`, "--no-wait", "--id", fixedExecA, "-f", "json", "--queue", "myqueue")
	require.Equal(t, 0, r.code, r)
	var ex map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ex), r.stdout)
	assert.Equal(t, fixedExecA, ex["ID"])
	assert.Equal(t, planWF, ex["Workflow name"])
	assert.Contains(t, r.stderr, "tripleo execution attach "+fixedExecA)
	got, found := u.Execution(fixedExecA)
	require.True(t, found)
	assert.Equal(t, "myqueue", got.Input["queue_name"])

	// attach follows it (here: it has ended) and prints the same as run --wait.
	r = cli(t, u, "execution", "attach", fixedExecA, "-f", "json")
	require.Equal(t, 0, r.code, r)
	golden(t, "execution-attach.json", normalize(r.stdout, fixedExecA))
	assert.Contains(t, r.stderr, "plan_management.create_default_deployment_plan attached (execution "+fixedExecA+")")
	assert.Contains(t, r.stderr, "plan_management.create_deployment_plan SUCCESS: Plan created.", "retained messages are replayed")
}
