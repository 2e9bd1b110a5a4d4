package tripleo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrMalformedResponse is matched by a *DecodeError: a server answer that is
// not the JSON the SDK expects (cut short, not JSON, or of the wrong type).
var ErrMalformedResponse = errors.New("malformed response")

// RedirectError is a redirect (or a list's "next" link) the SDK refused to
// follow because it leads to another origin (scheme, host or port) than the
// request it answers: the token and the request body are never sent there.
// It names origins only.
type RedirectError struct {
	// From is the origin of the request, e.g. "http://127.0.0.1:8989".
	From string
	// To is the origin the server redirected to.
	To string
}

// Error implements the error interface.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("tripleo: refused a redirect from %s to %s: credentials and request bodies are never sent to another origin", e.From, e.To)
}

// BodyTooLargeError is a response whose body is longer than the Client's
// bound (WithMaxResponseBytes); it was not read past the bound.
type BodyTooLargeError struct {
	// Method and URL are those of the request.
	Method, URL string
	// Limit is the bound in bytes.
	Limit int64
}

// Error implements the error interface.
func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("tripleo: %s %s: response body exceeds the limit of %d bytes (tripleo.WithMaxResponseBytes)", e.Method, e.URL, e.Limit)
}

// TimeoutError is a request that had no complete answer (headers and body)
// within the Client's per-request deadline (WithRequestTimeout, or
// WithLongRequestTimeout for uploads and synchronous actions), independent of the caller's context.
// Idempotent calls retry it.
type TimeoutError struct {
	// Method and URL are those of the request.
	Method, URL string
	// After is the deadline that passed.
	After time.Duration
}

// Error implements the error interface.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("tripleo: %s %s: no complete answer within %s (tripleo.WithRequestTimeout)", e.Method, e.URL, e.After)
}

// Timeout reports true (net.Error's meaning).
func (e *TimeoutError) Timeout() bool { return true }

// DecodeError is a response body that could not be decoded: cut short, not
// JSON, or JSON of the wrong type. It matches ErrMalformedResponse.
type DecodeError struct {
	// Op is what the SDK was doing, e.g. "mistral: get execution <id>".
	Op string
	// Err is the decoder's error (*json.SyntaxError, *json.UnmarshalTypeError, io.ErrUnexpectedEOF ...).
	Err error
}

// Error implements the error interface.
func (e *DecodeError) Error() string { return e.Op + ": malformed response: " + e.Err.Error() }

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrMalformedResponse) true.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformedResponse }

// decodeFailure reports whether err is a JSON decoding failure of a response.
func decodeFailure(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF)
}
