package plan_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
)

// exampleUndercloud is a small in-process undercloud for the examples and
// benchmarks: the Swift fake, the tripleo.plan.* actions on it, and
// create_deployment_plan, which posts its final message to a Notifier at once.
type exampleUndercloud struct {
	*httptest.Server
	swift    *fakeSwift
	notifier *messaging.Memory

	mu    sync.Mutex
	execs map[string]map[string]any
}

func newExampleUndercloud() *exampleUndercloud {
	u := &exampleUndercloud{swift: newFakeSwift("/v1/AUTH_admin", true), notifier: messaging.NewMemory(), execs: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.Handle("/v1/", u.swift)
	mux.Handle("/info", u.swift)
	mux.HandleFunc("POST /v2/action_executions", u.action)
	mux.HandleFunc("POST /v2/executions", u.start)
	mux.HandleFunc("GET /v2/executions/{id}", u.get)
	u.Server = httptest.NewServer(mux)
	return u
}

// client returns a Client on the example undercloud, following runs through its Notifier.
func (u *exampleUndercloud) client() *tripleo.Client { return u.clientWith(nil) }

func (u *exampleUndercloud) clientWith(hc *http.Client) *tripleo.Client {
	opts := []tripleo.Option{tripleo.WithNotifier(u.notifier)}
	if hc != nil {
		opts = append(opts, tripleo.WithHTTPClient(hc))
	}
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: u.URL + "/v2", Swift: u.URL + "/v1/AUTH_admin"}, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (u *exampleUndercloud) action(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name  string         `json:"name"`
		Input map[string]any `json:"input"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	state, result := "SUCCESS", any(nil)
	switch body.Name {
	case "tripleo.plan.create_container":
		name, _ := body.Input["container"].(string)
		if u.swift.has(name) {
			state, result = "ERROR", "A container with the name "+name+" already exists."
		} else {
			u.swift.mkContainer(name, nil)
		}
	case "tripleo.plan.list":
		u.swift.mu.Lock()
		var names []string
		for n, c := range u.swift.containers {
			if c.meta.Get("X-Container-Meta-Usage-Tripleo") != "" {
				names = append(names, n)
			}
		}
		u.swift.mu.Unlock()
		result = names
	default:
		writeJSON(w, 400, map[string]any{"faultstring": "Action not found [action_name=" + body.Name + "]"})
		return
	}
	out, _ := json.Marshal(map[string]any{"result": result})
	writeJSON(w, 201, map[string]any{"id": "ax", "name": body.Name, "state": state, "output": string(out)})
}

func (u *exampleUndercloud) start(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body struct {
		ID           string         `json:"id"`
		WorkflowName string         `json:"workflow_name"`
		Input        map[string]any `json:"input"`
	}
	_ = json.Unmarshal(raw, &body)
	in, _ := json.Marshal(body.Input)
	out, _ := json.Marshal(map[string]any{"status": "SUCCESS", "message": "Plan created."})
	ex := map[string]any{"id": body.ID, "workflow_name": body.WorkflowName, "state": "SUCCESS", "input": string(in), "output": string(out)}
	u.mu.Lock()
	u.execs[body.ID] = ex
	u.mu.Unlock()
	queue, _ := body.Input["queue_name"].(string)
	if queue == "" {
		queue = tripleo.DefaultQueue
	}
	writeJSON(w, 201, ex)
	if strings.HasSuffix(body.WorkflowName, ".create_deployment_plan") {
		_, _ = u.notifier.Publish(queue, map[string]any{"type": body.WorkflowName, "payload": map[string]any{
			"status": "SUCCESS", "message": "Plan created.", "execution": map[string]any{"id": body.ID, "name": body.WorkflowName}}})
	}
}

func (u *exampleUndercloud) get(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	ex, ok := u.execs[r.PathValue("id")]
	u.mu.Unlock()
	if !ok {
		writeJSON(w, 404, map[string]any{"faultstring": "Execution not found"})
		return
	}
	writeJSON(w, 200, ex)
}
