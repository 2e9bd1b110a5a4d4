package messaging

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// hangingZaqar serves f, except that while hang is set every request is
// accepted and never answered (until its client gives up).
type hangingZaqar struct {
	f    *fakeZaqar
	mu   sync.Mutex
	hang bool
	hung []time.Duration // how long each hung request was held
}

func (h *hangingZaqar) client(t *testing.T, opts ...tripleo.Option) *tripleo.Client {
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		h.mu.Lock()
		hang := h.hang
		h.mu.Unlock()
		if hang {
			t0 := time.Now()
			<-r.Context().Done()
			h.mu.Lock()
			h.hung = append(h.hung, time.Since(t0))
			h.mu.Unlock()
			return nil, r.Context().Err()
		}
		rec := httptest.NewRecorder()
		h.f.ServeHTTP(rec, r)
		return rec.Result(), nil
	})
	opts = append([]tripleo.Option{tripleo.WithHTTPClient(&http.Client{Transport: mt}), tripleo.WithClientID(testClientID)}, opts...)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test", Zaqar: "http://zaqar.test", ProjectID: testProject}, opts...)
	require.NoError(t, err)
	return c
}

func (h *hangingZaqar) set(hang bool) {
	h.mu.Lock()
	h.hang = hang
	h.mu.Unlock()
}

// A Zaqar that accepts requests and never answers costs each read one
// RequestTimeout, from the reader's own context (no caller's deadline is
// involved); a Flush meanwhile fails with the timeout; once Zaqar answers,
// what was posted during the hang is delivered, once.
func TestReaderRequestDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hangingZaqar{f: newFakeZaqar()}
		z := NewZaqar(h.client(t).Messaging, ZaqarOpts{RequestTimeout: 3 * time.Second})
		defer z.Close()
		s := subscribe(t, z, "tripleo", tripleo.SubscribeOpts{})
		h.f.add("tripleo", "e1", "RUNNING", "before")
		require.NoError(t, z.Flush(context.Background(), "tripleo"))
		assert.Equal(t, []string{"before"}, texts(s.Take()))

		h.set(true)
		h.f.add("tripleo", "e1", "RUNNING", "during")
		err := z.Flush(context.Background(), "tripleo")
		require.ErrorIs(t, err, context.DeadlineExceeded, "the read timed out; the Flush says so")
		time.Sleep(20 * time.Second) // the reader keeps retrying
		h.set(false)
		h.f.add("tripleo", "e1", "SUCCESS", "after")
		require.NoError(t, z.Flush(context.Background(), "tripleo"))
		assert.Equal(t, []string{"during", "after"}, texts(s.Take()), "everything still on the queue, once")
		h.mu.Lock()
		defer h.mu.Unlock()
		require.NotEmpty(t, h.hung)
		for _, d := range h.hung {
			assert.Equal(t, 3*time.Second, d, "each hung request costs one RequestTimeout")
		}
		s.Close()
	})
}
