package main

import (
	"bytes"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func embedded(opts ...tripleotest.Option) connect.Opts {
	return connect.Opts{Embedded: true, Scale: 1e-4, Undercloud: append([]tripleotest.Option{tripleotest.WithNodes(
		tripleotest.NodeSpec{Name: "ctl0", State: "available", Properties: map[string]any{"capabilities": "profile:control"}},
		tripleotest.NodeSpec{Name: "cmp0", State: "available", Properties: map[string]any{"capabilities": "profile:compute"}})}, opts...)}
}

var fast = deployment.DeployOpts{Plan: "overcloud", Follow: deployment.FollowOpts{PollMin: 5 * time.Millisecond, PollMax: 50 * time.Millisecond}}

func templates(t *testing.T) fs.FS {
	tree, err := fs.Sub(sample, "templates")
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestDeployTemplatesToACompleteStack(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 0, deploy(t.Context(), embedded(), templates(t), map[string]any{"ComputeCount": 1}, fast, &out), out.String())
	for _, want := range []string{"==> Plan overcloud from templates (embedded", "plan.CreateFromTemplates finished",
		"==> Parameters map[ComputeCount:1]", "Heat accepted the creation of stack overcloud", "deployment.Deploy finished",
		"==> Stack overcloud CREATE_COMPLETE"} {
		assert.Contains(t, out.String(), want)
	}
}

func TestDeployReportsTheFailedResource(t *testing.T) {
	var out bytes.Buffer
	conn := embedded(tripleotest.FailResource("NetworkDeployment", "os-net-config failed"))
	assert.Equal(t, 1, deploy(t.Context(), conn, templates(t), nil, fast, &out))
	assert.Contains(t, out.String(), "deploy: heat stack overcloud")
	assert.Contains(t, out.String(), "os-net-config failed")
}

func TestDeployBadParameterStopsBeforeTheDeploy(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 1, deploy(t.Context(), embedded(), templates(t), map[string]any{"": 1}, fast, &out))
	assert.Contains(t, out.String(), "deploy: invalid parameters")
	assert.NotContains(t, out.String(), "==> Deploy")
}
