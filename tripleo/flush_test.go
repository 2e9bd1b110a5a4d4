package tripleo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// failingFlusher is a Notifier whose Flush fails its first fails calls (as
// when Zaqar is down), then delivers what was posted meanwhile.
type failingFlusher struct {
	*tripleotest.Notifier
	mu      sync.Mutex
	fails   int // < 0: always
	err     error
	calls   int
	onFlush func()
}

func (f *failingFlusher) Flush(ctx context.Context, queue string) error {
	f.mu.Lock()
	f.calls++
	fail := f.fails < 0 || f.calls <= f.fails
	onFlush := f.onFlush
	f.mu.Unlock()
	if fail && f.err != nil {
		return f.err
	}
	if fail {
		return errors.New("zaqar: list messages of queue tripleo: HTTP 503")
	}
	if onFlush != nil {
		onFlush()
	}
	return f.Notifier.Flush(ctx, queue)
}

func (f *failingFlusher) flushes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func flushClient(t *testing.T, n tripleo.Notifier) (*tripleo.Client, *tripleotest.MockMistral) {
	t.Helper()
	bounded(t)
	c, mt := newMockClient(t, tripleo.WithNotifier(n))
	return c, tripleotest.NewMockMistral(mt, mistralURL)
}

// A run that Mistral says ended is not decided while the Flush of its queue
// fails: the engine retries it, and the final message the queue held (the
// successful Flush brings it) decides the run.
func TestRunWaitsForAFailingFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := &failingFlusher{Notifier: tripleotest.NewNotifier(), fails: 3}
		c, sim := flushClient(t, n)
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeNothing, tripleo.StartOpts{})
		require.NoError(t, err)
		n.mu.Lock()
		n.onFlush = func() {
			n.Post(t, "tripleo", wf, map[string]any{"status": "FAILED", "message": "boom", "execution_id": run.ExecutionID()})
		}
		n.mu.Unlock()
		sim.Set(run.ExecutionID(), "SUCCESS", "", nil)
		_, err = run.Wait(t.Context())
		var we *tripleo.WorkflowError
		require.ErrorAs(t, err, &we, "decided by the final message the queue held, not by Mistral alone")
		assert.Equal(t, "boom", we.LastMessage.Payload.Message)
		assert.Equal(t, 4, n.flushes(), "three failures retried, then read")
	})
}

// A queue that cannot be read at all: the run is decided from Mistral once
// the reads have failed for the engine's patience (30 s), not before, not never.
func TestRunDecidedFromMistralWhenTheQueueStaysUnreadable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := &failingFlusher{Notifier: tripleotest.NewNotifier(), fails: -1}
		c, sim := flushClient(t, n)
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeNothing, tripleo.StartOpts{})
		require.NoError(t, err)
		sim.Set(run.ExecutionID(), "SUCCESS", "", nil)
		start := time.Now()
		_, err = run.Wait(t.Context())
		require.NoError(t, err)
		waited := time.Since(start)
		assert.GreaterOrEqual(t, waited, 30*time.Second)
		assert.Less(t, waited, 40*time.Second)
		assert.Greater(t, n.flushes(), 5)
	})
}

// A closed Notifier is not retried: the run is decided from Mistral at once.
func TestRunDecidedAtOnceWhenTheNotifierIsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := &failingFlusher{Notifier: tripleotest.NewNotifier(), fails: -1, err: fmt.Errorf("messaging: %w", tripleo.ErrNotifierClosed)}
		c, sim := flushClient(t, n)
		run, err := tripleo.Start(t.Context(), c, wf, nil, tripleo.DecodeNothing, tripleo.StartOpts{})
		require.NoError(t, err)
		sim.Set(run.ExecutionID(), "SUCCESS", "", nil)
		_, err = run.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 1, n.flushes())
	})
}
