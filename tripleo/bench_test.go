package tripleo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// benchServer is a minimal in-process Mistral: actions succeed at once, and an
// execution is SUCCESS as soon as it is created; its final message goes to n.
type benchServer struct {
	*httptest.Server
	mu    sync.Mutex
	execs map[string][]byte
}

func newBenchServer(tb testing.TB, n *messaging.Memory) *benchServer {
	s := &benchServer{execs: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "POST" && r.URL.Path == "/v2/action_executions":
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(201)
			io.WriteString(w, `{"id": "a1", "state": "SUCCESS", "output": "{\"result\": [\"overcloud\"]}"}`)
		case r.Method == "POST" && r.URL.Path == "/v2/executions":
			var body map[string]any
			json.NewDecoder(r.Body).Decode(&body)
			id, _ := body["id"].(string)
			ex, _ := json.Marshal(tripleotest.ExecutionJSON(id, "wf", "SUCCESS", "", nil, map[string]any{"status": "SUCCESS"}))
			s.mu.Lock()
			s.execs[id] = ex
			s.mu.Unlock()
			if n != nil {
				n.Publish("tripleo", map[string]any{"type": "wf", "payload": map[string]any{"status": "SUCCESS", "execution_id": id}})
			}
			w.WriteHeader(201)
			w.Write(ex)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/v2/executions/"):
			s.mu.Lock()
			ex := s.execs[strings.TrimPrefix(r.URL.Path, "/v2/executions/")]
			s.mu.Unlock()
			w.Write(ex)
		default:
			http.NotFound(w, r)
		}
	}))
	tb.Cleanup(s.Close)
	return s
}

// BenchmarkRunAction measures the SDK's synchronous action call against an
// in-process Mistral; BenchmarkBareActionPOST is the same request with net/http.
func BenchmarkRunAction(b *testing.B) {
	s := newBenchServer(b, nil)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: s.URL})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var plans []string
		if err := c.RunAction(ctx, "tripleo.plan.list", nil, &plans); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBareActionPOST(b *testing.B) {
	s := newBenchServer(b, nil)
	hc := &http.Client{}
	body := []byte(`{"name": "tripleo.plan.list", "input": {}, "params": {"run_sync": true, "save_result": true}}`)
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("POST", s.URL+"/v2/action_executions", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct{ Output string }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
	}
}

// BenchmarkStartWait measures Start + Wait of a workflow whose final message
// arrives through the Notifier (POST, message, one confirming GET); the bare
// counterpart is a POST and a GET with net/http.
func BenchmarkStartWait(b *testing.B) {
	n := messaging.NewMemory()
	s := newBenchServer(b, n)
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: s.URL}, tripleo.WithNotifier(n))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		run, err := tripleo.Start(ctx, c, "wf", nil, tripleo.DecodeNothing, tripleo.StartOpts{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := run.Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBareStartGET(b *testing.B) {
	// the same server as BenchmarkStartWait's, publishing its final message
	// too (to a Notifier no one reads), so that both sides' servers do the same work
	s := newBenchServer(b, messaging.NewMemory())
	hc := &http.Client{}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := "00000000-0000-4000-8000-" + strings.Repeat("0", 12-len(itoa(i))) + itoa(i)
		req, _ := http.NewRequest("POST", s.URL+"/v2/executions", strings.NewReader(`{"id": "`+id+`", "workflow_name": "wf", "input": {}}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		resp, err = hc.Get(s.URL + "/v2/executions/" + id)
		if err != nil {
			b.Fatal(err)
		}
		var ex map[string]any
		json.NewDecoder(resp.Body).Decode(&ex)
		resp.Body.Close()
	}
}

func itoa(i int) string {
	b := []byte{}
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
