package automation

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// prepare runs Prepare on a fresh embedded undercloud with the given faults.
func prepare(t *testing.T, maxFailed int, faults ...tripleotest.Option) ([]string, error) {
	inv, err := instackenv.Load("testdata/instackenv.json")
	require.NoError(t, err)
	c, err := tripleotest.NewT(t, faults...).Client()
	require.NoError(t, err)
	return Prepare(t.Context(), c, inv, maxFailed)
}

func TestEveryNodeReady(t *testing.T) {
	ready, err := prepare(t, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"controller-0", "compute-0", "compute-1"}, ready)
}

func TestOneFailureIsTolerated(t *testing.T) {
	ready, err := prepare(t, 1, tripleotest.FailIntrospection("compute-1"))
	require.NoError(t, err)
	assert.Equal(t, []string{"controller-0", "compute-0"}, ready)
}

func TestTooManyFailuresNameEachNode(t *testing.T) {
	ready, err := prepare(t, 1, tripleotest.FailIntrospection("compute-1"),
		tripleotest.FailCleaning("compute-0", "Erasing devices failed: disk sda is busy"))
	require.ErrorIs(t, err, baremetal.ErrNodeFailed)
	assert.Equal(t, []string{"controller-0"}, ready)
	assert.Contains(t, err.Error(), "2 nodes failed, at most 1 may")
	assert.Contains(t, err.Error(), "compute-1")
	assert.Contains(t, err.Error(), "Introspection timeout")
	assert.Contains(t, err.Error(), "compute-0")
	assert.Contains(t, err.Error(), "disk sda is busy")
}
