package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatchADeploymentOnTheEmbeddedUndercloud(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(nil, &out, &errb), errb.String())
	assert.Contains(t, out.String(), "deploy_plan: Heat accepted the create of stack overcloud")
	assert.Regexp(t, `stack overcloud: CREATE_COMPLETE \((\d+) of (\d+) resources complete\)`, out.String())
}

func TestWatchNeedsAStackOnARealUndercloud(t *testing.T) {
	var out, errb bytes.Buffer
	t.Setenv("MISTRAL_URL", "http://127.0.0.1:1/v2") // nothing is contacted before the usage check
	assert.Equal(t, 2, run([]string{"-real"}, &out, &errb))
	assert.Contains(t, errb.String(), "-stack is required")
}
