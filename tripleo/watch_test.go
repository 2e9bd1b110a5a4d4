package tripleo_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

func TestTerminalViaWatcherWhenNoMessageComes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		start := time.Now()
		run, err := tripleo.Start(t.Context(), c, wf, nil, decodeReg, tripleo.StartOpts{})
		require.NoError(t, err)
		time.Sleep(20 * time.Second)
		lists := sim.Lists()
		sim.Set(run.ExecutionID(), "SUCCESS", "", map[string]any{"registered_nodes": []any{map[string]any{"uuid": "from-output"}}})
		res, err := run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "from-output", res.Nodes[0]["uuid"], "execution output stands in for the missed final message")
		assert.LessOrEqual(t, time.Since(start), 20*time.Second+100*time.Millisecond, "seen at the next tick (every age/200 s, at least 50 ms)")
		gets := sim.GetTimes()
		require.Equal(t, lists+2, len(gets), "one list per tick, then the tick that saw SUCCESS and one GET of the whole execution")
		assert.Equal(t, 50*time.Millisecond, gets[0].Sub(start), "the first check comes 50 ms after the start")
		assert.Equal(t, gets[0], gets[1], "the id filter refused (as Mistral 15 does), the changes since the start are listed at once")
		for i := 2; i < lists; i++ {
			gap := gets[i].Sub(gets[i-1])
			age := gets[i-1].Sub(start)
			assert.Equal(t, max(50*time.Millisecond, age/200), gap, "the check after one at %v", age)
		}
		assert.Equal(t, 1, n.Flushes(), "the notifier is flushed before deciding from Mistral")
	})
}

func TestWatcherChecksEveryRunInOneRequestPerTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, sim := newEngine(t, nil)
		var runs []*tripleo.Run[*tripleo.Final]
		for range 100 {
			run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
			require.NoError(t, err)
			runs = append(runs, run)
		}
		time.Sleep(time.Second + 25*time.Millisecond)
		// 20 ticks of 50 ms, each one list of the executions changed lately,
		// plus the first tick's id filter, which Mistral 15 refuses
		assert.Equal(t, 20+1, sim.Lists(), "one list per tick, whatever the number of runs")
		for _, r := range runs {
			sim.Set(r.ExecutionID(), "SUCCESS", "", nil)
		}
		for _, r := range runs {
			_, err := r.Wait(t.Context())
			require.NoError(t, err)
		}
		synctest.Wait()
		before := len(sim.GetTimes())
		time.Sleep(time.Minute)
		assert.Equal(t, before, len(sim.GetTimes()), "no run left: the watcher's goroutine is gone, nothing is read")
	})
}

// A server that rejects the id filter of a list gets one GET per run instead.
func TestWatcherFallsBackToGETsWhereListsAreNotFiltered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, sim := newEngine(t, nil)
		var lists, gets atomic.Int32
		sim.OnGET(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/executions") {
				lists.Add(1)
				return tripleotest.JSONResponse(r, 400, map[string]any{"faultstring": "unknown filter"}), nil
			}
			gets.Add(1)
			id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
			return tripleotest.JSONResponse(r, 200, tripleotest.ExecutionJSON(id, wf, "SUCCESS", "", nil, nil)), nil
		})
		r1, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.NoError(t, err)
		r2, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.NoError(t, err)
		_, err = r1.Wait(t.Context())
		require.NoError(t, err)
		_, err = r2.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, int32(2), lists.Load(), "each filter (id, then updated_at) is tried once")
		assert.Equal(t, int32(4), gets.Load(), "per run: the watcher's GET, then the whole execution's")
	})
}

// A message of the run is followed by a check of its state at once, not at
// the next tick.
func TestWatcherChecksARunWhenItsMessageComes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := tripleotest.NewNotifier()
		c, sim := newEngine(t, n)
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.NoError(t, err)
		time.Sleep(time.Minute) // ticks every 300 ms by now
		synctest.Wait()
		before := sim.Lists()
		sim.Set(run.ExecutionID(), "RUNNING", "", nil)
		n.Post(t, "tripleo", wf, map[string]any{"status": "RUNNING", "message": "halfway", "execution": map[string]any{"id": run.ExecutionID()}})
		synctest.Wait()
		assert.Equal(t, before+1, sim.Lists(), "the message's run was checked without waiting for its tick")
		sim.Set(run.ExecutionID(), "SUCCESS", "", nil)
		_, err = run.Wait(t.Context())
		require.NoError(t, err)
	})
}

type closableNotifier struct {
	*tripleotest.Notifier
	closed atomic.Int32
}

func (n *closableNotifier) Close() error {
	n.closed.Add(1)
	return nil
}

// Close ends the runs still followed with ErrClientClosed, releases the
// watcher's goroutine (the bubble fails on a goroutine left behind), closes
// the Notifier once, and makes Start fail without a request.
func TestClientCloseReleasesTheWatcher(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := &closableNotifier{Notifier: tripleotest.NewNotifier()}
		c, sim := newEngine(t, nil)
		c.Notifier = n
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.NoError(t, err)
		events := run.Events()
		time.Sleep(time.Second)
		require.NoError(t, c.Close())
		require.NoError(t, c.Close(), "Close is idempotent")
		_, err = run.Wait(t.Context())
		require.ErrorIs(t, err, tripleo.ErrClientClosed)
		assert.Contains(t, err.Error(), run.ExecutionID())
		for range events {
		}
		assert.Equal(t, int32(1), n.closed.Load(), "the Notifier is closed once")
		posts := len(sim.Posts())
		_, err = tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
		require.ErrorIs(t, err, tripleo.ErrClientClosed)
		assert.Equal(t, posts, len(sim.Posts()), "nothing is started on a closed Client")
		_, err = tripleo.Attach(t.Context(), c, run.ExecutionID(), tripleo.DecodeFinal, tripleo.AttachOpts{})
		require.ErrorIs(t, err, tripleo.ErrClientClosed)
		gets := len(sim.GetTimes())
		time.Sleep(time.Minute)
		assert.Equal(t, gets, len(sim.GetTimes()), "nothing polls after Close")
	})
}

// A Client that never followed a run closes too, and a nil one.
func TestClientCloseWithoutRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := newEngine(t, nil)
		require.NoError(t, c.Close())
		var nilClient *tripleo.Client
		require.NoError(t, nilClient.Close())
	})
}

// A server that filters executions by id is asked for the runs in batches of
// 40 ids, one round of batches per tick.
func TestWatcherListsByIDWhereTheServerFilters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, sim := newEngine(t, nil)
		var mu sync.Mutex
		var batches []int
		sim.OnGET(func(r *http.Request) (*http.Response, error) {
			ids, ok := strings.CutPrefix(r.URL.Query().Get("id"), "in:")
			if !ok {
				return tripleotest.JSONResponse(r, 500, map[string]any{"faultstring": "unexpected"}), nil
			}
			var items []any
			for _, id := range strings.Split(ids, ",") {
				items = append(items, tripleotest.ExecutionJSON(id, wf, "RUNNING", "", nil, nil))
			}
			mu.Lock()
			batches = append(batches, len(items))
			mu.Unlock()
			return tripleotest.JSONResponse(r, 200, map[string]any{"executions": items}), nil
		})
		for range 100 {
			_, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeFinal, tripleo.StartOpts{})
			require.NoError(t, err)
		}
		time.Sleep(125 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		slices.Sort(batches)
		assert.Equal(t, []int{20, 20, 40, 40, 40, 40}, batches, "two ticks of 40 + 40 + 20 ids")
		require.NoError(t, c.Close())
	})
}
