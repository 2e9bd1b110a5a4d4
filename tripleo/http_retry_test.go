package tripleo_test

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const planWorkflow = "tripleo.plan_management.v1.create_default_deployment_plan"

// behindProxy starts an embedded undercloud with one finished execution and
// a fault proxy in front of it; it returns a Client of the proxy's endpoints
// (test-sized deadlines and retries, then opts), the proxy and the execution id.
func behindProxy(t *testing.T, opts ...tripleo.Option) (*tripleo.Client, *faultProxy, string) {
	t.Helper()
	u := tripleotest.NewT(t)
	direct, err := u.Client()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := tripleo.Start(ctx, direct, planWorkflow, map[string]any{"container": "overcloud"}, tripleo.DecodeNothing, tripleo.StartOpts{})
	require.NoError(t, err)
	_, err = r.Wait(ctx)
	require.NoError(t, err)

	p := newFaultProxy(t, u.URL())
	ep := u.Endpoints()
	for _, s := range []*string{&ep.Mistral, &ep.Zaqar, &ep.Swift, &ep.Heat, &ep.Ironic} {
		*s = strings.Replace(*s, u.URL(), p.srv.URL, 1)
	}
	return hostileClient(t, ep, opts...), p, r.ExecutionID()
}

// One 503 (or a reset connection) on an idempotent read is retried: the
// caller gets one result, the server saw the request once.
func TestIdempotentReadsRetry503AndReset(t *testing.T) {
	leakCheck(t)
	c, p, id := behindProxy(t)
	ctx := context.Background()
	cases := []struct {
		name, pattern string
		call          func() (string, error)
	}{
		{"GetExecution", "/executions/" + id, func() (string, error) {
			ex, err := c.GetExecution(ctx, id)
			if err != nil {
				return "", err
			}
			return ex.ID + " " + ex.State, nil
		}},
		{"ListWorkflows", "/mistral/v2/workflows", func() (string, error) {
			wfs, err := c.ListWorkflows(ctx, planWorkflow)
			if err != nil || len(wfs) != 1 {
				return "", err
			}
			return wfs[0].Name, nil
		}},
		{"GetWorkflow", "/workflows/" + planWorkflow, func() (string, error) {
			wf, err := c.GetWorkflow(ctx, planWorkflow)
			if err != nil {
				return "", err
			}
			return wf.Name + " " + wf.Inputs[0].Name, nil
		}},
	}
	for _, tc := range cases {
		for _, f := range []fault{fail503, reset, busy} {
			t.Run(tc.name+"/"+string(f), func(t *testing.T) {
				want, err := tc.call()
				require.NoError(t, err)
				require.NotEmpty(t, want)
				before, beforeFwd := p.count(tc.pattern)
				p.inject(tc.pattern, f)
				got, err := tc.call()
				require.NoError(t, err)
				assert.Equal(t, want, got)
				received, forwarded := p.count(tc.pattern)
				assert.Equal(t, 2, received-before, "requests sent")
				assert.Equal(t, 1, forwarded-beforeFwd, "requests that reached the service")
			})
		}
	}
}

// A Retry-After beyond reason is not waited for: the 429 reaches the caller.
func TestRetryAfterBeyondReasonIsReturned(t *testing.T) {
	leakCheck(t)
	c, p, id := behindProxy(t)
	p.inject("/executions/"+id, busyLong)
	_, err := c.GetExecution(context.Background(), id)
	var ae *tripleo.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 429, ae.StatusCode)
	received, _ := p.count("/executions/" + id)
	assert.Equal(t, 1, received)
}

// A POST without a client-chosen id (RunAction) is not retried after a
// reset: the action may have run.
func TestPOSTWithoutClientIDNotRetriedAfterReset(t *testing.T) {
	leakCheck(t)
	c, p, _ := behindProxy(t)
	p.inject("/action_executions", reset)
	err := c.RunAction(context.Background(), "tripleo.plan.list", nil, nil)
	require.Error(t, err)
	assert.False(t, tripleo.Retryable(err, false))
	received, forwarded := p.count("/action_executions")
	assert.Equal(t, 1, received)
	assert.Equal(t, 0, forwarded)
}

// Start's POST carries a client-chosen id: a reset and a 503 are retried and
// the workflow starts exactly once.
func TestStartThroughResetAnd503StartsOnce(t *testing.T) {
	leakCheck(t)
	c, p, first := behindProxy(t)
	p.inject("/mistral/v2/executions", reset, fail503)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := tripleo.Start(ctx, c, planWorkflow, map[string]any{"container": "overcloud2"}, tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
	require.NoError(t, err)
	_, err = r.Wait(ctx)
	require.NoError(t, err)
	received, forwarded := p.count("POST /mistral/v2/executions")
	assert.Equal(t, 3, received)
	assert.Equal(t, 1, forwarded)
	exs, err := c.ListExecutions(ctx, tripleo.ListExecutionsOpts{WorkflowName: planWorkflow})
	require.NoError(t, err)
	var ids []string
	for _, ex := range exs {
		ids = append(ids, ex.ID)
	}
	assert.ElementsMatch(t, []string{first, r.ExecutionID()}, ids)
}

// Start's POSTs all reached Mistral but every answer was lost: the client-chosen
// id finds the execution, and the run is followed instead of being orphaned.
func TestStartFindsItsExecutionWhenEveryAnswerIsLost(t *testing.T) {
	leakCheck(t)
	c, p, first := behindProxy(t, tripleo.WithMaxRetryTime(300*time.Millisecond))
	p.inject("POST /mistral/v2/executions", lost, lost, lost, lost, lost, lost, lost, lost, lost, lost)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := tripleo.Start(ctx, c, planWorkflow, map[string]any{"container": "overcloud2"}, tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
	require.NoError(t, err)
	_, err = r.Wait(ctx)
	require.NoError(t, err)
	received, forwarded := p.count("POST /mistral/v2/executions")
	assert.GreaterOrEqual(t, received, 2, "the POST was retried")
	assert.Equal(t, received, forwarded, "every POST reached Mistral")
	exs, err := c.ListExecutions(ctx, tripleo.ListExecutionsOpts{WorkflowName: planWorkflow})
	require.NoError(t, err)
	var ids []string
	for _, ex := range exs {
		ids = append(ids, ex.ID)
	}
	assert.ElementsMatch(t, []string{first, r.ExecutionID()}, ids, "one execution, the run's own")
}

// Every problem with Start's arguments is reported at once, before any request.
func TestStartReportsEveryProblemAtOnce(t *testing.T) {
	leakCheck(t)
	c, p, _ := behindProxy(t)
	before, _ := p.count("")
	_, err := tripleo.Start[struct{}](context.Background(), c, "", map[string]any{"queue_name": "other"}, nil,
		tripleo.StartOpts{ExecutionID: "not-a-uuid", Queue: "bad queue!", Watchers: []tripleo.Watcher{nil}})
	var fields []string
	for _, pr := range tripleo.Problems(err) {
		fields = append(fields, pr.Field)
	}
	assert.ElementsMatch(t, []string{"workflow", "decode", "execution id", "queue", "queue_name", "watchers[0]"}, fields, "%v", err)
	after, _ := p.count("")
	assert.Equal(t, before, after, "no request sent")
}

// Attach too reports every problem with its arguments before any request.
func TestAttachReportsEveryProblemAtOnce(t *testing.T) {
	leakCheck(t)
	c, p, _ := behindProxy(t)
	before, _ := p.count("")
	_, err := tripleo.Attach[struct{}](context.Background(), c, "", nil, tripleo.AttachOpts{Queue: "bad queue!", Watchers: []tripleo.Watcher{nil}})
	var fields []string
	for _, pr := range tripleo.Problems(err) {
		fields = append(fields, pr.Field)
	}
	assert.ElementsMatch(t, []string{"execution", "decode", "queue", "watchers[0]"}, fields, "%v", err)
	after, _ := p.count("")
	assert.Equal(t, before, after, "no request sent")
}

// A request whose URL does not parse fails the same way every time: it is not
// retried, while a failure to send it is.
func TestRetryableURLErrors(t *testing.T) {
	parse := &url.Error{Op: "parse", URL: "%zz", Err: errors.New(`invalid URL escape "%zz"`)}
	assert.False(t, tripleo.Retryable(parse, true))
	sent := &url.Error{Op: "Get", URL: "http://127.0.0.1:1/v2", Err: io.ErrUnexpectedEOF}
	assert.True(t, tripleo.Retryable(sent, true))
	assert.False(t, tripleo.Retryable(sent, false), "a POST that may have been processed")
}
