//go:build integration

package integration

// Requests per run as N grows, and the cost of subscribing to a queue with a
// backlog (docs/PERFORMANCE.md, "Requests per run", "Subscribing"):
//
//	go test -tags integration -run XXX -bench 'RequestsPerRun|SubscribeBacklog' -benchtime 1x ./integration/

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/tripleo"
)

// counting counts the requests it carries, by host.
type counting struct {
	next           http.RoundTripper
	zaqarHost      string
	mistral, zaqar atomic.Int64
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == c.zaqarHost {
		c.zaqar.Add(1)
	} else {
		c.mistral.Add(1)
	}
	return c.next.RoundTrip(req)
}

func (c *counting) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

func newCounting() *counting {
	u, _ := url.Parse(env.Zaqar)
	return &counting{next: httpc.Transport, zaqarHost: u.Host}
}

// heapPeak samples the heap in use every 5 ms until stop is closed, and
// returns the highest value less the value at its start.
func heapPeak(stop <-chan struct{}) func() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}()
	return func() uint64 { <-done; return peak - base }
}

// BenchmarkRequestsPerRun: N runs of the test workflow (RUNNING, 1 s, final)
// started at once by one client following through the Zaqar REST poller, or
// through Mistral alone; Mistral and Zaqar requests per run and per second,
// and the peak heap per run.
func BenchmarkRequestsPerRun(b *testing.B) {
	need(b, "zaqar")
	for _, n := range []notify{viaREST, viaMistral} {
		for _, N := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("%s/N=%d", n, N), func(b *testing.B) {
				ctx := testCtx(b, 20*time.Minute)
				cnt := newCounting()
				c := newClient(b, n, tripleo.WithHTTPClient(&http.Client{Transport: cnt}))
				q := testQueue(b, fmt.Sprintf("rpr-%s-%d", n, N))
				var mistral, zaqar int64
				var wall time.Duration
				var peak uint64
				for b.Loop() {
					cnt.mistral.Store(0)
					cnt.zaqar.Store(0)
					stop := make(chan struct{})
					heap := heapPeak(stop)
					t0 := time.Now()
					var wg sync.WaitGroup
					for range N {
						wg.Go(func() {
							run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"seconds": 1}, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
							if err != nil {
								b.Error(err)
								return
							}
							if _, err := run.Wait(ctx); err != nil {
								b.Error(err)
							}
						})
					}
					wg.Wait()
					wall += time.Since(t0)
					close(stop)
					peak = max(peak, heap())
					mistral += cnt.mistral.Load()
					zaqar += cnt.zaqar.Load()
				}
				runs := float64(b.N * N)
				b.ReportMetric(float64(mistral)/runs, "mistral-req/run")
				b.ReportMetric(float64(zaqar)/runs, "zaqar-req/run")
				b.ReportMetric(float64(mistral)/wall.Seconds(), "mistral-req/s")
				b.ReportMetric(float64(zaqar)/wall.Seconds(), "zaqar-req/s")
				b.ReportMetric(float64(peak)/float64(N)/1024, "peak-KB/run")
			})
		}
	}
}

// BenchmarkSubscribeBacklog: a client following through the Zaqar REST
// poller starts and follows the no-message workflow on a queue holding
// 10,000 messages, against the same on an empty queue. A Replay subscription
// (Attach's, which reads the queue from its beginning, as every subscription
// did before) is timed beside it, with the Zaqar requests each makes.
func BenchmarkSubscribeBacklog(b *testing.B) {
	need(b, "zaqar")
	ctx := testCtx(b, 20*time.Minute)
	full := testQueue(b, "backlog")
	empty := testQueue(b, "nobacklog")
	fill(b, ctx, full, 10000)
	for _, q := range []string{empty, full} {
		label := map[string]string{empty: "empty", full: "10000-retained"}[q]
		b.Run(label, func(b *testing.B) {
			var start, replay time.Duration
			var startReqs, replayReqs int64
			for b.Loop() {
				cnt := newCounting()
				c := newClient(b, viaREST, tripleo.WithHTTPClient(&http.Client{Transport: cnt}))
				t0 := time.Now()
				run, err := tripleo.Start(ctx, c, wfTrivial, nil, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := run.Wait(ctx); err != nil {
					b.Fatal(err)
				}
				start += time.Since(t0)
				startReqs += cnt.zaqar.Load()

				cnt2 := newCounting()
				c2 := newClient(b, viaREST, tripleo.WithHTTPClient(&http.Client{Transport: cnt2}))
				fl := c2.Notifier.(tripleo.Flusher)
				t0 = time.Now()
				sub, err := c2.Notifier.Subscribe(ctx, q, tripleo.SubscribeOpts{Replay: true, Execution: "none"})
				if err != nil {
					b.Fatal(err)
				}
				if err := fl.Flush(ctx, q); err != nil {
					b.Fatal(err)
				}
				replay += time.Since(t0)
				replayReqs += cnt2.zaqar.Load()
				sub.Close()
			}
			n := time.Duration(b.N)
			b.ReportMetric(ms(start/n), "start-wait-ms")
			b.ReportMetric(float64(startReqs)/float64(b.N), "start-zaqar-req")
			b.ReportMetric(ms(replay/n), "replay-ms")
			b.ReportMetric(float64(replayReqs)/float64(b.N), "replay-zaqar-req")
		})
	}
}

// fill posts n small messages to queue, 10 a request (TTL one hour).
func fill(b *testing.B, ctx context.Context, queue string, n int) {
	b.Helper()
	h := zaqarHeaders()
	h.Set("Content-Type", "application/json")
	for i := 0; i < n; i += 10 {
		var msgs []map[string]any
		for j := i; j < min(i+10, n); j++ {
			msgs = append(msgs, map[string]any{"ttl": 3600, "body": map[string]any{"type": "backlog", "payload": map[string]any{"status": "RUNNING", "execution_id": "old", "message": fmt.Sprint(j)}}})
		}
		body, _ := json.Marshal(map[string]any{"messages": msgs})
		st, out, err := rawDo(ctx, http.MethodPost, env.Zaqar+"/v2/queues/"+queue+"/messages", h, body)
		if err != nil || st != http.StatusCreated {
			b.Fatalf("fill %s: %d %s %v", queue, st, bytes.TrimSpace(out), err)
		}
	}
}
