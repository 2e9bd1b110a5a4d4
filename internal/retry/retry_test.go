package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/internal/retry"
)

func TestRetry(t *testing.T) {
	transient, final := errors.New("transient"), errors.New("final")
	retryable := func(err error) bool { return err == transient }
	run := func(ctx context.Context, b backoff.BackOff, errs ...error) (int, int, error) {
		calls, notified := 0, 0
		err := retry.Do(ctx, b, retryable, func(error, time.Duration) { notified++ }, func() error {
			calls++
			if calls > len(errs) {
				return nil
			}
			return errs[calls-1]
		})
		return calls, notified, err
	}
	zero := func() backoff.BackOff { return &backoff.ZeroBackOff{} }

	calls, notified, err := run(context.Background(), zero(), transient, transient)
	assert.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 2, notified, "told of each retry")

	calls, _, err = run(context.Background(), zero(), transient, final, transient)
	assert.Same(t, final, err, "an error retryable rejects ends at once, as itself")
	assert.Equal(t, 2, calls)

	calls, _, err = run(context.Background(), backoff.WithMaxRetries(zero(), 1), transient, transient, transient)
	assert.Same(t, transient, err, "backoff gives up: the last error")
	assert.Equal(t, 2, calls)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls, _, err = run(ctx, zero(), transient, transient)
	assert.ErrorIs(t, err, transient, "the last error is kept beside ctx's")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, calls)

	assert.NoError(t, retry.Do(context.Background(), zero(), retryable, nil, func() error { return nil }), "notify may be nil")
}
