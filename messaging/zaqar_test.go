package messaging

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestReaderSharedByAllSubscriptions(t *testing.T) {
	for _, n := range []int{1, 50, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testSharedPoller(t, n) })
	}
}

func testSharedPoller(t *testing.T, n int) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		z := newZ(t, f, ZaqarOpts{MaxInterval: 2 * time.Second}) // the doubling is seen up to a 2 s ceiling
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
	assert.Equal(t, ZaqarOpts{PageSize: 20, MinInterval: 100 * time.Millisecond, MaxInterval: 250 * time.Millisecond,
		RetryMin: 500 * time.Millisecond, RetryMax: 30 * time.Second, RequestTimeout: 10 * time.Second, SeenSize: 4096, Logger: discard}, ZaqarOpts{}.normalized())
}

// With the defaults an idle queue is read every 250 ms at most, whatever the
// number of subscriptions: a final message after minutes of silence is read
// within a quarter second.
func TestIdleQueueReadEveryQuarterSecond(t *testing.T) {
	for _, n := range []int{1, 100} {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeZaqar()
			z := newZ(t, f, ZaqarOpts{})
			t0 := time.Now()
			var subs []tripleo.Subscription
			for range n {
				subs = append(subs, subscribe(t, z, "tripleo", tripleo.SubscribeOpts{}))
			}
			time.Sleep(5 * time.Minute)
			synctest.Wait()
			got := deltas(f.listings("tripleo"), t0)
			require.Greater(t, len(got), 4)
			assert.Equal(t, []int64{0, 100, 300, 550}, got[:4], "doubling from 100 ms, capped")
			for i := 4; i < len(got); i++ {
				require.Equal(t, int64(250), got[i]-got[i-1], "listing %d", i)
			}
			f.add("tripleo", "e1", "SUCCESS", "late")
			time.Sleep(250 * time.Millisecond)
			synctest.Wait()
			for _, s := range subs {
				assert.Equal(t, []string{"late"}, texts(s.Take()))
				s.Close()
			}
		})
	}
}
