package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const (
	instackenvFile    = "testdata/instackenv.json"
	instackenvInvalid = "testdata/instackenv-invalid.json"
)

func TestNodesImportValidateOnly(t *testing.T) {
	t.Parallel()
	// No undercloud is needed (nor contacted) to validate a file.
	r := cli(t, nil, "nodes", "import", instackenvFile, "--validate-only")
	require.Equal(t, 0, r.code, r)
	golden(t, "nodes-validate.txt", r.stdout)
	assert.Equal(t, "testdata/instackenv.json: 3 nodes, valid.\n", r.stderr)

	r = cli(t, nil, "nodes", "import", instackenvInvalid, "--validate-only")
	assert.Equal(t, 2, r.code, r)
	assert.Empty(t, r.stdout)
	golden(t, "nodes-invalid.stderr", r.stderr)
	assert.NotContains(t, r.stderr, "secret-", "no password in any problem")

	r = cli(t, nil, "nodes", "import", "testdata/nonexistent.json", "--validate-only")
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, "no such file")
}

func TestNodesImportInvalidSendsNothing(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	r := cli(t, u, "nodes", "import", instackenvInvalid)
	assert.Equal(t, 2, r.code, r)
	assert.Equal(t, 8, strings.Count(r.stderr, "\n  node #"), r.stderr)
	assert.Zero(t, countExecutions(u))
	assert.Empty(t, u.Nodes())
}

func TestNodesLifecycle(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	r := cli(t, u, "nodes", "import", instackenvFile)
	require.Equal(t, 0, r.code, r)
	golden(t, "nodes-import.txt", normalize(r.stdout))
	assert.Contains(t, r.stderr, `baremetal.register_or_update SUCCESS: 3 node(s) successfully moved to the "manageable" state.`)
	assert.NotContains(t, r.stderr, "secret-")

	golden(t, "nodes-list.txt", normalize(ok(t, u, "nodes", "list")))
	golden(t, "nodes-list.json", normalize(ok(t, u, "nodes", "list", "-f", "json")))

	// introspect by name and by uuid.
	c0, _ := u.Node("compute-0")
	r = cli(t, u, "nodes", "introspect", "controller-0", c0.UUID)
	require.Equal(t, 0, r.code, r)
	golden(t, "nodes-introspect.txt", normalize(r.stdout))
	assert.Equal(t, 1, strings.Count(r.stderr, "Introspection of node "+c0.UUID+" completed"), "one line per node message:\n%s", r.stderr)
	assert.Regexp(t, `baremetal\._introspect SUCCESS: Introspection of node `+c0.UUID+` completed\. Status:SUCCESS\. Errors:None \[[12]/2 done`, r.stderr, "the message with the node's counters")
	assert.Equal(t, []string{"baremetal.introspect started (execution UUID)"}, startedLines(r.stderr))

	// every manageable node: compute-1 is left.
	r = cli(t, u, "nodes", "introspect", "--all-manageable", "-f", "value", "-c", "Name")
	require.Equal(t, 0, r.code, r)
	names := strings.Fields(r.stdout)
	slices.Sort(names)
	assert.Equal(t, []string{"compute-0", "compute-1", "controller-0"}, names)

	r = cli(t, u, "nodes", "clean", "compute-1")
	require.Equal(t, 0, r.code, r)
	golden(t, "nodes-clean.txt", normalize(r.stdout))
	assert.Contains(t, r.stderr, "clean compute-1 cleaned [1/1 done]")

	r = cli(t, u, "nodes", "provide", "controller-0", "compute-0")
	require.Equal(t, 0, r.code, r)
	golden(t, "nodes-provide.txt", normalize(r.stdout))
	r = cli(t, u, "nodes", "provide", "--all-manageable", "-f", "value", "-c", "Name", "-c", "Provisioning State")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, "compute-1 available\n", r.stdout)

	// Usage errors: exit 2.
	for _, args := range [][]string{
		{"nodes", "introspect"},
		{"nodes", "introspect", "compute-0", "--all-manageable"},
		{"nodes", "introspect", "no-such-node"},
		{"nodes", "provide"},
		{"nodes", "clean", "compute-0", "--erase-devices", "--steps", "[]"},
		{"nodes", "clean", "compute-0", "--steps", "not json"},
	} {
		r := cli(t, u, args...)
		assert.Equal(t, 2, r.code, "%v: %s", args, r)
	}
}

func TestNodesImportIntrospectProvide(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	r := cli(t, u, "nodes", "import", instackenvFile, "--introspect", "--provide")
	require.Equal(t, 0, r.code, r)
	golden(t, "nodes-enroll.txt", normalize(r.stdout))
	assert.Equal(t, []string{
		"baremetal.Enroll started",
		"baremetal.register_or_update started (execution UUID)",
		"baremetal.introspect started (execution UUID)",
		"baremetal.provide started (execution UUID)",
	}, startedLines(r.stderr), "each workflow starts once, with its execution id")
	for _, n := range u.Nodes() {
		assert.Equal(t, "available", n.ProvisionState, n.Name)
	}
}

func TestNodesFailuresExitOneWithTheNodesReason(t *testing.T) {
	t.Parallel()
	t.Run("introspection", func(t *testing.T) {
		t.Parallel()
		u := tripleotest.NewT(t, tripleotest.FailIntrospection("compute-0"))
		ok(t, u, "nodes", "import", instackenvFile, "-q")
		r := cli(t, u, "nodes", "introspect", "compute-0", "controller-0", "--max-retries", "-1")
		assert.Equal(t, 1, r.code, r)
		golden(t, "nodes-introspect-failed.txt", normalize(r.stdout))
		assert.Contains(t, r.stderr, "Introspection timeout")
	})
	t.Run("cleaning", func(t *testing.T) {
		t.Parallel()
		// Slow enough for the node watch to see "clean failed" long before
		// the workflow's own timeout (which it would wait for).
		u := tripleotest.NewT(t, tripleotest.WithTimeScale(1e-2),
			tripleotest.FailCleaning("compute-1", "Clean step erase_devices_metadata failed: disk on fire"))
		ok(t, u, "nodes", "import", instackenvFile, "-q")
		r := cli(t, u, "nodes", "clean", "compute-1", "compute-0")
		assert.Equal(t, 1, r.code, r)
		assert.Contains(t, r.stderr, "tripleo: node compute-1")
		assert.Contains(t, r.stderr, "cancelled execution")
		assert.Contains(t, r.stderr, "disk on fire")
		assert.Contains(t, r.stderr, "clean compute-0 cleaned")
		assert.Contains(t, r.stderr, "clean compute-1 failed")
		golden(t, "nodes-clean-failed.txt", normalize(r.stdout))
	})
}

// Names are resolved by baremetal.ResolveNodes: exact names, uuids, names
// equal but for case; unknown and ambiguous names are usage errors (exit 2)
// with nothing started.
func TestNodesNamesResolved(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t, tripleotest.WithNodes(tripleotest.NodeSpec{Name: "compute-0"},
		tripleotest.NodeSpec{Name: "Compute-0"}, tripleotest.NodeSpec{Name: "ctl"}))
	lower, _ := u.Node("compute-0")
	upper, _ := u.Node("Compute-0")

	r := cli(t, u, "nodes", "provide", "COMPUTE-0")
	assert.Equal(t, 2, r.code, r)
	assert.Equal(t, `tripleo: node "COMPUTE-0": the name is ambiguous: it matches 2 nodes (compute-0 (`+lower.UUID+`), Compute-0 (`+upper.UUID+`)); give a uuid`+"\n", r.stderr)

	r = cli(t, u, "nodes", "introspect", "nope", "ctl", upper.UUID, "compute-9")
	assert.Equal(t, 2, r.code, r)
	assert.Equal(t, "tripleo: invalid input (2 problems):\n"+
		`  invalid nodes[0]: node "nope": no node has this name or uuid in Ironic`+"\n"+
		`  invalid nodes[3]: node "compute-9": no node has this name or uuid in Ironic`+"\n", r.stderr)
	assert.Zero(t, countExecutions(u), "nothing started")

	r = cli(t, u, "nodes", "provide", "CTL", "Compute-0", "-f", "value", "-c", "Name", "-c", "Provisioning State")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, "ctl available\nCompute-0 available\n", r.stdout)
	n, _ := u.Node("compute-0")
	assert.Equal(t, "manageable", n.ProvisionState, "the exact name was taken")
}

var startedRE = regexp.MustCompile(`(?m)^\[[ +\-0-9.]+s\] (.* started.*)$`)

// startedLines returns the "... started" event lines of stderr, without
// their time and with every uuid written UUID.
func startedLines(stderr string) []string {
	var out []string
	for _, m := range startedRE.FindAllStringSubmatch(uuidRE.ReplaceAllString(stderr, "UUID"), -1) {
		out = append(out, m[1])
	}
	return out
}
