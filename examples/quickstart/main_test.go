package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/progress"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func TestQuickstartRunsTheWholeFlowOnTheEmbeddedUndercloud(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(nil, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	s := out.String()
	for _, want := range []string{
		"==> Undercloud: embedded", "==> Plan:", "==> Parameters:", "==> Nodes: register 3 nodes",
		"==> Deploy:", "CREATE_COMPLETE", "Deployment complete.",
		"plan        created overcloud", "nodes       3/3 available", "deploy      stack overcloud CREATE_COMPLETE",
	} {
		assert.Contains(t, s, want)
	}
	assert.NotContains(t, s, "password-controller-0", "no pm_password in the output")
	assert.NotContains(t, s, "\033", "plain lines when piped")
}

func TestQuickstartBadNodesFileIsUsageError(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"nodes": [{"pm_type": "ipmi", "memory": "lots"}]}`), 0o600))
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run([]string{"-nodes", bad}, &out, &errb))
	assert.Contains(t, errb.String(), "memory")
	assert.Equal(t, 2, run([]string{"-no-such-flag"}, &out, &errb))
}

func TestQuickstartFailsWithTheWorkflowErrorAndSummary(t *testing.T) {
	inv, err := readInventory("")
	require.NoError(t, err)
	u := tripleotest.NewT(t, tripleotest.FailIntrospection("compute-1"), tripleotest.WithTimeScale(1e-5))
	c, err := u.Client()
	require.NoError(t, err)
	var out, errb bytes.Buffer
	f := &flow{c: c, plan: "overcloud", inv: inv, out: progress.New(&out)}
	code := f.run(context.Background(), &out, &errb)
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "node compute-1 did not reach available")
	assert.Contains(t, out.String(), "nodes       FAILED")
	assert.NotContains(t, out.String(), "==> Deploy", "stops at the failed stage")
	assert.True(t, strings.HasPrefix(errb.String(), "quickstart: "), errb.String())
}

func TestQuickstartInterruptedSaysHowToReattach(t *testing.T) {
	inv, err := readInventory("")
	require.NoError(t, err)
	u := tripleotest.NewT(t, tripleotest.WithTimeScale(1e-2))
	c, err := u.Client()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	f := &flow{c: c, plan: "overcloud", inv: inv, out: progress.New(&out)}
	f.out = progress.New(&cancelOnNodes{w: &out, cancel: cancel})
	code := f.run(ctx, &out, &errb)
	assert.Equal(t, 130, code, errb.String())
	assert.Contains(t, errb.String(), "execution attach ")
}

// cancelOnNodes cancels the flow once introspection starts (it would take
// minutes at this scale).
type cancelOnNodes struct {
	w      *bytes.Buffer
	cancel context.CancelFunc
}

func (c *cancelOnNodes) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("introspect started")) {
		c.cancel()
	}
	return c.w.Write(p)
}
