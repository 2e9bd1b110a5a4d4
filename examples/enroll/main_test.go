package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

var embedded = connect.Opts{Embedded: true, Scale: 1e-4}

func TestEnrollReachesAvailableAndLogsEveryEvent(t *testing.T) {
	var log bytes.Buffer
	require.Equal(t, 0, enroll(t.Context(), embedded, "testdata/instackenv.yaml", &log), log.String())
	assert.Contains(t, log.String(), "msg=enrolled available=2")
	assert.Contains(t, log.String(), "event.kind=state")
	assert.Contains(t, log.String(), "event.kind=progress")
	assert.Contains(t, log.String(), "event.kind=message")
	assert.NotContains(t, log.String(), "example-password")
}

func TestEnrollReportsTheNodeThatFailed(t *testing.T) {
	conn := embedded
	conn.Undercloud = []tripleotest.Option{tripleotest.FailIntrospection("compute-0")}
	var log bytes.Buffer
	assert.Equal(t, 1, enroll(t.Context(), conn, "testdata/instackenv.yaml", &log))
	assert.Contains(t, log.String(), `msg="node not available" node=compute-0 stage=introspect`)
}

func TestEnrollStopsAtTheDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // a deadline that has passed
	var log bytes.Buffer
	assert.Equal(t, 1, enroll(ctx, embedded, "testdata/instackenv.yaml", &log))
	assert.Contains(t, log.String(), "context canceled")
}

func TestEnrollListsEveryProblemOfABadFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(f, []byte(`{"nodes": [{"name": "a", "pm_type": "ipmi", "mac": ["zz"]},
	  {"name": "a", "pm_type": "nope"}]}`), 0o600))
	var log bytes.Buffer
	assert.Equal(t, 2, enroll(t.Context(), embedded, f, &log))
	for _, want := range []string{"pm_addr", "MAC address zz is invalid", `Name \"a\" is not unique`, "unknown pm_type"} {
		assert.Contains(t, log.String(), want)
	}
}
