package messaging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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

func TestReaderSharedByAllSubscriptions(t *testing.T) {
	for _, n := range []int{1, 50, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testSharedPoller(t, n) })
	}
}

func testSharedPoller(t *testing.T, n int) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		z := newZ(t, f, ZaqarOpts{})
		t0 := time.Now()
		var subs []tripleo.Subscription
		for range n {
			subs = append(subs, subscribe(t, z, "tripleo", tripleo.SubscribeOpts{}))
		}
		other := subscribe(t, z, "other", tripleo.SubscribeOpts{})
		time.Sleep(10 * time.Second)
		synctest.Wait()
		// One request stream whatever the number of subscriptions: the idle schedule of a single poller.
		assert.Equal(t, []int64{0, 100, 300, 700, 1500, 3100, 5100, 7100, 9100}, deltas(f.listings("tripleo"), t0))
		assert.Len(t, f.listings("other"), 9, "one poller per queue")

		f.add("tripleo", "e1", "RUNNING", "hello")
		time.Sleep(2 * time.Second)
		synctest.Wait()
		for _, s := range subs {
			assert.Equal(t, []string{"hello"}, texts(s.Take()))
		}
		assert.Empty(t, other.Take())
		assert.Equal(t, []int64{0, 100, 300, 700, 1500, 3100, 5100, 7100, 9100, 11100, 11200, 11400, 11800}, deltas(f.listings("tripleo"), t0))
		for _, s := range subs {
			require.NoError(t, s.Close())
		}
		other.Close()
		assert.NoError(t, z.Close())
	})
}

func TestReaderStopsWithLastSubscription(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		// No z.Close: synctest.Test fails if the last subscription's Close left a goroutine.
		z := NewZaqar(f.client(t).Messaging, ZaqarOpts{})
		a := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		b := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(5 * time.Second)
		require.NoError(t, a.Close())
		require.NoError(t, a.Close(), "idempotent")
		n := len(f.listings("tripleo"))
		time.Sleep(5 * time.Second)
		assert.Greater(t, len(f.listings("tripleo")), n, "still polling for b")
		require.NoError(t, b.Close())
		synctest.Wait()
		n = len(f.listings("tripleo"))
		time.Sleep(time.Minute)
		synctest.Wait()
		assert.Equal(t, n, len(f.listings("tripleo")), "no request after the last Close")
		assert.Nil(t, z.set.get("tripleo"))
		// A new subscription starts a new poller, from the beginning of the queue.
		f.add("tripleo", "e1", "RUNNING", "later")
		c := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		synctest.Wait()
		assert.Equal(t, []string{"later"}, texts(c.Take()))
		assert.Empty(t, f.listings("tripleo")[n].Query.Get("marker"))
		c.Close()
	})
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

func TestReaderReplayAndAgeFilter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.add("tripleo", "old", "RUNNING", "old-1")
		f.add("tripleo", "old", "SUCCESS", "old-2")
		time.Sleep(time.Minute) // they are a minute old when anyone subscribes
		z := newZ(t, f, ZaqarOpts{})

		live := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		synctest.Wait()
		assert.Empty(t, live.Take(), "messages posted before Subscribe are not delivered without Replay")
		f.add("tripleo", "e1", "RUNNING", "new-1")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, []string{"new-1"}, texts(live.Take()))

		// A Replay subscriber joining the running poller gets everything retained, once.
		n := len(f.listings("tripleo"))
		f.add("tripleo", "e1", "RUNNING", "new-2") // not yet read by the poller
		replay := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{Replay: true})
		synctest.Wait()
		reqs := f.listings("tripleo")[n:]
		require.GreaterOrEqual(t, len(reqs), 2)
		assert.Empty(t, reqs[0].Query.Get("marker"), "one-off listing from the start")
		assert.Equal(t, "id-003", reqs[1].Query.Get("marker"), "then the main stream goes on from its marker")
		assert.Equal(t, []string{"old-1", "old-2", "new-1", "new-2"}, texts(replay.Take()))
		assert.Equal(t, []string{"new-2"}, texts(live.Take()))
		f.add("tripleo", "e1", "SUCCESS", "new-3")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, []string{"new-3"}, texts(replay.Take()), "no duplicates afterwards")
		assert.Equal(t, []string{"new-3"}, texts(live.Take()))

		// Replay on a fresh poller: its first listing from the start serves it.
		f.add("other", "x", "RUNNING", "o1")
		first := subscribe(t, z, "other", tripleo.SubscribeOpts{Replay: true})
		synctest.Wait()
		assert.Equal(t, []string{"o1"}, texts(first.Take()))
		assert.Len(t, f.listings("other"), 1, "no separate replay listing")
		for _, s := range []tripleo.Subscription{live, replay, first} {
			s.Close()
		}
	})
}

func TestReaderEphemeralQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		z := newZ(t, f, ZaqarOpts{})
		s := subscribe(t, z, "run-1", tripleo.SubscribeOpts{Ephemeral: true})
		puts := f.requests(http.MethodPut, "/v2/queues/run-1")
		require.Len(t, puts, 1)
		assert.JSONEq(t, `{}`, puts[0].Body)
		assert.Equal(t, testClientID, puts[0].Header.Get("Client-ID"))
		assert.Equal(t, testProject, puts[0].Header.Get("X-Project-ID"))
		time.Sleep(3 * time.Second)
		require.NoError(t, s.Close())
		dels := f.requests(http.MethodDelete, "/v2/queues/run-1")
		require.Len(t, dels, 1, "the queue we created is deleted when the subscription closes")
		for _, r := range f.listings("run-1") {
			assert.True(t, r.At.Before(dels[0].At) || r.At.Equal(dels[0].At))
		}
		assert.Len(t, f.requests(http.MethodGet, "/v2/queues/run-1/messages"), len(f.listings("run-1")))
		last := f.reqs[len(f.reqs)-1]
		assert.Equal(t, http.MethodDelete, last.Method, "the poller stopped before the DELETE")

		// A queue that already existed (204) is never deleted.
		f.add("shared", "e", "RUNNING", "x")
		s = subscribe(t, z, "shared", tripleo.SubscribeOpts{Ephemeral: true})
		s.Close()
		assert.Empty(t, f.requests(http.MethodDelete, "/v2/queues/shared"))
		// Nor a queue a non-ephemeral subscription reads.
		s = subscribe(t, z, "plain", tripleo.SubscribeOpts{})
		s.Close()
		assert.Empty(t, f.requests(http.MethodPut, "/v2/queues/plain"))
		assert.Empty(t, f.requests(http.MethodDelete, "/v2/queues/plain"))
	})
}

func TestEphemeralQueueDeletedAtNotifierClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		z := newZ(t, f, ZaqarOpts{})
		s := subscribe(t, z, "run-2", tripleo.SubscribeOpts{Ephemeral: true})
		require.NoError(t, z.Close())
		assert.Len(t, f.requests(http.MethodDelete, "/v2/queues/run-2"), 1)
		s.Close()
		assert.Len(t, f.requests(http.MethodDelete, "/v2/queues/run-2"), 1, "deleted once")
		_, err := z.Subscribe(context.Background(), "run-3", tripleo.SubscribeOpts{})
		assert.ErrorIs(t, err, ErrClosed)
		assert.ErrorIs(t, z.Flush(context.Background(), "run-2"), ErrClosed)
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

func TestFlushIncludesPendingReplay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.add("tripleo", "e0", "SUCCESS", "retained")
		z := newZ(t, f, ZaqarOpts{})
		a := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{Replay: true})
		synctest.Wait()
		a.Take()
		f.fail(503) // the replay's first listing fails
		b := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{Replay: true})
		assert.Error(t, z.Flush(context.Background(), "tripleo"), "the replay's listing failed")
		require.NoError(t, z.Flush(context.Background(), "tripleo"))
		assert.Equal(t, []string{"retained"}, texts(b.Take()))
		a.Close()
		b.Close()
	})
}

func TestSubscribeCtxBoundsOnlySubscribing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		z := newZ(t, f, ZaqarOpts{})
		ctx, cancel := context.WithCancel(context.Background())
		s, err := z.Subscribe(ctx, "tripleo", tripleo.SubscribeOpts{})
		require.NoError(t, err)
		cancel()
		f.add("tripleo", "e1", "RUNNING", "still delivered")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, []string{"still delivered"}, texts(s.Take()))
		s.Close()

		_, err = z.Subscribe(ctx, "tripleo", tripleo.SubscribeOpts{})
		assert.ErrorIs(t, err, context.Canceled)
		_, err = z.Subscribe(context.Background(), "bad queue!", tripleo.SubscribeOpts{})
		assert.ErrorIs(t, err, tripleo.ErrInvalidInput)
	})
}

func TestCloseStopsEveryPoller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		z := newZ(t, f, ZaqarOpts{})
		var subs []tripleo.Subscription
		for _, q := range []string{"a", "b", "c"} {
			subs = append(subs, subscribe(t, z, q, tripleo.SubscribeOpts{}))
		}
		time.Sleep(time.Second)
		require.NoError(t, z.Close())
		synctest.Wait()
		n := len(f.requests("", "/"))
		time.Sleep(time.Minute)
		assert.Equal(t, n, len(f.requests("", "/")), "no request after Close")
		require.NoError(t, z.Close(), "idempotent")
		for _, s := range subs {
			s.Close() // harmless after Close
		}
	})
}

func TestUseZaqar(t *testing.T) {
	f := newFakeZaqar()
	logger := slog.New(slog.DiscardHandler)
	c := f.client(t, UseZaqar(ZaqarOpts{}), tripleo.WithLogger(logger))
	z, ok := c.Notifier.(*Zaqar)
	require.True(t, ok)
	assert.Same(t, c.Messaging, z.set.sc)
	assert.Same(t, logger, z.o.Logger)

	_, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test"}, UseZaqar(ZaqarOpts{}))
	assert.ErrorIs(t, err, tripleo.ErrNoService)
}

func TestZaqarOptsNormalized(t *testing.T) {
	o := ZaqarOpts{PageSize: 50, MinInterval: 5 * time.Second, MaxInterval: time.Second, RetryMin: time.Minute, RetryMax: time.Second}.normalized()
	assert.Equal(t, 20, o.PageSize)
	assert.Equal(t, 5*time.Second, o.MaxInterval, "ceiling never below the floor")
	assert.Equal(t, time.Minute, o.RetryMax)
	assert.NotNil(t, o.Logger)
	assert.Equal(t, ZaqarOpts{PageSize: 20, MinInterval: 100 * time.Millisecond, MaxInterval: 2 * time.Second,
		RetryMin: 500 * time.Millisecond, RetryMax: 30 * time.Second, RequestTimeout: 10 * time.Second, SeenSize: 4096, Logger: discard}, ZaqarOpts{}.normalized())
}

var _ = errors.New

func TestReplaySubscriberJoiningMidCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		var want []string
		for range 45 {
			want = append(want, f.add("tripleo", "e1", "RUNNING", "x"))
		}
		z := newZ(t, f, ZaqarOpts{})
		var late tripleo.Subscription
		f.onGet = func(n int, q string) {
			if n == 2 { // while the first cycle reads its second page
				late = subscribe(t, z, "tripleo", tripleo.SubscribeOpts{Replay: true})
			}
		}
		first := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		synctest.Wait()
		f.add("tripleo", "e1", "SUCCESS", "y")
		time.Sleep(time.Second)
		synctest.Wait()
		want = append(want, "id-046")
		assert.Equal(t, want, ids(first.Take()))
		require.NotNil(t, late)
		assert.Equal(t, want, ids(late.Take()), "the replay first, then live messages, each once")
		first.Close()
		late.Close()
	})
}
