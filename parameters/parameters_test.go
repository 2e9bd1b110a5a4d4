package parameters_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const mistralURL = "http://mistral.test/v2"

var syncParams = map[string]any{"run_sync": true, "save_result": true}

// newMockClient returns a noauth Client whose HTTP goes to a per-test httpmock transport.
func newMockClient(t testing.TB, opts ...tripleo.Option) (*tripleo.Client, *httpmock.MockTransport) {
	t.Helper()
	return tripleotest.NewMockClient(t, tripleo.Endpoints{Mistral: mistralURL}, opts...)
}

func flattened(t testing.TB) map[string]any {
	b, err := os.ReadFile("testdata/get_flatten.json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestUpdateRequestAndView(t *testing.T) {
	c, mt := newMockClient(t)
	a := tripleotest.NewMockMistral(mt, mistralURL)
	a.OnAction(parameters.ActionUpdate, func(map[string]any) (string, any) { return "SUCCESS", flattened(t) })

	res, err := parameters.Update(context.Background(), c, parameters.UpdateOpts{Plan: "overcloud", Parameters: map[string]any{
		"ControllerCount": 3,
		"AdminPassword":   tripleo.Secret("s3cr3t-admin-value"),
		"NtpServer":       []any{"pool.ntp.org"},
	}})
	require.NoError(t, err)

	// The exact request: the default key and validate are not sent (validate
	// exists only from Queens 8.7.0), the Secret revealed on the wire only.
	assert.Equal(t, []map[string]any{{
		"name": "tripleo.parameters.update",
		"input": map[string]any{
			"container": "overcloud",
			"parameters": map[string]any{"ControllerCount": float64(3), "AdminPassword": "s3cr3t-admin-value",
				"NtpServer": []any{"pool.ntp.org"}},
		},
		"params": syncParams,
	}}, a.ActionCalls())

	require.NotNil(t, res.View)
	assert.Nil(t, res.Environment)
	v := res.View
	require.Len(t, v.Parameters, 7)
	assert.Equal(t, "AdminPassword", v.Parameters[0].Name, "sorted by name")
	cc, ok := v.Parameter("ControllerCount")
	require.True(t, ok)
	assert.Equal(t, parameters.Parameter{Name: "ControllerCount", Type: "Number", Default: float64(1),
		Description: "Number of Controller nodes to deploy", Label: "ControllerCount", Value: float64(3), Set: true}, cc)
	cn, _ := v.Parameter("CloudName")
	assert.False(t, cn.Set)
	assert.Nil(t, cn.Value)
	assert.Equal(t, map[string]any{"allowedPattern": "[a-z.]+", "constraintDescription": "lower case DNS name"}, cn.Constraints)
	nt, _ := v.Parameter("NeutronNetworkType")
	assert.Equal(t, []any{"vxlan", "vlan", "flat", "gre"}, nt.Constraints["allowedValues"])

	ap, _ := v.Parameter("AdminPassword")
	assert.True(t, ap.Hidden)
	assert.Equal(t, tripleo.Secret("env-admin-pw-9f8e"), ap.Value, "hidden values are Secrets")
	kf, _ := v.Parameter("KeystoneFernetKeys")
	assert.True(t, kf.Hidden, "noEcho as a boolean")
	assert.Nil(t, kf.Value)
	assert.Equal(t, tripleo.Secret("env-swift-hash-suffix"), v.Environment["SwiftHashSuffix"], "password parameters are Secrets")
	assert.Equal(t, float64(3), v.Environment["ControllerCount"])

	root, ok := v.Root()
	require.True(t, ok)
	assert.Equal(t, "7c1f0e6a-0000-4000-8000-000000000001", root.ID)
	assert.Equal(t, []string{"7c1f0e6a-0000-4000-8000-000000000002"}, root.Resources)
	assert.Equal(t, "deprecated", root.ParameterGroups[0]["label"])
	assert.Equal(t, "OS::Heat::ResourceGroup", v.Resources[root.Resources[0]].Type)

	// Secrets never print.
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("view", "view", v)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", v, v, *v), buf.String()} {
		for _, s := range []string{"env-admin-pw-9f8e", "heat-echoed-admin-pw", "env-swift-hash-suffix"} {
			assert.NotContains(t, out, s)
		}
	}
}

func TestUpdateErrorRedactsSecrets(t *testing.T) {
	c, mt := newMockClient(t)
	a := tripleotest.NewMockMistral(mt, mistralURL)
	a.OnAction(parameters.ActionUpdate, func(in map[string]any) (string, any) {
		pw := in["parameters"].(map[string]any)["AdminPassword"].(string)
		return "ERROR", "Error validating environment for plan overcloud: ERROR: Parameter 'AdminPassword' is invalid: value " + pw + " too short"
	})
	_, err := parameters.Update(context.Background(), c, parameters.UpdateOpts{Plan: "overcloud", Parameters: map[string]any{"AdminPassword": tripleo.Secret("s3cr3t-admin-value")}})
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "tripleo.parameters.update", ae.Action)
	assert.Equal(t, "Error validating environment for plan overcloud: ERROR: Parameter 'AdminPassword' is invalid: value *** too short", ae.Result)
	assert.NotContains(t, err.Error(), "s3cr3t-admin-value")
}

// updateDefinition answers GET /v2/actions/tripleo.parameters.update with the
// inputs of Queens 8.7.0 and later (validate) or of Pike (none).
func updateDefinition(mt *httpmock.MockTransport, withValidate bool) {
	in := "parameters, container=overcloud, key=parameter_defaults"
	if withValidate {
		in += ", validate=True"
	}
	mt.RegisterResponder(http.MethodGet, mistralURL+"/actions/"+parameters.ActionUpdate, func(r *http.Request) (*http.Response, error) {
		return tripleotest.JSONResponse(r, http.StatusOK, map[string]any{"name": parameters.ActionUpdate, "input": in, "is_system": true}), nil
	})
}

func TestUpdateWithoutValidation(t *testing.T) {
	c, mt := newMockClient(t)
	a := tripleotest.NewMockMistral(mt, mistralURL)
	updateDefinition(mt, true)
	a.OnAction(parameters.ActionUpdate, func(map[string]any) (string, any) {
		return "SUCCESS", map[string]any{
			"version": 1.0, "name": "overcloud", "template": "overcloud.yaml",
			"environments":       []any{map[string]any{"path": "overcloud-resource-registry-puppet.yaml"}},
			"parameter_defaults": map[string]any{"ControllerCount": 3},
			"derived_parameters": map[string]any{"NovaReservedHostMemory": 4096},
			"passwords":          map[string]any{"AdminPassword": "generated-pw-abc"},
		}
	})
	res, err := parameters.Update(context.Background(), c, parameters.UpdateOpts{Plan: "overcloud", Parameters: map[string]any{"NovaReservedHostMemory": 4096}, Key: "derived_parameters", SkipValidation: true})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"container": "overcloud", "parameters": map[string]any{"NovaReservedHostMemory": float64(4096)},
		"key": "derived_parameters", "validate": false,
	}, a.ActionCalls()[0]["input"])
	require.NotNil(t, res.Environment)
	assert.Nil(t, res.View)
	assert.Equal(t, "overcloud.yaml", res.Environment.Template)
	assert.Equal(t, tripleo.Secret("generated-pw-abc"), res.Environment.Passwords["AdminPassword"])
	assert.NotContains(t, fmt.Sprintf("%+v", res), "generated-pw-abc")
}

func TestResetAndGet(t *testing.T) {
	c, mt := newMockClient(t)
	a := tripleotest.NewMockMistral(mt, mistralURL)
	a.OnAction(parameters.ActionReset, func(map[string]any) (string, any) {
		return "SUCCESS", map[string]any{"name": "overcloud", "template": "overcloud.yaml"}
	})
	a.OnAction(parameters.ActionGetFlatten, func(map[string]any) (string, any) { return "SUCCESS", flattened(t) })

	require.NoError(t, parameters.Reset(context.Background(), c, parameters.ResetOpts{Plan: "overcloud"}))
	v, err := parameters.Get(context.Background(), c, parameters.GetOpts{Plan: "overcloud"})
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{
		{"name": "tripleo.parameters.reset", "input": map[string]any{"container": "overcloud"}, "params": syncParams},
		{"name": "tripleo.parameters.get_flatten", "input": map[string]any{"container": "overcloud"}, "params": syncParams},
	}, a.ActionCalls())
	ap, ok := v.Parameter("AdminPassword")
	require.True(t, ok)
	assert.Equal(t, tripleo.Secret("env-admin-pw-9f8e"), ap.Value)
	_, ok = v.Parameter("Nope")
	assert.False(t, ok)
}

func TestGetEmptyTree(t *testing.T) {
	c, mt := newMockClient(t)
	a := tripleotest.NewMockMistral(mt, mistralURL)
	a.OnAction(parameters.ActionGetFlatten, func(map[string]any) (string, any) {
		return "SUCCESS", map[string]any{"heat_resource_tree": map[string]any{}, "environment_parameters": nil}
	})
	v, err := parameters.Get(context.Background(), c, parameters.GetOpts{Plan: "overcloud"})
	require.NoError(t, err)
	assert.Empty(t, v.Parameters)
	_, ok := v.Root()
	assert.False(t, ok)
}

func TestMissingPlan(t *testing.T) {
	c, mt := newMockClient(t)
	a := tripleotest.NewMockMistral(mt, mistralURL)
	msg := "Error retrieving environment for plan nope: Object GET failed: http://192.168.24.1:8080/v1/AUTH_x/nope/plan-environment.yaml 404 Not Found  [first 60 chars of response] <html><h1>Not Found</h1>"
	for _, name := range []string{parameters.ActionUpdate, parameters.ActionReset, parameters.ActionGetFlatten} {
		a.OnAction(name, func(map[string]any) (string, any) { return "ERROR", msg })
	}
	var ae *tripleo.ActionError
	_, err := parameters.Get(context.Background(), c, parameters.GetOpts{Plan: "nope"})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, msg, ae.Result)
	require.ErrorAs(t, parameters.Reset(context.Background(), c, parameters.ResetOpts{Plan: "nope"}), &ae)
	_, err = parameters.Update(context.Background(), c, parameters.UpdateOpts{Plan: "nope", Parameters: map[string]any{"A": 1}})
	require.ErrorAs(t, err, &ae)
}

// Pike's action has no validate input (it never validates and answers the
// plan environment): nothing asks for validate, and SkipValidation is refused
// before anything changes.
func TestUpdateOnAnActionWithoutValidate(t *testing.T) {
	c, mt := newMockClient(t)
	a := tripleotest.NewMockMistral(mt, mistralURL)
	updateDefinition(mt, false)
	a.OnAction(parameters.ActionReset, func(map[string]any) (string, any) { return "SUCCESS", map[string]any{} })
	a.OnAction(parameters.ActionUpdate, func(map[string]any) (string, any) {
		return "SUCCESS", map[string]any{"name": "overcloud", "template": "overcloud.yaml", "parameter_defaults": map[string]any{"ComputeCount": 2}}
	})
	res, err := parameters.Update(context.Background(), c, parameters.UpdateOpts{Plan: "overcloud", Parameters: map[string]any{"ComputeCount": 2}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"container": "overcloud", "parameters": map[string]any{"ComputeCount": float64(2)}}, a.ActionCalls()[0]["input"])
	require.NotNil(t, res.Environment, "an environment answer is read as one")
	assert.EqualValues(t, 2, res.Environment.ParameterDefaults["ComputeCount"])

	for _, call := range []func() (*parameters.UpdateResult, error){
		func() (*parameters.UpdateResult, error) {
			return parameters.Update(context.Background(), c, parameters.UpdateOpts{Plan: "overcloud", Parameters: map[string]any{"A": 1}, SkipValidation: true})
		},
		func() (*parameters.UpdateResult, error) {
			return parameters.Set(context.Background(), c, parameters.SetOpts{Plan: "overcloud", Parameters: map[string]any{"A": 1}, SkipValidation: true})
		},
	} {
		_, err = call()
		require.ErrorIs(t, err, tripleo.ErrInvalidInput)
		require.Len(t, tripleo.Problems(err), 1)
		assert.Equal(t, "validate", tripleo.Problems(err)[0].Field)
	}
	assert.Len(t, a.ActionCalls(), 1, "no reset, no update after the refusal")
}

func TestSet(t *testing.T) {
	c, mt := newMockClient(t)
	a := tripleotest.NewMockMistral(mt, mistralURL)
	a.OnAction(parameters.ActionReset, func(map[string]any) (string, any) { return "SUCCESS", map[string]any{} })
	fail := false
	a.OnAction(parameters.ActionUpdate, func(map[string]any) (string, any) {
		if fail {
			return "ERROR", "Error validating environment for plan overcloud: ERROR: The Parameter (Bogus) was not defined in template."
		}
		return "SUCCESS", flattened(t)
	})
	res, err := parameters.Set(context.Background(), c, parameters.SetOpts{Plan: "overcloud", Parameters: map[string]any{"ControllerCount": 3}})
	require.NoError(t, err)
	assert.NotNil(t, res.View)
	b := a.ActionCalls()
	require.Len(t, b, 2)
	assert.Equal(t, "tripleo.parameters.reset", b[0]["name"])
	assert.Equal(t, "tripleo.parameters.update", b[1]["name"])

	fail = true
	_, err = parameters.Set(context.Background(), c, parameters.SetOpts{Plan: "overcloud", Parameters: map[string]any{"Bogus": 1}, Key: "derived_parameters"})
	var se *parameters.SetError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "derived_parameters", se.Key)
	assert.Contains(t, err.Error(), "the plan's derived_parameters were reset, but the update failed")
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Result, "was not defined in template")
	assert.Equal(t, map[string]any{"container": "overcloud", "key": "derived_parameters"}, a.ActionCalls()[2]["input"])

	// A failing reset changes nothing and says so.
	a.OnAction(parameters.ActionReset, func(map[string]any) (string, any) {
		return "ERROR", "Error updating environment for plan overcloud: 503"
	})
	_, err = parameters.Set(context.Background(), c, parameters.SetOpts{Plan: "overcloud", Parameters: map[string]any{"A": 1}})
	require.ErrorAs(t, err, &ae)
	assert.NotErrorAs(t, err, &se)
	assert.Contains(t, err.Error(), "nothing changed")
}

func TestValidation(t *testing.T) {
	c, mt := newMockClient(t)
	fields := func(err error) []string {
		var out []string
		for _, p := range tripleo.Problems(err) {
			out = append(out, p.Field)
		}
		return out
	}
	_, err := parameters.Update(context.Background(), c, parameters.UpdateOpts{Plan: "over/cloud", Parameters: map[string]any{"": 1}, Key: "Parameter Defaults"})
	assert.Equal(t, []string{"plan", "key", "parameters"}, fields(err))
	_, err = parameters.Set(context.Background(), c, parameters.SetOpts{Plan: "", Key: "environments"})
	assert.Equal(t, []string{"plan", "key"}, fields(err))
	assert.Equal(t, []string{"plan", "key"}, fields(parameters.Reset(context.Background(), c, parameters.ResetOpts{Plan: "a_b", Key: "Bad"})))
	_, err = parameters.Get(context.Background(), c, parameters.GetOpts{Plan: ""})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	assert.NoError(t, parameters.UpdateOpts{Plan: "overcloud", Key: "derived_parameters"}.Validate())
	assert.Zero(t, mt.GetTotalCallCount())
}
