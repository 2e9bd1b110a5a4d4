package messaging

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// fakeMistral answers executions create/get; a created execution posts its
// messages to the fake Zaqar (RUNNING at once, SUCCESS after 300 ms; the
// execution turns SUCCESS 50 ms after its final message).
type fakeMistral struct {
	mu     sync.Mutex
	z      *fakeZaqar
	states map[string]string
	finals bool // post the final message (false: Mistral's state alone ends the run)
	wg     sync.WaitGroup
}

var reExecution = regexp.MustCompile(`^/v2/executions/([0-9a-f-]+)$`)

func (m *fakeMistral) respond(r *http.Request) (*http.Response, error) {
	exec := func(id, wf, state string) *http.Response {
		b, _ := json.Marshal(map[string]any{"id": id, "workflow_name": wf, "state": state, "state_info": nil,
			"input": "{}", "output": `{"status": "` + state + `"}`, "params": "{}",
			"created_at": "2026-11-24 10:00:00", "updated_at": "2026-11-24 10:00:01"})
		resp := httpmock.NewBytesResponse(200, b)
		resp.Header.Set("Content-Type", "application/json")
		return resp
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v2/executions":
		var in struct {
			ID           string `json:"id"`
			WorkflowName string `json:"workflow_name"`
			Input        any    `json:"input"`
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &in)
		m.mu.Lock()
		m.states[in.ID] = "RUNNING"
		m.mu.Unlock()
		m.z.add("tripleo", in.ID, "RUNNING", "step 1")
		m.wg.Go(func() {
			time.Sleep(300 * time.Millisecond)
			if m.finals {
				m.z.add("tripleo", in.ID, "SUCCESS", "done")
			} else {
				m.z.add("tripleo", in.ID, "RUNNING", "last words")
			}
			time.Sleep(50 * time.Millisecond)
			m.mu.Lock()
			m.states[in.ID] = "SUCCESS"
			m.mu.Unlock()
		})
		resp := exec(in.ID, in.WorkflowName, "RUNNING")
		resp.StatusCode = 201
		return resp, nil
	case r.Method == http.MethodGet && reExecution.MatchString(r.URL.Path):
		id := reExecution.FindStringSubmatch(r.URL.Path)[1]
		m.mu.Lock()
		st := m.states[id]
		m.mu.Unlock()
		return exec(id, "tripleo.test.v1.wf", st), nil
	}
	return httpmock.NewStringResponse(404, `{"faultstring": "not found"}`), nil
}

// engineClient is a noauth client whose Mistral is m and Zaqar is m.z, with n as Notifier.
func engineClient(t *testing.T, m *fakeMistral, opts ...tripleo.Option) *tripleo.Client {
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == "mistral.test" {
			return m.respond(r)
		}
		rec := httptest.NewRecorder()
		m.z.ServeHTTP(rec, r)
		return rec.Result(), nil
	})
	opts = append([]tripleo.Option{tripleo.WithHTTPClient(&http.Client{Transport: mt}), tripleo.WithClientID(testClientID)}, opts...)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://mistral.test", Zaqar: "http://zaqar.test", ProjectID: testProject}, opts...)
	require.NoError(t, err)
	return c
}

// The REST Notifier under the run engine: many concurrent runs on the shared
// queue, one poller, every run sees its own messages and ends on its final message.
func TestEngineRunsOnZaqarNotifier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		m := &fakeMistral{z: f, states: map[string]string{}, finals: true}
		c := engineClient(t, m, UseZaqar(ZaqarOpts{}))
		z := c.Notifier.(*Zaqar)
		t.Cleanup(func() { z.Close() })
		ctx := context.Background()
		var runs []*tripleo.Run[*tripleo.Final]
		for range 20 {
			r, err := tripleo.Start(ctx, c, "tripleo.test.v1.wf", nil, tripleo.DecodeFinal, tripleo.StartOpts{})
			require.NoError(t, err)
			runs = append(runs, r)
		}
		t0 := time.Now()
		for _, r := range runs {
			fin, err := r.Wait(ctx)
			require.NoError(t, err)
			require.NotNil(t, fin.Message, "decided with its final message")
			assert.Equal(t, "done", fin.Message.Payload.Message)
			assert.Equal(t, r.ExecutionID(), fin.Message.Payload.ExecutionID)
			var msgs []string
			for _, ev := range r.Snapshot() {
				if ev.Kind == tripleo.EventMessage {
					assert.Equal(t, r.ExecutionID(), ev.ExecutionID, "only its own messages")
					msgs = append(msgs, ev.Text)
				}
			}
			assert.Equal(t, []string{"step 1", "done"}, msgs)
		}
		assert.Less(t, time.Since(t0), time.Second, "messages arrive within the poll interval")
		m.wg.Wait()
		synctest.Wait()
		assert.Nil(t, z.set.get("tripleo"), "every run closed its subscription: the poller stopped")
		// 20 runs, one request stream: a few polls, plus at most one flush
		// per run the execution watcher saw end before its final message was
		// read; not 20 listings per poll.
		assert.Less(t, len(f.listings("tripleo")), 20+10)
	})
}

// Without a final message the watchdog decides from Mistral, after a Flush
// that brings the messages the poller had not read yet (it polls every 30 s here).
func TestEngineFlushBeforeDecidingFromMistral(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeZaqar()
		m := &fakeMistral{z: f, states: map[string]string{}}
		c := engineClient(t, m, UseZaqar(ZaqarOpts{MinInterval: 30 * time.Second, MaxInterval: time.Minute}))
		t.Cleanup(func() { c.Notifier.(*Zaqar).Close() })
		t0 := time.Now()
		r, err := tripleo.Start(context.Background(), c, "tripleo.test.v1.wf", nil, tripleo.DecodeNothing, tripleo.StartOpts{})
		require.NoError(t, err)
		_, err = r.Wait(context.Background())
		require.NoError(t, err)
		assert.Less(t, time.Since(t0), 2*time.Second, "decided by the watchdog (1 s), not by a poll")
		m.wg.Wait()
		var texts []string
		for _, ev := range r.Snapshot() {
			if ev.Kind == tripleo.EventMessage {
				texts = append(texts, ev.Text)
			}
		}
		assert.Equal(t, []string{"step 1", "last words"}, texts, "flushed before deciding")
	})
}
