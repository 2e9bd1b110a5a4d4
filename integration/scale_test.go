//go:build integration

package integration

// A first scale measurement of the SDK against the real undercloud
// (docs/PERFORMANCE.md, "Scale"), skipped unless -scale.n is set:
//
//	go test -tags integration -run TestScale -v ./integration/ -scale.n=100
//
// N runs of the suite's TripleO-shaped workflow (tripleo_go_it.v1.hold: a
// RUNNING message, then the final one) are started at once on ONE queue,
// through one Client per way of following (no Notifier, Zaqar REST, Zaqar
// websocket). What is asserted is behaviour only: every run ends SUCCESS with
// its output, every message reaches its run exactly once (counted against the
// queue), nothing else arrives. The figures (requests per run, wall time
// against Mistral's own span, heap, goroutines) are logged, never asserted.

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
)

var (
	scaleN       = flag.Int("scale.n", 0, "TestScale: number of concurrent runs (0 skips the test)")
	scaleModes   = flag.String("scale.modes", "mistral-only,zaqar-rest,zaqar-websocket", "TestScale: ways of following, comma-separated")
	scaleTimeout = flag.Duration("scale.timeout", 15*time.Minute, "TestScale: bound of each way of following")
)

// countingTransport counts the requests of the SDK per service (by host).
type countingTransport struct {
	next                  http.RoundTripper
	mistral, zaqar, ws    string // hosts
	nMistral, nZaqar, nWS atomic.Int64
	nOther                atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Host {
	case c.mistral:
		c.nMistral.Add(1)
	case c.zaqar:
		c.nZaqar.Add(1)
	case c.ws:
		c.nWS.Add(1)
	default:
		c.nOther.Add(1)
	}
	return c.next.RoundTrip(req)
}

func hostOf(t testing.TB, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	require.NoError(t, err)
	return p.Host
}

// heapSampler records the peak of the live heap (runtime/metrics, objects
// bytes) every few milliseconds until stopped.
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		tk := time.NewTicker(5 * time.Millisecond)
		defer tk.Stop()
		for {
			if v := heapNow(); v > h.peak {
				h.peak = v
			}
			select {
			case <-h.stop:
				return
			case <-tk.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	return h.peak
}

// settledGoroutines is the goroutine count once it has stopped falling (up to 2 s).
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for i := 0; i < 40; i++ {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n && i >= 4 {
			return m
		}
		n = m
	}
	return n
}

// parseMistralTime parses Mistral's "2006-01-02 15:04:05" (UTC, whole seconds).
func parseMistralTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse("2006-01-02 15:04:05", s)
	require.NoError(t, err, "Mistral time %q", s)
	return tm
}

// mistralSpan is Mistral's own duration of a set of executions: the first
// created_at to the last updated_at (whole seconds).
func mistralSpan(t testing.TB, ctx context.Context, ids []string) time.Duration {
	t.Helper()
	var (
		mu          sync.Mutex
		first, last time.Time
		wg          sync.WaitGroup
		sem         = make(chan struct{}, 8)
	)
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var ex struct {
				State     string `json:"state"`
				CreatedAt string `json:"created_at"`
				UpdatedAt string `json:"updated_at"`
			}
			rawJSON(t, ctx, http.MethodGet, env.Mistral+"/executions/"+id, nil, nil, &ex, 200)
			c, u := parseMistralTime(t, ex.CreatedAt), parseMistralTime(t, ex.UpdatedAt)
			mu.Lock()
			defer mu.Unlock()
			if first.IsZero() || c.Before(first) {
				first = c
			}
			if u.After(last) {
				last = u
			}
		}()
	}
	wg.Wait()
	return last.Sub(first)
}

func TestScale(t *testing.T) {
	if *scaleN <= 0 {
		t.Skip("set -scale.n=N to start N concurrent runs (docs/PERFORMANCE.md, \"Scale\")")
	}
	need(t, "zaqar", "websocket")
	modes := map[string]notify{}
	for _, m := range []notify{viaMistral, viaREST, viaWS} {
		modes[m.String()] = m
	}
	t.Logf("undercloud shape %s, N=%d, GOMAXPROCS=%d", envShape(), *scaleN, runtime.GOMAXPROCS(0))
	for _, name := range strings.Split(*scaleModes, ",") {
		n, ok := modes[name]
		require.True(t, ok, "-scale.modes: unknown way of following %q", name)
		t.Run(name, func(t *testing.T) { scaleRuns(t, n, *scaleN) })
	}
}

func scaleRuns(t *testing.T, n notify, N int) {
	ctx := testCtx(t, *scaleTimeout)
	q := testQueue(t, "scale-"+n.String())
	base, ok := httpc.Transport.(*router)
	require.True(t, ok)
	ct := &countingTransport{next: base, mistral: hostOf(t, env.Mistral), zaqar: hostOf(t, env.Zaqar), ws: hostOf(t, env.ZaqarWS)}
	opts := []tripleo.Option{tripleo.WithHTTPClient(&http.Client{Transport: ct})}
	switch n {
	case viaREST:
		opts = append(opts, messaging.UseZaqar(messaging.ZaqarOpts{}))
	case viaWS:
		opts = append(opts, messaging.UseWebsocket(env.ZaqarWS, messaging.WebsocketOpts{}))
	}

	runtime.GC()
	g0 := settledGoroutines()
	heap0 := heapNow()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: env.Mistral, Zaqar: env.Zaqar, ProjectID: env.Project}, opts...)
	require.NoError(t, err)
	closeNotifier := func() {
		if cl, ok := c.Notifier.(interface{ Close() error }); ok {
			require.NoError(t, cl.Close())
		}
	}

	sampler := startHeapSampler()
	runs := make([]*tripleo.Run[int], N)
	errs := make([]error, N)
	values := make([]int, N)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range N {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"seconds": 0}, tripleo.DecodeField[int]("answer", false), tripleo.StartOpts{Queue: q})
			if err != nil {
				errs[i] = fmt.Errorf("start: %w", err)
				return
			}
			runs[i] = run
			values[i], errs[i] = run.Wait(ctx)
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	peak := sampler.Stop()
	gRuns := settledGoroutines() - g0

	// behaviour: every run SUCCESS with its output, its two messages once each
	ids := make([]string, 0, N)
	delivered := 0
	failed := 0
	for i, run := range runs {
		if errs[i] != nil || run == nil {
			failed++
			if failed <= 5 {
				t.Errorf("run %d: %v", i, errs[i])
			}
			continue
		}
		ids = append(ids, run.ExecutionID())
		assert.Equal(t, 42, values[i], "run %d output", i)
		msgs := ofKind(run.Snapshot(), tripleo.EventMessage, "")
		delivered += len(msgs)
		for _, m := range msgs {
			assert.Equal(t, run.ExecutionID(), m.ExecutionID, "run %d received another run's message", i)
		}
		if n == viaMistral {
			assert.Empty(t, msgs, "run %d: no Notifier, no message events", i)
		} else {
			assert.Equal(t, []string{"message:RUNNING", "message:SUCCESS"}, statuses(msgs), "run %d: each message once, in order", i)
		}
	}
	require.Zero(t, failed, "%d of %d runs failed", failed, N)

	perRun := map[string]int{}
	onQueue := queueMessages(t, ctx, q)
	for _, m := range onQueue {
		id, _ := m.Body.Payload["execution_id"].(string)
		perRun[id]++
	}
	assert.Len(t, onQueue, 2*N, "the queue holds a RUNNING and a final message per run")
	for _, id := range ids {
		assert.Equal(t, 2, perRun[id], "messages of execution %s on the queue", id)
	}
	if n != viaMistral {
		assert.Equal(t, len(onQueue), delivered, "every message on the queue was delivered exactly once")
	}

	span := mistralSpan(t, ctx, ids)
	closeNotifier()
	base.CloseIdleConnections()
	gAfter := settledGoroutines() - g0

	perRunF := func(v int64) float64 { return float64(v) / float64(N) }
	t.Logf("SCALE shape=%s mode=%s N=%d: wall %.2fs (%.1f runs/s), Mistral span %.0fs (whole seconds); "+
		"requests per run: Mistral %.2f, Zaqar REST %.2f, websocket handshakes %d, other %d; "+
		"peak live heap %.1f MiB above the start (%.1f KiB per run); goroutines after the runs %+d, after Close %+d; "+
		"events delivered %d, on the queue %d",
		envShape(), n, N, wall.Seconds(), float64(N)/wall.Seconds(), span.Seconds(),
		perRunF(ct.nMistral.Load()), perRunF(ct.nZaqar.Load()), ct.nWS.Load(), ct.nOther.Load(),
		float64(peak-min(peak, heap0))/(1<<20), float64(peak-min(peak, heap0))/1024/float64(N), gRuns, gAfter,
		delivered, len(onQueue))
}

// envShape is the undercloud's shape (scripts/undercloud's UNDERCLOUD_SHAPE,
// from the environment or from $UNDERCLOUD_DIR/env.sh).
func envShape() string {
	if s := os.Getenv("UNDERCLOUD_SHAPE"); s != "" {
		return s
	}
	if d := os.Getenv("UNDERCLOUD_DIR"); d != "" {
		if vars, err := readEnvSh(filepath.Join(d, "env.sh")); err == nil && vars["UNDERCLOUD_SHAPE"] != "" {
			return vars["UNDERCLOUD_SHAPE"]
		}
	}
	return "unknown"
}
