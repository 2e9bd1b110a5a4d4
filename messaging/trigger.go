package messaging

import (
	"context"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// trigger decides when a reader reads: it owns the reader's goroutine and
// calls read, the reader's listing cycle, whenever a read is due. Two
// policies:
//
//   - timed (the REST Notifier): a ticker whose interval doubles after each
//     empty read from MinInterval to MaxInterval and falls back to
//     MinInterval when messages arrive; a kick (flush, replay) reads at once;
//   - on demand (the websocket Notifier): reads only when kicked (a
//     subscription took effect, the socket reconnected or is down, a flush, a
//     replay) and while work is pending (pending reports it).
//
// Under both, a failed read is retried after RetryMin, doubling up to RetryMax
// (±20 % jitter; Retry-After honoured) for 5xx, 429 and connection errors
// (a request past its deadline included), and after MaxInterval for other
// 4xx answers; a read that stopped at its page cap is followed at once.
type trigger struct {
	timed bool
	o     ZaqarOpts
	log   *slog.Logger
	kick  chan struct{}
}

func newTicker(o ZaqarOpts) *trigger {
	return &trigger{timed: true, o: o, log: o.Logger, kick: make(chan struct{}, 1)}
}

func newOnDemand(o ZaqarOpts) *trigger {
	return &trigger{o: o, log: o.Logger, kick: make(chan struct{}, 1)}
}

// poke asks for a read now; it never blocks.
func (t *trigger) poke() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// readResult is what one read cycle did.
type readResult struct {
	got  bool  // new messages were delivered
	full bool  // the cycle stopped at its page cap: more is waiting
	err  error // the request that failed
}

// run drives read until ctx ends or read reports ctx's end. queue names the
// reader in logs; pending reports whether an on-demand reader has work.
func (t *trigger) run(ctx context.Context, queue string, pending func() bool, read func() readResult) {
	o := t.o
	idle := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(o.MinInterval),
		backoff.WithMaxInterval(o.MaxInterval),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0),
		backoff.WithMaxElapsedTime(0),
	)
	fail := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(o.RetryMin),
		backoff.WithMaxInterval(o.RetryMax),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0.2),
		backoff.WithMaxElapsedTime(0),
	)
	timer := time.NewTimer(0)
	defer timer.Stop()
	if !t.timed {
		timer.Stop()
	}
	warned := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-t.kick:
		}
		if !t.timed && !pending() {
			continue
		}
		res := read()
		var next time.Duration
		if res.err == nil {
			fail.Reset()
			if warned {
				t.log.Info("zaqar: queue readable again", "queue", queue)
				warned = false
			}
			if res.got {
				idle.Reset()
			}
			next = idle.NextBackOff()
			if res.full {
				next = 0
			}
		} else {
			switch classify(ctx, res.err) {
			case errGone:
				return
			case errClient:
				if !warned {
					t.log.Warn("zaqar: listing rejected; retrying slowly", "queue", queue, "error", res.err)
					warned = true
				} else {
					t.log.Debug("zaqar: listing rejected again", "queue", queue, "error", res.err)
				}
				next = o.MaxInterval
			default:
				next = max(fail.NextBackOff(), retryAfter(res.err))
				t.log.Debug("zaqar: listing failed; will retry", "queue", queue, "in", next, "error", res.err)
			}
		}
		if !t.timed && res.err == nil && !res.full {
			continue // wait for the next kick
		}
		timer.Reset(next)
	}
}
