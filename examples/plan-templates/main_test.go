package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanFromTheSampleTemplatesOnTheEmbeddedUndercloud(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(nil, &out, &errb), errb.String())
	assert.Contains(t, out.String(), "upload_templates")
	assert.Contains(t, out.String(), "RootStackName = my-cloud")
	assert.Contains(t, out.String(), "values never printed")
	assert.Equal(t, 2, run([]string{"-plan", "bad name"}, &out, &errb), "bad plan name is a usage error")
}
