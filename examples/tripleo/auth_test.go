package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// fakeKeystone answers Keystone v3 password auth with a catalog pointing at
// the embedded undercloud's Mistral and Swift, and counts the token requests.
func fakeKeystone(t *testing.T, u *tripleotest.Undercloud, tokens *int) *httptest.Server {
	ep := u.Endpoints()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens":
			var body struct {
				Auth struct {
					Identity struct {
						Password struct {
							User struct{ Name, Password string } `json:"user"`
						} `json:"password"`
					} `json:"identity"`
				} `json:"auth"`
			}
			if json.NewDecoder(r.Body).Decode(&body) != nil || body.Auth.Identity.Password.User.Password != "s3cret" {
				http.Error(w, `{"error": {"code": 401, "message": "The request you have made requires authentication."}}`, http.StatusUnauthorized)
				return
			}
			*tokens++
			entry := func(typ, url string) map[string]any {
				return map[string]any{"type": typ, "name": typ, "endpoints": []map[string]any{
					{"interface": "public", "region": "regionOne", "region_id": "regionOne", "url": url}}}
			}
			w.Header().Set("X-Subject-Token", "tok-1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(map[string]any{"token": map[string]any{
				"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
				"project":    map[string]any{"id": "admin", "name": "admin", "domain": map[string]any{"id": "default"}},
				"user":       map[string]any{"id": "u1", "name": "admin"},
				"catalog":    []any{entry("workflowv2", ep.Mistral), entry("object-store", ep.Swift)},
			}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCloudsYAML(t *testing.T) {
	u := tripleotest.NewT(t)
	var tokens int
	ks := fakeKeystone(t, u, &tokens)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "clouds.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Join([]string{
		"clouds:",
		"  undercloud:",
		"    auth:",
		"      auth_url: " + ks.URL + "/v3",
		"      username: admin",
		"      password: s3cret",
		"      project_name: admin",
		"      user_domain_name: Default",
		"      project_domain_name: Default",
		"    region_name: regionOne",
		"    identity_api_version: 3",
		"",
	}, "\n")), 0o600))
	t.Setenv("OS_CLIENT_CONFIG_FILE", cfg)

	r := cli(t, nil, "--os-cloud", "undercloud", "workflow", "run", planWF, `{"container": "overcloud"}`, "-f", "value", "-c", "State")
	require.Equal(t, 0, r.code, r)
	assert.Equal(t, "SUCCESS\n", r.stdout)
	assert.Equal(t, 1, tokens)

	t.Setenv("OS_CLOUD", "undercloud")
	assert.Equal(t, "overcloud\n", ok(t, nil, "plan", "list", "-f", "value"))

	r = cli(t, nil, "--os-cloud", "nope", "plan", "list")
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, `tripleo: cloud "nope"`)
	assert.NotContains(t, r.stderr, "tripleo: tripleo:")
}
