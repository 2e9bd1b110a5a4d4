package tripleo_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

const (
	mistralURL = "http://mistral.test/v2"
	zaqarURL   = "http://zaqar.test"
)

// newMockClient returns a noauth Client whose HTTP goes to a per-test httpmock transport.
func newMockClient(t testing.TB, opts ...tripleo.Option) (*tripleo.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	opts = append([]tripleo.Option{tripleo.WithHTTPClient(&http.Client{Transport: mt})}, opts...)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{
		Mistral: mistralURL, Zaqar: zaqarURL,
		Swift: "http://swift.test/v1/AUTH_x", Heat: "http://heat.test/v1/admin", Ironic: "http://ironic.test",
	}, opts...)
	require.NoError(t, err)
	return c, mt
}

// readJSON decodes a request body.
func readJSON(t testing.TB, r *http.Request) map[string]any {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m
}

// jsonResp is a JSON response to req (gophercloud's pager needs resp.Request).
func jsonResp(req *http.Request, status int, body any) *http.Response {
	r, _ := httpmock.NewJsonResponse(status, body)
	r.Request = req
	return r
}

func mustRe(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// bounded makes a hung bubble test fail loudly: fake time runs forever when a
// run never ends (its watchdog keeps ticking), so synctest cannot see a deadlock.
func bounded(t *testing.T) *testing.T {
	go func() {
		select {
		case <-time.After(6 * time.Hour):
			panic("test " + t.Name() + " still running after 6 h of fake time")
		case <-t.Context().Done():
		}
	}()
	return t
}
