package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// secretsInFixture are values of testdata/plan-environment-generated.yaml that must never print.
var secretsInFixture = []string{
	"generated-admin-pw-7a0c", "token-c0ffee-1234", "9c4f3e2e-5d0b", "heat-auth-encryption-key", "rabbit-cookie-v4lu3",
	"fernet-zero-content", "fernet-one-content", "secret-body", "user-chosen-admin-pw", "inline-hash-suffix-value",
}

func TestGetEnvironment(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", false)
	sw.register(mt)
	data, err := os.ReadFile("testdata/plan-environment-generated.yaml")
	require.NoError(t, err)
	sw.mkContainer("overcloud", map[string]string{"plan-environment.yaml": string(data)})

	env, err := plan.GetEnvironment(context.Background(), c, plan.GetEnvironmentOpts{Plan: "overcloud"})
	require.NoError(t, err)
	reqs, _ := sw.log()
	assert.Equal(t, []string{"GET /v1/AUTH_x/overcloud/plan-environment.yaml"}, reqs)

	assert.Equal(t, "1.0", env.Version)
	assert.Equal(t, "overcloud", env.Name, "forced to the container name, as tripleo-common does")
	assert.Equal(t, "overcloud.yaml", env.Template)
	require.Len(t, env.Environments, 3)
	assert.Equal(t, "overcloud-resource-registry-puppet.yaml", env.Environments[0].Path)
	assert.Equal(t, "environments/docker.yaml", env.Environments[1].Path)
	assert.Equal(t, "192.168.24.1:8787", env.Environments[2].Data["parameter_defaults"].(map[string]any)["DockerInsecureRegistryAddress"])
	assert.Equal(t, 3, env.ParameterDefaults["ControllerCount"])
	assert.Equal(t, []any{"pool.ntp.org"}, env.ParameterDefaults["NtpServer"])
	assert.Equal(t, "firstboot/userdata.yaml", env.ResourceRegistry["OS::TripleO::NodeUserData"])
	assert.Equal(t, map[string]any{"NovaReservedHostMemory": 4096}, env.DerivedParameters["ComputeOvsDpdkParameters"])
	assert.Contains(t, env.WorkflowParameters, "tripleo.derive_params.v1.derive_parameters")

	pw, ok := env.Password("AdminPassword")
	require.True(t, ok)
	assert.Equal(t, "generated-admin-pw-7a0c", pw.Reveal())
	assert.Equal(t, tripleo.Secret(""), env.Passwords["SnmpdReadonlyUserPassword"])
	var fernet map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(env.Passwords["KeystoneFernetKeys"].Reveal()), &fernet))
	assert.Equal(t, "fernet-zero-content-AAAA", fernet["/etc/keystone/fernet-keys/0"]["content"])
	var ssh map[string]string
	require.NoError(t, json.Unmarshal([]byte(env.Passwords["MigrationSshKey"].Reveal()), &ssh))
	assert.Contains(t, ssh["private_key"], "BEGIN RSA PRIVATE KEY")
	assert.Len(t, env.Passwords, 8)

	// No fmt verb, nor slog, nor printing it inside other values, shows a secret.
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%100v"} {
		outs = append(outs, fmt.Sprintf(verb, env), fmt.Sprintf(verb, *env))
	}
	outs = append(outs, fmt.Sprint(env), fmt.Sprintln(*env), fmt.Sprintf("%+v", struct{ E *plan.Environment }{env}),
		fmt.Sprintf("%v", []plan.Environment{*env}), fmt.Sprintf("%v", env.Environments), fmt.Sprintf("%+v", env.Passwords))
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("env", "env", env, "value", *env)
	outs = append(outs, logBuf.String())
	for _, out := range outs {
		for _, s := range secretsInFixture {
			assert.NotContains(t, out, s)
		}
	}
	s := env.String()
	assert.Contains(t, s, `"ControllerCount":3`)
	assert.Contains(t, s, `"AdminPassword":"***"`)
	assert.Contains(t, s, `"KeystoneFernetKeys":"***"`)
	assert.Contains(t, s, `"SnmpdReadonlyUserPassword":""`)
	assert.Contains(t, s, "environments/docker.yaml")
}

func TestGetEnvironmentMissing(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", false)
	sw.register(mt)
	sw.mkContainer("empty", nil)
	for _, name := range []string{"nope", "empty"} {
		_, err := plan.GetEnvironment(context.Background(), c, plan.GetEnvironmentOpts{Plan: name})
		require.ErrorIs(t, err, tripleo.ErrNotFound, name)
		var api *tripleo.APIError
		require.ErrorAs(t, err, &api)
		assert.Equal(t, 404, api.StatusCode)
		assert.Equal(t, "Not Found The resource could not be found.", api.Message)
		if name == "nope" { // no container: no plan
			require.ErrorIs(t, err, tripleo.ErrPlanNotFound)
			assert.Equal(t, "read the plan environment: plan nope does not exist", err.Error())
			continue
		}
		assert.NotErrorIs(t, err, tripleo.ErrPlanNotFound, "the plan exists, its environment does not")
		assert.Contains(t, err.Error(), "swift: get "+name+"/plan-environment.yaml")
	}
	_, err := plan.GetEnvironment(context.Background(), c, plan.GetEnvironmentOpts{Plan: "bad name"})
	assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
}

func TestParseEnvironmentErrors(t *testing.T) {
	_, err := plan.ParseEnvironment([]byte("passwords: [a-secret-in-a-list]\n"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "a-secret-in-a-list")
	_, err = plan.ParseEnvironment([]byte("parameter_defaults: 3\n"))
	require.Error(t, err)
	env, err := plan.ParseEnvironment([]byte(`{"name": "x", "passwords": {"A": "b"}, "custom_key": [1]}`))
	require.NoError(t, err, "JSON is YAML")
	assert.Equal(t, []any{1}, env.Other["custom_key"])
}

// A 503 on the environment's GET is retried (an idempotent read).
func TestGetEnvironmentRetries503(t *testing.T) {
	c, mt := newMockClient(t)
	sw := newFakeSwift("/v1/AUTH_x", false)
	sw.register(mt)
	sw.mkContainer("overcloud", map[string]string{"plan-environment.yaml": "version: 1.0\nname: overcloud\n"})
	gets := 0
	mt.RegisterResponder("GET", swiftURL+"/overcloud/plan-environment.yaml", func(req *http.Request) (*http.Response, error) {
		gets++
		if gets == 1 {
			return httpmock.NewStringResponse(503, "busy"), nil
		}
		return sw.responder(req)
	})
	env, err := plan.GetEnvironment(context.Background(), c, plan.GetEnvironmentOpts{Plan: "overcloud"})
	require.NoError(t, err)
	assert.Equal(t, "overcloud", env.Name)
	assert.Equal(t, 2, gets)
}

func TestParseEnvironmentKeysThatAreNotStrings(t *testing.T) {
	env, err := plan.ParseEnvironment([]byte("parameter_defaults:\n  NodeMap: {1: a, true: b, ~: c}\n  Hosts: [{0: x}]\n" +
		"passwords:\n  KeystoneFernetKeys: {0: {content: fernet-zero}}\n0: {0: o}\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"1": "a", "true": "b", "null": "c"}, env.ParameterDefaults["NodeMap"])
	assert.Equal(t, []any{map[string]any{"0": "x"}}, env.ParameterDefaults["Hosts"])
	assert.Equal(t, map[string]any{"0": map[string]any{"0": "o"}}, env.Other)
	assert.Equal(t, `{"0":{"content":"fernet-zero"}}`, env.Passwords["KeystoneFernetKeys"].Reveal())
	s := env.String()
	assert.Contains(t, s, `parameter_defaults: {"Hosts":[{"0":"x"}],"NodeMap":{"1":"a","null":"c","true":"b"}}`)
	assert.Contains(t, s, `other: {"0":{"0":"o"}}`)
	assert.NotContains(t, s, "fernet-zero")
}

func TestParseEnvironmentErrorsQuoteNoValue(t *testing.T) {
	for doc, want := range map[string]string{
		"generated-admin-pw":                      "plan environment: yaml: unmarshal errors: line 1: cannot unmarshal !!str into map[string]yaml.Node",
		"parameter_defaults: user-pw-1234\n":      "plan environment: parameter_defaults: yaml: unmarshal errors: line 1: cannot unmarshal !!str into map[string]interface {}",
		"environments: [pw-12345, 'a into b']\n":  "plan environment: environments: yaml: unmarshal errors: line 1: cannot unmarshal !!str into map[string]interface {}; line 1: cannot unmarshal !!str into map[string]interface {}",
		"name: [1]\n":                             "plan environment: name: yaml: unmarshal errors: line 1: cannot unmarshal !!seq into string",
		"passwords: {AdminPassword: *pw-12345}\n": "plan environment: yaml: unknown anchor '…' referenced",
		"parameter_defaults: {a: 1, a: 2}\n":      "plan environment: parameter_defaults: yaml: unmarshal errors: line 1: mapping key \"a\" already defined at line 1",
	} {
		_, err := plan.ParseEnvironment([]byte(doc))
		require.Error(t, err)
		assert.Equal(t, want, err.Error())
		var te *yaml.TypeError
		assert.False(t, errors.As(err, &te), "the chain keeps no error quoting the value")
	}
}
