package tripleo_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const leakyToken = "tok-never-leaves-0451"

// redirector answers every request with status and a Location on target
// (path kept), counting them.
func redirector(t *testing.T, status int, target func() string, n *atomic.Int32) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		// a hostile Location may carry anything the server saw, the token included
		http.Redirect(w, r, target()+r.URL.Path+"?echo="+r.Header.Get("X-Auth-Token"), status)
	})
	return mux
}

func assertRefused(t *testing.T, err error, from, to string) {
	t.Helper()
	var re *tripleo.RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, from, re.From)
	assert.Equal(t, to, re.To)
	assert.NotContains(t, err.Error(), leakyToken)
	assert.NotContains(t, err.Error(), "pw-")
	assert.False(t, tripleo.Retryable(err, true), "a refused redirect is not retried")
}

// A Mistral redirecting to another port gets neither the token (302 GET) nor
// the body with its revealed secrets (307 POST): the redirect is refused.
func TestRedirectToAnotherOriginCarriesNothing(t *testing.T) {
	leakCheck(t)
	evil := newRecorder(t)
	var n atomic.Int32
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := serve(t, redirector(t, status, func() string { return evil.srv.URL }, &n))
			c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2", Token: leakyToken})
			ctx := context.Background()

			_, err := c.GetExecution(ctx, "e1")
			assertRefused(t, err, srv.URL, evil.srv.URL)

			_, err = tripleo.Start(ctx, c, "tripleo.x.v1.wf", map[string]any{"password": tripleo.Secret("pw-body-0451")},
				tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
			assertRefused(t, err, srv.URL, evil.srv.URL)

			err = c.RunAction(ctx, "tripleo.x.action", map[string]any{"password": tripleo.Secret("pw-body-0452")}, nil)
			assertRefused(t, err, srv.URL, evil.srv.URL)
		})
	}
	assert.Empty(t, evil.requests(), "the other origin received a request")
	assert.Equal(t, int32(9), n.Load(), "each call is sent once to its own origin, not retried")
}

// A redirect within the origin keeps working, for a GET (302) and a POST
// whose body is re-sent (307).
func TestRedirectWithinTheOriginIsFollowed(t *testing.T) {
	leakCheck(t)
	mux := http.NewServeMux()
	var tokens []string
	mux.HandleFunc("GET /v2/executions/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v2/executions/e1", http.StatusFound)
	})
	mux.HandleFunc("GET /v2/executions/e1", func(w http.ResponseWriter, r *http.Request) {
		tokens = append(tokens, r.Header.Get("X-Auth-Token"))
		w.Write([]byte(`{"id": "e1", "state": "SUCCESS"}`))
	})
	mux.HandleFunc("POST /v2/action_executions", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v2/moved/action_executions", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("POST /v2/moved/action_executions", func(w http.ResponseWriter, r *http.Request) {
		body := tripleotest.RequestJSON(t, r)
		w.Write([]byte(`{"id": "a1", "state": "SUCCESS", "output": "{\"result\": \"` + body["name"].(string) + `\"}"}`))
	})
	srv := serve(t, mux)
	c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2", Token: leakyToken})

	ex, err := c.GetExecution(context.Background(), "old")
	require.NoError(t, err)
	assert.Equal(t, "e1", ex.ID)
	assert.Equal(t, []string{leakyToken}, tokens)

	var out string
	require.NoError(t, c.RunAction(context.Background(), "tripleo.echo", nil, &out))
	assert.Equal(t, "tripleo.echo", out, "the body reached the redirect's target")
}

// NewClient with the caller's ProviderClient refuses the redirect too.
func TestRedirectRefusedWithAUserProviderClient(t *testing.T) {
	leakCheck(t)
	evil := newRecorder(t)
	var n atomic.Int32
	srv := serve(t, redirector(t, http.StatusTemporaryRedirect, func() string { return evil.srv.URL }, &n))
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	pc := &gophercloud.ProviderClient{HTTPClient: http.Client{Transport: tr}}
	pc.UseTokenLock()
	pc.SetToken(leakyToken)
	pc.EndpointLocator = func(eo gophercloud.EndpointOpts) (string, error) {
		if eo.Type == "workflow" {
			return srv.URL + "/v2/", nil
		}
		return "", &gophercloud.ErrEndpointNotFound{}
	}
	c, err := tripleo.NewClient(pc)
	require.NoError(t, err)
	_, err = c.GetExecution(context.Background(), "e1")
	assertRefused(t, err, srv.URL, evil.srv.URL)

	// building a second Client on the same ProviderClient does not stack guards
	_, err = tripleo.NewClient(pc)
	require.NoError(t, err)
	_, err = c.ListWorkflows(context.Background(), "")
	assertRefused(t, err, srv.URL, evil.srv.URL)
	assert.Empty(t, evil.requests())
}

// NewClientFromCloud (Keystone auth) refuses it as well, with the caller's HTTP client.
func TestRedirectRefusedWithNewClientFromCloud(t *testing.T) {
	leakCheck(t)
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
`), 0o600))
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(dir, "clouds.yaml"))
	mt := httpmock.NewMockTransport()
	var tokens atomic.Int32
	keystone(t, mt, &tokens)
	mt.RegisterResponder("GET", "http://mistral.test/v2/executions/e1", func(r *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(http.StatusFound, "")
		resp.Header.Set("Location", "http://mistral.test:8443/v2/executions/e1")
		return resp, nil
	})
	evil := 0
	mt.RegisterResponder("GET", "http://mistral.test:8443/v2/executions/e1", func(r *http.Request) (*http.Response, error) {
		evil++
		return httpmock.NewStringResponse(200, `{"id": "e1"}`), nil
	})
	c, err := tripleo.NewClientFromCloud(context.Background(), "undercloud", tripleo.WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	_, err = c.GetExecution(context.Background(), "e1")
	var re *tripleo.RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "http://mistral.test:80", re.From)
	assert.Equal(t, "http://mistral.test:8443", re.To)
	assert.False(t, strings.Contains(err.Error(), "tok-"), "%v", err)
	assert.Zero(t, evil)
}

// The embedded undercloud's Clients (NewNoAuthClient underneath) carry the
// same redirect policy: asked about a redirect to another origin, it refuses.
func TestUndercloudClientRefusesCrossOriginRedirects(t *testing.T) {
	leakCheck(t)
	u := tripleotest.NewT(t)
	c, err := u.Client()
	require.NoError(t, err)
	from, _ := http.NewRequest("GET", u.URL()+"/mistral/v2/executions", nil)
	to, _ := http.NewRequest("GET", "http://127.0.0.1:1/mistral/v2/executions", nil)
	err = c.Workflow.HTTPClient.CheckRedirect(to, []*http.Request{from})
	var re *tripleo.RedirectError
	require.True(t, errors.As(err, &re), "%v", err)
	same, _ := http.NewRequest("GET", u.URL()+"/mistral/v2/executions?x=1", nil)
	require.NoError(t, c.Workflow.HTTPClient.CheckRedirect(same, []*http.Request{from}))
}

// A Mistral list whose "next" link leads to another origin ends with a
// *RedirectError: the token never goes there.
func TestListNextLinkToAnotherOriginIsRefused(t *testing.T) {
	leakCheck(t)
	evil := newRecorder(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/workflows", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"workflows": [{"id": "w1", "name": "tripleo.a"}], "next": "` + evil.srv.URL + `/v2/workflows?marker=w1"}`))
	})
	srv := serve(t, mux)
	c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2", Token: leakyToken})
	_, err := c.ListWorkflows(context.Background(), "*")
	assertRefused(t, err, srv.URL, evil.srv.URL)
	assert.Empty(t, evil.requests(), "the other origin received a request")
}
