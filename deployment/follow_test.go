package deployment_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/tripleo"
)

const (
	top    = "overcloud"
	topID  = "5d1f3c1e-0000-4000-8000-000000000001"
	nested = "overcloud-Compute-abc123"
	nestID = "5d1f3c1e-0000-4000-8000-000000000002"
)

// createScenario: a stack being created with a nested stack. Events e1..e5 are
// there when the watch starts; e6..e10 (ending CREATE_COMPLETE) come at t=5s.
func createScenario() (*heatSim, []simEvent) {
	h := newHeatSim()
	h.stack(top, topID, "CREATE_IN_PROGRESS", "")
	h.stack(nested, nestID, "INIT_COMPLETE", top)
	h.resource(top, "Secret", "OS::Heat::RandomString", "INIT_COMPLETE")
	h.resource(top, "Compute", "OS::Heat::ResourceGroup", "INIT_COMPLETE")
	h.resource(nested, "0", "OS::Heat::TestResource", "INIT_COMPLETE")
	h.stacks[top].outputs = map[string]any{"KeystoneURL": "http://192.0.2.10:5000"}
	h.add(
		h.ev(top, top, "CREATE_IN_PROGRESS", "Stack CREATE started"),       // e1
		h.ev(top, "Secret", "CREATE_IN_PROGRESS", "state changed"),         // e2
		h.ev(top, "Secret", "CREATE_COMPLETE", "state changed"),            // e3
		h.ev(top, "Compute", "CREATE_IN_PROGRESS", "state changed"),        // e4
		h.ev(nested, nested, "CREATE_IN_PROGRESS", "Stack CREATE started"), // e5
	)
	rest := []simEvent{
		h.ev(nested, "0", "CREATE_IN_PROGRESS", "state changed"),                       // e6
		h.ev(nested, "0", "CREATE_COMPLETE", "state changed"),                          // e7
		h.ev(nested, nested, "CREATE_COMPLETE", "Stack CREATE completed successfully"), // e8
		h.ev(top, "Compute", "CREATE_COMPLETE", "state changed"),                       // e9
		h.ev(top, top, "CREATE_COMPLETE", "Stack CREATE completed successfully"),       // e10
	}
	return h, rest
}

func TestFollowPagesByMarkerAndBacksOffWhileIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, rest := createScenario()
		c := h.client(t)
		go func() {
			time.Sleep(5 * time.Second)
			h.add(rest...)
		}()
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, PageSize: 2, PollMin: time.Second, PollMax: 4 * time.Second})
		require.NoError(t, err)
		evs := collect(w.Events())
		st, err := w.Wait(t.Context())
		require.NoError(t, err)

		assert.Equal(t, &deployment.Stack{
			Name: top, ID: topID, Status: "CREATE_COMPLETE", StatusReason: "Stack CREATE completed successfully",
			Outputs:      map[string]any{"KeystoneURL": "http://192.0.2.10:5000"},
			CreationTime: h.base, UpdatedTime: h.base.Add(10 * time.Second),
		}, st)

		// every request: sort_dir=asc, nested_depth=2, limit=2, marker = last id read
		var markers []string
		for _, q := range h.eventQueries() {
			assert.Equal(t, "asc", q.Get("sort_dir"))
			assert.Equal(t, "2", q.Get("nested_depth"))
			assert.Equal(t, "2", q.Get("limit"))
			markers = append(markers, q.Get("marker"))
		}
		assert.Equal(t, []string{
			"", "ev-00002", "ev-00004", // first poll: three pages
			"ev-00005", "ev-00005", "ev-00005", // idle polls (a stack GET after the 2nd)
			"ev-00005", "ev-00007", "ev-00009", // the rest, paged
		}, markers)
		// polls: at once while pages are full; 1 s after events; then ×1.5 while idle
		assert.Equal(t, []time.Duration{0, 0, 0, time.Second, 2500 * time.Millisecond, 4750 * time.Millisecond,
			8125 * time.Millisecond, 8125 * time.Millisecond, 8125 * time.Millisecond}, h.pollTimes())

		require.Len(t, evs, 10)
		for i, e := range evs {
			assert.Equal(t, fmt.Sprintf("ev-%05d", i+1), e.ID, "order")
		}
		assert.True(t, evs[0].Top)
		assert.Equal(t, deployment.StackEvent{
			ID: "ev-00006", Time: h.base.Add(6 * time.Second), ResourceName: "0", LogicalResourceID: "0",
			PhysicalResourceID: "phys-0", Status: "CREATE_IN_PROGRESS", StatusReason: "state changed",
			Stack: nested, StackID: nestID, Nested: true,
			Progress: tripleo.Progress{Done: 1, InProgress: 2, Total: 3},
		}, evs[5])
		assert.False(t, evs[4].Top, "a nested stack's own event is not the top stack's")
		assert.True(t, evs[9].Top)
		assert.Equal(t, tripleo.Progress{Done: 3, Total: 3}, evs[9].Progress)
		assert.Equal(t, tripleo.Progress{Done: 3, Total: 3}, w.Counts())

		// the run view: a "following" event, then one EventProgress per Heat event
		snap := w.Run().Snapshot()
		assert.Equal(t, tripleo.EventStarted, snap[0].Kind)
		assert.Contains(t, snap[1].Text, "following stack overcloud ("+topID+") awaiting CREATE")
		ev := snap[2]
		assert.Equal(t, tripleo.EventProgress, ev.Kind)
		assert.Equal(t, "heat", ev.Source)
		assert.Equal(t, top, ev.Subject)
		assert.Equal(t, "CREATE_IN_PROGRESS", ev.Status)
		assert.Equal(t, tripleo.EventDone, snap[len(snap)-1].Kind)
		_, gets := h.counts()
		assert.Equal(t, 3, gets, "lookup, one idle fallback, final read")
	})
}

func TestFollowDedupesRepeatedEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, rest := createScenario()
		c := h.client(t)
		h.ignoreMkr = 0
		go func() {
			time.Sleep(1500 * time.Millisecond)
			h.mu.Lock()
			h.ignoreMkr = 2 // the next two GETs return everything again
			h.mu.Unlock()
			time.Sleep(5 * time.Second)
			h.add(rest...)
		}()
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, PollMin: time.Second, PollMax: 2 * time.Second})
		require.NoError(t, err)
		evs := collect(w.Events())
		_, err = w.Wait(t.Context())
		require.NoError(t, err)
		ids := map[string]int{}
		for _, e := range evs {
			ids[e.ID]++
		}
		assert.Len(t, evs, 10)
		assert.Len(t, ids, 10, "each event once")
		assert.Equal(t, tripleo.Progress{Done: 3, Total: 3}, w.Counts())
		qs := h.eventQueries()
		assert.Equal(t, "ev-00005", qs[len(qs)-1].Get("marker"), "the marker moves on past repeated events")
	})
}

func TestFollowTopStackOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, rest := createScenario()
		h.add(rest...)
		c := h.client(t)
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top + "/" + topID, NestedDepth: -1})
		require.NoError(t, err)
		_, err = w.Wait(t.Context())
		require.NoError(t, err)
		var names []string
		for _, e := range w.Run().Snapshot() {
			if se, ok := e.Data.(deployment.StackEvent); ok {
				names = append(names, se.ResourceName)
				assert.False(t, se.Nested)
			}
		}
		assert.Equal(t, []string{top, "Secret", "Secret", "Compute", "Compute", top}, names)
		for _, q := range h.eventQueries() {
			assert.False(t, q.Has("nested_depth"), q.Encode())
		}
		assert.Equal(t, 2, w.Counts().Total, "nested resources are not counted either")
	})
}

func TestFollowRetries503504AndConnectionErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, rest := createScenario()
		h.add(rest...)
		h.faults = []fault{{code: 503}, {code: 504}, {connErr: true}, {code: 502}}
		c := h.client(t)
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, PollMin: time.Second, PollMax: 10 * time.Second})
		require.NoError(t, err)
		st, err := w.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "CREATE_COMPLETE", st.Status)
		var warnings []string
		for _, e := range w.Run().Snapshot() {
			if e.Kind == tripleo.EventWarning {
				warnings = append(warnings, e.Text)
				assert.Error(t, e.Err)
			}
		}
		require.Len(t, warnings, 4)
		assert.Contains(t, warnings[0], "503")
		assert.Contains(t, warnings[1], "504")
		assert.Contains(t, warnings[2], "connection reset")
		// error backoff ×2 from PollMin
		assert.Equal(t, []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second}, h.pollTimes())
	})
}

func TestFollowEndsTypedOnOtherErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fault
		code  int
		is404 bool
	}{
		{"400", fault{code: 400}, 400, false},
		{"404", fault{code: 404}, 404, true},
		{"500", fault{code: 500}, 500, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, _ := createScenario()
				h.faults = []fault{tc.fault}
				c := h.client(t)
				w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top})
				require.NoError(t, err)
				_, err = w.Wait(t.Context())
				var ae *tripleo.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tc.code, ae.StatusCode)
				assert.Contains(t, ae.Message, "(injected)", "Heat's error.message is extracted")
				assert.Equal(t, tc.is404, errors.Is(err, tripleo.ErrNotFound))
				assert.Contains(t, err.Error(), "following stack overcloud ("+topID+")")
				assert.Len(t, h.eventQueries(), 1, "not retried")
			})
		})
	}
}

func TestFollowEndsOnAMalformedPage(t *testing.T) {
	for _, body := range []string{`{"stacks": []}`, `{"events": [1]}`} {
		synctest.Test(t, func(t *testing.T) {
			h, _ := createScenario()
			h.faults = []fault{{body: body}}
			c := h.client(t)
			w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top})
			require.NoError(t, err)
			_, err = w.Wait(t.Context())
			assert.ErrorContains(t, err, "heat: ", body)
			assert.Len(t, h.eventQueries(), 1, "not retried")
		})
	}
}

func TestFollowGivesUpAfterMaxRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := createScenario()
		h.faults = []fault{{code: 503}, {code: 503}, {code: 503}, {code: 503}}
		c := h.client(t)
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, MaxRetries: 2})
		require.NoError(t, err)
		_, err = w.Wait(t.Context())
		var ae *tripleo.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 503, ae.StatusCode)
		assert.ErrorContains(t, err, "giving up after 2 retries")
		assert.Len(t, h.eventQueries(), 3)
	})
}

func TestFollowMissingStackFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHeatSim()
		c := h.client(t)
		_, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: "nope"})
		require.ErrorIs(t, err, tripleo.ErrNotFound)
		assert.ErrorContains(t, err, "The Stack (nope) could not be found.")
	})
}

// failScenario: a create whose TestResource (in a nested stack) fails.
func failScenario() *heatSim {
	h := newHeatSim()
	h.stack(top, topID, "CREATE_IN_PROGRESS", "")
	h.stack(nested, nestID, "CREATE_IN_PROGRESS", top)
	h.resource(top, "Compute", "OS::Heat::ResourceGroup", "INIT_COMPLETE")
	h.resource(nested, "0", "OS::Heat::TestResource", "INIT_COMPLETE")
	h.add(
		h.ev(top, top, "CREATE_IN_PROGRESS", "Stack CREATE started"),
		h.ev(top, "Compute", "CREATE_IN_PROGRESS", "state changed"),
		h.ev(nested, nested, "CREATE_IN_PROGRESS", "Stack CREATE started"),
		h.ev(nested, "0", "CREATE_IN_PROGRESS", "state changed"),
		h.ev(nested, "0", "CREATE_FAILED", "ValueError: resources[0]: Test Resource failed test"),
		h.ev(nested, nested, "CREATE_FAILED", "Resource CREATE failed: ValueError: resources[0]: Test Resource failed test"),
		h.ev(top, "Compute", "CREATE_FAILED", "ValueError: resources.Compute.resources[0]: Test Resource failed test"),
		h.ev(top, top, "CREATE_FAILED", "Resource CREATE failed: ValueError: resources.Compute.resources[0]: Test Resource failed test"),
	)
	return h
}

// failScenarioFailures are the failed resources of failScenario, top first.
var failScenarioFailures = []deployment.ResourceFailure{
	{Name: "Compute", Type: "OS::Heat::ResourceGroup", Status: "CREATE_FAILED", Reason: "ValueError: resources.Compute.resources[0]: Test Resource failed test", Stack: top},
	{Name: "0", Type: "OS::Heat::TestResource", Status: "CREATE_FAILED", Reason: "ValueError: resources[0]: Test Resource failed test", Stack: nested},
}

func TestFailedStackIsAStackErrorNamingResources(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := failScenario()
		c := h.client(t)
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top})
		require.NoError(t, err)
		_, err = w.Wait(t.Context())
		require.ErrorIs(t, err, deployment.ErrStackFailed)
		var se *deployment.StackError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, &deployment.StackError{
			Stack: top, ID: topID, Status: "CREATE_FAILED",
			Reason: "Resource CREATE failed: ValueError: resources.Compute.resources[0]: Test Resource failed test",
			Failed: failScenarioFailures,
		}, se)
		assert.Contains(t, err.Error(), "0 (OS::Heat::TestResource) CREATE_FAILED: ValueError: resources[0]: Test Resource failed test")
		assert.Equal(t, tripleo.Progress{Failed: 2, Total: 2}, w.Counts())
		synctest.Wait() // the EventDone is logged just after the outcome is stored
		snap := w.Run().Snapshot()
		assert.Equal(t, tripleo.EventDone, snap[len(snap)-1].Kind)
		assert.Equal(t, tripleo.StateError, snap[len(snap)-1].Status)
	})
}

func TestFailedResourcesFromEventsWhenTheListFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := failScenario()
		c := h.client(t)
		h.failResAfter = 1 // the list works for the counters, then fails: failures come from the events
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top})
		require.NoError(t, err)
		_, err = w.Wait(t.Context())
		var se *deployment.StackError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, failScenarioFailures, se.Failed)
	})
}

// updateScenario: a stack created earlier (history), then updated.
func updateScenario() *heatSim {
	h := newHeatSim()
	h.stack(top, topID, "CREATE_COMPLETE", "")
	h.resource(top, "Secret", "OS::Heat::RandomString", "CREATE_COMPLETE")
	h.add(
		h.ev(top, top, "CREATE_IN_PROGRESS", "Stack CREATE started"),
		h.ev(top, "Secret", "CREATE_IN_PROGRESS", "state changed"),
		h.ev(top, "Secret", "CREATE_COMPLETE", "state changed"),
		h.ev(top, top, "CREATE_COMPLETE", "Stack CREATE completed successfully"),
	)
	return h
}

func TestUpdateCompleteAfterAnUpdateIsSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := updateScenario()
		c := h.client(t)
		since, err := deployment.LatestEventID(t.Context(), c, deployment.LatestEventIDOpts{Stack: top})
		require.NoError(t, err)
		assert.Equal(t, "ev-00004", since)
		q := h.eventQueries()[0]
		assert.Equal(t, url.Values{"sort_dir": {"desc"}, "limit": {"1"}, "nested_depth": {"2"}}, q)

		// the update starts (Heat switched to UPDATE_IN_PROGRESS) and completes at t=3s
		h.add(h.ev(top, top, "UPDATE_IN_PROGRESS", "Stack UPDATE started"))
		h.setStatus(top, "UPDATE_IN_PROGRESS", "Stack UPDATE started")
		go func() {
			time.Sleep(3 * time.Second)
			h.add(
				h.ev(top, "Secret", "UPDATE_IN_PROGRESS", "state changed"),
				h.ev(top, "Secret", "UPDATE_COMPLETE", "state changed"),
				h.ev(top, top, "UPDATE_COMPLETE", "Stack UPDATE completed successfully"),
			)
		}()
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, Action: "update", Since: since})
		require.NoError(t, err)
		assert.Equal(t, "UPDATE", w.Action())
		evs := collect(w.Events())
		st, err := w.Wait(t.Context())
		require.NoError(t, err, "UPDATE_COMPLETE is success (tripleoclient's bug treated it as a failure)")
		assert.Equal(t, "UPDATE_COMPLETE", st.Status)
		require.Len(t, evs, 4, "only the update's events")
		assert.Equal(t, "ev-00005", evs[0].ID)
		assert.Equal(t, "ev-00004", h.eventQueries()[1].Get("marker"))
	})
}

func TestReplayedHistoryDoesNotEndTheWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := updateScenario()
		// an earlier update completed; a second one is running now
		h.add(
			h.ev(top, top, "UPDATE_IN_PROGRESS", "Stack UPDATE started"),
			h.ev(top, top, "UPDATE_COMPLETE", "Stack UPDATE completed successfully"),
			h.ev(top, top, "UPDATE_IN_PROGRESS", "Stack UPDATE started"),
		)
		c := h.client(t)
		go func() {
			time.Sleep(30 * time.Second)
			h.add(h.ev(top, "Secret", "UPDATE_FAILED", "boom"), h.ev(top, top, "UPDATE_FAILED", "Resource UPDATE failed: boom"))
		}()
		start := time.Now()
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top}) // no Since: the whole history
		require.NoError(t, err)
		assert.Equal(t, "UPDATE", w.Action(), "the action of the stack's status")
		_, err = w.Wait(t.Context())
		var se *deployment.StackError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "UPDATE_FAILED", se.Status)
		assert.GreaterOrEqual(t, time.Since(start), 30*time.Second, "neither CREATE_COMPLETE nor the old UPDATE_COMPLETE ended it")
	})
}

func TestStackGetFallbackAfterTwoEmptyPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, rest := createScenario()
		c := h.client(t)
		// Heat completes the stack but its final event never shows
		go func() {
			time.Sleep(10 * time.Second)
			h.add(rest[:4]...)
			h.setStatus(top, "CREATE_COMPLETE", "Stack CREATE completed successfully")
		}()
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, PollMin: time.Second, PollMax: 5 * time.Second})
		require.NoError(t, err)
		st, err := w.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "CREATE_COMPLETE", st.Status)
		assert.Equal(t, "Stack CREATE completed successfully", st.StatusReason)
		assert.Equal(t, tripleo.Progress{Done: 3, Total: 3}, w.Counts(), "events read up to the end")
		ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
		// idle: ×1.5 up to 5 s; events at 13.125 s reset the interval to 1 s;
		// the stack GET after two empty polls ends it (with one last events poll)
		assert.Equal(t, []time.Duration{0, ms(1000), ms(2500), ms(4750), ms(8125), ms(13125), ms(14125), ms(15625), ms(15625)}, h.pollTimes())
		_, gets := h.counts()
		assert.Equal(t, 4, gets, "lookup + a GET after every second empty poll")
	})
}

func TestStaleStatusIsNotTrustedBeforeNewEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := updateScenario()
		c := h.client(t)
		since, err := deployment.LatestEventID(t.Context(), c, deployment.LatestEventIDOpts{Stack: top, NestedDepth: 2})
		require.NoError(t, err)
		h.setStatus(top, "UPDATE_COMPLETE", "an earlier update") // Heat has not switched yet
		go func() {
			time.Sleep(40 * time.Second)
			h.add(h.ev(top, top, "UPDATE_IN_PROGRESS", "Stack UPDATE started"))
			h.setStatus(top, "UPDATE_IN_PROGRESS", "")
			time.Sleep(5 * time.Second)
			h.add(h.ev(top, top, "UPDATE_FAILED", "Resource UPDATE failed: boom"))
			h.setStatus(top, "UPDATE_FAILED", "Resource UPDATE failed: boom")
		}()
		start := time.Now()
		w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, Action: deployment.HeatActionUpdate, Since: since})
		require.NoError(t, err)
		_, err = w.Wait(t.Context())
		require.ErrorIs(t, err, deployment.ErrStackFailed)
		assert.GreaterOrEqual(t, time.Since(start), 45*time.Second)
	})
}

func TestRollbackAndDeleteByAwaitedAction(t *testing.T) {
	t.Run("rollback after a failed update", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := updateScenario()
			h.add(h.ev(top, top, "UPDATE_IN_PROGRESS", "Stack UPDATE started"))
			h.setStatus(top, "ROLLBACK_COMPLETE", "Stack ROLLBACK completed successfully")
			c := h.client(t)
			w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, Action: deployment.HeatActionUpdate})
			require.NoError(t, err)
			_, err = w.Wait(t.Context())
			var se *deployment.StackError
			require.ErrorAs(t, err, &se, "ROLLBACK_COMPLETE undid the awaited UPDATE")
			assert.Equal(t, "ROLLBACK_COMPLETE", se.Status)
		})
	})
	t.Run("rollback awaited", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := updateScenario()
			h.add(h.ev(top, top, "ROLLBACK_IN_PROGRESS", "rolling back"), h.ev(top, top, "ROLLBACK_COMPLETE", "Stack ROLLBACK completed successfully"))
			c := h.client(t)
			w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, Action: "ROLLBACK"})
			require.NoError(t, err)
			st, err := w.Wait(t.Context())
			require.NoError(t, err)
			assert.Equal(t, "ROLLBACK_COMPLETE", st.Status)
		})
	})
	t.Run("delete ends when the stack is gone", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := updateScenario()
			h.add(h.ev(top, top, "DELETE_IN_PROGRESS", "Stack DELETE started"))
			h.setStatus(top, "DELETE_IN_PROGRESS", "")
			c := h.client(t)
			go func() {
				time.Sleep(5 * time.Second)
				h.mu.Lock()
				delete(h.stacks, top)
				h.mu.Unlock()
			}()
			w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top})
			require.NoError(t, err)
			assert.Equal(t, "DELETE", w.Action())
			st, err := w.Wait(t.Context())
			require.NoError(t, err)
			assert.Equal(t, "DELETE_COMPLETE", st.Status)
		})
	})
	t.Run("delete failed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := updateScenario()
			h.add(h.ev(top, top, "DELETE_IN_PROGRESS", "Stack DELETE started"), h.ev(top, top, "DELETE_FAILED", "Resource DELETE failed: busy"))
			c := h.client(t)
			w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top, Action: "DELETE"})
			require.NoError(t, err)
			_, err = w.Wait(t.Context())
			var se *deployment.StackError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "DELETE_FAILED", se.Status)
			assert.Equal(t, "Resource DELETE failed: busy", se.Reason)
		})
	})
}

func TestClassifyStatusBySuffix(t *testing.T) {
	for status, want := range map[string]deployment.StackOutcome{
		"CREATE_IN_PROGRESS":   deployment.StackInProgress,
		"UPDATE_IN_PROGRESS":   deployment.StackInProgress,
		"DELETE_IN_PROGRESS":   deployment.StackInProgress,
		"ROLLBACK_IN_PROGRESS": deployment.StackInProgress,
		"CREATE_COMPLETE":      deployment.StackComplete,
		"UPDATE_COMPLETE":      deployment.StackComplete,
		"DELETE_COMPLETE":      deployment.StackComplete,
		"ROLLBACK_COMPLETE":    deployment.StackComplete,
		"check_complete":       deployment.StackComplete,
		"CREATE_FAILED":        deployment.StackFailed,
		"UPDATE_FAILED":        deployment.StackFailed,
		"DELETE_FAILED":        deployment.StackFailed,
		"ROLLBACK_FAILED":      deployment.StackFailed,
		"IN_PROGRESS":          deployment.StackUnknown, // never the bare word
		"":                     deployment.StackUnknown,
		"INIT_COMPLETE":        deployment.StackComplete,
	} {
		assert.Equal(t, want, deployment.ClassifyStatus(status), status)
	}
	for status, want := range map[string]deployment.DeployStatus{
		"NO_STACK": deployment.Undeployed, "CREATE_IN_PROGRESS": deployment.Deploying, "CREATE_COMPLETE": deployment.DeploySuccess,
		"CREATE_FAILED": deployment.DeployFailed, "UPDATE_IN_PROGRESS": deployment.Deploying, "UPDATE_COMPLETE": deployment.DeploySuccess,
		"UPDATE_FAILED": deployment.DeployFailed, "DELETE_IN_PROGRESS": deployment.Undeploying, "DELETE_COMPLETE": deployment.Undeployed,
		"DELETE_FAILED": deployment.UndeployFailed, "ROLLBACK_COMPLETE": deployment.StatusUnknown, "": deployment.StatusUnknown,
	} {
		assert.Equal(t, want, deployment.ConvertStackStatus(status), status)
	}
}

func TestStopAndCancelReleaseEverything(t *testing.T) {
	t.Run("stop while a reader is blocked", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, _ := createScenario() // never completes
			c := h.client(t)
			w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top})
			require.NoError(t, err)
			ch := w.Events()
			<-ch // read one, leave the rest
			time.Sleep(time.Minute)
			w.Stop()
			w.Stop() // idempotent
			for range ch {
			}
			_, err = w.Wait(t.Context())
			require.ErrorIs(t, err, deployment.ErrStopped)
			assert.ErrorContains(t, err, "last status CREATE_IN_PROGRESS")
		})
	})
	t.Run("ctx cancel without any reader", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, _ := createScenario()
			c := h.client(t)
			ctx, cancel := context.WithCancel(t.Context())
			w, err := deployment.FollowStack(ctx, c, deployment.FollowOpts{Stack: top})
			require.NoError(t, err)
			time.Sleep(time.Hour)
			cancel()
			_, err = w.Wait(t.Context())
			require.ErrorIs(t, err, context.Canceled)
			synctest.Wait()
			assert.Len(t, w.Run().Snapshot(), 8, "started, following, 5 events, done: nothing blocked on a reader")
		})
	})
	t.Run("wait bounded by its own ctx", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, _ := createScenario()
			c := h.client(t)
			w, err := deployment.FollowStack(t.Context(), c, deployment.FollowOpts{Stack: top})
			require.NoError(t, err)
			wctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			_, err = w.Wait(wctx)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			select {
			case <-w.Done():
				t.Fatal("the watch goes on after a bounded Wait")
			default:
			}
			w.Stop()
			<-w.Done()
		})
	})
}

func TestFollowValidation(t *testing.T) {
	c, _ := newMockClient(t)
	for _, tc := range []struct {
		stack string
		opts  deployment.FollowOpts
		field string
	}{
		{"", deployment.FollowOpts{}, "stack"},
		{"1bad", deployment.FollowOpts{}, "stack"},
		{"a b", deployment.FollowOpts{}, "stack"},
		{"ok", deployment.FollowOpts{Action: "DEPLOY"}, "action"},
		{"ok", deployment.FollowOpts{PageSize: -1}, "page size"},
		{"ok", deployment.FollowOpts{PollMin: time.Minute, PollMax: time.Second}, "poll interval"},
		{"ok", deployment.FollowOpts{PollMin: -1}, "poll interval"},
		{"ok/" + topID, deployment.FollowOpts{StackID: nestID}, "stack id"},
		{"ok", deployment.FollowOpts{StackID: "a/b"}, "stack id"},
	} {
		tc.opts.Stack = tc.stack
		_, err := deployment.FollowStack(t.Context(), c, tc.opts)
		require.ErrorIs(t, err, tripleo.ErrInvalidInput, tc.stack)
		p := tripleo.Problems(err)
		require.NotEmpty(t, p)
		assert.Equal(t, tc.field, p[0].Field, tc.stack)
	}
	noHeat, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: mistralURL})
	require.NoError(t, err)
	_, err = deployment.FollowStack(t.Context(), noHeat, deployment.FollowOpts{Stack: "ok"})
	require.ErrorIs(t, err, tripleo.ErrNoService)
}
