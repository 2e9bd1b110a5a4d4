package tripleo_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// keystone answers v3 password auth with a catalog of the undercloud services.
func keystone(t *testing.T, mt *httpmock.MockTransport, tokens *atomic.Int32) {
	ep := func(typ, url string) map[string]any {
		return map[string]any{"type": typ, "name": typ, "endpoints": []any{
			map[string]any{"id": typ, "interface": "public", "region": "regionOne", "region_id": "regionOne", "url": url},
		}}
	}
	// gophercloud discovers each service's versions at its root
	for host, v := range map[string]string{"mistral": "v2.0", "zaqar": "v2", "heat": "v1.0", "ironic": "v1"} {
		mt.RegisterResponder("GET", "http://"+host+".test/", httpmock.NewJsonResponderOrPanic(200,
			map[string]any{"versions": []any{map[string]any{"id": v, "status": "CURRENT"}}}))
	}
	mt.RegisterResponder("POST", "http://keystone.test/v3/auth/tokens", func(r *http.Request) (*http.Response, error) {
		n := tokens.Add(1)
		resp := tripleotest.JSONResponse(r, 201, map[string]any{"token": map[string]any{
			"expires_at": "2099-01-01T00:00:00.000000Z",
			"project":    map[string]any{"id": "p1", "name": "admin", "domain": map[string]any{"id": "default"}},
			"user":       map[string]any{"id": "u1", "name": "admin", "domain": map[string]any{"id": "default"}},
			"catalog": []any{
				ep("workflowv2", "http://mistral.test/v2"),
				ep("messaging", "http://zaqar.test"),
				ep("object-store", "http://swift.test/v1/AUTH_p1"),
				ep("orchestration", "http://heat.test/v1/p1"),
				ep("baremetal", "http://ironic.test"),
			},
		}})
		resp.Header.Set("X-Subject-Token", "tok-"+string(rune('0'+n)))
		return resp, nil
	})
}

func TestNewClientFromCloudTurnsReauthOnAndReauthenticatesOnce(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clouds.yaml"), []byte(`clouds:
  undercloud:
    auth:
      auth_url: http://keystone.test/v3
      username: admin
      password: pw-keystone
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: regionOne
    allow_reauth: true
`), 0o600))
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(dir, "clouds.yaml"))
	mt := httpmock.NewMockTransport()
	var tokens atomic.Int32
	keystone(t, mt, &tokens)
	c, err := tripleo.NewClientFromCloud(context.Background(), "undercloud", tripleo.WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	assert.Equal(t, "http://mistral.test/v2/", c.Workflow.Endpoint)
	assert.Equal(t, "http://zaqar.test/", c.Messaging.Endpoint)
	assert.NotNil(t, c.ObjectStore)
	assert.NotNil(t, c.Orchestration)
	assert.Equal(t, int32(1), tokens.Load())

	gets := 0
	mt.RegisterResponder("GET", "http://mistral.test/v2/executions/e1", func(r *http.Request) (*http.Response, error) {
		gets++
		if gets == 1 {
			assert.Equal(t, "tok-1", r.Header.Get("X-Auth-Token"))
			return tripleotest.JSONResponse(r, 401, map[string]any{"faultstring": "token expired"}), nil
		}
		assert.Equal(t, "tok-2", r.Header.Get("X-Auth-Token"), "retried with the new token")
		return tripleotest.JSONResponse(r, 200, tripleotest.ExecutionJSON("e1", "wf", "SUCCESS", "", nil, nil)), nil
	})
	ex, err := c.GetExecution(context.Background(), "e1")
	require.NoError(t, err)
	assert.Equal(t, "SUCCESS", ex.State)
	assert.Equal(t, int32(2), tokens.Load(), "re-authenticated once")
	assert.Equal(t, 2, gets)

	// a second 401 right after re-auth is not retried forever
	mt.RegisterResponder("GET", "http://mistral.test/v2/executions/e2", httpmock.NewJsonResponderOrPanic(401, map[string]any{"faultstring": "nope"}))
	_, err = c.GetExecution(context.Background(), "e2")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw-keystone")
}

func TestNewClientFromCloudUnknownCloud(t *testing.T) {
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(t.TempDir(), "none.yaml"))
	_, err := tripleo.NewClientFromCloud(context.Background(), "nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope")
}

func TestNewClientFromStackrcEnvironment(t *testing.T) {
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(t.TempDir(), "none.yaml"))
	t.Setenv("OS_CLOUD", "")
	for k, v := range map[string]string{
		"OS_AUTH_URL": "http://keystone.test/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "pw-stackrc",
		"OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
		"OS_REGION_NAME": "regionOne", "OS_IDENTITY_API_VERSION": "3",
	} {
		t.Setenv(k, v)
	}
	mt := httpmock.NewMockTransport()
	var tokens atomic.Int32
	keystone(t, mt, &tokens)
	var authBody map[string]any
	mt.RegisterResponder("POST", "http://keystone.test/v3/auth/tokens", func(r *http.Request) (*http.Response, error) {
		authBody = tripleotest.RequestJSON(t, r)
		tokens.Add(1)
		resp := tripleotest.JSONResponse(r, 201, map[string]any{"token": map[string]any{"expires_at": "2099-01-01T00:00:00.000000Z",
			"catalog": []any{map[string]any{"type": "workflowv2", "endpoints": []any{map[string]any{"interface": "public", "region": "regionOne", "url": "http://mistral.test/v2"}}}}}})
		resp.Header.Set("X-Subject-Token", "tok")
		return resp, nil
	})
	c, err := tripleo.NewClientFromCloud(context.Background(), "", tripleo.WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	assert.Equal(t, "http://mistral.test/v2/", c.Workflow.Endpoint)
	auth := authBody["auth"].(map[string]any)
	user := auth["identity"].(map[string]any)["password"].(map[string]any)["user"].(map[string]any)
	assert.Equal(t, map[string]any{"name": "Default"}, user["domain"], "OS_USER_DOMAIN_NAME understood")
	project := auth["scope"].(map[string]any)["project"].(map[string]any)
	assert.Equal(t, "admin", project["name"])
	assert.Equal(t, map[string]any{"name": "Default"}, project["domain"], "OS_PROJECT_DOMAIN_NAME understood")
}
