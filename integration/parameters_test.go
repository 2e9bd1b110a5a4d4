//go:build integration

package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// planEnvInSwift reads plan-environment.yaml straight from Swift.
func planEnvInSwift(t *testing.T, ctx context.Context, container string) map[string]any {
	t.Helper()
	st, _, b := swiftGet(t, ctx, container, plan.EnvironmentObject)
	require.Equal(t, 200, st, "GET %s/%s", container, plan.EnvironmentObject)
	var m map[string]any
	require.NoError(t, yaml.Unmarshal(b, &m))
	return m
}

// createDefaultPlan makes a plan from the default templates (deleted when t ends).
func createDefaultPlan(t *testing.T, ctx context.Context, c *tripleo.Client, p string) {
	t.Helper()
	deletePlanAtEnd(t, c, p)
	run, err := plan.Create(ctx, c, plan.CreateOpts{Plan: p, UseDefaultTemplates: true})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	require.NoError(t, err)
}

// Update, Reset, Set and Get on a real plan: the plan-environment.yaml object
// in Swift really changes, Heat validates (and a rejected update is rolled
// back), secrets go to the server in full and come back as tripleo.Secret.
func TestParameters(t *testing.T) {
	need(t, "zaqar", "swift", "heat")
	ctx := testCtx(t, 2*time.Minute)
	c := newClient(t, viaREST)
	p := name("params")
	createDefaultPlan(t, ctx, c, p)

	res, err := parameters.Update(ctx, c, parameters.UpdateOpts{Plan: p, Parameters: map[string]any{"CloudName": "c1.example.com", "ComputeCount": 3}})
	require.NoError(t, err)
	require.NotNil(t, res.View, "validated: the parameter view")
	assert.Nil(t, res.Environment)
	cn, ok := res.View.Parameter("CloudName")
	require.True(t, ok)
	assert.Equal(t, "c1.example.com", cn.Value)
	assert.True(t, cn.Set)
	assert.Equal(t, "String", cn.Type)
	assert.Equal(t, "Cloud name", cn.Label)
	assert.Equal(t, "The DNS name of the overcloud endpoint.", cn.Description)
	assert.Equal(t, "c1.example.com", cn.Default, "Heat's validate gives a parameter_defaults value as the default")
	pd := planEnvInSwift(t, ctx, p)["parameter_defaults"].(map[string]any)
	assert.Equal(t, "c1.example.com", pd["CloudName"])
	assert.Equal(t, 3, pd["ComputeCount"])
	assert.Equal(t, p, pd["RootStackName"], "merged: the workflow's RootStackName is kept")

	// a secret value: sent in full, never printed, read back as a Secret
	pw := newSecret()
	res, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: p, Parameters: map[string]any{"AdminPassword": pw}})
	require.NoError(t, err)
	ap, ok := res.View.Parameter("AdminPassword")
	require.True(t, ok)
	assert.True(t, ap.Hidden, "NoEcho in the template")
	_, isSecret := ap.Default.(tripleo.Secret)
	assert.True(t, isSecret, "a hidden parameter's default is a Secret too")
	sv, isSecret := ap.Value.(tripleo.Secret)
	require.True(t, isSecret, "value is a tripleo.Secret, got %T", ap.Value)
	assert.Equal(t, pw.Reveal(), sv.Reveal())
	assert.Equal(t, pw.Reveal(), planEnvInSwift(t, ctx, p)["parameter_defaults"].(map[string]any)["AdminPassword"])
	checkNoSecret(t, pw, fmt.Sprintf("%v %+v", res.View.Environment, ap), fmtV(res.View))

	// the server's action declares validate (Queens 8.7.0+), read from
	// Mistral's own rendering of its inputs; the SDK sends it only for
	// SkipValidation (Pike and older point releases would refuse it)
	takes, err := c.ActionTakes(ctx, parameters.ActionUpdate, "validate")
	require.NoError(t, err)
	assert.True(t, takes)
	a, err := c.GetAction(ctx, parameters.ActionUpdate)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"container", "parameters", "key", "validate"}, a.InputNames(), a.InputText)

	// another key, without validation: the whole plan environment comes back
	res, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: p, Parameters: map[string]any{"NtpServer": []any{"ntp.example.com"}}, Key: "derived_parameters", SkipValidation: true})
	require.NoError(t, err)
	require.NotNil(t, res.Environment)
	assert.Nil(t, res.View)
	assert.Equal(t, []any{"ntp.example.com"}, res.Environment.DerivedParameters["NtpServer"])
	assert.Equal(t, []any{"ntp.example.com"}, planEnvInSwift(t, ctx, p)["derived_parameters"].(map[string]any)["NtpServer"])

	// Heat rejects the update: the action restores the previous environment
	// (Heat's validate does not check parameter_defaults values against their
	// type, so the trigger is a resource type Heat does not know)
	before := planEnvInSwift(t, ctx, p)
	_, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: p, Parameters: map[string]any{"OS::TripleO::Compute": "OS::Nope"}, Key: "resource_registry"})
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Result, "Error validating environment for plan "+p+": The Resource Type (")
	assert.Contains(t, ae.Result, "could not be found")
	assert.Equal(t, before, planEnvInSwift(t, ctx, p), "restored")

	view, err := parameters.Get(ctx, c, parameters.GetOpts{Plan: p})
	require.NoError(t, err)
	names := []string{}
	for _, prm := range view.Parameters {
		names = append(names, prm.Name)
	}
	assert.IsIncreasing(t, names)
	cc, ok := view.Parameter("ControllerCount")
	require.True(t, ok)
	assert.Equal(t, "Number", cc.Type)
	assert.EqualValues(t, 1, cc.Default)
	assert.False(t, cc.Set)
	root, ok := view.Root()
	require.True(t, ok)
	assert.Contains(t, root.Parameters, "ControllerCount")
	assert.Equal(t, "c1.example.com", view.Environment["CloudName"])
	assert.Equal(t, "ntp.example.com", fmt.Sprint(view.Environment["NtpServer"].([]any)[0]), "derived parameters reach Heat")

	// Set: exactly these parameters (Reset, then Update)
	res, err = parameters.Set(ctx, c, parameters.SetOpts{Plan: p, Parameters: map[string]any{"ControllerCount": 3}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"ControllerCount": 3}, planEnvInSwift(t, ctx, p)["parameter_defaults"])
	cc, _ = res.View.Parameter("ControllerCount")
	assert.True(t, cc.Set)

	// Reset: parameter_defaults gone
	require.NoError(t, parameters.Reset(ctx, c, parameters.ResetOpts{Plan: p}))
	penv := planEnvInSwift(t, ctx, p)
	assert.NotContains(t, penv, "parameter_defaults")
	assert.Contains(t, penv, "derived_parameters", "only the key is reset")

	// Set whose update fails after the reset: a *SetError saying so
	_, err = parameters.Set(ctx, c, parameters.SetOpts{Plan: p, Parameters: map[string]any{"OS::TripleO::Compute": "OS::Nope"}, Key: "resource_registry"})
	var se *parameters.SetError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, p, se.Plan)
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Result, "Error validating environment")

	// a missing plan: the action's Swift error
	missing := name("params-none")
	_, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: missing, Parameters: map[string]any{"CloudName": "x"}})
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Result, "Error retrieving plan-environment.yaml for plan "+missing)
	_, err = parameters.Get(ctx, c, parameters.GetOpts{Plan: missing})
	require.ErrorAs(t, err, &ae)
	err = parameters.Reset(ctx, c, parameters.ResetOpts{Plan: missing})
	require.ErrorAs(t, err, &ae)
	_, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "bad_name"})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
}
