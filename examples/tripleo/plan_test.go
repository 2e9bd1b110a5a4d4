package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func TestPlanLife(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	r := cli(t, u, "plan", "create", "overcloud")
	require.Equal(t, 0, r.code, r)
	golden(t, "plan-create.txt", r.stdout)
	assert.Contains(t, r.stderr, "plan_management.create_default_deployment_plan started (execution ")
	ok(t, u, "plan", "create", "second", "--no-generate-passwords", "-q")

	golden(t, "plan-list.txt", ok(t, u, "plan", "list"))
	golden(t, "plan-list.json", ok(t, u, "plan", "list", "-f", "json"))
	golden(t, "plan-export.txt", normalize(ok(t, u, "plan", "export", "overcloud", "-q")))
	assert.Contains(t, u.Containers(), "plan-exports")

	r = cli(t, u, "plan", "delete", "second")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, "Plan second deleted.\n", r.stderr)
	assert.Equal(t, "overcloud\n", ok(t, u, "plan", "list", "-f", "value"))

	// Failures: an existing plan (exit 1 with the workflow's message), bad
	// names (exit 2, nothing sent).
	r = cli(t, u, "plan", "create", "overcloud")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "ended ERROR: Unable to create plan. The Swift container already exists\n")
	n := countExecutions(u)
	for _, bad := range []string{"bad_name", "a/b"} {
		r = cli(t, u, "plan", "create", bad)
		assert.Equal(t, 2, r.code, r)
		assert.Contains(t, r.stderr, "plan")
		r = cli(t, u, "plan", "export", bad)
		assert.Equal(t, 2, r.code, r)
	}
	assert.Equal(t, n, countExecutions(u))
	r = cli(t, u, "plan", "create", "x", "--templates", "/nonexistent")
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, "--templates")
}

func TestPlanCreateFromTemplates(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	dir := t.TempDir()
	for name, data := range tripleotest.DefaultTemplates() {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o644))
	}
	r := cli(t, u, "plan", "create", "custom", "--templates", dir)
	require.Equal(t, 0, r.code, r)
	golden(t, "plan-create-templates.txt", r.stdout)
	assert.Contains(t, r.stderr, "upload_templates")
	assert.Greater(t, len(u.Objects("custom")), len(tripleotest.DefaultTemplates()), "the templates and the plan environment")
	assert.Contains(t, ok(t, u, "plan", "list", "-f", "value"), "custom\n")

	// Again: the container exists (exit 1); with --resume nothing is re-sent.
	r = cli(t, u, "plan", "create", "custom", "--templates", dir)
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "create_container")
}
