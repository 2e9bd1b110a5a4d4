package messaging_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// heapPeak samples the live heap until stop is called, which returns the
// highest sample.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > peak.Load() {
			peak.Store(ms.HeapAlloc)
		}
	}
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak.Load()
	}
}

// TestDeliverySoak (-delivery.heavy): 10,000 runs on one queue of the
// embedded undercloud, 1,000 at a time (a new run starts as one ends, so the
// queue's reader never stops), each receiving its 3 messages once; it reports
// the peak heap per concurrent run and the goroutines left afterwards.
func TestDeliverySoak(t *testing.T) {
	if !*heavy {
		t.Skip("the 10,000-run soak runs with -delivery.heavy")
	}
	const total, window = 10000, 1000
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, goroutines := ms.HeapAlloc, runtime.NumGoroutine()
	stopPeak := heapPeak()
	u := tripleotest.New()
	c, err := u.Client()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sum := loadResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, window/10) // 10 runs a worker
	for range total / 10 {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res := runLoad(t, c, 10)
			mu.Lock()
			sum.runs += res.runs
			sum.events += res.events
			sum.foreign += res.foreign
			sum.dup += res.dup
			sum.none += res.none
			sum.failed += res.failed
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	u.Close()
	peak := stopPeak()
	runtime.GC()
	after := runtime.NumGoroutine()
	t.Logf("soak: %d runs in %s; heap peak %.1f MiB over a base of %.1f MiB (%.1f KiB per concurrent run); goroutines %d before, %d after",
		sum.runs, elapsed.Round(time.Millisecond), float64(peak)/(1<<20), float64(base)/(1<<20),
		float64(peak-base)/window/1024, goroutines, after)
	assertEveryRunGotItsOwn(t, sum)
}
