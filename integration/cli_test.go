//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// mistralCLI is python3-mistralclient's `mistral` (installed with the harness's
// packages), run by Debian's /usr/bin/python3 (a pyenv python3 may come first
// on PATH without the OpenStack modules).
const mistralCLI = "/usr/bin/mistral"

// cliEnv is the environment of the CLIs: the Keystone-less Mistral, no
// Keystone variables, no proxy.
func cliEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "OS_") || strings.EqualFold(k, "http_proxy") || strings.EqualFold(k, "https_proxy") ||
			strings.EqualFold(k, "all_proxy") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "OS_MISTRAL_URL="+env.Mistral, "no_proxy=127.0.0.1,localhost")
}

// runMistral runs the mistral CLI and returns its stdout (failing t on error).
func runMistral(t testing.TB, ctx context.Context, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", append([]string{mistralCLI}, args...)...)
	cmd.Env = cliEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mistral %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func needMistralCLI(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(mistralCLI); err != nil {
		t.Skipf("%s not installed (python3-mistralclient; scripts/undercloud installs it)", mistralCLI)
	}
}

// The SDK and a client nobody here wrote see the same executions: the
// mistral CLI reads an execution the SDK started (state, workflow, the same
// input), and the SDK attaches to an execution the CLI started.
func TestMistralCLICrossCheck(t *testing.T) {
	need(t, "zaqar")
	needMistralCLI(t)
	ctx := testCtx(t, 2*time.Minute)
	c := newClient(t, viaREST)
	q := testQueue(t, "cli")

	input := map[string]any{"seconds": 0, "skip_final": false}
	run, err := tripleo.Start(ctx, c, wfHold, input, tripleo.DecodeField[int]("answer", false),
		tripleo.StartOpts{Queue: q, Description: "started by the Go SDK"})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.NoError(t, err)

	var got map[string]any
	require.NoError(t, json.Unmarshal(runMistral(t, ctx, "execution-get", run.ExecutionID(), "-f", "json"), &got))
	assert.Equal(t, run.ExecutionID(), got["ID"])
	assert.Equal(t, wfHold, got["Workflow name"])
	assert.Equal(t, "SUCCESS", got["State"])
	assert.Equal(t, "started by the Go SDK", got["Description"])
	var cliInput map[string]any
	require.NoError(t, json.Unmarshal(runMistral(t, ctx, "execution-get-input", run.ExecutionID()), &cliInput))
	assert.Equal(t, map[string]any{"seconds": float64(0), "skip_final": false, "fail": false, "queue_name": q}, cliInput,
		"the SDK's input (and queue_name) as Mistral stored it, defaults merged")
	var cliOutput map[string]any
	require.NoError(t, json.Unmarshal(runMistral(t, ctx, "execution-get-output", run.ExecutionID()), &cliOutput))
	assert.Equal(t, float64(42), cliOutput["answer"])

	// the CLI starts, the SDK attaches (while it runs: 2 s hold)
	var created map[string]any
	require.NoError(t, json.Unmarshal(runMistral(t, ctx, "execution-create", wfHold,
		`{"seconds": 2, "queue_name": "`+q+`"}`, "-d", "started by the mistral CLI", "-f", "json"), &created))
	id, _ := created["ID"].(string)
	require.NotEmpty(t, id)
	arun, err := tripleo.Attach(ctx, c, id, tripleo.DecodeField[int]("answer", false), tripleo.AttachOpts{})
	require.NoError(t, err)
	logEventsOnFailure(t, arun)
	v, err := arun.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 42, v)
	evs := arun.Snapshot()
	checkEnvelope(t, evs)
	assert.Equal(t, []string{"message:RUNNING", "message:SUCCESS"}, statuses(ofKind(evs, tripleo.EventMessage, "")))
	ex, err := c.GetExecution(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "started by the mistral CLI", ex.Description)
	assert.Equal(t, q, ex.Input.String("queue_name"))
}

var tripleoCLI struct {
	once sync.Once
	path string
	err  error
	dir  string
}

// buildTripleoCLI builds examples/tripleo once per test binary.
func buildTripleoCLI(t testing.TB) string {
	t.Helper()
	tripleoCLI.once.Do(func() {
		tripleoCLI.dir, tripleoCLI.err = os.MkdirTemp("", "tripleo-cli-")
		if tripleoCLI.err != nil {
			return
		}
		tripleoCLI.path = filepath.Join(tripleoCLI.dir, "tripleo")
		cmd := exec.Command("go", "build", "-o", tripleoCLI.path, "./examples/tripleo")
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		if err != nil {
			tripleoCLI.err = err
			tripleoCLI.path = string(out)
		}
	})
	if tripleoCLI.err != nil {
		t.Fatalf("go build ./examples/tripleo: %v: %s", tripleoCLI.err, tripleoCLI.path)
	}
	return tripleoCLI.path
}

// removeTripleoCLI deletes the built CLI (TestMain).
func removeTripleoCLI() {
	if tripleoCLI.dir != "" {
		_ = os.RemoveAll(tripleoCLI.dir)
	}
}

// tripleoArgs are the endpoint flags of the examples/tripleo CLI.
func tripleoArgs(args ...string) []string {
	return append([]string{"--mistral-url", env.Mistral, "--zaqar-url", env.Zaqar, "--swift-url", env.Swift,
		"--heat-url", env.Heat, "--ironic-url", env.Ironic}, args...)
}

// The project's CLI (examples/tripleo) on the real undercloud: a run
// followed to its end (exit 0, the final message printed), a failing one
// (exit 1), and the execution read back.
func TestTripleoCLI(t *testing.T) {
	need(t, "zaqar")
	ctx := testCtx(t, 3*time.Minute)
	bin := buildTripleoCLI(t)
	q := testQueue(t, "tcli")
	run := func(args ...string) (string, string, int) {
		cmd := exec.CommandContext(ctx, bin, tripleoArgs(args...)...)
		cmd.Env = cliEnv()
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("tripleo %v: %v", args, err)
		}
		return out.String(), errb.String(), code
	}
	stdout, stderr, code := run("--queue", q, "workflow", "run", wfHold, `{"seconds": 0}`, "--wait")
	require.Equal(t, 0, code, "stdout %s\nstderr %s", stdout, stderr)
	assert.Contains(t, stdout, "done", "the final message")
	assert.Contains(t, stderr, "started")

	stdout, stderr, code = run("--queue", q, "workflow", "run", wfHold, `{"fail": true}`)
	assert.Equal(t, 1, code, "stdout %s\nstderr %s", stdout, stderr)
	assert.Contains(t, stdout+stderr, "failure trigger")

	stdout, _, code = run("--queue", q, "-f", "json", "workflow", "run", wfHold, `{"seconds": 0}`, "--no-wait")
	require.Equal(t, 0, code)
	var ex map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &ex), stdout)
	id := firstString(ex, "ID", "id")
	require.NotEmpty(t, id, stdout)
	c := newClient(t, viaMistral)
	eventually(t, 30*time.Second, "the CLI's execution ends", func() bool {
		e, err := c.GetExecution(ctx, id)
		return err == nil && e.State == tripleo.StateSuccess
	})
	stdout, _, code = run("-f", "json", "execution", "show", id)
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "SUCCESS")

	if env.Ironic != "" {
		// set_node_state has no queue_name input: --queue is not applied to
		// it; it ends with a bare fail whose reason is only in its output
		missing := "5b1e2f4c-9d7a-4c3e-8f00-000000000404"
		stdout, stderr, code = run("--queue", q, "workflow", "run", "tripleo.baremetal.v1.set_node_state",
			`{"node_uuid": "`+missing+`", "state_action": "manage", "target_state": "manageable"}`)
		assert.Equal(t, 1, code, "stdout %s\nstderr %s", stdout, stderr)
		assert.Contains(t, stderr, "--queue not applied: tripleo.baremetal.v1.set_node_state has no queue_name input")
		assert.Contains(t, stderr, "ended ERROR: Node "+missing+" could not be found.")
	}
}

// firstString returns the first string value among keys.
func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
