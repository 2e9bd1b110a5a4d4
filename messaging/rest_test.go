package messaging

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// mockClient returns the Messaging service client of a noauth tripleo.Client
// whose requests go to mt.
func mockClient(t *testing.T, mt *httpmock.MockTransport) *gophercloud.ServiceClient {
	t.Helper()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test", Zaqar: "http://zaqar.test/v2", ProjectID: testProject},
		tripleo.WithHTTPClient(&http.Client{Transport: mt}), tripleo.WithClientID(testClientID))
	require.NoError(t, err)
	return c.Messaging
}

func assertZaqarHeaders(t *testing.T, r *http.Request) {
	t.Helper()
	assert.Equal(t, testClientID, r.Header.Get("Client-ID"))
	assert.Equal(t, testProject, r.Header.Get("X-Project-ID"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
}

func TestListPageRequestAndMarker(t *testing.T) {
	mt := httpmock.NewMockTransport()
	sc := mockClient(t, mt)
	var seen []*http.Request
	mt.RegisterResponder(http.MethodGet, "http://zaqar.test/v2/queues/tripleo/messages", func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r)
		assertZaqarHeaders(t, r)
		return httpmock.NewStringResponse(200, `{"messages": [
			{"id": "a1", "href": "/v2/queues/tripleo/messages/a1", "ttl": 3600, "age": 4,
			 "body": {"type": "tripleo.plan_management.v1.create_deployment_plan", "payload": {"status": "RUNNING", "execution_id": "e1"}}},
			{"id": "a2", "href": "/v2/queues/tripleo/messages/a2", "ttl": 300, "age": 1, "body": "plain text"}],
			"links": [{"rel": "next", "href": "/v2/queues/tripleo/messages?marker=opaque%2F42&limit=20&echo=true&include_delayed=true"}]}`), nil
	})
	pg, err := listPage(context.Background(), sc, "tripleo", "", 20)
	require.NoError(t, err)
	require.Len(t, seen, 1)
	q := seen[0].URL.Query()
	assert.Equal(t, "true", q.Get("echo"))
	assert.Equal(t, "20", q.Get("limit"))
	assert.False(t, q.Has("marker"), "the first listing starts at the beginning")
	assert.False(t, q.Has("include_claimed"))
	require.Len(t, pg.Messages, 2)
	assert.Equal(t, "opaque/42", pg.nextMarker(), "marker taken from links.next, unescaped, opaque")

	m, err := toMessage("tripleo", &pg.Messages[0])
	require.NoError(t, err)
	assert.Equal(t, tripleo.Message{ID: "a1", Queue: "tripleo", Age: 4, TTL: 3600, Type: "tripleo.plan_management.v1.create_deployment_plan",
		Payload: tripleo.Payload{Status: "RUNNING", ExecutionID: "e1"}}, m)
	_, err = toMessage("tripleo", &pg.Messages[1])
	assert.Error(t, err, "a body that is not an object is reported, not fatal")

	_, err = listPage(context.Background(), sc, "tripleo", pg.nextMarker(), 7)
	require.NoError(t, err)
	require.Len(t, seen, 2)
	q = seen[1].URL.Query()
	assert.Equal(t, "opaque/42", q.Get("marker"))
	assert.Equal(t, "7", q.Get("limit"))
	assert.Equal(t, "true", q.Get("echo"))
}

func TestListPageEmptyAndNoContent(t *testing.T) {
	mt := httpmock.NewMockTransport()
	sc := mockClient(t, mt)
	mt.RegisterResponder(http.MethodGet, "http://zaqar.test/v2/queues/q1/messages",
		httpmock.NewStringResponder(200, `{"messages": [], "links": []}`))
	mt.RegisterResponder(http.MethodGet, "http://zaqar.test/v2/queues/q2/messages", httpmock.NewStringResponder(204, ``))
	for _, q := range []string{"q1", "q2"} {
		pg, err := listPage(context.Background(), sc, q, "m", 20)
		require.NoError(t, err, q)
		assert.Empty(t, pg.Messages)
		assert.Equal(t, "", pg.nextMarker(), "an empty page has no next link: keep the old marker")
	}
}

func TestListPageErrors(t *testing.T) {
	mt := httpmock.NewMockTransport()
	sc := mockClient(t, mt)
	mt.RegisterResponder(http.MethodGet, "http://zaqar.test/v2/queues/q/messages",
		httpmock.NewStringResponder(503, `{"title": "Service temporarily unavailable", "description": "Messages could not be listed."}`))
	_, err := listPage(context.Background(), sc, "q", "", 20)
	var ae *tripleo.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 503, ae.StatusCode)
	assert.Contains(t, ae.Error(), "Messages could not be listed.")
	assert.Equal(t, errRetryable, classify(context.Background(), err))

	mt.RegisterResponder(http.MethodGet, "http://zaqar.test/v2/queues/q/messages",
		httpmock.NewStringResponder(400, `{"title": "Invalid API request", "description": "Limit must be at least 1 and may not be greater than 20."}`))
	_, err = listPage(context.Background(), sc, "q", "", 20)
	assert.Equal(t, errClient, classify(context.Background(), err))

	resp429 := httpmock.NewStringResponse(429, `{}`)
	resp429.Header.Set("Retry-After", "7")
	mt.RegisterResponder(http.MethodGet, "http://zaqar.test/v2/queues/q/messages", httpmock.ResponderFromResponse(resp429))
	_, err = listPage(context.Background(), sc, "q", "", 20)
	assert.Equal(t, errRetryable, classify(context.Background(), err))
	assert.Equal(t, "7s", retryAfter(err).String())

	mt.RegisterResponder(http.MethodGet, "http://zaqar.test/v2/queues/q/messages", httpmock.NewErrorResponder(errors.New("connection refused")))
	_, err = listPage(context.Background(), sc, "q", "", 20)
	assert.Equal(t, errRetryable, classify(context.Background(), err))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Equal(t, errGone, classify(ctx, err))
}

func TestCreateQueue(t *testing.T) {
	for _, tc := range []struct {
		status  int
		created bool
	}{{201, true}, {204, false}} {
		mt := httpmock.NewMockTransport()
		sc := mockClient(t, mt)
		mt.RegisterResponder(http.MethodPut, "http://zaqar.test/v2/queues/run-42", func(r *http.Request) (*http.Response, error) {
			assertZaqarHeaders(t, r)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			b, _ := io.ReadAll(r.Body)
			assert.JSONEq(t, `{}`, string(b))
			return httpmock.NewStringResponse(tc.status, ""), nil
		})
		created, err := createQueue(context.Background(), sc, "run-42")
		require.NoError(t, err)
		assert.Equal(t, tc.created, created, "status %d", tc.status)
		assert.Equal(t, 1, mt.GetTotalCallCount())
	}
}

func TestDeleteQueue(t *testing.T) {
	mt := httpmock.NewMockTransport()
	sc := mockClient(t, mt)
	mt.RegisterResponder(http.MethodDelete, "http://zaqar.test/v2/queues/run-42", func(r *http.Request) (*http.Response, error) {
		assertZaqarHeaders(t, r)
		return httpmock.NewStringResponse(204, ""), nil
	})
	require.NoError(t, deleteQueue(context.Background(), sc, "run-42"))
	mt.RegisterResponder(http.MethodDelete, "http://zaqar.test/v2/queues/gone", httpmock.NewStringResponder(404, `{}`))
	require.NoError(t, deleteQueue(context.Background(), sc, "gone"), "a queue already gone is fine")
	mt.RegisterResponder(http.MethodDelete, "http://zaqar.test/v2/queues/forbidden", httpmock.NewStringResponder(403, `{"title": "Forbidden"}`))
	assert.Error(t, deleteQueue(context.Background(), sc, "forbidden"))
}
