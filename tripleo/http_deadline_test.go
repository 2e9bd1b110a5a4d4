package tripleo_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// A server that accepts and never answers, or answers one byte at a time,
// fails the request at the Client's deadline with a *TimeoutError, though the
// caller's context has none; an idempotent read retries it until its retry
// time is spent, then returns it.
func TestHangAndSlowlorisMeetTheRequestDeadline(t *testing.T) {
	leakCheck(t)
	for _, f := range []fault{hang, slowloris} {
		t.Run(string(f), func(t *testing.T) {
			c, p, id := behindProxy(t, tripleo.WithRequestTimeout(100*time.Millisecond), tripleo.WithMaxRetryTime(time.Second))
			p.inject("/executions/"+id, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f)
			start := time.Now()
			_, err := c.GetExecution(context.Background(), id)
			var te *tripleo.TimeoutError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 100*time.Millisecond, te.After)
			assert.Contains(t, err.Error(), "no complete answer within 100ms")
			received, forwarded := p.count("/executions/" + id)
			assert.Zero(t, forwarded)
			t.Logf("%s: *TimeoutError after %s and %d requests (deadline 100ms, retry time 1s)", f, time.Since(start).Round(time.Millisecond), received)
		})
	}
}

// One timeout on an idempotent read is retried: the caller gets the result.
func TestRequestTimeoutIsRetriedWhenIdempotent(t *testing.T) {
	leakCheck(t)
	for _, f := range []fault{hang, slowloris} {
		t.Run(string(f), func(t *testing.T) {
			c, p, id := behindProxy(t, tripleo.WithRequestTimeout(100*time.Millisecond), tripleo.WithMaxRetryTime(time.Minute))
			p.inject("/executions/"+id, f)
			ex, err := c.GetExecution(context.Background(), id)
			require.NoError(t, err)
			assert.Equal(t, id, ex.ID)
			received, forwarded := p.count("/executions/" + id)
			assert.Equal(t, 2, received)
			assert.Equal(t, 1, forwarded)
		})
	}
}

// A POST without a client-chosen id that times out is not re-sent.
func TestPOSTTimeoutIsNotRetried(t *testing.T) {
	leakCheck(t)
	c, p, _ := behindProxy(t, tripleo.WithLongRequestTimeout(100*time.Millisecond))
	p.inject("/action_executions", hang, hang)
	start := time.Now()
	err := c.RunAction(context.Background(), "tripleo.plan.list", nil, nil)
	var te *tripleo.TimeoutError
	require.ErrorAs(t, err, &te)
	received, _ := p.count("/action_executions")
	assert.Equal(t, 1, received)
	t.Logf("hang on a POST: *TimeoutError after %s, %d request (long deadline 100ms)", time.Since(start).Round(time.Millisecond), received)
}

// Zaqar requests (what package messaging sends through the Client's
// Messaging service client) meet the same deadline.
func TestZaqarRequestsMeetTheDeadline(t *testing.T) {
	leakCheck(t)
	c, p, _ := behindProxy(t, tripleo.WithRequestTimeout(100*time.Millisecond))
	p.inject("/zaqar/v2/queues/tripleo/messages", hang, slowloris)
	list := func() error {
		resp, err := c.Messaging.Get(context.Background(), c.Messaging.ServiceURL("v2", "queues", "tripleo", "messages"), nil,
			&gophercloud.RequestOpts{OkCodes: []int{200, 204}, KeepResponseBody: true})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return err
	}
	for range 2 { // hang, then slowloris
		err := list()
		var te *tripleo.TimeoutError
		require.ErrorAs(t, err, &te)
		assert.True(t, tripleo.Retryable(err, true))
	}
	require.NoError(t, list(), "once the faults are spent the listing works")
}

// The caller's context still ends a request before the deadline, and that is
// not reported as the Client's timeout.
func TestCallerContextIsNotTheRequestTimeout(t *testing.T) {
	leakCheck(t)
	c, p, id := behindProxy(t)
	p.inject("/executions/"+id, hang)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.GetExecution(ctx, id)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var te *tripleo.TimeoutError
	assert.NotErrorAs(t, err, &te)
}

// An upload to the object store and a synchronous action have the long
// deadline, not the request deadline: each, still pending after a GET sent
// later timed out, completes.
func TestLongRequestsHaveTheirOwnDeadline(t *testing.T) {
	leakCheck(t)
	cases := map[string]func(*tripleo.Client) error{
		"swift PUT": func(c *tripleo.Client) error {
			_, err := c.ObjectStore.Put(context.Background(), c.ObjectStore.ServiceURL("overcloud", "a.yaml"), nil, nil,
				&gophercloud.RequestOpts{RawBody: strings.NewReader("x: 1\n"), OkCodes: []int{201}})
			return err
		},
		"RunAction": func(c *tripleo.Client) error {
			return c.RunAction(context.Background(), "tripleo.slow", nil, nil)
		},
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			arrived, release := make(chan struct{}), make(chan struct{})
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					<-r.Context().Done() // hang
					return
				}
				close(arrived)
				select {
				case <-release:
					w.WriteHeader(http.StatusCreated)
					w.Write([]byte(`{"id": "a1", "state": "SUCCESS", "output": "{\"result\": null}"}`))
				case <-r.Context().Done():
				}
			}))
			c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2", Swift: srv.URL + "/v1/AUTH_x"},
				tripleo.WithRequestTimeout(50*time.Millisecond), tripleo.WithLongRequestTimeout(time.Minute), tripleo.WithMaxRetryTime(time.Millisecond))
			done := make(chan error, 1)
			go func() { done <- call(c) }()
			<-arrived
			_, err := c.GetExecution(context.Background(), "e1")
			var te *tripleo.TimeoutError
			require.ErrorAs(t, err, &te, "the GET meets the request deadline")
			close(release)
			require.NoError(t, <-done, "the long request, sent before the GET, outlived the request deadline")
		})
	}
}
