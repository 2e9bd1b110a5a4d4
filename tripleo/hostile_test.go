package tripleo_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const gigabyte = 1 << 30

// generator serves a body of prefix, size bytes of 'a' and suffix, written
// from one small buffer (never held in memory), chunked unless declare is set
// (then a Content-Length of the whole is sent first). It stops when the
// client hangs up and counts what it managed to write.
type generator struct {
	status  int
	prefix  string
	size    int64
	suffix  string
	declare bool
	written atomic.Int64
	served  atomic.Int32
}

func (g *generator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.served.Add(1)
	w.Header().Set("Content-Type", "application/json")
	if g.declare {
		w.Header().Set("Content-Length", strconv.FormatInt(int64(len(g.prefix))+g.size+int64(len(g.suffix)), 10))
	}
	w.WriteHeader(g.status)
	write := func(b []byte) bool {
		n, err := w.Write(b)
		g.written.Add(int64(n))
		return err == nil
	}
	if !write([]byte(g.prefix)) {
		return
	}
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for left := g.size; left > 0; left -= int64(len(chunk)) {
		if left < int64(len(chunk)) {
			chunk = chunk[:left]
		}
		if !write(chunk) {
			return
		}
	}
	write([]byte(g.suffix))
}

// serve starts an httptest server (127.0.0.1) for h, closed at cleanup.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

// heapPeak runs fn and returns the highest heap in use (runtime.MemStats
// HeapAlloc: live and not yet swept objects) seen above the level before it,
// sampled every 200 µs and once more at the end.
func heapPeak(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > peak.Load() {
			peak.Store(m.HeapAlloc)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	sample()
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}
