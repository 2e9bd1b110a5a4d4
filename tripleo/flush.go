package tripleo

import (
	"context"
	"errors"
	"time"
)

// Flushing before a run is decided from the Mistral state: a Flush that fails
// (the Notifier reports a failed read; slowness is never a failure) is retried
// after flushRetryMin, doubling up to flushRetryMax, for as long as the reads
// have failed for less than flushPatience: a Zaqar down for seconds delays the
// decision, it does not make the run miss its messages.
const (
	flushPatience = 30 * time.Second
	flushRetryMin = 250 * time.Millisecond
	flushRetryMax = 4 * time.Second
)

// flush asks a Flusher Notifier to read what the server holds for the queue,
// so that a run decided by the execution watcher is decided with every message the
// queue held for it. No timeout bounds a Flush: a slow host or a slow
// Notifier only delays the decision (a Notifier bounds its own requests). A
// Flush that fails is retried until the reads have failed for flushPatience
// (a closed Notifier is not retried);
// then the run is decided from Mistral alone and the failure logged as a warning.
func (f *follower[T]) flush(ctx context.Context) {
	fl, ok := f.c.Notifier.(Flusher)
	if !ok || f.sub == nil {
		return
	}
	wait := flushRetryMin
	var failingSince time.Time
	for {
		err := fl.Flush(ctx, f.queue)
		if err == nil || ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrNotifierClosed) {
			f.c.Log().Debug("run decided from the Mistral state: the notifier is closed", "execution", f.r.ExecutionID())
			return
		}
		if failingSince.IsZero() {
			failingSince = time.Now()
		} else if time.Since(failingSince) >= flushPatience {
			f.c.Log().Warn("run decided from the Mistral state without reading its queue", "execution", f.r.ExecutionID(), "queue", f.queue, "error", err)
			return
		}
		f.c.Log().Debug("flush before deciding failed; will retry", "queue", f.queue, "in", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, flushRetryMax)
	}
}
