package messaging

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// A subscription costs the same whatever the queue retains: one stats
// request, then listings from the queue's end; what is posted afterwards is
// delivered, and a Replay subscription still gets the retained messages.
func TestSubscribeStartsAtTheQueuesEnd(t *testing.T) {
	for _, retained := range []int{0, 10, 1000} {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeZaqar()
			f.withStats = true
			for range retained {
				f.add("tripleo", "old", "RUNNING", "retained")
			}
			z := newZ(t, f, ZaqarOpts{})
			s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
			synctest.Wait()
			assert.Len(t, f.listings("tripleo"), 1, "%d retained: one listing, from the end", retained)
			assert.Len(t, f.requests("GET", "/v2/queues/tripleo/stats"), 1, "the end is read once")
			assert.Empty(t, s.Take(), "nothing posted before Subscribe")
			id := f.add("tripleo", "new", "RUNNING", "fresh")
			time.Sleep(200 * time.Millisecond)
			synctest.Wait()
			got := s.Take()
			require.Len(t, got, 1)
			assert.Equal(t, id, got[0].ID)

			r := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{Replay: true, Execution: "old"})
			time.Sleep(200 * time.Millisecond)
			synctest.Wait()
			assert.Len(t, r.Take(), retained, "a Replay subscription gets what the queue retains")
			r.Close()
			s.Close()
		})
	}
}

// A store whose markers are not message ids refuses the queue's end: the
// reader then reads from the beginning, leaving out what is older than the
// subscription.
func TestSubscribeFromTheBeginningWhereTheEndIsRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		f.withStats = true
		f.add("tripleo", "old", "RUNNING", "retained")
		f.onGet = func(n int, q string) {
			if n == 1 {
				f.mu.Lock()
				f.failGets = []int{400}
				f.mu.Unlock()
			}
		}
		z := newZ(t, f, ZaqarOpts{})
		time.Sleep(10 * time.Second) // the retained message is now 10 s old
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		synctest.Wait()
		reqs := f.listings("tripleo")
		require.Len(t, reqs, 2)
		assert.Equal(t, "id-001", reqs[0].Query.Get("marker"))
		assert.Equal(t, "", reqs[1].Query.Get("marker"), "read again from the beginning at once")
		assert.Empty(t, s.Take())
		f.add("tripleo", "new", "RUNNING", "fresh")
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		assert.Equal(t, []string{"fresh"}, texts(s.Take()))
		s.Close()
	})
}
