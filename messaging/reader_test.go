package messaging

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// deltas returns the times of reqs relative to t0, in milliseconds.
func deltas(reqs []recReq, t0 time.Time) []int64 {
	out := make([]int64, len(reqs))
	for i, r := range reqs {
		out[i] = r.At.Sub(t0).Milliseconds()
	}
	return out
}

// newZ returns a Zaqar Notifier on f, closed when the test ends.
func newZ(t *testing.T, f *fakeZaqar, o ZaqarOpts) *Zaqar {
	z := NewZaqar(f.client(t).Messaging, o)
	t.Cleanup(func() { z.Close() })
	return z
}

func subscribe(t *testing.T, n tripleo.Notifier, q string, o tripleo.SubscribeOpts) tripleo.Subscription {
	t.Helper()
	s, err := n.Subscribe(context.Background(), q, o)
	require.NoError(t, err)
	return s
}

func TestReaderFullPagesAndMarkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		var want []string
		for i := range 45 {
			want = append(want, f.add("tripleo", "e1", "RUNNING", "m"+string(rune('A'+i%26))))
		}
		z := newZ(t, f, ZaqarOpts{})
		t0 := time.Now()
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(350 * time.Millisecond)
		synctest.Wait()
		reqs := f.listings("tripleo")
		require.Len(t, reqs, 5)
		// Full pages are followed at once; the marker is the one of links.next.
		assert.Equal(t, []int64{0, 0, 0, 100, 300}, deltas(reqs, t0))
		var markers []string
		for _, r := range reqs {
			markers = append(markers, r.Query.Get("marker"))
			assert.Equal(t, "true", r.Query.Get("echo"))
			assert.Equal(t, "20", r.Query.Get("limit"))
			assert.Equal(t, testClientID, r.Header.Get("Client-ID"))
			assert.Equal(t, testProject, r.Header.Get("X-Project-ID"))
		}
		// After an empty page (links: []) the marker is kept.
		assert.Equal(t, []string{"", "id-020", "id-040", "id-045", "id-045"}, markers)
		assert.Equal(t, want, ids(s.Take()), "every message once, in order")
		f.add("tripleo", "e1", "RUNNING", "next")
		time.Sleep(time.Second)
		synctest.Wait()
		got := s.Take()
		require.Len(t, got, 1)
		assert.Equal(t, "id-046", got[0].ID)
		s.Close()
	})
}

func TestReaderDedupesRepeatedMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.add("tripleo", "e1", "RUNNING", "one")
		f.add("tripleo", "e1", "RUNNING", "two")
		z := newZ(t, f, ZaqarOpts{})
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		synctest.Wait()
		assert.Equal(t, []string{"one", "two"}, texts(s.Take()))
		// The server forgets the marker (expired marker message): the queue is listed again from its start.
		f.mu.Lock()
		f.restartMarker = 3
		f.mu.Unlock()
		f.add("tripleo", "e1", "RUNNING", "three")
		time.Sleep(3 * time.Second)
		synctest.Wait()
		assert.Equal(t, []string{"three"}, texts(s.Take()), "no duplicate of one and two")
		s.Close()
	})
}

func TestReaderRankZeroMarkerDoesNotSpin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Zaqar's redis driver answers a marker of rank 0 with the same page
		// again (start = rank+1 if rank else 0). With PageSize 1 every page is full.
		f := newFakeZaqar()
		f.add("tripleo", "e1", "RUNNING", "only")
		f.mu.Lock()
		f.restartMarker = 1000
		f.mu.Unlock()
		z := newZ(t, f, ZaqarOpts{PageSize: 1})
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		synctest.Wait()
		assert.Equal(t, []string{"only"}, texts(s.Take()))
		assert.LessOrEqual(t, len(f.listings("tripleo")), 2, "a full page that does not move the marker is not re-polled at once")
		s.Close()
	})
}

// logBuffer is a concurrency-safe slog destination.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestReaderSkipsUnparsableBodies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.add("tripleo", "e1", "RUNNING", "before")
		bad := f.addRaw("tripleo", []byte(`"plain text"`))
		f.addRaw("tripleo", []byte(`[1, 2]`))
		f.add("tripleo", "e1", "SUCCESS", "after")
		var logs logBuffer
		z := newZ(t, f, ZaqarOpts{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(5 * time.Second)
		synctest.Wait()
		assert.Equal(t, []string{"before", "after"}, texts(s.Take()))
		assert.Equal(t, 1, strings.Count(logs.String(), "id="+bad), "logged once, never re-read:\n%s", logs.String())
		s.Close()
	})
}

func TestFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		z := newZ(t, f, ZaqarOpts{})
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(30 * time.Second) // idle: polling at the ceiling
		synctest.Wait()
		for range 45 {
			f.add("tripleo", "e1", "RUNNING", "x")
		}
		t0 := time.Now()
		n := len(f.listings("tripleo"))
		require.NoError(t, z.Flush(context.Background(), "tripleo"))
		assert.Equal(t, t0, time.Now(), "no waiting for the next poll")
		assert.Len(t, s.Take(), 45, "all pages read before Flush returned")
		assert.Len(t, f.listings("tripleo"), n+3)

		// Nothing to flush for a queue without subscriptions.
		require.NoError(t, z.Flush(context.Background(), "nobody"))
		assert.Empty(t, f.listings("nobody"))

		// A Flush whose read fails returns that failure (the caller decides
		// whether to retry); the next one reads what the queue holds.
		f.fail(503)
		err := z.Flush(context.Background(), "tripleo")
		assert.Contains(t, err.Error(), "HTTP 503")
		f.add("tripleo", "e1", "RUNNING", "after the failure")
		require.NoError(t, z.Flush(context.Background(), "tripleo"))
		assert.Equal(t, []string{"after the failure"}, texts(s.Take()))
		s.Close()
	})
}

var _ = errors.New
