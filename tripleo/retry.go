package tripleo

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/gophercloud/gophercloud/v2"

	iretry "github.com/tripleo-go/sdk/internal/retry"
)

// Retryable reports whether err is worth retrying: 5xx, 429, connection
// errors (a body the connection cut short included) and the Client's
// request timeouts. With idempotent
// false only failures where the request surely was not processed count
// (connection refused, 429, 503). A refused redirect, a body over the bound,
// a malformed answer and the caller's context ending are never retried.
func Retryable(err error, idempotent bool) bool {
	var (
		ue  gophercloud.ErrUnexpectedResponseCode
		re  *RedirectError
		be  *BodyTooLargeError
		te  *TimeoutError
		urr *url.Error
		cut *cutError
	)
	switch {
	case errors.As(err, &re), errors.As(err, &be):
		return false
	case errors.As(err, &ue):
		if idempotent {
			return ue.Actual >= 500 || ue.Actual == 429
		}
		return ue.Actual == 503 || ue.Actual == 429
	case errors.Is(err, syscall.ECONNREFUSED):
		return true
	case errors.As(err, &te):
		return idempotent
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case !idempotent:
		return false
	case errors.As(err, &cut), errors.Is(err, syscall.ECONNRESET):
		return true // the connection was cut mid-answer
	case errors.Is(err, ErrMalformedResponse):
		return false
	}
	// A *url.Error from sending the request is a connection failure; one from
	// parsing its URL ("parse") would fail the same way every time.
	return errors.As(err, &urr) && urr.Op != "parse"
}

// max500Retries bounds the retries of an HTTP 500: unlike 502-504 it is often
// deterministic (Mistral 15 answers 500 for an unknown workflow name).
const max500Retries = 2

// maxRetryAfter is the longest Retry-After the SDK waits for; a server asking
// for more gets its answer returned to the caller.
const maxRetryAfter = time.Minute

// retry runs fn with exponential backoff (100 ms -> 5 s, for at most the
// Client's retry time) while its error is Retryable (an HTTP 500 at most
// max500Retries times); a Retry-After of a 429 or 503 up to maxRetryAfter
// replaces the next wait. The last error is kept when ctx ends.
func retry(ctx context.Context, c *Client, op string, idempotent bool, fn func() error) error {
	first := fn()
	if first == nil {
		return nil // the usual case: no backoff is built
	}
	maxTime := DefaultMaxRetryTime
	if c != nil && c.retryMax > 0 {
		maxTime = c.retryMax
	}
	b := &hintedBackOff{BackOff: backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(100*time.Millisecond),
		backoff.WithMaxInterval(5*time.Second),
		backoff.WithMaxElapsedTime(maxTime),
	)}
	n500 := 0
	retryable := func(err error) bool {
		if !Retryable(err, idempotent) {
			return false
		}
		var ue gophercloud.ErrUnexpectedResponseCode
		if errors.As(err, &ue) {
			if ue.Actual == 500 {
				n500++
				return n500 <= max500Retries
			}
			if d, ok := retryAfter(ue.ResponseHeader, time.Now()); ok {
				if d > maxRetryAfter {
					return false
				}
				b.hint = d
			}
		}
		return true
	}
	replayed := false
	return iretry.Do(ctx, b, retryable, func(err error, d time.Duration) {
		c.Log().Debug("retrying", "op", op, "in", d, "error", err)
	}, func() error {
		if !replayed {
			replayed = true
			return first // the first attempt's failure, judged as before
		}
		return fn()
	})
}

// hintedBackOff waits hint (a server's Retry-After) instead of its next
// interval once, when set.
type hintedBackOff struct {
	backoff.BackOff
	hint time.Duration
}

func (h *hintedBackOff) NextBackOff() time.Duration {
	d := h.BackOff.NextBackOff()
	if d != backoff.Stop && h.hint > 0 {
		d, h.hint = h.hint, 0
	}
	return d
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// read runs an idempotent call with retries.
func (c *Client) read(ctx context.Context, op string, fn func() error) error {
	return retry(ctx, c, op, true, fn)
}

// Idempotent runs fn, an idempotent request (a GET, a HEAD, a PUT or DELETE
// by name) named op for the logs, with the Client's retry policy: 5xx (a 500
// twice at most), 429 (Retry-After honoured up to a minute), connection errors
// and request timeouts are retried with exponential backoff for at most
// WithMaxRetryTime; the last error is kept when ctx ends. fn should return
// gophercloud's error as it is (or wrapped with %w).
func (c *Client) Idempotent(ctx context.Context, op string, fn func() error) error {
	return retry(ctx, c, op, true, fn)
}
