package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func TestParameters(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	ok(t, u, "plan", "create", "overcloud", "-q")

	golden(t, "parameters-update.txt", ok(t, u, "parameters", "update", "overcloud", "ControllerCount=1", "ComputeCount=2", "NtpServer=pool.ntp.org", "AdminPassword=hunter2"))
	golden(t, "parameters-show.txt", ok(t, u, "parameters", "show", "overcloud"))
	golden(t, "parameters-show.json", ok(t, u, "parameters", "show", "overcloud", "-f", "json"))
	assert.NotContains(t, ok(t, u, "parameters", "show", "overcloud", "-f", "json"), "hunter2")
	assert.Contains(t, ok(t, u, "parameters", "show", "overcloud", "--name", "AdminPassword", "--show-secrets", "-f", "value", "-c", "Value"), "hunter2")
	all := ok(t, u, "parameters", "show", "overcloud", "--all", "-f", "value", "-c", "Name")
	assert.Contains(t, all, "ControllerCount\n")
	assert.Greater(t, len(all), 200)

	// A file (an environment file's parameter_defaults), overridden by KEY=VALUE.
	env := filepath.Join(t.TempDir(), "env.yaml")
	require.NoError(t, os.WriteFile(env, []byte("parameter_defaults:\n  ComputeCount: 3\n  NtpServer: ntp.example.com\n"), 0o644))
	golden(t, "parameters-set.txt", ok(t, u, "parameters", "set", "overcloud", "--file", env, "ComputeCount=4"))
	golden(t, "parameters-show-after-set.txt", ok(t, u, "parameters", "show", "overcloud"))

	r := cli(t, u, "parameters", "reset", "overcloud")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, "Parameters of plan overcloud reset.\n", r.stderr)
	assert.NotContains(t, ok(t, u, "parameters", "show", "overcloud", "-f", "value", "-c", "Name"), "ComputeCount")

	// Bad input: exit 2.
	for _, args := range [][]string{
		{"parameters", "update", "overcloud", "NoEquals"},
		{"parameters", "update", "overcloud"},
		{"parameters", "update", "bad_plan", "A=1"},
		{"parameters", "update", "overcloud", "--file", "/nonexistent.yaml"},
		{"parameters", "show"},
	} {
		r := cli(t, u, args...)
		assert.Equal(t, 2, r.code, "%v: %s", args, r)
	}
	// A missing plan: exit 1, saying so (not Swift's 404 page).
	r = cli(t, u, "parameters", "update", "nope", "A=1")
	assert.Equal(t, 1, r.code, r)
	assert.Equal(t, "tripleo: update parameters: plan nope does not exist\n", r.stderr)
}

func TestScalar(t *testing.T) {
	for in, want := range map[string]any{"3": "3", "true": true, "pool.ntp.org": "pool.ntp.org", `"3"`: "3", "0123": "0123", "a b": "a b", "": ""} {
		got := scalar(in)
		if n, ok := got.(interface{ String() string }); ok {
			got = n.String()
		}
		assert.Equal(t, want, got, in)
	}
	assert.Equal(t, []any{"a", "b"}, scalar(`["a","b"]`))
}
