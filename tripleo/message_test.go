package tripleo_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// A list of sub-workflow outputs renders without the successful ones' {}.
func TestRenderMessageDropsEmptyEntries(t *testing.T) {
	var m tripleo.Message
	require.NoError(t, m.ParseBody([]byte(`{"type": "tripleo.baremetal.v1.provide", "payload": {"status": "FAILED",
		"message": [{}, {"result": "Node n2 did not reach state \"available\""}, null, {"result": null}, "", []]}}`)))
	assert.Equal(t, `Node n2 did not reach state "available"`, m.Payload.Message)
	assert.Equal(t, "a\nb", tripleo.RenderMessage([]byte(`["a", {}, {"result": "b"}]`)))
	assert.Equal(t, "{}", tripleo.RenderMessage([]byte(`{}`)), "a lone dict is shown as it is")
}
