package messaging

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

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
