package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNodesFromTheSampleReachAvailable(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(nil, &out, &errb), errb.String())
	assert.Contains(t, out.String(), "controller-0")
	assert.Regexp(t, `compute-0\s+\S+\s+available\s+true`, out.String())
	assert.NotContains(t, out.String(), "example-password")
}

func TestNodesInvalidFileListsEveryProblem(t *testing.T) {
	f := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(f, []byte(`{"nodes": [
	  {"name": "a", "pm_type": "ipmi", "mac": ["zz"]},
	  {"name": "a", "pm_type": "nope"}]}`), 0o600))
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run([]string{"-nodes", f, "-validate-only"}, &out, &errb))
	for _, want := range []string{"pm_addr", "MAC address zz is invalid", `Name "a" is not unique`, "unknown pm_type"} {
		assert.Contains(t, errb.String(), want)
	}
}
