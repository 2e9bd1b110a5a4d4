//go:build integration

package integration

// Following lag against its floor (docs/PERFORMANCE.md, "Following lag"):
//
//	go test -tags integration -run XXX -bench FollowingLag -benchtime 5x ./integration/
//
// Each iteration runs the same workflow four times, one after the other (the
// order rotating from one iteration to the next): through the SDK with each
// follower (Zaqar websocket, Zaqar REST poller, no Notifier) and through the
// floor, a bare net/http client that POSTs the execution and then GETs it
// every 10 ms until it ends. Each side's Start→end times are reported
// as p50 and p99 (over the iterations: with 5, p99 is the worst). Mistral's
// scheduler (wait-before, a 0.1 s fixed delay) makes two executions of one
// workflow differ by up to about 100 ms, so each SDK run also has a shadow:
// a bare 10 ms poller of the same execution, started beside it; "behind" is
// how long after the shadow saw the end the SDK's Wait returned.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

type lagShape struct {
	name  string
	wf    string
	input map[string]any
}

// lagShapes: the four shapes of the issue, then a sweep of durations (the
// wait workflow: one wait, then its final message).
var lagShapes = []lagShape{
	{"no-message", wfTrivial, nil},
	{"running+final", wfHold, map[string]any{"seconds": 0}},
	{"running-3s-final", wfHold, map[string]any{"seconds": 3}},
	{"running-4s-final", wfHold, map[string]any{"seconds": 4}},
	{"wait-0s", wfWait, map[string]any{"seconds": 0}},
	{"wait-1s", wfWait, map[string]any{"seconds": 1}},
	{"wait-2s", wfWait, map[string]any{"seconds": 2}},
	{"wait-4s", wfWait, map[string]any{"seconds": 4}},
	{"wait-7s", wfWait, map[string]any{"seconds": 7}},
	{"wait-10s", wfWait, map[string]any{"seconds": 10}},
}

func BenchmarkFollowingLag(b *testing.B) {
	need(b, "zaqar", "websocket")
	followers := []notify{viaWS, viaREST, viaMistral}
	for _, sh := range lagShapes {
		b.Run(sh.name, func(b *testing.B) {
			ctx := testCtx(b, 30*time.Minute)
			clients := make([]*tripleo.Client, len(followers))
			queues := make([]string, len(followers))
			for i, n := range followers {
				clients[i] = newClient(b, n)
				queues[i] = testQueue(b, "lag-"+n.String())
			}
			floorQueue := testQueue(b, "lag-floor")
			times := make([][]time.Duration, len(followers)+1)
			behind := make([][]time.Duration, len(followers))
			b.ResetTimer()
			for it := 0; b.Loop(); it++ {
				for k := range len(followers) + 1 {
					i := (k + it) % (len(followers) + 1)
					if i == len(followers) {
						d, err := floorRun(ctx, sh.wf, sh.input, floorQueue)
						if err != nil {
							b.Fatal(err)
						}
						times[i] = append(times[i], d)
						continue
					}
					in := map[string]any{}
					for k, v := range sh.input {
						in[k] = v
					}
					t0 := time.Now()
					run, err := tripleo.Start(ctx, clients[i], sh.wf, in, tripleo.DecodeNothing, tripleo.StartOpts{Queue: queues[i]})
					if err != nil {
						b.Fatal(err)
					}
					seen := shadow(ctx, run.ExecutionID())
					if _, err := run.Wait(ctx); err != nil {
						b.Fatal(err)
					}
					end := time.Now()
					times[i] = append(times[i], end.Sub(t0))
					if at, ok := <-seen; ok {
						behind[i] = append(behind[i], end.Sub(at))
					}
				}
			}
			b.StopTimer()
			floorP50 := pct(times[len(followers)], 50)
			b.ReportMetric(ms(floorP50), "floor-p50-ms")
			b.ReportMetric(ms(pct(times[len(followers)], 99)), "floor-p99-ms")
			for i, n := range followers {
				b.ReportMetric(ms(pct(times[i], 50)), n.String()+"-p50-ms")
				b.ReportMetric(ms(pct(times[i], 99)), n.String()+"-p99-ms")
				b.ReportMetric(ms(pct(behind[i], 50)), n.String()+"-behind-p50-ms")
				b.ReportMetric(ms(pct(behind[i], 99)), n.String()+"-behind-p99-ms")
			}
		})
	}
}

// shadow polls execution id as the floor does (a GET every 10 ms) beside
// the SDK following it, and sends when it first saw the execution end.
func shadow(ctx context.Context, id string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	go func() {
		defer close(ch)
		for ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
			st, err := floorState(ctx, id)
			if err != nil {
				return
			}
			if tripleo.Terminal(st) {
				ch <- time.Now()
				return
			}
		}
	}()
	return ch
}

// floorState GETs an execution's state with bare net/http.
func floorState(ctx context.Context, id string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.Mistral+"/executions/"+id, nil)
	resp, err := httpc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var ex struct{ State string }
	err = json.NewDecoder(resp.Body).Decode(&ex)
	return ex.State, err
}

// pct returns the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

// floorRun is the floor: POST the execution, then GET it every 10 ms until
// it ends; it returns the time from before the POST to the GET that saw the end.
func floorRun(ctx context.Context, wf string, input map[string]any, queue string) (time.Duration, error) {
	in := map[string]any{"queue_name": queue}
	for k, v := range input {
		in[k] = v
	}
	id := uuid.NewString()
	body, _ := json.Marshal(map[string]any{"id": id, "workflow_name": wf, "input": in})
	t0 := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.Mistral+"/executions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("floor: POST: HTTP %d", resp.StatusCode)
	}
	for {
		time.Sleep(10 * time.Millisecond)
		st, err := floorState(ctx, id)
		if err != nil {
			return 0, err
		}
		if tripleo.Terminal(st) {
			return time.Since(t0), nil
		}
	}
}
