package tripleotest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Mistral v2 subset: workflows and actions (read-only), executions
// (client-chosen idempotent id, input as object or JSON string, 400 Invalid
// input, filters, sort, limit/marker with "next"), PUT state, DELETE, tasks,
// action executions (run_sync + save_result, or asynchronous), environments.
// Errors are {"faultcode", "faultstring", "debuginfo"}.

type actionExecution struct {
	id, name, state, stateInfo, description string
	input                                   map[string]any
	output                                  map[string]any
	params                                  map[string]any
	created, updated                        time.Time
}

type environment struct {
	id, name, description, scope string
	variables                    map[string]any
	created, updated             time.Time
}

func (u *Undercloud) mistralRoutes(mux *http.ServeMux) {
	b := "/mistral/v2"
	mux.HandleFunc("GET "+b, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": "v2", "status": "CURRENT", "links": []map[string]any{{"href": u.srv.URL + b, "rel": "self"}}})
	})
	mux.HandleFunc("GET "+b+"/workflows", u.mistralListWorkflows)
	mux.HandleFunc("GET "+b+"/workflows/{name}", u.mistralGetWorkflow)
	mux.HandleFunc(b+"/workflows", u.mistralReadOnly)
	mux.HandleFunc(b+"/workbooks", u.mistralReadOnly)
	mux.HandleFunc("GET "+b+"/actions", u.mistralListActions)
	mux.HandleFunc("GET "+b+"/actions/{name}", u.mistralGetAction)
	mux.HandleFunc("POST "+b+"/executions", u.mistralCreateExecution)
	mux.HandleFunc("GET "+b+"/executions", u.mistralListExecutions)
	mux.HandleFunc("GET "+b+"/executions/{id}", u.mistralGetExecution)
	mux.HandleFunc("PUT "+b+"/executions/{id}", u.mistralUpdateExecution)
	mux.HandleFunc("DELETE "+b+"/executions/{id}", u.mistralDeleteExecution)
	mux.HandleFunc("GET "+b+"/executions/{id}/tasks", u.mistralListTasks)
	mux.HandleFunc("GET "+b+"/tasks", u.mistralListTasks)
	mux.HandleFunc("GET "+b+"/tasks/{tid}", u.mistralGetTask)
	mux.HandleFunc("POST "+b+"/action_executions", u.mistralRunAction)
	mux.HandleFunc("GET "+b+"/action_executions", u.mistralListActionExecutions)
	mux.HandleFunc("GET "+b+"/action_executions/{id}", u.mistralGetActionExecution)
	mux.HandleFunc("GET "+b+"/environments", u.mistralListEnvironments)
	mux.HandleFunc("GET "+b+"/environments/{name}", u.mistralGetEnvironment)
	mux.HandleFunc("POST "+b+"/environments", u.mistralPutEnvironment)
	mux.HandleFunc("PUT "+b+"/environments", u.mistralPutEnvironment)
	mux.HandleFunc("DELETE "+b+"/environments/{name}", u.mistralDeleteEnvironment)
}

func (u *Undercloud) mistralReadOnly(w http.ResponseWriter, r *http.Request) {
	mistralError(w, http.StatusForbidden, "tripleotest: the tripleo.* workbooks are fixed; "+r.Method+" "+r.URL.Path+" is not supported")
}

// page applies Mistral's marker/limit to items sorted already; next is the
// absolute URL of the following page when this one is full.
func (u *Undercloud) page(r *http.Request, items []map[string]any, key string) ([]map[string]any, string) {
	q := r.URL.Query()
	if m := q.Get("marker"); m != "" {
		for i, it := range items {
			if it[key] == m {
				items = items[i+1:]
				break
			}
		}
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 || limit >= len(items) {
		if err == nil && limit > 0 && limit == len(items) && len(items) > 0 {
			return items, u.nextURL(r, asString(items[len(items)-1][key]))
		}
		return items, ""
	}
	items = items[:limit]
	return items, u.nextURL(r, asString(items[len(items)-1][key]))
}

func (u *Undercloud) nextURL(r *http.Request, marker string) string {
	q := r.URL.Query()
	q.Set("marker", marker)
	return u.srv.URL + r.URL.Path + "?" + q.Encode()
}

func listBody(key string, items []map[string]any, next string) map[string]any {
	if items == nil {
		items = []map[string]any{}
	}
	b := map[string]any{key: items}
	if next != "" {
		b["next"] = next
	}
	return b
}

func (u *Undercloud) workflowJSON(d *wfDef) map[string]any {
	return map[string]any{
		"id": d.id, "name": d.name, "namespace": "", "input": inputString(d.inputs), "definition": d.definition,
		"tags": []string{"tripleo-common-managed"}, "scope": "public", "project_id": "<default-project>",
		"created_at": mistralTime(d.created), "updated_at": nil,
	}
}

// filterMatch applies Mistral's eq/neq/in/nin string filters.
func filterMatch(spec, value string) bool {
	op, arg, ok := strings.Cut(spec, ":")
	if !ok {
		return spec == value
	}
	switch op {
	case "eq":
		return arg == value
	case "neq":
		return arg != value
	case "in":
		for _, x := range strings.Split(arg, ",") {
			if x == value {
				return true
			}
		}
		return false
	case "nin":
		for _, x := range strings.Split(arg, ",") {
			if x == value {
				return false
			}
		}
		return true
	case "has":
		return strings.Contains(value, arg)
	}
	return spec == value
}

func (u *Undercloud) mistralListWorkflows(w http.ResponseWriter, r *http.Request) {
	var items []map[string]any
	names := sortedKeys(u.wfByName)
	for _, n := range names {
		if f := r.URL.Query().Get("name"); f != "" && !filterMatch(f, n) {
			continue
		}
		items = append(items, u.workflowJSON(u.wfByName[n]))
	}
	items, next := u.page(r, items, "name")
	writeJSON(w, http.StatusOK, listBody("workflows", items, next))
}

func (u *Undercloud) wfLookup(id string) *wfDef {
	if d := u.wfByName[id]; d != nil {
		return d
	}
	for _, d := range u.wfByName {
		if d.id == id {
			return d
		}
	}
	return nil
}

func (u *Undercloud) mistralGetWorkflow(w http.ResponseWriter, r *http.Request) {
	d := u.wfLookup(r.PathValue("name"))
	if d == nil {
		mistralError(w, http.StatusNotFound, "Workflow not found [workflow_identifier="+r.PathValue("name")+", namespace=]")
		return
	}
	writeJSON(w, http.StatusOK, u.workflowJSON(d))
}

func (u *Undercloud) actionJSON(a *actDef) map[string]any {
	return map[string]any{
		"id": uuid.NewSHA1(uuid.NameSpaceURL, []byte("action:"+a.name)).String(), "name": a.name, "is_system": true,
		"input": inputString(a.inputs), "description": a.desc, "tags": nil, "definition": "", "scope": "public",
		"project_id": nil, "created_at": mistralTime(a.created), "updated_at": nil, "namespace": "",
	}
}

func (u *Undercloud) mistralListActions(w http.ResponseWriter, r *http.Request) {
	var items []map[string]any
	for _, n := range sortedKeys(u.actByName) {
		if f := r.URL.Query().Get("name"); f != "" && !filterMatch(f, n) {
			continue
		}
		items = append(items, u.actionJSON(u.actByName[n]))
	}
	items, next := u.page(r, items, "name")
	writeJSON(w, http.StatusOK, listBody("actions", items, next))
}

func (u *Undercloud) mistralGetAction(w http.ResponseWriter, r *http.Request) {
	a := u.actByName[r.PathValue("name")]
	if a == nil {
		mistralError(w, http.StatusNotFound, "Action not found [name="+r.PathValue("name")+"]")
		return
	}
	writeJSON(w, http.StatusOK, u.actionJSON(a))
}

// --- executions ---

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (u *Undercloud) execJSONLocked(ex *execution, withOutput bool) map[string]any {
	m := map[string]any{
		"id": ex.id, "workflow_id": ex.wfID, "workflow_name": ex.wfName, "workflow_namespace": "",
		"description": ex.description, "tags": []string{}, "params": jsonString(ex.params),
		"task_execution_id": nullStr(ex.taskExecID), "root_execution_id": nullStr(ex.rootID),
		"state": ex.state, "state_info": nullStr(ex.stateInfo), "input": jsonString(ex.input),
		"created_at": mistralTime(ex.created), "updated_at": mistralTime(ex.updated), "project_id": "<default-project>",
	}
	if withOutput {
		m["output"] = jsonString(ex.output)
	}
	return m
}

// decodeObject accepts a JSON object or a string holding one (mistralclient sends strings).
func decodeObject(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case nil:
		return map[string]any{}, true
	case map[string]any:
		return t, true
	case string:
		if strings.TrimSpace(t) == "" {
			return map[string]any{}, true
		}
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(t))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			return nil, false
		}
		if m == nil {
			m = map[string]any{}
		}
		return m, true
	}
	return nil, false
}

func (u *Undercloud) mistralCreateExecution(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		mistralError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
		return
	}
	id := asString(body["id"])
	if id != "" {
		u.mu.Lock()
		ex := u.execByID[id]
		var m map[string]any
		if ex != nil {
			m = u.execJSONLocked(ex, true)
		}
		u.mu.Unlock()
		if ex != nil {
			writeJSON(w, http.StatusCreated, m)
			return
		}
	}
	ident := asString(body["workflow_id"])
	if ident == "" {
		ident = asString(body["workflow_name"])
	}
	if ident == "" {
		mistralError(w, http.StatusBadRequest, "Workflow ID or workflow name must be provided. Workflow ID is recommended.")
		return
	}
	d := u.wfLookup(ident)
	if d == nil {
		// Queens over RPC: DBEntityNotFoundError (404). The lab's all-in-one
		// Mistral 15 answers 500 "DBEntityNotFoundError: 404: Workflow not found [...]".
		mistralError(w, http.StatusNotFound, "Workflow not found [workflow_identifier="+ident+", namespace=]")
		return
	}
	input, ok := decodeObject(body["input"])
	if !ok {
		mistralError(w, http.StatusBadRequest, "Invalid input format: input must be a JSON object")
		return
	}
	params, ok := decodeObject(body["params"])
	if !ok {
		mistralError(w, http.StatusBadRequest, "Invalid params format: params must be a JSON object")
		return
	}
	if msg := checkInput(d.name, "DirectWorkflowSpec", d.inputs, input); msg != "" {
		mistralError(w, http.StatusBadRequest, msg)
		return
	}
	ex := u.newExecution(d, withDefaults(d.inputs, input), "", "", id)
	u.mu.Lock()
	for k, v := range params {
		ex.params[k] = v
	}
	ex.description = asString(body["description"])
	m := u.execJSONLocked(ex, true)
	u.mu.Unlock()
	u.startExecution(ex)
	writeJSON(w, http.StatusCreated, m)
}

func (u *Undercloud) mistralGetExecution(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	ex := u.execByID[r.PathValue("id")]
	if ex == nil {
		mistralError(w, http.StatusNotFound, "WorkflowExecution not found [id="+r.PathValue("id")+"]")
		return
	}
	writeJSON(w, http.StatusOK, u.execJSONLocked(ex, true))
}

func (u *Undercloud) mistralListExecutions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	withOutput := q.Get("include_output") == "true"
	u.mu.Lock()
	var items []map[string]any
	for _, ex := range u.execs {
		m := u.execJSONLocked(ex, true)
		keep := true
		for _, k := range []string{"workflow_name", "workflow_id", "state", "root_execution_id", "task_execution_id", "description", "id"} {
			if f := q.Get(k); f != "" && !filterMatch(f, asString(m[k])) {
				keep = false
			}
		}
		if keep {
			if !withOutput {
				delete(m, "output")
			}
			items = append(items, m)
		}
	}
	u.mu.Unlock()
	if strings.HasPrefix(q.Get("sort_dirs"), "desc") {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	items, next := u.page(r, items, "id")
	writeJSON(w, http.StatusOK, listBody("executions", items, next))
}

var settableStates = map[string]bool{"RUNNING": true, "PAUSED": true, "SUCCESS": true, "ERROR": true, "CANCELLED": true}

func (u *Undercloud) mistralUpdateExecution(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		mistralError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	ex := u.execByID[r.PathValue("id")]
	if ex == nil {
		mistralError(w, http.StatusNotFound, "WorkflowExecution not found [id="+r.PathValue("id")+"]")
		return
	}
	if d, ok := body["description"]; ok {
		ex.description = asString(d)
	}
	if st := asString(body["state"]); st != "" {
		if !settableStates[st] {
			mistralError(w, http.StatusBadRequest, "Cannot change state to "+st+". Allowed states are: 'RUNNING, PAUSED, SUCCESS, ERROR, CANCELLED")
			return
		}
		info := asString(body["state_info"])
		switch {
		case ex.state != "RUNNING" && ex.state != "PAUSED":
			// a finished execution stays as it is
		case st == "PAUSED":
			ex.state, ex.paused, ex.updated = "PAUSED", true, now()
		case st == "RUNNING":
			ex.state, ex.paused, ex.updated = "RUNNING", false, now()
		default:
			u.cancelLocked(ex, st, info)
		}
	}
	writeJSON(w, http.StatusOK, u.execJSONLocked(ex, true))
}

func (u *Undercloud) mistralDeleteExecution(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	ex := u.execByID[r.PathValue("id")]
	if ex == nil {
		mistralError(w, http.StatusNotFound, "WorkflowExecution not found [id="+r.PathValue("id")+"]")
		return
	}
	u.cancelLocked(ex, "CANCELLED", "deleted")
	delete(u.execByID, ex.id)
	for i, x := range u.execs {
		if x == ex {
			u.execs = append(u.execs[:i:i], u.execs[i+1:]...)
			break
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func taskJSON(t *taskEx) map[string]any {
	res := ""
	if t.result != nil {
		if s, ok := t.result.(string); ok {
			res = s
		} else {
			res = jsonString(t.result)
		}
	}
	return map[string]any{
		"id": t.id, "name": t.name, "type": t.typ, "workflow_name": t.wfName, "workflow_namespace": "",
		"workflow_execution_id": t.execID, "state": t.state, "state_info": nullStr(t.stateInfo),
		"result": res, "published": jsonString(t.published), "runtime_context": "{}", "processed": t.state != "RUNNING",
		"created_at": mistralTime(t.created), "updated_at": mistralTime(t.updated), "project_id": "<default-project>", "tags": []string{},
	}
}

func (u *Undercloud) mistralListTasks(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" {
		id = r.URL.Query().Get("workflow_execution_id")
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	var items []map[string]any
	if id != "" {
		ex := u.execByID[id]
		if ex == nil && r.PathValue("id") != "" {
			mistralError(w, http.StatusNotFound, "WorkflowExecution not found [id="+id+"]")
			return
		}
		if ex != nil {
			for _, t := range ex.tasks {
				items = append(items, taskJSON(t))
			}
		}
	} else {
		for _, ex := range u.execs {
			for _, t := range ex.tasks {
				items = append(items, taskJSON(t))
			}
		}
	}
	items, next := u.page(r, items, "id")
	writeJSON(w, http.StatusOK, listBody("tasks", items, next))
}

func (u *Undercloud) mistralGetTask(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, ex := range u.execs {
		for _, t := range ex.tasks {
			if t.id == r.PathValue("tid") {
				writeJSON(w, http.StatusOK, taskJSON(t))
				return
			}
		}
	}
	mistralError(w, http.StatusNotFound, "Task not found [id="+r.PathValue("tid")+"]")
}

// --- action executions ---

func (u *Undercloud) actionExJSON(a *actionExecution) map[string]any {
	return map[string]any{
		"id": a.id, "name": a.name, "workflow_name": nil, "workflow_namespace": "", "task_execution_id": nil,
		"task_name": nil, "state": a.state, "state_info": nullStr(a.stateInfo), "tags": nil, "description": nullStr(a.description),
		"project_id": "<default-project>", "accepted": a.state != "RUNNING", "input": jsonString(a.input), "output": jsonString(a.output),
		"params": jsonString(a.params), "created_at": mistralTime(a.created), "updated_at": mistralTime(a.updated),
	}
}

func (u *Undercloud) mistralRunAction(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		mistralError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
		return
	}
	name := asString(body["name"])
	d := u.actByName[name]
	if d == nil {
		mistralError(w, http.StatusBadRequest, "Failed to find action [action_name="+name+"]")
		return
	}
	input, ok := decodeObject(body["input"])
	if !ok {
		mistralError(w, http.StatusBadRequest, "Invalid input format: input must be a JSON object")
		return
	}
	params, _ := decodeObject(body["params"])
	if msg := checkInput(name, "tripleo_common.actions."+d.class, d.inputs, input); msg != "" {
		mistralError(w, http.StatusBadRequest, msg)
		return
	}
	ax := &actionExecution{id: uuid.NewString(), name: name, state: "RUNNING", input: input, params: params,
		description: asString(body["description"]), created: now(), updated: now(), output: map[string]any{}}
	full := withDefaults(d.inputs, input)
	finish := func(res any, errText string) {
		u.mu.Lock()
		defer u.mu.Unlock()
		if errText != "" {
			ax.state, ax.output = "ERROR", map[string]any{"result": errText}
		} else {
			ax.state, ax.output = "SUCCESS", map[string]any{"result": res}
		}
		ax.updated = now()
	}
	u.mu.Lock()
	u.actionExs = append(u.actionExs, ax)
	u.mu.Unlock()
	if asBool(params["run_sync"]) {
		res, errText := u.runAction(r.Context(), d, full)
		finish(res, errText)
	} else if !u.goTrack(func() { finish(u.runAction(u.root, d, full)) }) {
		finish(nil, "the undercloud is closed")
	}
	u.mu.Lock()
	m := u.actionExJSON(ax)
	u.mu.Unlock()
	writeJSON(w, http.StatusCreated, m)
}

func (u *Undercloud) mistralListActionExecutions(w http.ResponseWriter, r *http.Request) {
	withOutput := r.URL.Query().Get("include_output") == "true"
	u.mu.Lock()
	var items []map[string]any
	for _, a := range u.actionExs {
		m := u.actionExJSON(a)
		if !withOutput {
			delete(m, "output")
		}
		items = append(items, m)
	}
	u.mu.Unlock()
	items, next := u.page(r, items, "id")
	writeJSON(w, http.StatusOK, listBody("action_executions", items, next))
}

func (u *Undercloud) mistralGetActionExecution(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, a := range u.actionExs {
		if a.id == r.PathValue("id") {
			writeJSON(w, http.StatusOK, u.actionExJSON(a))
			return
		}
	}
	mistralError(w, http.StatusNotFound, "ActionExecution not found [id="+r.PathValue("id")+"]")
}

// --- environments ---

func envJSON(e *environment) map[string]any {
	return map[string]any{
		"id": e.id, "name": e.name, "description": e.description, "variables": jsonString(e.variables),
		"scope": e.scope, "project_id": "<default-project>", "created_at": mistralTime(e.created), "updated_at": nullMistralTime(e.updated),
	}
}

func nullMistralTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return mistralTime(t)
}

func (u *Undercloud) mistralListEnvironments(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	var items []map[string]any
	for _, n := range sortedKeys(u.envs) {
		items = append(items, envJSON(u.envs[n]))
	}
	u.mu.Unlock()
	items, next := u.page(r, items, "name")
	writeJSON(w, http.StatusOK, listBody("environments", items, next))
}

func (u *Undercloud) mistralGetEnvironment(w http.ResponseWriter, r *http.Request) {
	name, _ := url.PathUnescape(r.PathValue("name"))
	u.mu.Lock()
	defer u.mu.Unlock()
	e := u.envs[name]
	if e == nil {
		mistralError(w, http.StatusNotFound, "Environment not found [name="+name+"]")
		return
	}
	writeJSON(w, http.StatusOK, envJSON(e))
}

func (u *Undercloud) mistralPutEnvironment(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		mistralError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
		return
	}
	name := asString(body["name"])
	vars, ok := decodeObject(body["variables"])
	if !ok {
		mistralError(w, http.StatusBadRequest, "Invalid variables format: variables must be a JSON object")
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	e := u.envs[name]
	if r.Method == http.MethodPost {
		if e != nil {
			mistralError(w, http.StatusConflict, "Duplicate entry for Environment ['name', 'project_id']: "+name+", None")
			return
		}
		e = &environment{id: uuid.NewString(), name: name, scope: "private", created: now()}
		u.envs[name] = e
	} else {
		if e == nil {
			mistralError(w, http.StatusNotFound, "Environment not found [name="+name+"]")
			return
		}
		e.updated = now()
	}
	e.variables = vars
	if d, ok := body["description"]; ok {
		e.description = asString(d)
	}
	if s := asString(body["scope"]); s != "" {
		e.scope = s
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	writeJSON(w, status, envJSON(e))
}

func (u *Undercloud) mistralDeleteEnvironment(w http.ResponseWriter, r *http.Request) {
	name, _ := url.PathUnescape(r.PathValue("name"))
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.envs[name] == nil {
		mistralError(w, http.StatusNotFound, "Environment not found [name="+name+"]")
		return
	}
	delete(u.envs, name)
	w.WriteHeader(http.StatusNoContent)
}
