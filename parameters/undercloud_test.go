package parameters_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// Against the embedded undercloud: update, get, reset and set the parameters
// of a custom plan made from plan/testdata/templates.
func TestUndercloudParameters(t *testing.T) {
	u := tripleotest.NewT(t)
	c, err := u.Client()
	require.NoError(t, err)
	ctx := t.Context()
	run, err := plan.CreateFromTemplates(ctx, c, plan.CreateFromTemplatesOpts{Plan: "edge", Templates: os.DirFS("../plan/testdata/templates")})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.NoError(t, err)

	v, err := parameters.Get(ctx, c, parameters.GetOpts{Plan: "edge"})
	require.NoError(t, err)
	cc, ok := v.Parameter("ComputeCount")
	require.True(t, ok)
	assert.Equal(t, "Number of Compute nodes to deploy", cc.Description)
	assert.Equal(t, float64(1), cc.Value, "set by the plan's plan-environment.yaml")
	assert.True(t, cc.Set)
	_, ok = v.Root()
	assert.True(t, ok)

	const pw = "a-very-secret-admin-pw"
	res, err := parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "edge", Parameters: map[string]any{
		"ComputeCount":  3,
		"NtpServer":     []string{"ntp1.example.com", "ntp2.example.com"},
		"AdminPassword": tripleo.Secret(pw),
	}})
	require.NoError(t, err)
	cc, _ = res.View.Parameter("ComputeCount")
	assert.Equal(t, float64(3), cc.Value)
	ap, ok := res.View.Parameter("AdminPassword")
	require.True(t, ok)
	assert.True(t, ap.Hidden)
	assert.Equal(t, tripleo.Secret(pw), ap.Value, "sent in full, returned as a Secret")
	assert.NotContains(t, fmt.Sprintf("%v %+v", res.View, ap), pw)

	env, err := plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "edge"})
	require.NoError(t, err)
	assert.Equal(t, 3, env.ParameterDefaults["ComputeCount"])
	assert.Equal(t, pw, env.ParameterDefaults["AdminPassword"], "stored in the plan")
	assert.Equal(t, 1, env.ParameterDefaults["ControllerCount"], "merged, not replaced")

	// Heat validation failure: the previous environment is restored.
	_, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "edge", Parameters: map[string]any{"OS::TripleO::Network": "OS::Nope"}, Key: "resource_registry"})
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Result, "Error validating environment for plan edge")
	assert.Contains(t, ae.Result, "OS::Nope")
	env, err = plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "edge"})
	require.NoError(t, err)
	assert.NotContains(t, env.ResourceRegistry, "OS::TripleO::Network")
	assert.Equal(t, 3, env.ParameterDefaults["ComputeCount"])

	// Without validation the result is the plan environment.
	res, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "edge", Parameters: map[string]any{"NovaReservedHostMemory": 4096}, Key: "derived_parameters", SkipValidation: true})
	require.NoError(t, err)
	require.NotNil(t, res.Environment)
	assert.Equal(t, 4096, res.Environment.DerivedParameters["NovaReservedHostMemory"])

	require.NoError(t, parameters.Reset(ctx, c, parameters.ResetOpts{Plan: "edge"}))
	v, err = parameters.Get(ctx, c, parameters.GetOpts{Plan: "edge"})
	require.NoError(t, err)
	cc, _ = v.Parameter("ComputeCount")
	assert.False(t, cc.Set)
	assert.Nil(t, cc.Value)

	_, err = parameters.Set(ctx, c, parameters.SetOpts{Plan: "edge", Parameters: map[string]any{"ControllerCount": 3}})
	require.NoError(t, err)
	env, err = plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: "edge"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"ControllerCount": 3}, env.ParameterDefaults, "exactly these")

	// Missing plans come back with the action's own text.
	_, err = parameters.Get(ctx, c, parameters.GetOpts{Plan: "nope"})
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Result, "nope")
	_, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "nope", Parameters: map[string]any{"A": 1}})
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Result, "Error retrieving environment for plan nope")
}
