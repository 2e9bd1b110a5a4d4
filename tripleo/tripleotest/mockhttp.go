package tripleotest

import (
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/tripleo-go/sdk/tripleo"
)

// NewMockClient returns a noauth Client on endpoints whose HTTP goes to a new
// httpmock transport of its own (register responders on it, e.g. with
// NewMockMistral): no socket is opened, so it works inside testing/synctest
// bubbles. opts come after the HTTP client option. A bad endpoint fails the test.
func NewMockClient(t testing.TB, endpoints tripleo.Endpoints, opts ...tripleo.Option) (*tripleo.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := tripleo.NewNoAuthClient(endpoints, append([]tripleo.Option{tripleo.WithHTTPClient(&http.Client{Transport: mt})}, opts...)...)
	if err != nil {
		t.Fatalf("tripleotest: mock client: %v", err)
	}
	return c, mt
}

// JSONResponse is an httpmock answer to req: status with body as JSON. It
// sets resp.Request, which gophercloud's pagers read.
func JSONResponse(req *http.Request, status int, body any) *http.Response {
	resp, err := httpmock.NewJsonResponse(status, body)
	if err != nil {
		resp = httpmock.NewStringResponse(http.StatusInternalServerError, err.Error())
	}
	resp.Request = req
	return resp
}

// RequestJSON decodes the JSON object a request carries (in an httpmock
// responder); a body that is not one fails the test (t.Errorf: responders
// may run on any goroutine) and yields nil.
func RequestJSON(t testing.TB, r *http.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := decodeBody(r, &m); err != nil {
		t.Errorf("tripleotest: request body of %s %s: %v", r.Method, r.URL, err)
		return nil
	}
	return m
}
