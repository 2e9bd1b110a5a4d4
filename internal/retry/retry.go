// Package retry is the SDK's one retry loop: exponential backoff from
// cenkalti/backoff with a context, a retryable test and a notify hook. It is
// internal so that the backoff library stays out of the SDK's exported API.
package retry

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Do runs fn until it succeeds or returns an error retryable rejects,
// waiting between attempts as b says; notify, when not nil, is told each
// error and wait before the wait. When b gives up or ctx ends first, the last
// error of fn is returned joined with ctx's error, so that neither the
// server's answer nor the reason for stopping is lost.
func Do(ctx context.Context, b backoff.BackOff, retryable func(error) bool, notify func(err error, wait time.Duration), fn func() error) error {
	var last error
	err := backoff.RetryNotify(func() error {
		err := fn()
		if err == nil {
			return nil
		}
		last = err
		if !retryable(err) {
			return backoff.Permanent(err)
		}
		return err
	}, backoff.WithContext(b, ctx), notify)
	if err != nil && last != nil && !errors.Is(err, last) {
		return errors.Join(last, err)
	}
	return err
}
