package tripleo_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// One response with a 1 GB string field, through each way the SDK reads a
// body: gophercloud's JSON decoder (GetExecution), gophercloud's pager
// (ListWorkflows) and a raw Zaqar listing as package messaging reads it. The
// bound (the default, 32 MiB) stops it with a *BodyTooLargeError naming the
// limit, and the heap never holds twice the bound.
func TestHostileBodyIsBounded(t *testing.T) {
	leakCheck(t)
	bound := int64(tripleo.DefaultMaxResponseBytes)
	cases := []struct {
		name, prefix string
		call         func(*tripleo.Client) error
	}{
		{"GetExecution", `{"id": "e1", "state_info": "`, func(c *tripleo.Client) error {
			_, err := c.GetExecution(context.Background(), "e1")
			return err
		}},
		{"ListWorkflows", `{"workflows": [{"name": "tripleo.x", "definition": "`, func(c *tripleo.Client) error {
			_, err := c.ListWorkflows(context.Background(), "")
			return err
		}},
		{"ZaqarListing", `{"messages": [{"id": "m1", "body": "`, func(c *tripleo.Client) error {
			resp, err := c.Messaging.Get(context.Background(), c.Messaging.ServiceURL("v2", "queues", "tripleo", "messages"), nil,
				&gophercloud.RequestOpts{OkCodes: []int{200}, KeepResponseBody: true})
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gen := &generator{status: 200, prefix: tc.prefix, size: gigabyte, suffix: `"}]}`}
			srv := serve(t, gen)
			c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2", Zaqar: srv.URL})
			var err error
			peak := heapPeak(func() { err = tc.call(c) })
			var tl *tripleo.BodyTooLargeError
			require.ErrorAs(t, err, &tl)
			assert.Equal(t, bound, tl.Limit)
			assert.Contains(t, err.Error(), strconv.FormatInt(bound, 10))
			assert.False(t, tripleo.Retryable(err, true))
			assert.Equal(t, int32(1), gen.served.Load(), "not retried")
			t.Logf("%s: 1 GiB body, bound %d B: heap peak %d B (%.2fx the bound); the server wrote %d B before the client hung up",
				tc.name, bound, peak, float64(peak)/float64(bound), gen.written.Load())
			assert.Less(t, peak, uint64(2*bound), "heap peak")
		})
	}
}

// A declared Content-Length over the bound fails before the body is read.
func TestDeclaredHostileLengthFailsAtOnce(t *testing.T) {
	leakCheck(t)
	gen := &generator{status: 200, prefix: `{"id": "`, size: gigabyte, suffix: `"}`, declare: true}
	srv := serve(t, gen)
	c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2"}, tripleo.WithMaxResponseBytes(1<<20))
	_, err := c.GetExecution(context.Background(), "e1")
	var tl *tripleo.BodyTooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, int64(1<<20), tl.Limit)
}

// A 1 GB error body is cut at ErrorBodyBytes: the caller gets the HTTP
// status, the start of the server's message and the bound it was cut at.
func TestHostileErrorBodyIsCut(t *testing.T) {
	leakCheck(t)
	gen := &generator{status: 400, prefix: `{"faultstring": "`, size: gigabyte, suffix: `"}`}
	srv := serve(t, gen)
	c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2"})
	var err error
	peak := heapPeak(func() { _, err = c.GetExecution(context.Background(), "e1") })
	var ae *tripleo.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 400, ae.StatusCode)
	assert.Contains(t, ae.Message, "error body cut at "+strconv.Itoa(tripleo.ErrorBodyBytes)+" bytes")
	var ue gophercloud.ErrUnexpectedResponseCode
	require.ErrorAs(t, err, &ue)
	assert.Len(t, ue.Body, tripleo.ErrorBodyBytes)
	t.Logf("1 GiB error body: heap peak %d B; the server wrote %d B", peak, gen.written.Load())
	assert.Less(t, peak, uint64(2*tripleo.DefaultMaxResponseBytes))
}

// A body within the bound is read whole, even when it ends right at it.
func TestBodyAtTheBoundIsRead(t *testing.T) {
	leakCheck(t)
	const bound = 200 << 10
	prefix, suffix := `{"id": "e1", "state_info": "`, `"}`
	gen := &generator{status: 200, prefix: prefix, size: bound - int64(len(prefix)+len(suffix)), suffix: suffix}
	srv := serve(t, gen)
	c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2"}, tripleo.WithMaxResponseBytes(bound))
	ex, err := c.GetExecution(context.Background(), "e1")
	require.NoError(t, err)
	assert.Len(t, ex.StateInfo, int(gen.size))

	gen.size++ // one byte over
	_, err = c.GetExecution(context.Background(), "e1")
	var tl *tripleo.BodyTooLargeError
	require.ErrorAs(t, err, &tl)
}

// Malformed answers are *DecodeError (ErrMalformedResponse): JSON of the
// wrong type and a complete answer whose JSON is cut short are not retried;
// a body the connection cut before its declared length is, for an idempotent
// call.
func TestMalformedJSONIsTyped(t *testing.T) {
	leakCheck(t)
	var wrongTyped, truncated atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/executions/typed", func(w http.ResponseWriter, r *http.Request) {
		wrongTyped.Add(1)
		w.Write([]byte(`{"id": 5, "state": ["RUNNING"]}`))
	})
	mux.HandleFunc("GET /v2/workflows/typed", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"name": "x", "tags": "not a list"}`))
	})
	mux.HandleFunc("GET /v2/executions/cut", func(w http.ResponseWriter, r *http.Request) {
		n := truncated.Add(1)
		w.Header().Set("Content-Type", "application/json")
		full := `{"id": "cut", "state": "SUCCESS"}`
		if n > 1 {
			w.Write([]byte(full))
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(full)))
		w.Write([]byte(full[:15]))
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	var short atomic.Int32
	mux.HandleFunc("GET /v2/executions/short", func(w http.ResponseWriter, r *http.Request) {
		short.Add(1)
		w.Write([]byte(`{"id": "short", "state": "RUNN`)) // a complete answer that is not complete JSON
	})
	srv := serve(t, mux)
	c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2"}, tripleo.WithMaxRetryTime(time.Minute))
	ctx := context.Background()

	_, err := c.GetExecution(ctx, "typed")
	var de *tripleo.DecodeError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, tripleo.ErrMalformedResponse)
	var te *json.UnmarshalTypeError
	assert.ErrorAs(t, err, &te)
	assert.Equal(t, int32(1), wrongTyped.Load(), "wrong-typed JSON is not retried")

	_, err = c.GetWorkflow(ctx, "typed")
	assert.ErrorIs(t, err, tripleo.ErrMalformedResponse)

	ex, err := c.GetExecution(ctx, "cut")
	require.NoError(t, err, "a body cut mid-answer is retried")
	assert.Equal(t, "SUCCESS", ex.State)
	assert.Equal(t, int32(2), truncated.Load())

	_, err = c.GetExecution(ctx, "short")
	require.ErrorIs(t, err, tripleo.ErrMalformedResponse)
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
	assert.Equal(t, int32(1), short.Load(), "a complete answer is not asked again")
}

// A HEAD's Content-Length is the resource's size, not a body: a large
// object's HEAD is answered, whatever the bound.
func TestHeadOfALargeObjectIsNotABody(t *testing.T) {
	leakCheck(t)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(gigabyte))
		w.Header().Set("Etag", "abc")
		w.WriteHeader(200)
	}))
	c := hostileClient(t, tripleo.Endpoints{Mistral: srv.URL + "/v2", Swift: srv.URL + "/v1/AUTH_x"}, tripleo.WithMaxResponseBytes(1<<20))
	resp, err := c.ObjectStore.Head(context.Background(), c.ObjectStore.ServiceURL("overcloud", "big.qcow2"), &gophercloud.RequestOpts{OkCodes: []int{200}})
	require.NoError(t, err)
	assert.Equal(t, "abc", resp.Header.Get("Etag"))
	assert.Equal(t, int64(gigabyte), resp.ContentLength)
}
