package tripleo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// aheadChunk is the size of the pieces a body is read ahead in.
const aheadChunk = 64 << 10

// guardedBody reads a response body through the guard's bound and deadline.
//
// A successful response's body of unknown length is handed out freely up to
// a quarter of the bound (less 64 KiB); the rest, up to one byte past the
// bound, is then read ahead (in chunks, never copied to grow). A body over
// the bound thus fails with a *BodyTooLargeError while its reader holds a
// quarter of the bound at most, whatever that reader does with it (a decoder doubling its
// buffer, io.ReadAll copying its chunks into one slice on error): the heap
// stays under twice the bound. An error response's body is cut at the bound
// (truncate), which is flagged in header.
type guardedBody struct {
	rc          io.ReadCloser
	cancel      context.CancelFunc
	ctx, parent context.Context
	method, url string
	d           time.Duration
	limit       int64
	trusted     bool // a declared length within the bound: no read-ahead
	truncate    bool
	header      http.Header

	n       int64    // bytes handed out
	ahead   [][]byte // read ahead, not yet handed out
	probed  bool     // ahead holds all that is left
	tailErr error    // what ended the read-ahead (io.EOF, a reset, the deadline)
	err     error    // sticky
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.trusted {
		n, err := b.rc.Read(p)
		b.n += int64(n)
		if err != nil {
			err = b.fail(err)
		}
		return n, err
	}
	// a quarter of the bound, less a piece: a decoder doubling its buffer at
	// a power of two (a bound of 32 MiB) does not double past the quarter
	free := max(b.limit/4-aheadChunk, 0)
	if b.truncate {
		free = 0
	}
	if !b.probed && b.n >= free {
		if err := b.probe(); err != nil {
			return 0, b.fail(err)
		}
	}
	if b.probed {
		for len(b.ahead) > 0 && len(b.ahead[0]) == 0 {
			b.ahead = b.ahead[1:]
		}
		if len(b.ahead) == 0 {
			return 0, b.fail(b.tailErr)
		}
		n := copy(p, b.ahead[0])
		b.ahead[0] = b.ahead[0][n:]
		b.n += int64(n)
		return n, nil
	}
	if room := free - b.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if err != nil {
		return n, b.fail(err)
	}
	return n, nil
}

// probe reads what is left up to one byte past the bound: all of it for a
// body within the bound; else the body is too large (or is cut, for an
// error body).
func (b *guardedBody) probe() error {
	rest := b.limit - b.n
	var got int64
	var err error
	for got <= rest && err == nil {
		buf := make([]byte, min(aheadChunk, rest+1-got))
		k := 0
		for k < len(buf) && err == nil {
			var m int
			m, err = b.rc.Read(buf[k:])
			k += m
		}
		b.ahead = append(b.ahead, buf[:k])
		got += int64(k)
	}
	b.probed = true
	if got > rest {
		if !b.truncate {
			b.ahead = nil
			return &BodyTooLargeError{Method: b.method, URL: b.url, Limit: b.limit}
		}
		last := b.ahead[len(b.ahead)-1]
		b.ahead[len(b.ahead)-1] = last[:len(last)-int(got-rest)]
		err = io.EOF
		if b.header != nil {
			b.header.Set(truncatedHeader, strconv.FormatInt(b.limit, 10))
		}
	}
	if err == nil {
		err = io.EOF
	}
	b.tailErr = err
	return nil
}

// fail makes err sticky and releases the deadline; an error caused by the
// guard's deadline becomes a *TimeoutError.
func (b *guardedBody) fail(err error) error {
	switch {
	case err == io.EOF:
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = &cutError{err: err}
	default:
		err = timedOut(b.ctx, b.parent, b.method, b.url, b.d, err)
	}
	b.err = err
	b.cancel()
	return err
}

// Close closes the body and releases its deadline.
func (b *guardedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// cutError is a body the connection cut before its declared end: the answer
// was lost on the way, unlike a complete answer whose JSON is cut short. It
// unwraps to io.ErrUnexpectedEOF; idempotent calls retry it.
type cutError struct{ err error }

func (e *cutError) Error() string {
	return "response body cut short by the connection: " + e.err.Error()
}
func (e *cutError) Unwrap() error { return e.err }
