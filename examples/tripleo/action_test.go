package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func TestActionListShow(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	golden(t, "action-list.txt", normalize(ok(t, u, "action", "list", "--prefix", "tripleo.plan.")))
	golden(t, "action-list.json", normalize(ok(t, u, "action", "list", "--prefix", "tripleo.plan.", "-f", "json")))
	golden(t, "action-show.txt", normalize(ok(t, u, "action", "show", "tripleo.parameters.update")))
	assert.Contains(t, ok(t, u, "action", "list", "--all", "-f", "value", "-c", "Name"), "std.noop\n")
}

func TestActionRun(t *testing.T) {
	t.Parallel()
	u := tripleotest.NewT(t)
	assert.Equal(t, "null\n", ok(t, u, "action", "run", "std.noop"))
	golden(t, "action-run-echo.json", ok(t, u, "action", "run", "std.echo", `{"output": {"a": [1, 2.5, "x"], "password": "hunter2"}}`))
	assert.Contains(t, ok(t, u, "action", "run", "std.echo", `{"output": {"password": "hunter2"}}`, "--show-secrets"), `"password": "hunter2"`)

	ok(t, u, "action", "run", "tripleo.plan.create_container", `{"container": "overcloud"}`)
	assert.Equal(t, "[\n  \"overcloud\"\n]\n", ok(t, u, "action", "run", "tripleo.plan.list"))
	assert.Equal(t, "overcloud\n", ok(t, u, "action", "run", "tripleo.plan.list", "-f", "value"))

	// A failed action: exit 1 with its error text.
	r := cli(t, u, "action", "run", "tripleo.plan.create_container", `{"container": "overcloud"}`)
	assert.Equal(t, 1, r.code, r)
	assert.Equal(t, "tripleo: action tripleo.plan.create_container failed: A container with the name overcloud already exists.\n", r.stderr)

	// Bad JSON: exit 2, nothing run.
	r = cli(t, u, "action", "run", "tripleo.plan.create_container", `{"container": overcloud}`)
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, "invalid JSON")
	r = cli(t, u, "action", "run")
	assert.Equal(t, 2, r.code, r)
}
