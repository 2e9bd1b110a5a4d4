package tripleo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// newEngine sets up an engine test in a synctest bubble (bounded): a Client
// on a MockMistral of its own, following runs through n, or by polling
// Mistral alone when n is nil.
func newEngine(t *testing.T, n *tripleotest.Notifier) (*tripleo.Client, *tripleotest.MockMistral) {
	t.Helper()
	bounded(t)
	var opts []tripleo.Option
	if n != nil {
		opts = append(opts, tripleo.WithNotifier(n))
	}
	c, mt := newMockClient(t, opts...)
	return c, tripleotest.NewMockMistral(mt, mistralURL)
}

func kinds(evs []tripleo.Event) []string {
	var out []string
	for _, e := range evs {
		s := string(e.Kind)
		if e.Status != "" {
			s += ":" + e.Status
		}
		out = append(out, s)
	}
	return out
}

func collect(ch <-chan tripleo.Event) []tripleo.Event {
	var out []tripleo.Event
	for e := range ch {
		out = append(out, e)
	}
	return out
}

const wf = "tripleo.baremetal.v1.register_or_update"

type regResult struct {
	Nodes []map[string]any
}

func decodeReg(f *tripleo.Final) (regResult, error) {
	var r regResult
	_, err := f.Field("registered_nodes", &r.Nodes)
	return r, err
}

func TestRunEventsInOrderThenClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		ctx := t.Context()
		run, err := tripleo.Start(ctx, c, wf, map[string]any{"nodes_json": []any{}}, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		id := run.ExecutionID()
		require.Equal(t, 1, n.Subscribers("tripleo"), "subscribed before the execution existed")
		events := run.Events()

		n.Post(t, "tripleo", "tripleo.baremetal.v1.validate_nodes", map[string]any{"status": "SUCCESS", "execution_id": "child1", "root_execution_id": id})
		n.Post(t, "tripleo", "other.workflow", map[string]any{"status": "SUCCESS", "execution_id": "foreign"})
		n.Post(t, "tripleo", wf, map[string]any{"status": "RUNNING", "message": "working", "execution_id": id})
		final := n.Post(t, "tripleo", wf, map[string]any{"status": "SUCCESS", "message": "done", "execution_id": id, "registered_nodes": []any{map[string]any{"uuid": "u1"}}})
		require.NoError(t, n.Redeliver(final)) // a duplicate delivery
		sim.Set(id, "SUCCESS", "", map[string]any{"status": "SUCCESS"})

		got := collect(events)
		assert.Equal(t, []string{"started:RUNNING", "message:SUCCESS", "message:RUNNING", "message:SUCCESS", "state:SUCCESS", "done:SUCCESS"}, kinds(got))
		assert.Equal(t, "child1", got[1].ExecutionID, "sub-workflow message is an event, not terminal")
		res, err := run.Wait(ctx)
		require.NoError(t, err)
		assert.Equal(t, "u1", res.Nodes[0]["uuid"], "result decoded from the final payload")
		snap := run.Snapshot()
		assert.Equal(t, tripleo.EventDone, snap[len(snap)-1].Kind, "the EventDone is logged before Wait returns")
		assert.Equal(t, 0, n.Subscribers("tripleo"), "the subscription is closed before Done")
		for _, e := range got {
			if e.Kind != tripleo.EventMessage {
				assert.NotEmpty(t, e.Text, "a %s event reads as a sentence", e.Kind)
			}
		}
		assert.Equal(t, "execution "+id+" of "+wf+" is now SUCCESS", got[4].Text)
	})
}

func TestWaitIsIdenticalFromManyGoroutinesAndNeedsNoReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		run, err := tripleo.Start(t.Context(), c, wf, nil, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		for i := 0; i < 50; i++ { // many messages nobody reads: nothing blocks
			n.Post(t, "tripleo", wf, map[string]any{"status": "RUNNING", "message": fmt.Sprintf("step %d", i), "execution_id": run.ExecutionID()})
		}
		n.Post(t, "tripleo", wf, map[string]any{"status": "FAILED", "message": "boom", "execution_id": run.ExecutionID()})
		sim.Set(run.ExecutionID(), "ERROR", "Failure caused by error in tasks: fail", nil)
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = run.Wait(context.Background())
			}()
		}
		wg.Wait()
		var we *tripleo.WorkflowError
		require.ErrorAs(t, errs[0], &we)
		for _, e := range errs {
			assert.Same(t, errs[0], e)
		}
		assert.Equal(t, "ERROR", we.State)
		assert.Equal(t, "Failure caused by error in tasks: fail", we.StateInfo)
		assert.Equal(t, "boom", we.LastMessage.Payload.Message)
		assert.ErrorIs(t, errs[0], tripleo.ErrWorkflowFailed)
		assert.Contains(t, errs[0].Error(), "boom")
		assert.Len(t, run.Snapshot(), 1+51+1+1, "every event kept though nobody read them")
	})
}

func TestCancelCtxReleasesEveryGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, _ := newEngine(t, n)
		ctx, cancel := context.WithCancel(t.Context())
		watcherDone := make(chan struct{})
		run, err := tripleo.Start(ctx, c, wf, nil, decodeReg, tripleo.StartOpts{Watchers: []tripleo.Watcher{
			func(ctx context.Context, emit func(tripleo.Event)) error {
				defer close(watcherDone)
				<-ctx.Done()
				return nil
			},
		}})
		require.NoError(t, err)
		events := run.Events()
		n.Post(t, "tripleo", wf, map[string]any{"status": "RUNNING", "message": "still going", "execution_id": run.ExecutionID()})
		time.Sleep(time.Minute) // the execution never ends
		cancel()
		_, err = run.Wait(context.Background())
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), run.ExecutionID())
		assert.Contains(t, err.Error(), "still going")
		for range events {
		}
		<-watcherDone
		synctest.Wait() // the bubble would report a leaked goroutine
		assert.Equal(t, 0, n.Subscribers("tripleo"))
	})
}

func TestWatchdogSurvivesTransientErrorsAndEndsOn404(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, sim := newEngine(t, nil)
		run, err := tripleo.Start(t.Context(), c, wf, nil, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		id := run.ExecutionID()
		sim.OnGET(httpmock.NewErrorResponder(errors.New("connection reset by peer")))
		time.Sleep(5 * time.Second)
		_, _, ended := run.Result()
		assert.False(t, ended, "a transient error does not abandon a live execution")
		sim.OnGET(func(r *http.Request) (*http.Response, error) {
			return tripleotest.JSONResponse(r, 404, map[string]any{"faultstring": "Execution not found [id=" + id + "]"}), nil
		})
		_, err = run.Wait(t.Context())
		assert.ErrorIs(t, err, tripleo.ErrNotFound)
	})
}

func TestStartRetriesPOSTWithTheSameIDButNot4xx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, sim := newEngine(t, nil)
		sim.FailPOSTs(503, 502)
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.NoError(t, err)
		require.Equal(t, 3, len(sim.Posts()))
		for _, p := range sim.Posts() {
			assert.Equal(t, run.ExecutionID(), p["id"], "every attempt carries the client-chosen id")
		}
		sim.Set(run.ExecutionID(), "SUCCESS", "", nil)
		_, err = run.Wait(t.Context())
		require.NoError(t, err)

		sim.FailPOSTs(500, 500, 500, 500)
		before := len(sim.Posts())
		_, err = tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.Error(t, err)
		assert.Equal(t, before+3, len(sim.Posts()), "a 500 is retried twice only (Mistral 15 answers 500 for an unknown workflow)")

		sim.FailPOSTs(400)
		before = len(sim.Posts())
		_, err = tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		var api *tripleo.APIError
		require.ErrorAs(t, err, &api)
		assert.Equal(t, 400, api.StatusCode)
		assert.Equal(t, before+1, len(sim.Posts()), "4xx is not retried")
	})
}

func TestStartIsIdempotentForTheSameExecutionID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, sim := newEngine(t, nil)
		id := "0d4c1a3e-1111-4222-8333-444455556666"
		r1, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{ExecutionID: id})
		require.NoError(t, err)
		r2, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{ExecutionID: id})
		require.NoError(t, err)
		assert.Equal(t, r1.ExecutionID(), r2.ExecutionID())
		assert.Len(t, sim.Executions(), 1, "one execution for two starts")
		sim.Set(id, "SUCCESS", "", nil)
		_, err = r1.Wait(t.Context())
		require.NoError(t, err)
		_, err = r2.Wait(t.Context())
		require.NoError(t, err)
		_, err = tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{ExecutionID: "not-a-uuid"})
		assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	})
}

func TestQueueOptionsAndInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{PrivateQueue: true})
		require.NoError(t, err)
		q := tripleo.PrivateQueueName(run.ExecutionID())
		assert.Equal(t, q, sim.Posts()[0]["input"].(map[string]any)["queue_name"])
		assert.Equal(t, 1, n.Subscribers(q))
		assert.True(t, n.Subscriptions()[0].Ephemeral)
		n.Post(t, q, wf, map[string]any{"status": "SUCCESS", "execution_id": run.ExecutionID()})
		sim.Set(run.ExecutionID(), "SUCCESS", "", nil)
		_, err = run.Wait(t.Context())
		require.NoError(t, err)

		run, err = tripleo.Start(t.Context(), c, "tripleo.baremetal.v1.set_node_state", map[string]any{"node_uuid": "n"}, tripleo.DecodeFinal, tripleo.StartOpts{NoQueue: true})
		require.NoError(t, err)
		_, has := sim.Posts()[1]["input"].(map[string]any)["queue_name"]
		assert.False(t, has, "no queue_name for a workflow without one")
		assert.Len(t, n.Subscriptions(), 1, "nothing subscribed")
		sim.Set(run.ExecutionID(), "SUCCESS", "", nil)
		_, err = run.Wait(t.Context())
		require.NoError(t, err)

		_, err = tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{Queue: "no spaces"})
		assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
		assert.Len(t, sim.Posts(), 2, "bad input: no request")
	})
}

func TestAttachReplaysAndFinishesFromMistral(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		id := "e0000000-0000-4000-8000-000000000001"
		sim.Add(id, wf, "SUCCESS", map[string]any{"queue_name": "myq"}, map[string]any{"registered_nodes": []any{map[string]any{"uuid": "u9"}}})
		n.Post(t, "myq", wf, map[string]any{"status": "RUNNING", "message": "validating", "execution_id": id})
		n.Post(t, "myq", wf, map[string]any{"status": "SUCCESS", "message": "done", "execution_id": id})

		run, err := tripleo.Attach(t.Context(), c, id, decodeReg, tripleo.AttachOpts{})
		require.NoError(t, err)
		res, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "u9", res.Nodes[0]["uuid"])
		assert.True(t, n.Subscriptions()[0].Replay)
		assert.Equal(t, []string{"started:SUCCESS", "message:RUNNING", "message:SUCCESS", "done:SUCCESS"}, kinds(run.Snapshot()))

		// a running execution started elsewhere: followed to its end
		id2 := "e0000000-0000-4000-8000-000000000002"
		sim.Add(id2, wf, "RUNNING", nil, nil)
		run, err = tripleo.Attach(t.Context(), c, id2, decodeReg, tripleo.AttachOpts{})
		require.NoError(t, err)
		time.Sleep(3 * time.Second)
		n.Post(t, "tripleo", wf, map[string]any{"status": "FAILED", "message": "nope", "execution_id": id2})
		sim.Set(id2, "ERROR", "boom", nil)
		_, err = run.Wait(t.Context())
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, "boom", we.StateInfo)
	})
}

func TestCancelStopsTheExecutionPromptly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := newEngine(t, nil)
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.NoError(t, err)
		time.Sleep(30 * time.Second) // watchdog at its 10 s ceiling
		t0 := time.Now()
		require.NoError(t, run.Cancel(t.Context()))
		_, err = run.Wait(t.Context())
		assert.ErrorIs(t, err, tripleo.ErrCancelled)
		assert.Less(t, time.Since(t0), time.Second, "Cancel pokes the watchdog")
	})
}

func TestWatcherErrorEndsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := newEngine(t, nil)
		nodeErr := errors.New("node n1 entered clean failed: step failed")
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{Watchers: []tripleo.Watcher{
			func(ctx context.Context, emit func(tripleo.Event)) error {
				time.Sleep(2 * time.Second)
				emit(tripleo.Event{Kind: tripleo.EventWarning, Source: "ironic", Subject: "n1", Status: "clean failed"})
				return nodeErr
			},
		}})
		require.NoError(t, err)
		_, err = run.Wait(t.Context())
		assert.ErrorIs(t, err, nodeErr)
		assert.Equal(t, []string{"started:RUNNING", "warning:clean failed", "done:ERROR"}, kinds(run.Snapshot()))
	})
}

func TestFinalMessageWaitsBrieflyForMistralToSettle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		run, err := tripleo.Start(t.Context(), c, wf, nil, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		n.Post(t, "tripleo", wf, map[string]any{"status": "SUCCESS", "execution_id": run.ExecutionID()})
		time.Sleep(100 * time.Millisecond)
		_, _, ended := run.Result()
		assert.False(t, ended, "waits for Mistral's output")
		sim.Set(run.ExecutionID(), "SUCCESS", "", map[string]any{"registered_nodes": []any{map[string]any{"uuid": "x"}}})
		res, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "x", res.Nodes[0]["uuid"])

		// Mistral never settles: the message decides after a bounded wait
		run, err = tripleo.Start(t.Context(), c, wf, nil, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		n.Post(t, "tripleo", wf, map[string]any{"status": "FAILED", "message": "bad", "execution_id": run.ExecutionID()})
		_, err = run.Wait(t.Context())
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, "FAILED", we.State)
	})
}

func TestGoAndJoinComposeRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		run := tripleo.Go(t.Context(), c, "test.pipeline", func(ctx context.Context, s *tripleo.Scope) (int, error) {
			total := 0
			for i := 0; i < 2; i++ {
				s.Emit(tripleo.Event{Kind: tripleo.EventProgress, Subject: "step"})
				sub, err := tripleo.Start(ctx, s.Client(), wf, nil, decodeReg, tripleo.StartOpts{})
				if err != nil {
					return 0, err
				}
				go func() {
					n.Post(t, "tripleo", wf, map[string]any{"status": "SUCCESS", "execution_id": sub.ExecutionID(), "registered_nodes": []any{map[string]any{"uuid": "a"}}})
					sim.Set(sub.ExecutionID(), "SUCCESS", "", nil)
				}()
				res, err := tripleo.Join(ctx, s, sub)
				if err != nil {
					return 0, err
				}
				total += len(res.Nodes)
			}
			return total, nil
		})
		got := collect(run.Events())
		v, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		assert.Equal(t, []string{"started", "progress", "started:RUNNING", "message:SUCCESS", "state:SUCCESS", "progress", "started:RUNNING", "message:SUCCESS", "state:SUCCESS", "done:SUCCESS"}, kinds(got))

		boom := tripleo.Go(t.Context(), c, "test.panic", func(ctx context.Context, s *tripleo.Scope) (int, error) { panic("oops") })
		_, err = boom.Wait(t.Context())
		assert.ErrorContains(t, err, "panic: oops")
	})
}

func TestAllIteratesWithoutGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		run, err := tripleo.Start(t.Context(), c, wf, nil, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		go func() {
			n.Post(t, "tripleo", wf, map[string]any{"status": "FAILED", "message": "x", "execution_id": run.ExecutionID()})
			sim.Set(run.ExecutionID(), "ERROR", "x", nil)
		}()
		var last error
		count := 0
		for ev, err := range run.All(t.Context()) {
			count++
			last = err
			_ = ev
		}
		assert.ErrorIs(t, last, tripleo.ErrWorkflowFailed)
		assert.Equal(t, len(run.Snapshot()), count)
		// breaking early is clean
		for range run.All(t.Context()) {
			break
		}
	})
}

func TestThenKeepsNameIDAndEventsAndMapsTheOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		sub, err := tripleo.Start(t.Context(), c, wf, nil, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		r := tripleo.Then(t.Context(), sub, func(ev *tripleo.Event) {
			if ev.Kind == tripleo.EventMessage {
				ev.Subject = "node-1"
			}
		}, func(ctx context.Context, s *tripleo.Scope, v regResult, err error) (int, error) {
			s.Emit(tripleo.Event{Kind: tripleo.EventProgress, Text: "checked"})
			return len(v.Nodes), err
		})
		assert.Equal(t, sub.ExecutionID(), r.ExecutionID(), "the id is known at once")
		assert.Equal(t, wf, r.Name())
		n.Post(t, "tripleo", wf, map[string]any{"status": "SUCCESS", "execution_id": sub.ExecutionID(), "registered_nodes": []any{map[string]any{"uuid": "a"}}})
		sim.Set(sub.ExecutionID(), "SUCCESS", "", nil)
		evs := collect(r.Events())
		v, err := r.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		assert.Equal(t, []string{"started:RUNNING", "message:SUCCESS", "state:SUCCESS", "progress", "done:SUCCESS"}, kinds(evs), "one started event")
		assert.Equal(t, "node-1", evs[1].Subject)

		// Cancel reaches the sub-run's execution
		sub2, err := tripleo.Start(t.Context(), c, wf, nil, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		r2 := tripleo.Then(t.Context(), sub2, nil, func(_ context.Context, _ *tripleo.Scope, v regResult, err error) (regResult, error) { return v, err })
		require.NoError(t, r2.Cancel(t.Context()))
		_, err = r2.Wait(t.Context())
		assert.ErrorIs(t, err, tripleo.ErrCancelled)
	})
}

// Messages echoing a Secret input or param: the secret is in no event (text
// or Message), no WorkflowError (LastMessage, StateInfo) and no ctx error.
func TestSecretsMaskedInMessagesEventsAndErrors(t *testing.T) {
	const pw, token = "Sup3r-Secret-pw", "tok-123456"
	in := map[string]any{"nodes_json": []any{map[string]any{"pm_password": tripleo.Secret(pw)}}}
	params := map[string]any{"env": map[string]any{"token": tripleo.Secret(token)}}
	leak := func(t *testing.T, run *tripleo.Run[regResult], err error) string {
		var out strings.Builder
		for _, ev := range run.Snapshot() {
			fmt.Fprintf(&out, "%s %v %+v\n", ev, ev.Err, ev.Message)
			if ev.Message != nil {
				fmt.Fprintf(&out, "%s %s\n", ev.Message.Payload.Message, ev.Message.Payload.RawMessage)
			}
		}
		fmt.Fprintf(&out, "%v %+v\n", err, err)
		var we *tripleo.WorkflowError
		if errors.As(err, &we) && we.LastMessage != nil {
			fmt.Fprintf(&out, "%s %s %s\n", we.StateInfo, we.LastMessage.Payload.Message, we.LastMessage.Payload.RawMessage)
		}
		return out.String()
	}

	t.Run("failed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := tripleotest.NewNotifier()
			c, sim := newEngine(t, n)
			run, err := tripleo.Start(t.Context(), c, wf, in, decodeReg, tripleo.StartOpts{Params: params})
			require.NoError(t, err)
			id := run.ExecutionID()
			n.Post(t, "tripleo", wf, map[string]any{"status": "RUNNING", "message": []any{"checking " + pw, "with " + token}, "execution_id": id})
			n.Post(t, "tripleo", wf, map[string]any{"status": "FAILED", "message": "bad node {pm_password: " + pw + "}", "execution_id": id})
			sim.Set(id, "ERROR", "Failure: "+pw, nil)
			_, err = run.Wait(t.Context())
			require.Error(t, err)
			out := leak(t, run, err)
			assert.NotContains(t, out, pw)
			assert.NotContains(t, out, token)
			assert.Contains(t, out, "bad node {pm_password: ***}", "the server's message is kept, masked")
			var we *tripleo.WorkflowError
			require.ErrorAs(t, err, &we)
			assert.JSONEq(t, `"bad node {pm_password: ***}"`, string(we.LastMessage.Payload.RawMessage))
		})
	})

	t.Run("ctx ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := tripleotest.NewNotifier()
			c, _ := newEngine(t, n)
			ctx, cancel := context.WithCancel(t.Context())
			run, err := tripleo.Start(ctx, c, wf, in, decodeReg, tripleo.StartOpts{})
			require.NoError(t, err)
			n.Post(t, "tripleo", wf, map[string]any{"status": "RUNNING", "message": "still checking " + pw, "execution_id": run.ExecutionID()})
			synctest.Wait()
			cancel()
			_, err = run.Wait(context.Background())
			require.ErrorIs(t, err, context.Canceled)
			out := leak(t, run, err)
			assert.Contains(t, out, "still checking ***")
			assert.NotContains(t, out, pw)
		})
	})
}
