package tripleo_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestActionInputNames(t *testing.T) {
	for in, want := range map[string][]string{
		"container=overcloud, parameters, key=parameter_defaults, validate=True":                 {"container", "parameters", "key", "validate"},
		"parameters, container=overcloud, key=parameter_defaults":                                {"parameters", "container", "key"},
		"node_uuid, error_states=['error', 'clean failed'], opts={'a': 1, 'b': \"x,y\"}, n=None": {"node_uuid", "error_states", "opts", "n"},
		"":                {},
		"*args, **kwargs": {},
	} {
		a := tripleo.ActionDefinition{InputText: in}
		got := a.InputNames()
		if len(want) == 0 {
			assert.Empty(t, got, in)
			continue
		}
		assert.Equal(t, want, got, in)
	}
}
