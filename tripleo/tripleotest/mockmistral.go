package tripleotest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jarcoal/httpmock"
)

// MockMistral is Mistral's executions API as responders on an
// httpmock.MockTransport, for unit tests that script what each workflow does
// instead of running the embedded undercloud. It opens no socket, so it works
// inside testing/synctest bubbles (give every test its own transport); it is
// safe for concurrent use. What it answers, below its base URL:
//
//	POST /executions                 records the body; creates the execution
//	                                 RUNNING with the client's id and input and
//	                                 answers 201, then runs the OnStart hook of
//	                                 its workflow; a known id answers the
//	                                 existing execution (201) and runs no hook;
//	                                 FailPOSTs answers the next POSTs instead
//	GET  /executions/{id}            the execution, 404 for an unknown id, or
//	                                 what the OnGET responder answers
//	GET  /executions                 the executions (fields id, state and
//	                                 state_info are all a client needs), those
//	                                 updated at or after T with
//	                                 updated_at=gte:T, with a Date header; an
//	                                 id filter is refused (400 "Unknown
//	                                 argument"), as Mistral 15 does; or what
//	                                 the OnGET responder answers
//	PUT  /executions/{id}            sets the body's state (the SDK's cancel)
//	GET  /executions/{id}/tasks      the tasks SetTasks gave ({"tasks": null} otherwise)
//	GET  /workflows/{name}           a definition AddWorkflow gave, 404 otherwise
//	POST /action_executions          records the body; answers 201 with what the
//	                                 OnAction hook of the action returns (state,
//	                                 output {"result": ...}), 400 "Action not
//	                                 found" for an action without one
//
// Executions are rendered as Mistral renders them: input and output are JSON
// strings (ExecutionJSON); POST and Set stamp updated_at with time.Now.
type MockMistral struct {
	mu        sync.Mutex
	execs     map[string]map[string]any
	posts     []map[string]any
	gets      []time.Time
	lists     int
	cancels   []string
	failPOST  []int
	onGET     httpmock.Responder
	onStart   map[string]func(id string, input map[string]any)
	onAction  map[string]func(input map[string]any) (string, any)
	actions   []map[string]any
	tasks     map[string][]map[string]any
	workflows map[string]string
}

// NewMockMistral registers the responders of a MockMistral on mt for the
// Mistral base URL baseURL (e.g. "http://mistral.test/v2") and returns it.
func NewMockMistral(mt *httpmock.MockTransport, baseURL string) *MockMistral {
	m := &MockMistral{
		execs: map[string]map[string]any{}, tasks: map[string][]map[string]any{}, workflows: map[string]string{},
		onStart: map[string]func(string, map[string]any){}, onAction: map[string]func(map[string]any) (string, any){},
	}
	under := func(path string) *regexp.Regexp {
		return regexp.MustCompile(`^` + regexp.QuoteMeta(baseURL) + path + `$`)
	}
	mt.RegisterResponder(http.MethodPost, baseURL+"/executions", m.post)
	mt.RegisterResponder(http.MethodGet, baseURL+"/executions", m.list)
	mt.RegisterRegexpResponder(http.MethodGet, under(`/executions/([^/]+)`), m.get)
	mt.RegisterRegexpResponder(http.MethodPut, under(`/executions/([^/]+)`), m.put)
	mt.RegisterRegexpResponder(http.MethodGet, under(`/executions/([^/]+)/tasks`), m.getTasks)
	mt.RegisterRegexpResponder(http.MethodGet, under(`/workflows/([^/]+)`), m.getWorkflow)
	mt.RegisterResponder(http.MethodPost, baseURL+"/action_executions", m.runAction)
	return m
}

// ExecutionJSON is an execution as Mistral's REST API renders it: input and
// output as JSON strings (null when nil), state_info null when empty.
func ExecutionJSON(id, workflow, state, stateInfo string, input, output map[string]any) map[string]any {
	enc := func(v map[string]any) any {
		if v == nil {
			return nil
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	var info any
	if stateInfo != "" {
		info = stateInfo
	}
	return map[string]any{
		"id": id, "workflow_name": workflow, "state": state, "state_info": info,
		"input": enc(input), "output": enc(output), "params": "{}",
		"created_at": "2026-11-24 10:00:00", "updated_at": "2026-11-24 10:00:01",
	}
}

// OnStart makes f run whenever POST /executions creates an execution of
// workflow ("" stands for every workflow without a hook of its own). f gets
// the execution id and input; it runs before the POST is answered (the answer
// is the execution as created, RUNNING) and may call any method of m, e.g.
// Set. A hook that takes its time (sleeps, waits) should start a goroutine.
func (m *MockMistral) OnStart(workflow string, f func(id string, input map[string]any)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onStart[workflow] = f
}

// OnAction makes f answer POST /action_executions of action name: f gets the
// input and returns the action's final state ("SUCCESS" or "ERROR") and its
// result (the output is {"result": result}).
func (m *MockMistral) OnAction(name string, f func(input map[string]any) (state string, result any)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onAction[name] = f
}

// ActionCalls returns the decoded bodies of every POST /action_executions so
// far, in order.
func (m *MockMistral) ActionCalls() []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.actions)
}

// OnGET makes f answer every GET /executions/{id} (its time is still
// recorded); nil restores the default answer.
func (m *MockMistral) OnGET(f httpmock.Responder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onGET = f
}

// FailPOSTs makes the next POSTs /executions answer these HTTP statuses, one
// each, with a Mistral faultstring (the bodies are recorded all the same).
func (m *MockMistral) FailPOSTs(codes ...int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failPOST = codes
}

// Add puts an execution in the table as if it had been started elsewhere.
func (m *MockMistral) Add(id, workflow, state string, input, output map[string]any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.execs[id] = ExecutionJSON(id, workflow, state, "", input, output)
}

// Set changes an execution's state, state info and output; its workflow and
// input stay.
func (m *MockMistral) Set(id, state, stateInfo string, output map[string]any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.execs[id]
	wf, _ := old["workflow_name"].(string)
	ex := ExecutionJSON(id, wf, state, stateInfo, nil, output)
	ex["input"] = old["input"]
	if c, ok := old["created_at"]; ok {
		ex["created_at"] = c
	}
	ex["updated_at"] = stamp()
	m.execs[id] = ex
}

// stamp is now as Mistral renders times.
func stamp() string { return time.Now().UTC().Format("2006-01-02 15:04:05") }

// SetTasks sets what GET /executions/{id}/tasks lists.
func (m *MockMistral) SetTasks(id string, tasks []map[string]any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tasks[id] = tasks
}

// AddWorkflow makes GET /workflows/{name} answer definition.
func (m *MockMistral) AddWorkflow(name, definition string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.workflows[name] = definition
}

// State returns the state of execution id ("" if unknown).
func (m *MockMistral) State(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, _ := m.execs[id]["state"].(string)
	return st
}

// Executions returns the ids in the table, sorted.
func (m *MockMistral) Executions() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.execs))
	for id := range m.execs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Posts returns the decoded bodies of every POST /executions so far, failed
// ones included, in order.
func (m *MockMistral) Posts() []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.posts)
}

// PostsOf returns the POST bodies of workflow, in order.
func (m *MockMistral) PostsOf(workflow string) []map[string]any {
	return slices.DeleteFunc(m.Posts(), func(p map[string]any) bool { return p["workflow_name"] != workflow })
}

// LastPost returns the body of the latest POST /executions (nil before any).
func (m *MockMistral) LastPost() map[string]any {
	posts := m.Posts()
	if len(posts) == 0 {
		return nil
	}
	return posts[len(posts)-1]
}

// GetTimes returns when each GET /executions/{id} or GET /executions (a
// list) came, in order.
func (m *MockMistral) GetTimes() []time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.gets)
}

// Cancels returns the ids of the PUT /executions/{id} requests (state
// changes: the SDK's cancels), in order.
func (m *MockMistral) Cancels() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.cancels)
}

func (m *MockMistral) post(r *http.Request) (*http.Response, error) {
	var body map[string]any
	if err := decodeBody(r, &body); err != nil {
		return JSONResponse(r, http.StatusBadRequest, fault(err.Error())), nil
	}
	m.mu.Lock()
	m.posts = append(m.posts, body)
	if len(m.failPOST) > 0 {
		code := m.failPOST[0]
		m.failPOST = m.failPOST[1:]
		m.mu.Unlock()
		return JSONResponse(r, code, fault(http.StatusText(code))), nil
	}
	id, _ := body["id"].(string)
	ex, known := m.execs[id]
	wf, _ := body["workflow_name"].(string)
	in, _ := body["input"].(map[string]any)
	if !known {
		ex = ExecutionJSON(id, wf, "RUNNING", "", in, nil)
		ex["created_at"], ex["updated_at"] = stamp(), stamp()
		m.execs[id] = ex
	}
	hook := m.onStart[wf]
	if hook == nil {
		hook = m.onStart[""]
	}
	m.mu.Unlock()
	resp := JSONResponse(r, http.StatusCreated, ex)
	if hook != nil && !known {
		hook(id, in)
	}
	return resp, nil
}

func (m *MockMistral) get(r *http.Request) (*http.Response, error) {
	id := httpmock.MustGetSubmatch(r, 1)
	m.mu.Lock()
	m.gets = append(m.gets, time.Now())
	hook := m.onGET
	ex, ok := m.execs[id]
	m.mu.Unlock()
	switch {
	case hook != nil:
		return hook(r)
	case !ok:
		return JSONResponse(r, http.StatusNotFound, fault("Execution not found [id="+id+"]")), nil
	}
	return JSONResponse(r, http.StatusOK, ex), nil
}

func (m *MockMistral) list(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	m.mu.Lock()
	m.gets = append(m.gets, time.Now())
	m.lists++
	hook := m.onGET
	items := []map[string]any{}
	gte, _ := strings.CutPrefix(q.Get("updated_at"), "gte:")
	for _, ex := range m.execs {
		if u, _ := ex["updated_at"].(string); u >= gte {
			items = append(items, ex)
		}
	}
	m.mu.Unlock()
	if hook != nil {
		return hook(r)
	}
	if q.Has("id") {
		return JSONResponse(r, http.StatusBadRequest, map[string]any{"faultcode": "Client", "faultstring": `Unknown argument: "id"`}), nil
	}
	resp := JSONResponse(r, http.StatusOK, map[string]any{"executions": items})
	resp.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	return resp, nil
}

// Lists returns how many GET /executions (list) requests came.
func (m *MockMistral) Lists() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lists
}

func (m *MockMistral) put(r *http.Request) (*http.Response, error) {
	id := httpmock.MustGetSubmatch(r, 1)
	var body struct {
		State string `json:"state"`
	}
	if err := decodeBody(r, &body); err != nil {
		return JSONResponse(r, http.StatusBadRequest, fault(err.Error())), nil
	}
	m.mu.Lock()
	m.cancels = append(m.cancels, id)
	_, ok := m.execs[id]
	m.mu.Unlock()
	if !ok {
		return JSONResponse(r, http.StatusNotFound, fault("Execution not found [id="+id+"]")), nil
	}
	m.Set(id, body.State, "", nil)
	m.mu.Lock()
	defer m.mu.Unlock()
	return JSONResponse(r, http.StatusOK, m.execs[id]), nil
}

func (m *MockMistral) getTasks(r *http.Request) (*http.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return JSONResponse(r, http.StatusOK, map[string]any{"tasks": m.tasks[httpmock.MustGetSubmatch(r, 1)]}), nil
}

func (m *MockMistral) getWorkflow(r *http.Request) (*http.Response, error) {
	name := httpmock.MustGetSubmatch(r, 1)
	m.mu.Lock()
	def, ok := m.workflows[name]
	m.mu.Unlock()
	if !ok {
		return JSONResponse(r, http.StatusNotFound, fault("Workflow not found [workflow_identifier="+name+"]")), nil
	}
	return JSONResponse(r, http.StatusOK, map[string]any{"id": "wf-1", "name": name, "definition": def, "input": ""}), nil
}

func (m *MockMistral) runAction(r *http.Request) (*http.Response, error) {
	var body map[string]any
	if err := decodeBody(r, &body); err != nil {
		return JSONResponse(r, http.StatusBadRequest, fault(err.Error())), nil
	}
	name, _ := body["name"].(string)
	m.mu.Lock()
	m.actions = append(m.actions, body)
	n, f := len(m.actions), m.onAction[name]
	m.mu.Unlock()
	if f == nil {
		return JSONResponse(r, http.StatusBadRequest, fault("Action not found [action_name="+name+"]")), nil
	}
	in, _ := body["input"].(map[string]any)
	state, result := f(in)
	out, _ := json.Marshal(map[string]any{"result": result})
	inRaw, _ := json.Marshal(in)
	return JSONResponse(r, http.StatusCreated, map[string]any{
		"id": "ax-" + strconv.Itoa(n), "name": name, "state": state, "input": string(inRaw), "output": string(out),
	}), nil
}

// decodeBody decodes a JSON request body into v.
func decodeBody(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// fault is Mistral's error body.
func fault(msg string) map[string]any { return map[string]any{"faultstring": msg} }
