package messaging_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// heavy runs the full-size starvation test and the soak.
var heavy = flag.Bool("delivery.heavy", false, "run the 1,000-run starvation test and the 10,000-run soak")

// loadBound bounds each load so that lost runs fail rather than hang the test.
var loadBound = flag.Duration("delivery.bound", 5*time.Minute, "bound of each load of runs")

// loadResult counts what concurrent runs received.
type loadResult struct {
	runs, events, foreign, dup, none, failed int
}

// runLoad starts n register_or_update runs (3 messages each) on the queue
// "tripleo" of one Client and counts each run's message events.
func runLoad(t testing.TB, c *tripleo.Client, n int) loadResult {
	t.Helper()
	// A bound so that a run that never ends fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), *loadBound)
	defer cancel()
	var (
		mu  sync.Mutex
		res = loadResult{runs: n}
		wg  sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			r, err := tripleo.Start(ctx, c, "tripleo.baremetal.v1.register_or_update",
				map[string]any{"nodes_json": []any{}}, tripleo.DecodeNothing, tripleo.StartOpts{})
			if err != nil {
				mu.Lock()
				res.failed++
				mu.Unlock()
				return
			}
			_, werr := r.Wait(ctx)
			own, foreign, dup := 0, 0, 0
			ids := map[string]bool{}
			for _, e := range r.Snapshot() {
				if e.Kind != tripleo.EventMessage {
					continue
				}
				if !e.Message.Payload.Belongs(r.ExecutionID()) {
					foreign++
					continue
				}
				key := e.Message.ID
				if ids[key] {
					dup++
				}
				ids[key] = true
				own++
			}
			mu.Lock()
			res.events += own
			res.foreign += foreign
			res.dup += dup
			if own == 0 {
				res.none++
			}
			if werr != nil {
				res.failed++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return res
}

// hog burns CPU on k goroutines until the returned stop is called.
func hog(k int) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			x := 0
			for !done.Load() {
				for i := range 10000 {
					x += i
				}
			}
			_ = fmt.Sprint(x)
		})
	}
	return func() { done.Store(true); wg.Wait() }
}

// loadRuns is the number of concurrent runs of the load tests: 1,000, fewer
// under -short or the race detector (whose cost is not what they measure).
func loadRuns(full int) int {
	switch {
	case testing.Short():
		return full / 10
	case raceEnabled:
		return full / 4
	}
	return full
}

// assertEveryRunGotItsOwn asserts exact counts: 3 message events per run, each
// its own, none twice, no run failed.
func assertEveryRunGotItsOwn(t *testing.T, res loadResult) {
	t.Helper()
	t.Logf("%d runs: %d of %d message events, %d runs without any, %d foreign, %d twice, %d failed",
		res.runs, res.events, 3*res.runs, res.none, res.foreign, res.dup, res.failed)
	if res.events != 3*res.runs || res.none != 0 || res.foreign != 0 || res.dup != 0 || res.failed != 0 {
		t.Errorf("delivery broken: %+v", res)
	}
}

// TestDeliveryThousandRuns: 1,000 concurrent runs on one queue of the
// embedded undercloud each receive their 3 messages, once.
func TestDeliveryThousandRuns(t *testing.T) {
	u := tripleotest.NewT(t)
	c, err := u.Client()
	if err != nil {
		t.Fatal(err)
	}
	n := loadRuns(1000)
	stop := heapPeak()
	res := runLoad(t, c, n)
	t.Logf("heap peak %.1f MiB for %d concurrent runs", float64(stop())/(1<<20), n)
	assertEveryRunGotItsOwn(t, res)
}

// TestDeliveryStarved: the same with the process starved (GOMAXPROCS=1
// beside 4 CPU-burning goroutines): slowness delays runs, it loses nothing.
func TestDeliveryStarved(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	stop := hog(4)
	defer stop()
	u := tripleotest.NewT(t)
	c, err := u.Client()
	if err != nil {
		t.Fatal(err)
	}
	n := loadRuns(200)
	if *heavy {
		n = 1000
	}
	peak := heapPeak()
	res := runLoad(t, c, n)
	t.Logf("heap peak %.1f MiB for %d concurrent runs", float64(peak())/(1<<20), n)
	assertEveryRunGotItsOwn(t, res)
}
