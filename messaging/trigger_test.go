package messaging

import (
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestTriggerAdaptiveInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		// Each of the first 6 listings finds one new message.
		f.onGet = func(n int, q string) {
			if n <= 6 {
				f.add(q, "e1", "RUNNING", "step")
			}
		}
		z := newZ(t, f, ZaqarOpts{MinInterval: 100 * time.Millisecond, MaxInterval: 2 * time.Second})
		t0 := time.Now()
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(12 * time.Second)
		synctest.Wait()
		got := deltas(f.listings("tripleo"), t0)
		// Floor while messages flow, then ×2 per empty poll up to the ceiling.
		assert.Equal(t, []int64{0, 100, 200, 300, 400, 500, 600, 800, 1200, 2000, 3600, 5600, 7600, 9600, 11600}, got)
		assert.Len(t, s.Take(), 6)

		// Messages again: back to the floor at once.
		f.add("tripleo", "e1", "RUNNING", "again")
		time.Sleep(3 * time.Second)
		synctest.Wait()
		got = deltas(f.listings("tripleo"), t0)[15:]
		assert.Equal(t, []int64{13600, 13700, 13900, 14300}, got)
		s.Close()
	})
}

func TestTriggerCustomInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		z := newZ(t, f, ZaqarOpts{MinInterval: time.Second, MaxInterval: 4 * time.Second})
		t0 := time.Now()
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(20 * time.Second)
		synctest.Wait()
		assert.Equal(t, []int64{0, 1000, 3000, 7000, 11000, 15000, 19000}, deltas(f.listings("tripleo"), t0))
		s.Close()
	})
}

func TestTriggerBackoffOnServerErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.fail(503, 503, 502, 503, 500)
		f.add("tripleo", "e1", "RUNNING", "after the outage")
		z := newZ(t, f, ZaqarOpts{})
		t0 := time.Now()
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(30 * time.Second)
		synctest.Wait()
		got := deltas(f.listings("tripleo"), t0)
		require.GreaterOrEqual(t, len(got), 7)
		// 500 ms ×2 with ±20 % jitter between failed polls.
		for i, want := range []int64{500, 1000, 2000, 4000, 8000} {
			gap := got[i+1] - got[i]
			assert.InDelta(t, want, gap, float64(want)*0.21, "gap %d", i)
		}
		assert.Equal(t, []string{"after the outage"}, texts(s.Take()), "retried while subscribed, then delivered")
		// Success resets the error backoff and resumes the idle schedule at the floor.
		assert.Equal(t, int64(100), got[6]-got[5])
		s.Close()
	})
}

func TestTriggerRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.failAfter = "7"
		f.fail(429)
		z := newZ(t, f, ZaqarOpts{})
		t0 := time.Now()
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(8 * time.Second)
		synctest.Wait()
		got := deltas(f.listings("tripleo"), t0)
		require.GreaterOrEqual(t, len(got), 2)
		assert.Equal(t, int64(7000), got[1], "429 honours Retry-After")
		s.Close()
	})
}

func TestTriggerClientErrorsRetriedSlowly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.fail(400, 400, 400)
		var logs logBuffer
		z := newZ(t, f, ZaqarOpts{MaxInterval: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
		t0 := time.Now()
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		time.Sleep(7 * time.Second)
		synctest.Wait()
		got := deltas(f.listings("tripleo"), t0)
		assert.Equal(t, []int64{0, 2000, 4000, 6000, 6100, 6300, 6700}, got, "4xx retried at the ceiling interval, then normal polling")
		assert.Equal(t, 1, strings.Count(logs.String(), "listing rejected"), "warned once per streak:\n%s", logs.String())
		assert.Contains(t, logs.String(), "queue readable again")
		s.Close()
	})
}
