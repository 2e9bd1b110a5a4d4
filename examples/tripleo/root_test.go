package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func TestUsageErrorsExitTwo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "tripleo needs a subcommand"},
		{[]string{"bogus"}, `unknown command "bogus" for "tripleo"`},
		{[]string{"workflw"}, "Did you mean this?\n\tworkflow"},
		{[]string{"workflow", "bogus"}, `unknown command "bogus" for "tripleo workflow"`},
		{[]string{"workflow"}, "tripleo workflow needs a subcommand"},
		{[]string{"plan", "list", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"--bogus", "plan", "list"}, "unknown command"},
		{[]string{"plan", "list"}, "no undercloud given"},
		{[]string{"--embedded", "--mistral-url", "http://127.0.0.1:1/v2", "plan", "list"}, "exclude each other"},
		{[]string{"--embedded", "plan", "list", "-f", "xml"}, `unknown output format "xml"`},
		{[]string{"execution", "show"}, "takes ID (got 0 arguments)"},
		{[]string{"execution", "show", "a", "b"}, "takes ID (got 2 arguments)"},
	} {
		r := cli(t, nil, tc.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r)
		assert.Contains(t, r.stderr, tc.want, tc.args)
		assert.Empty(t, r.stdout, tc.args)
	}
}

func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "--help")
	require.Equal(t, 0, r.code, r)
	for _, c := range []string{"workflow", "execution", "action", "plan", "parameters", "nodes", "deploy", "stack"} {
		assert.Contains(t, r.stdout, "\n  "+c+" ")
	}
	r = cli(t, nil, "workflow", "run", "--help")
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, "--no-wait")
}

func TestEmbeddedLivesForOneCommand(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "--embedded", "--scale", "1e-5", "plan", "create", "demo", "-f", "value", "-c", "Message")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, "Plan created.\n", r.stdout)
	r = cli(t, nil, "--embedded", "plan", "list")
	require.Equal(t, 0, r.code, r)
	assert.Empty(t, r.stdout, "a new embedded undercloud has no plan")
}

func TestMistralOnlyFollowsByPolling(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	// No Zaqar: the run is followed through Mistral alone.
	r := cliCtx(t.Context(), t, nil, nil, "--mistral-url", u.Endpoints().Mistral, "workflow", "run", planWF, `{"container": "overcloud"}`, "-f", "value", "-c", "State")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, "SUCCESS\n", r.stdout)
	assert.Equal(t, []string{"overcloud"}, u.Plans())
	// Without Swift, a plan operation says what is missing.
	r = cliCtx(t.Context(), t, nil, nil, "--mistral-url", u.Endpoints().Mistral, "plan", "export", "overcloud", "-q")
	assert.Equal(t, 0, r.code, r, "export is a workflow: Mistral is enough")
	r = cliCtx(t.Context(), t, nil, nil, "--mistral-url", u.Endpoints().Mistral, "nodes", "list")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "baremetal")
}

func TestDebugLogsRequests(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	r := cli(t, u, "--debug", "workflow", "show", planWF, "-f", "value", "-c", "Name")
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stderr, "undercloud: noauth undercloud (Mistral "+u.Endpoints().Mistral+")")
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	writeTable(&b, []string{"Field", "Value"}, [][]any{{"Name", "x"}, {"Lines", "a\nbb"}, {"Empty", nil}, {"Flag", true}})
	assert.Equal(t, strings.Join([]string{
		"+-------+-------+",
		"| Field | Value |",
		"+-------+-------+",
		"| Name  | x     |",
		"| Lines | a     |",
		"|       | bb    |",
		"| Empty |       |",
		"| Flag  | True  |",
		"+-------+-------+",
		"",
	}, "\n"), b.String())
}
