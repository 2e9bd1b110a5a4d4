//go:build integration

package integration

// Benchmarks against the real undercloud, each comparing the SDK with a
// baseline in the same run (results: docs/PERFORMANCE.md, "Real servers"):
//
//	go test -tags integration -run XXX -bench . -benchtime 20x ./integration/
//
// Every benchmark reports its own metrics (ms/op of each side and their
// ratio); ns/op is the whole iteration (both sides).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// finishedExecution returns the id of a finished execution of the test workflow.
func finishedExecution(b *testing.B, ctx context.Context, c *tripleo.Client) string {
	b.Helper()
	run, err := tripleo.Start(ctx, c, wfHold, nil, tripleo.DecodeNothing, tripleo.StartOpts{Queue: testQueue(b, "bench")})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := run.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	return run.ExecutionID()
}

// BenchmarkMistralGet: the SDK's GET of an execution (gophercloud request,
// error mapping, JSON into Execution with its string-encoded input/output
// decoded) vs a bare net/http GET of the same URL decoded into a
// map[string]any, through the same transport (keep-alive), alternating.
func BenchmarkMistralGet(b *testing.B) {
	need(b)
	ctx := testCtx(b, 5*time.Minute)
	c := newClient(b, viaMistral)
	id := finishedExecution(b, ctx, c)
	u := env.Mistral + "/executions/" + id
	var sdk, bare time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := c.GetExecution(ctx, id); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		st, body, err := rawDo(ctx, http.MethodGet, u, http.Header{"Accept": {"application/json"}}, nil)
		var m map[string]any
		if err == nil {
			err = json.Unmarshal(body, &m)
		}
		if err != nil || st != 200 {
			b.Fatalf("bare GET: %d %v", st, err)
		}
		t2 := time.Now()
		sdk += t1.Sub(t0)
		bare += t2.Sub(t1)
	}
	reportPair(b, "sdk", sdk, "bare", bare)
}

// BenchmarkMistralPost: the SDK's RunAction (std.noop, run_sync) vs a bare
// POST /v2/action_executions with the same body, alternating.
func BenchmarkMistralPost(b *testing.B) {
	need(b)
	ctx := testCtx(b, 5*time.Minute)
	c := newClient(b, viaMistral)
	body := []byte(`{"name": "std.noop", "input": {}, "params": {"run_sync": true, "save_result": true}}`)
	var sdk, bare time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := c.RunAction(ctx, "std.noop", nil, nil); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		st, resp, err := rawDo(ctx, http.MethodPost, env.Mistral+"/action_executions", http.Header{"Accept": {"application/json"}}, body)
		var m map[string]any
		if err == nil {
			err = json.Unmarshal(resp, &m)
		}
		if err != nil || st != 201 {
			b.Fatalf("bare POST: %d %v %s", st, err, resp)
		}
		t2 := time.Now()
		sdk += t1.Sub(t0)
		bare += t2.Sub(t1)
	}
	reportPair(b, "sdk", sdk, "bare", bare)
}

// reportPair reports two sides' mean ms/op and their ratio (a / b).
func reportPair(b *testing.B, aName string, a time.Duration, bName string, bd time.Duration) {
	b.Helper()
	n := time.Duration(b.N)
	b.ReportMetric(ms(a/n), aName+"-ms/op")
	b.ReportMetric(ms(bd/n), bName+"-ms/op")
	if bd > 0 {
		b.ReportMetric(float64(a)/float64(bd), aName+"/"+bName)
	}
}

// mistralTime parses Mistral's "2006-01-02 15:04:05" (UTC, whole seconds).
func mistralTime(b *testing.B, s string) time.Time {
	b.Helper()
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		b.Fatalf("Mistral time %q: %v", s, err)
	}
	return t
}

// BenchmarkStartWait: the SDK's Start→Wait wall time for a workflow that
// takes 3 s on the server (the test workflow's wait-before), against the
// server's own time for it, updated_at − created_at (whole seconds: the mean
// over the iterations smooths the truncation).
func BenchmarkStartWait(b *testing.B) {
	need(b, "zaqar")
	for _, n := range []notify{viaREST, viaWS, viaMistral} {
		b.Run(n.String(), func(b *testing.B) {
			ctx := testCtx(b, 10*time.Minute)
			c := newClient(b, n)
			q := testQueue(b, "sw-"+n.String())
			var sdk, server time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"seconds": 3}, tripleo.DecodeFinal, tripleo.StartOpts{Queue: q})
				if err != nil {
					b.Fatal(err)
				}
				fin, err := run.Wait(ctx)
				if err != nil {
					b.Fatal(err)
				}
				sdk += time.Since(t0)
				ex := fin.Execution
				if ex == nil || ex.State != tripleo.StateSuccess {
					if ex, err = c.GetExecution(ctx, run.ExecutionID()); err != nil {
						b.Fatal(err)
					}
				}
				server += mistralTime(b, ex.UpdatedAt).Sub(mistralTime(b, ex.CreatedAt))
			}
			reportPair(b, "sdk", sdk, "server", server)
		})
	}
}

// BenchmarkCLIWallTime: whole processes, create + follow to SUCCESS of the
// test workflow (no wait): the project's CLI (`tripleo workflow run … --wait`,
// one process, following through Zaqar) against python-mistralclient
// (`mistral execution-create`, then `mistral execution-get` until SUCCESS,
// one process each), with the SDK in-process (Start→Wait) for scale.
func BenchmarkCLIWallTime(b *testing.B) {
	need(b, "zaqar")
	needMistralCLI(b)
	ctx := testCtx(b, 20*time.Minute)
	bin := buildTripleoCLI(b)
	c := newClient(b, viaREST)
	q := testQueue(b, "cliw")
	var goCLI, pyCLI, sdk time.Duration
	var polls int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		cmd := exec.CommandContext(ctx, bin, tripleoArgs("-q", "--queue", q, "workflow", "run", wfHold, `{"seconds": 0}`, "--wait")...)
		cmd.Env = cliEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tripleo workflow run: %v: %s", err, out)
		}
		t1 := time.Now()
		var created map[string]any
		if err := json.Unmarshal(runMistral(b, ctx, "execution-create", wfHold, `{"seconds": 0, "queue_name": "`+q+`"}`, "-f", "json"), &created); err != nil {
			b.Fatal(err)
		}
		id, _ := created["ID"].(string)
		for {
			polls++
			state := strings.TrimSpace(string(runMistral(b, ctx, "execution-get", id, "-f", "value", "-c", "State")))
			if state == "SUCCESS" {
				break
			}
			if state != "RUNNING" {
				b.Fatalf("mistral execution-get: state %q", state)
			}
		}
		t2 := time.Now()
		run, err := tripleo.Start(ctx, c, wfHold, nil, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := run.Wait(ctx); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		goCLI += t1.Sub(t0)
		pyCLI += t2.Sub(t1)
		sdk += t3.Sub(t2)
	}
	reportPair(b, "mistral-cli", pyCLI, "tripleo-cli", goCLI)
	b.ReportMetric(ms(sdk/time.Duration(b.N)), "sdk-inproc-ms/op")
	b.ReportMetric(float64(polls)/float64(b.N), "mistral-get-procs/op")
}

// wsObserver is an independent Zaqar websocket subscriber (not the SDK's):
// it records when each message of a queue was pushed to it, which is within
// milliseconds of its post (Zaqar's notifier).
type wsObserver struct {
	conn *websocket.Conn
	mu   sync.Mutex
	seen map[string]time.Time // "<execution id>/<status>" → arrival
	done chan struct{}
}

func newObserver(b *testing.B, ctx context.Context, queue string) *wsObserver {
	b.Helper()
	conn, _, err := websocket.Dial(ctx, env.ZaqarWS, &websocket.DialOptions{HTTPClient: httpc})
	if err != nil {
		b.Fatalf("observer: dial %s: %v", env.ZaqarWS, err)
	}
	conn.SetReadLimit(4 << 20)
	o := &wsObserver{conn: conn, seen: map[string]time.Time{}, done: make(chan struct{})}
	headers := map[string]string{"Client-ID": uuid.NewString(), "X-Project-ID": env.Project}
	for _, f := range []map[string]any{
		{"action": "queue_create", "headers": headers, "body": map[string]any{"queue_name": queue}},
		{"action": "subscription_create", "headers": headers, "body": map[string]any{"queue_name": queue, "ttl": 3600}},
	} {
		data, _ := json.Marshal(f)
		if err := conn.Write(ctx, websocket.MessageText, data); err != nil {
			b.Fatalf("observer: %v", err)
		}
		if _, _, err := conn.Read(ctx); err != nil { // the answer
			b.Fatalf("observer: %v", err)
		}
	}
	go func() {
		defer close(o.done)
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			now := time.Now()
			var frame struct {
				Body struct {
					Payload struct {
						Status      string `json:"status"`
						ExecutionID string `json:"execution_id"`
					} `json:"payload"`
				} `json:"body"`
			}
			if json.Unmarshal(data, &frame) == nil && frame.Body.Payload.ExecutionID != "" {
				o.mu.Lock()
				o.seen[frame.Body.Payload.ExecutionID+"/"+frame.Body.Payload.Status] = now
				o.mu.Unlock()
			}
		}
	}()
	b.Cleanup(func() { _ = conn.CloseNow(); <-o.done })
	return o
}

func (o *wsObserver) at(key string) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.seen[key]
	return t, ok
}

// BenchmarkFinalMessageToWait: how long after its final Zaqar message a
// run's Wait returns, through the REST poller and through the websocket
// Notifier, for a final message 0 s and 3 s after the RUNNING one (the REST
// poller backs off while a queue is idle). The message's time is when an
// independent websocket subscriber received it.
func BenchmarkFinalMessageToWait(b *testing.B) {
	need(b, "zaqar", "websocket")
	for _, n := range []notify{viaREST, viaWS} {
		for _, gap := range []int{0, 3} {
			b.Run(fmt.Sprintf("%s/gap=%ds", n, gap), func(b *testing.B) {
				ctx := testCtx(b, 10*time.Minute)
				c := newClient(b, n)
				q := testQueue(b, fmt.Sprintf("fin-%s-%d", n, gap))
				obs := newObserver(b, ctx, q)
				var total, worst time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					run, err := tripleo.Start(ctx, c, wfHold, map[string]any{"seconds": gap}, tripleo.DecodeNothing, tripleo.StartOpts{Queue: q})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := run.Wait(ctx); err != nil {
						b.Fatal(err)
					}
					returned := time.Now()
					key := run.ExecutionID() + "/" + tripleo.StatusSuccess
					// the observer's frame may still be in flight when the SDK returns
					deadline := time.Now().Add(5 * time.Second)
					posted, ok := obs.at(key)
					for !ok && time.Now().Before(deadline) {
						time.Sleep(5 * time.Millisecond)
						posted, ok = obs.at(key)
					}
					if !ok {
						b.Fatalf("the observer never received %s", key)
					}
					d := returned.Sub(posted)
					total += d
					worst = max(worst, d)
				}
				b.ReportMetric(ms(total/time.Duration(b.N)), "after-final-ms/op")
				b.ReportMetric(ms(worst), "worst-ms")
			})
		}
	}
}
