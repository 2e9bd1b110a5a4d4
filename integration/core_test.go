//go:build integration

package integration

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
)

// workbookInputs parses the project's workbooks (integration/workbooks) and
// the suite's own: full workflow name → declared inputs.
func workbookInputs(t *testing.T) map[string][]tripleo.Input {
	t.Helper()
	files, err := filepath.Glob("workbooks/*.yaml")
	require.NoError(t, err)
	files = append(files, testWorkbookFile)
	out := map[string][]tripleo.Input{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var wb struct {
			Name      string `yaml:"name"`
			Workflows map[string]struct {
				Input []any `yaml:"input"`
			} `yaml:"workflows"`
		}
		require.NoError(t, yaml.Unmarshal(data, &wb), f)
		for wf, spec := range wb.Workflows {
			ins := []tripleo.Input{}
			for _, it := range spec.Input {
				switch v := it.(type) {
				case string:
					ins = append(ins, tripleo.Input{Name: v, Required: true})
				case map[string]any:
					for k, d := range v {
						ins = append(ins, tripleo.Input{Name: k, Default: d})
					}
				}
			}
			out[wb.Name+"."+wf] = ins
		}
	}
	return out
}

// Every workflow of the workbooks is listed under its full name, and
// GetWorkflow parses the same inputs (names, required, defaults) as the
// workbook YAML declares; actions are listed and shown.
func TestWorkflowsAndActions(t *testing.T) {
	need(t)
	ctx := testCtx(t, time.Minute)
	c := newClient(t, viaMistral)
	want := workbookInputs(t)

	wfs, err := c.ListWorkflows(ctx, "")
	require.NoError(t, err)
	var listed []string
	for _, w := range wfs {
		assert.True(t, strings.HasPrefix(w.Name, "tripleo."), w.Name)
		assert.Nil(t, w.Inputs, "ListWorkflows does not parse inputs")
		listed = append(listed, w.Name)
	}
	var declared []string
	for name := range want {
		if strings.HasPrefix(name, "tripleo.") {
			declared = append(declared, name)
		}
	}
	sort.Strings(declared)
	assert.Equal(t, declared, listed, "ListWorkflows(\"\") = the tripleo.* workflows of integration/workbooks, sorted")

	all, err := c.ListWorkflows(ctx, "*")
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(all, func(w tripleo.Workflow) bool { return w.Name == wfHold }), "\"*\" lists every workflow")

	for name, ins := range want {
		w, err := c.GetWorkflow(ctx, name)
		require.NoError(t, err, name)
		assert.Equal(t, name, w.Name)
		assert.NotEmpty(t, w.Definition, name)
		assert.Equal(t, jsonOf(t, ins), jsonOf(t, w.Inputs), "inputs of %s", name)
	}
	// a default rendered by Mistral as a Python string is parsed as YAML: a list stays a list
	w, err := c.GetWorkflow(ctx, "tripleo.baremetal.v1.set_node_state")
	require.NoError(t, err)
	assert.Contains(t, w.InputText, "error_states=")
	i := slices.IndexFunc(w.Inputs, func(in tripleo.Input) bool { return in.Name == "error_states" })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, []any{"error", "adopt failed", "clean failed", "deploy failed", "inspect failed", "rescue failed"}, w.Inputs[i].Default)

	_, err = c.GetWorkflow(ctx, "tripleo.nope.v1.nope")
	var ae *tripleo.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusNotFound, ae.StatusCode)
	assert.ErrorIs(t, err, tripleo.ErrNotFound)
	assert.Contains(t, ae.Message, "Workflow not found")

	// actions: the tripleo.* actions of integration/actions' entry points
	acts, err := c.ListActions(ctx, "")
	require.NoError(t, err)
	var actNames []string
	for _, a := range acts {
		actNames = append(actNames, a.Name)
	}
	assert.Equal(t, entryPointActions(t), actNames)
	allActs, err := c.ListActions(ctx, "*")
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(allActs, func(a tripleo.ActionDefinition) bool { return a.Name == "std.echo" }))
	assert.True(t, slices.ContainsFunc(allActs, func(a tripleo.ActionDefinition) bool { return a.Name == "zaqar.queue_post" }))
	a, err := c.GetAction(ctx, "tripleo.plan.create_container")
	require.NoError(t, err)
	assert.Equal(t, "container", a.InputText)
	_, err = c.GetAction(ctx, "tripleo.nope")
	assert.ErrorIs(t, err, tripleo.ErrNotFound)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// entryPointActions lists the [mistral.actions] of integration/actions, sorted.
func entryPointActions(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("actions/tripleo_undercloud-0.1.dist-info/entry_points.txt")
	require.NoError(t, err)
	defer f.Close()
	var out []string
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		if k, _, ok := strings.Cut(line, "="); ok && section == "[mistral.actions]" {
			out = append(out, strings.TrimSpace(k))
		}
	}
	sort.Strings(out)
	return out
}

// RunAction: a result decoded, an action that fails (*ActionError with the
// action's own text), and HTTP errors with Mistral's faultstring.
func TestRunAction(t *testing.T) {
	need(t)
	ctx := testCtx(t, time.Minute)
	c := newClient(t, viaMistral)

	var echo map[string]any
	require.NoError(t, c.RunAction(ctx, "std.echo", map[string]any{"output": map[string]any{"a": 1, "b": []any{"x"}}}, &echo))
	assert.Equal(t, map[string]any{"a": float64(1), "b": []any{"x"}}, echo)
	require.NoError(t, c.RunAction(ctx, "std.noop", nil, nil))

	// the action runs (the name check comes before any Swift call) and fails
	err := c.RunAction(ctx, "tripleo.plan.create_container", map[string]any{"container": "bad_name!"}, nil)
	var ae *tripleo.ActionError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, tripleo.ErrActionFailed)
	assert.Equal(t, "tripleo.plan.create_container", ae.Action)
	assert.Equal(t, "Unable to create plan. The plan name must only contain letters, numbers or dashes", ae.Result)

	err = c.RunAction(ctx, "std.fail", map[string]any{"error_data": "boom"}, nil)
	require.ErrorAs(t, err, &ae, "std.fail ends the action execution in ERROR")

	// HTTP errors: unknown action 400, missing action input 500 (Mistral 15
	// in one process; 400 over RabbitMQ, see mistralTyped)
	err = c.RunAction(ctx, "tripleo.nope", nil, nil)
	var api *tripleo.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, http.StatusBadRequest, api.StatusCode)
	assert.Equal(t, "Failed to find action [action_name=tripleo.nope]", api.Message)
	err = c.RunAction(ctx, "tripleo.plan.create_container", map[string]any{}, nil)
	require.ErrorAs(t, err, &api)
	assert.Equal(t, mistralTyped(http.StatusBadRequest), api.StatusCode)
	assert.Contains(t, api.Message, "missing=['container']")

	// a secret given to an action is sent, and never comes back in an error
	pw := newSecret()
	err = c.RunAction(ctx, "tripleo.plan.create_container", map[string]any{"container": "x!" + pw}, nil)
	require.ErrorAs(t, err, &ae)
	checkNoSecret(t, pw, err.Error())
}

// Start, follow and Wait over the three ways of following: Zaqar REST
// polling, the Zaqar websocket, and Mistral alone. The run's events come in
// order (started, the RUNNING message, the SUCCESS message, done), the result
// is decoded from the final message, and the Mistral calls around an
// execution (get, list, output, tasks, delete) see it.
func TestStartFollowWait(t *testing.T) {
	need(t, "zaqar")
	for _, n := range []notify{viaREST, viaWS, viaMistral} {
		t.Run(n.String(), func(t *testing.T) {
			ctx := testCtx(t, 2*time.Minute)
			c := newClient(t, n)
			q := testQueue(t, "sfw-"+n.String())
			input := map[string]any{"seconds": 1}
			run, err := tripleo.Start(ctx, c, wfHold, input, tripleo.DecodeField[int]("answer", false),
				tripleo.StartOpts{Queue: q, Description: "integration " + n.String(), CheckInput: true})
			require.NoError(t, err)
			logEventsOnFailure(t, run)
			assert.Equal(t, wfHold, run.Name())
			require.NotEmpty(t, run.ExecutionID())

			var seen []tripleo.Event
			for ev := range run.Events() {
				seen = append(seen, ev)
			}
			v, err := run.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, 42, v)
			res, rerr, done := run.Result()
			assert.True(t, done)
			assert.NoError(t, rerr)
			assert.Equal(t, 42, res)
			select {
			case <-run.Done():
			default:
				t.Fatal("Done not closed after Wait")
			}
			assert.Equal(t, run.Snapshot(), seen, "Events delivered exactly the logged events")
			checkEnvelope(t, seen)

			msgs := ofKind(seen, tripleo.EventMessage, "")
			if n == viaMistral {
				assert.Empty(t, msgs, "no Notifier, no messages")
				assert.Equal(t, tripleo.StateSuccess, ofKind(seen, tripleo.EventState, "")[len(ofKind(seen, tripleo.EventState, ""))-1].Status)
			} else {
				require.Len(t, msgs, 2, "the RUNNING and the final message")
				assert.Equal(t, []string{"message:RUNNING", "message:SUCCESS"}, statuses(msgs))
				assert.Equal(t, "started", msgs[0].Text)
				assert.Equal(t, "done", msgs[1].Text)
				for _, m := range msgs {
					assert.Equal(t, run.ExecutionID(), m.ExecutionID)
					assert.Equal(t, wfHold, m.Source)
					require.NotNil(t, m.Message)
					assert.Equal(t, q, m.Message.Queue)
				}
				var answer int
				ok, err := msgs[1].Message.Payload.Decode("answer", &answer)
				require.NoError(t, err)
				assert.True(t, ok)
				assert.Equal(t, 42, answer)
				// the messages Zaqar holds are those the run saw, in order
				held := messagesOf(t, ctx, q, run.ExecutionID())
				require.Len(t, held, 2)
				if n == viaREST {
					assert.Equal(t, held[0].ID, msgs[0].Message.ID)
					assert.Equal(t, held[1].ID, msgs[1].Message.ID)
				}
			}

			ex, err := c.GetExecution(ctx, run.ExecutionID())
			require.NoError(t, err)
			assert.Equal(t, tripleo.StateSuccess, ex.State)
			assert.Equal(t, wfHold, ex.WorkflowName)
			assert.Equal(t, "integration "+n.String(), ex.Description)
			assert.Equal(t, q, ex.Input.String("queue_name"), "the run's queue is the workflow's queue_name")
			out, err := c.ExecutionOutput(ctx, run.ExecutionID())
			require.NoError(t, err)
			assert.JSONEq(t, "42", string(out["answer"]))
			tasks, err := c.ListTasks(ctx, run.ExecutionID())
			require.NoError(t, err)
			var names []string
			for _, tk := range tasks {
				names = append(names, tk.Name)
				assert.Equal(t, tripleo.StateSuccess, tk.State, tk.Name)
			}
			sort.Strings(names)
			assert.Equal(t, []string{"hold", "send_final", "send_started"}, names)
			list, err := c.ListExecutions(ctx, tripleo.ListExecutionsOpts{WorkflowName: wfHold, State: tripleo.StateSuccess, IncludeOutput: true, Limit: 5})
			require.NoError(t, err)
			i := slices.IndexFunc(list, func(e tripleo.Execution) bool { return e.ID == run.ExecutionID() })
			require.GreaterOrEqual(t, i, 0, "ListExecutions reads every page")
			assert.JSONEq(t, "42", string(list[i].Output["answer"]))

			require.NoError(t, c.DeleteExecution(ctx, run.ExecutionID()))
			_, err = c.GetExecution(ctx, run.ExecutionID())
			assert.ErrorIs(t, err, tripleo.ErrNotFound)
		})
	}
}

// A workflow whose final message says FAILED and whose execution ends ERROR:
// a *WorkflowError with Mistral's state_info and the last message.
func TestWorkflowFailure(t *testing.T) {
	need(t, "zaqar")
	for _, n := range []notify{viaREST, viaWS, viaMistral} {
		t.Run(n.String(), func(t *testing.T) {
			ctx := testCtx(t, time.Minute)
			c := newClient(t, n)
			q := testQueue(t, "fail-"+n.String())
			run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"fail": true}, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
			require.NoError(t, err)
			logEventsOnFailure(t, run)
			_, err = run.Wait(ctx)
			var we *tripleo.WorkflowError
			require.ErrorAs(t, err, &we)
			assert.ErrorIs(t, err, tripleo.ErrWorkflowFailed)
			assert.NotErrorIs(t, err, tripleo.ErrCancelled)
			assert.Equal(t, wfHold, we.Workflow)
			assert.Equal(t, run.ExecutionID(), we.ExecutionID)
			assert.Equal(t, tripleo.StateError, we.State, "Mistral's state, read after the FAILED message")
			assert.Contains(t, we.StateInfo, "failure trigger")
			if n != viaMistral {
				require.NotNil(t, we.LastMessage)
				assert.Equal(t, tripleo.StatusFailed, we.LastMessage.Status())
				assert.Equal(t, "failure trigger", we.LastMessage.Payload.Message)
			}
			evs := run.Snapshot()
			checkEnvelope(t, evs)
			assert.Equal(t, err, evs[len(evs)-1].Err, "EventDone carries the run's error")
		})
	}
}

// A workflow that fails with a bare `fail` after a failed task, posting
// nothing and declaring no output-on-error: Mistral 15 leaves state_info null
// and the output's result null, so the reason is read from the failed task.
func TestWorkflowFailureReasonFromTheFailedTask(t *testing.T) {
	need(t, "ironic")
	ctx := testCtx(t, time.Minute)
	c := newClient(t, viaMistral)
	missing := uuid.NewString()
	run, err := tripleo.Start(ctx, c, wfBareFail, map[string]any{"url": env.Ironic + "/v1/nodes/" + missing},
		tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true})
	require.NoError(t, err)
	_, err = run.Wait(ctx)
	var we *tripleo.WorkflowError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, tripleo.StateError, we.State)
	assert.Empty(t, we.StateInfo, "a bare fail")
	assert.Nil(t, we.LastMessage)
	assert.Equal(t, "HTTP 404: Node "+missing+" could not be found.", we.Reason, "Ironic's message in the get task's result")
	assert.Contains(t, err.Error(), "could not be found")
	ex, gerr := c.GetExecution(ctx, run.ExecutionID())
	require.NoError(t, gerr)
	assert.Equal(t, "null", string(ex.Output["result"]), "nothing in the output either")
}

// A workflow that ends without posting its final message: the engine's
// watchdog (Mistral polls) ends the run from the execution state and decodes
// the result from the execution output. Triggers: the test workbook's
// skip_final input, and tripleo.messaging.v1.send posting for another
// execution (a message on the run's queue that is not the run's).
func TestWatchdogWithoutFinalMessage(t *testing.T) {
	need(t, "zaqar")
	for _, n := range []notify{viaREST, viaWS} {
		t.Run(n.String(), func(t *testing.T) {
			ctx := testCtx(t, time.Minute)
			c := newClient(t, n)
			q := testQueue(t, "wd-"+n.String())
			run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"skip_final": true}, tripleo.DecodeField[int]("answer", false), tripleo.StartOpts{Queue: q})
			require.NoError(t, err)
			logEventsOnFailure(t, run)
			v, err := run.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, 42, v, "decoded from the execution output")
			evs := run.Snapshot()
			checkEnvelope(t, evs)
			assert.Equal(t, []string{"message:RUNNING"}, statuses(ofKind(evs, tripleo.EventMessage, "")), "only the RUNNING message exists")
			states := ofKind(evs, tripleo.EventState, "")
			require.NotEmpty(t, states, "the watchdog saw the execution")
			assert.Equal(t, tripleo.StateSuccess, states[len(states)-1].Status)

			// a TripleO workflow posting a message about another execution
			other := "00000000-0000-4000-8000-" + randHex(6)
			run2, err := tripleo.Start(ctx, c, "tripleo.messaging.v1.send", map[string]any{
				"type": "integration.foreign", "execution": map[string]any{"id": other}, "message": "not yours",
			}, tripleo.DecodeFinal, tripleo.StartOpts{Queue: q})
			require.NoError(t, err)
			fin, err := run2.Wait(ctx)
			require.NoError(t, err)
			assert.Nil(t, fin.Message, "the message on the queue belongs to %s", other)
			require.NotNil(t, fin.Execution)
			assert.Equal(t, tripleo.StateSuccess, fin.Execution.State)
			assert.Empty(t, ofKind(run2.Snapshot(), tripleo.EventMessage, ""))
			held := queueMessages(t, ctx, q)
			assert.True(t, slices.ContainsFunc(held, func(m zaqarMessage) bool { return m.Body.Payload["execution_id"] == other }),
				"the foreign message was really posted")
		})
	}
}

// Cancel stops a running execution: the run ends with a *WorkflowError
// matching ErrCancelled, Mistral says CANCELLED. CancelExecution does the same
// for an execution the SDK did not start.
func TestCancel(t *testing.T) {
	need(t, "zaqar")
	ctx := testCtx(t, 2*time.Minute)
	c := newClient(t, viaREST)
	q := testQueue(t, "cancel")
	run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"seconds": 300}, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
	require.NoError(t, err)
	logEventsOnFailure(t, run)
	// wait until the workflow is really running: its RUNNING message arrived
	for ev := range run.Events() {
		if ev.Kind == tripleo.EventMessage && ev.Status == tripleo.StatusRunning {
			break
		}
	}
	_, _, done := run.Result()
	require.False(t, done)
	require.NoError(t, run.Cancel(ctx))
	_, err = run.Wait(ctx)
	for range run.Events() { // drained to its close
	}
	var we *tripleo.WorkflowError
	require.ErrorAs(t, err, &we)
	assert.ErrorIs(t, err, tripleo.ErrCancelled)
	assert.Equal(t, tripleo.StateCancelled, we.State)
	ex, err := c.GetExecution(ctx, run.ExecutionID())
	require.NoError(t, err)
	assert.Equal(t, tripleo.StateCancelled, ex.State)

	// an execution created with the plain call, cancelled with the plain call
	ex, err = c.CreateExecution(ctx, tripleo.CreateExecutionOpts{WorkflowName: wfHold, Input: map[string]any{"seconds": 300, "queue_name": q}})
	require.NoError(t, err)
	assert.Equal(t, tripleo.StateRunning, ex.State)
	got, err := c.CancelExecution(ctx, ex.ID, "integration test")
	require.NoError(t, err)
	assert.Equal(t, tripleo.StateCancelled, got.State)
	ex, err = c.GetExecution(ctx, ex.ID)
	require.NoError(t, err)
	assert.Equal(t, tripleo.StateCancelled, ex.State)
	assert.Equal(t, "integration test", ex.StateInfo)
}

// Attach to an execution started elsewhere while it runs (the messages posted
// before attaching are replayed, the rest followed) and after it ended (the
// run finishes at once from the Mistral state, with the replayed messages).
func TestAttach(t *testing.T) {
	need(t, "zaqar")
	for _, n := range []notify{viaREST, viaWS} {
		t.Run(n.String(), func(t *testing.T) {
			ctx := testCtx(t, 2*time.Minute)
			c := newClient(t, n)
			q := testQueue(t, "attach-"+n.String())
			ex, err := c.CreateExecution(ctx, tripleo.CreateExecutionOpts{WorkflowName: wfHold, Input: map[string]any{"seconds": 3, "queue_name": q}})
			require.NoError(t, err)
			// attach once the RUNNING message is on the queue, before the final one
			eventually(t, 30*time.Second, "the RUNNING message posted", func() bool { return len(messagesOf(t, ctx, q, ex.ID)) == 1 })
			run, err := tripleo.Attach(ctx, c, ex.ID, tripleo.DecodeField[int]("answer", false), tripleo.AttachOpts{})
			require.NoError(t, err)
			logEventsOnFailure(t, run)
			assert.Equal(t, wfHold, run.Name())
			assert.Equal(t, ex.ID, run.ExecutionID())
			v, err := run.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, 42, v)
			evs := run.Snapshot()
			checkEnvelope(t, evs)
			assert.Contains(t, evs[0].Text, "attached")
			assert.Equal(t, []string{"message:RUNNING", "message:SUCCESS"}, statuses(ofKind(evs, tripleo.EventMessage, "")),
				"the message posted before Attach is replayed, the final one followed")

			// attached again after the end: the retained messages are replayed
			run, err = tripleo.Attach(ctx, c, ex.ID, tripleo.DecodeField[int]("answer", false), tripleo.AttachOpts{Queue: q})
			require.NoError(t, err)
			v, err = run.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, 42, v)
			evs = run.Snapshot()
			checkEnvelope(t, evs)
			assert.Equal(t, []string{"message:RUNNING", "message:SUCCESS"}, statuses(ofKind(evs, tripleo.EventMessage, "")))

			_, err = tripleo.Attach(ctx, c, "00000000-0000-4000-8000-000000000000", tripleo.DecodeNothing, tripleo.AttachOpts{})
			assert.ErrorIs(t, err, tripleo.ErrNotFound)
		})
	}
}

// StartOpts.PrivateQueue: the run gets its own queue, which exists while the
// run lasts and is deleted when it ends.
func TestPrivateQueue(t *testing.T) {
	need(t, "zaqar")
	for _, n := range []notify{viaREST, viaWS} {
		t.Run(n.String(), func(t *testing.T) {
			ctx := testCtx(t, time.Minute)
			c := newClient(t, n)
			run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"seconds": 2}, tripleo.DecodeField[int]("answer", false), tripleo.StartOpts{PrivateQueue: true})
			require.NoError(t, err)
			logEventsOnFailure(t, run)
			q := tripleo.PrivateQueueName(run.ExecutionID())
			t.Cleanup(func() { deleteQueue(ctx, q) })
			ex, err := c.GetExecution(ctx, run.ExecutionID())
			require.NoError(t, err)
			assert.Equal(t, q, ex.Input.String("queue_name"))
			assert.Contains(t, queueNames(t, ctx), q, "the private queue exists while the run lasts")
			v, err := run.Wait(ctx)
			require.NoError(t, err)
			assert.Equal(t, 42, v)
			assert.Len(t, ofKind(run.Snapshot(), tripleo.EventMessage, ""), 2)
			eventually(t, 10*time.Second, "private queue deleted", func() bool { return !slices.Contains(queueNames(t, ctx), q) })
		})
	}
}

// Several runs on one queue through one Notifier: each run sees exactly its
// own messages, and the REST poller's requests depend on the queue, not on the
// number of runs. Concurrency is bounded at 8 runs: the one-process Mistral on
// sqlite wedges ("database is locked") under heavier parallel load.
func TestConcurrentRunsOneQueue(t *testing.T) {
	need(t, "zaqar")
	const runs = 8
	for _, n := range []notify{viaREST, viaWS} {
		t.Run(n.String(), func(t *testing.T) {
			ctx := testCtx(t, 2*time.Minute)
			q := testQueue(t, "conc-"+n.String())
			counter := &listingCounter{rt: httpc.Transport, queue: q}
			hc := &http.Client{Transport: counter}
			c := newClient(t, n, tripleo.WithHTTPClient(hc))
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, runs)
			all := make([]*tripleo.Run[int], runs)
			for i := range runs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"seconds": 1}, tripleo.DecodeField[int]("answer", false), tripleo.StartOpts{Queue: q})
					if err != nil {
						errs[i] = err
						return
					}
					all[i] = run
					_, errs[i] = run.Wait(ctx)
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			ids := map[string]bool{}
			for i, run := range all {
				require.NoError(t, errs[i], "run %d", i)
				ids[run.ExecutionID()] = true
				evs := run.Snapshot()
				checkEnvelope(t, evs)
				msgs := ofKind(evs, tripleo.EventMessage, "")
				assert.Equal(t, []string{"message:RUNNING", "message:SUCCESS"}, statuses(msgs), "run %d", i)
				for _, m := range msgs {
					assert.Equal(t, run.ExecutionID(), m.ExecutionID, "run %d got another run's message", i)
				}
			}
			assert.Len(t, ids, runs)
			assert.Len(t, queueMessages(t, ctx, q), 2*runs)
			if n == viaREST {
				// one poller for the queue: at most one listing per 100 ms (plus flushes: one per run)
				limit := int(elapsed/(100*time.Millisecond)) + 2*runs + 2
				assert.LessOrEqual(t, counter.n(), limit, "listings of %s in %s", q, elapsed)
			}
			t.Logf("%d runs on one queue in %s, %d listings", runs, elapsed.Round(time.Millisecond), counter.n())
		})
	}
}

// listingCounter counts the message listings of one queue.
type listingCounter struct {
	rt    http.RoundTripper
	queue string
	mu    sync.Mutex
	count int
}

func (l *listingCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/queues/"+l.queue+"/messages") {
		l.mu.Lock()
		l.count++
		l.mu.Unlock()
	}
	return l.rt.RoundTrip(req)
}

func (l *listingCounter) n() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

// Mistral's error bodies reach the caller typed: an unknown workflow (Mistral
// 15 in one process answers 500 "DBEntityNotFoundError", retried twice then
// returned; over RabbitMQ 404 "Workflow not found", see mistralTyped), a
// missing input (400), an unknown input (400), and the same problems caught
// locally by StartOpts.CheckInput before any request.
func TestMistralErrors(t *testing.T) {
	need(t, "zaqar")
	ctx := testCtx(t, time.Minute)
	c := newClient(t, viaREST)
	q := testQueue(t, "errors")

	_, err := tripleo.Start(ctx, c, "tripleo.nope.v1.nope", nil, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
	var api *tripleo.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, mistralTyped(http.StatusNotFound), api.StatusCode)
	assert.Contains(t, api.Message, "Workflow not found [workflow_identifier=tripleo.nope.v1.nope")
	if onProduction() {
		assert.ErrorIs(t, err, tripleo.ErrNotFound)
	} else {
		assert.Contains(t, api.Message, "DBEntityNotFoundError")
	}

	_, err = tripleo.Start(ctx, c, "tripleo.baremetal.v1.provide", nil, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
	require.ErrorAs(t, err, &api)
	assert.Equal(t, http.StatusBadRequest, api.StatusCode)
	assert.Equal(t, "Invalid input [name=provide, class=DirectWorkflowSpec, missing=['node_uuids']]", api.Message)

	_, err = tripleo.Start(ctx, c, wfHold, map[string]any{"bogus": 1}, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
	require.ErrorAs(t, err, &api)
	assert.Equal(t, http.StatusBadRequest, api.StatusCode)
	assert.Contains(t, api.Message, "unexpected=['bogus']")

	// the same, caught locally
	_, err = tripleo.Start(ctx, c, "tripleo.baremetal.v1.provide", map[string]any{"bogus": 1}, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q, CheckInput: true})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	var fields []string
	for _, p := range tripleo.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"node_uuids", "bogus"}, fields)
	_, err = tripleo.Start(ctx, c, "tripleo.nope.v1.nope", nil, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q, CheckInput: true})
	require.ErrorAs(t, err, &api)
	assert.Equal(t, http.StatusNotFound, api.StatusCode, "CheckInput reads the workflow: 404")

	// nothing was started by any of these
	list, err := c.ListExecutions(ctx, tripleo.ListExecutionsOpts{WorkflowName: "tripleo.baremetal.v1.provide"})
	require.NoError(t, err)
	for _, ex := range list {
		assert.NotEqual(t, q, ex.Input.String("queue_name"))
	}
}

// Environments CRUD, with a Secret variable (masked when printed), and an
// environment given to an execution (params env) that reads it.
func TestEnvironments(t *testing.T) {
	need(t, "zaqar")
	ctx := testCtx(t, time.Minute)
	c := newClient(t, viaREST)
	envName := name("env")
	pw := newSecret()
	t.Cleanup(func() { _ = c.DeleteEnvironment(ctx, envName) })

	created, err := c.CreateEnvironment(ctx, tripleo.EnvironmentOpts{Name: envName, Description: "integration",
		Variables: map[string]any{"greeting": "hello", "admin_password": pw}})
	require.NoError(t, err)
	assert.Equal(t, envName, created.Name)
	assert.Equal(t, "private", created.Scope)
	got, err := c.GetEnvironment(ctx, envName)
	require.NoError(t, err)
	assert.Equal(t, "integration", got.Description)
	assert.JSONEq(t, `"hello"`, string(got.Variables["greeting"]))
	assert.JSONEq(t, `"`+pw.Reveal()+`"`, string(got.Variables["admin_password"]), "the secret was sent in full")
	checkNoSecret(t, pw, got.Variables.Masked(), fmtV(got.Variables))

	_, err = c.CreateEnvironment(ctx, tripleo.EnvironmentOpts{Name: envName, Variables: map[string]any{}})
	var api *tripleo.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, http.StatusConflict, api.StatusCode)

	up, err := c.UpdateEnvironment(ctx, tripleo.EnvironmentOpts{Name: envName, Description: "updated",
		Variables: map[string]any{"greeting": "bonjour"}})
	require.NoError(t, err)
	assert.Equal(t, "updated", up.Description)
	list, err := c.ListEnvironments(ctx)
	require.NoError(t, err)
	i := slices.IndexFunc(list, func(e tripleo.Environment) bool { return e.Name == envName })
	require.GreaterOrEqual(t, i, 0)
	assert.JSONEq(t, `"bonjour"`, string(list[i].Variables["greeting"]))

	run, err := tripleo.Start(ctx, c, wfHold, nil, tripleo.DecodeField[string]("greeting", false),
		tripleo.StartOpts{Queue: testQueue(t, "env"), Params: map[string]any{"env": envName}})
	require.NoError(t, err)
	greeting, err := run.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "bonjour", greeting, "the execution read the environment")

	require.NoError(t, c.DeleteEnvironment(ctx, envName))
	_, err = c.GetEnvironment(ctx, envName)
	assert.ErrorIs(t, err, tripleo.ErrNotFound)
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "Environment not found [name="+envName+"]", api.Message)
}

func fmtV(v any) string { b, _ := json.Marshal(v); return string(b) }

// A Mirror around the REST Notifier copies each message of a run once to its
// sinks, on the real Zaqar; Run.All iterates the same events as Events.
func TestMirrorAndAll(t *testing.T) {
	need(t, "zaqar")
	ctx := testCtx(t, time.Minute)
	ch := make(chan tripleo.Message, 16)
	sink := messaging.ChanSink(ch)
	var mu sync.Mutex
	var types []string
	logs := &syncBuffer{}
	c := newClient(t, viaREST, tripleo.WithNotifierFrom(func(c *tripleo.Client) (tripleo.Notifier, error) {
		return messaging.NewMirror(messaging.NewZaqar(c.Messaging, messaging.ZaqarOpts{}), sink,
			messaging.SinkFunc(func(m tripleo.Message) { mu.Lock(); types = append(types, m.Type+":"+m.Status()); mu.Unlock() }),
			messaging.SlogSink(slog.New(slog.NewJSONHandler(logs, nil)))), nil
	}))
	q := testQueue(t, "mirror")
	run, err := tripleo.Start(ctx, c, wfHold, nil, tripleo.DecodeField[int]("answer", false), tripleo.StartOpts{Queue: q})
	require.NoError(t, err)
	var kinds []tripleo.EventKind
	var last error
	for ev, err := range run.All(ctx) {
		kinds = append(kinds, ev.Kind)
		last = err
	}
	assert.NoError(t, last)
	assert.Equal(t, tripleo.EventStarted, kinds[0])
	assert.Equal(t, tripleo.EventDone, kinds[len(kinds)-1])
	_, err = run.Wait(ctx)
	require.NoError(t, err)
	mu.Lock()
	assert.Equal(t, []string{wfHold + ":RUNNING", wfHold + ":SUCCESS"}, types)
	mu.Unlock()
	assert.Len(t, ch, 2)
	assert.Zero(t, sink.Dropped())
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2, "one log line per message")
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &line))
	assert.Equal(t, "zaqar message", line["msg"])
	assert.Equal(t, q, line["queue"])
	assert.Equal(t, tripleo.StatusSuccess, line["status"])
}
