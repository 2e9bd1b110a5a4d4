package tripleotest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
)

// The workflow engine: an execution runs its wfDef.run in a goroutine
// (sub-workflows run inline as child executions with root_execution_id and
// task_execution_id); the runner posts the final message in the workflow's
// envelope and ends the execution as Mistral does: SUCCESS, or
// the FAILED message first and then ERROR.

type execution struct {
	id, wfName, wfID, description string
	state, stateInfo              string
	input, output, params         map[string]any
	rootID, taskExecID            string
	created, updated              time.Time
	tasks                         []*taskEx
	cancel                        context.CancelFunc
	paused                        bool
	def                           *wfDef
}

type taskEx struct {
	id, name, typ, state, stateInfo string
	wfName, execID                  string
	result                          any
	published                       map[string]any
	created, updated                time.Time
}

// wfResult is how a workflow ends.
type wfResult struct {
	status  string // SUCCESS or FAILED
	message any
	extra   map[string]any // extra payload keys (also published)
	// stateInfo is the ERROR state_info of a silent (no queue) workflow.
	stateInfo string
	// bare: a silent workflow ended by a bare `fail` whose output-on-error is
	// {result: message}: Mistral 15 leaves state_info null.
	bare bool
	// unhandled is a task that failed with only on-complete (and
	// publish-on-error) after it: the workflow posts its message and goes
	// on, then Mistral ends it ERROR ("Failure caused by error in tasks").
	unhandled *taskEx
	// planName and deploymentStatus fill the standard envelope.
	planName, deploymentStatus string
}

func success(message any, extra map[string]any) wfResult {
	return wfResult{status: "SUCCESS", message: message, extra: extra}
}

func failed(message any, extra map[string]any) wfResult {
	return wfResult{status: "FAILED", message: message, extra: extra}
}

// bareFail ends a silent workflow as `publish: message` then a bare `fail`
// with `output-on-error: {result: <% $.message %>}` does.
func bareFail(message string) wfResult {
	return wfResult{status: "FAILED", message: message, bare: true}
}

// flow is a running execution as its workflow function sees it.
type flow struct {
	u   *Undercloud
	ctx context.Context
	ex  *execution
	def *wfDef
	in  map[string]any
	mu  sync.Mutex // guards pub (with-items run concurrently)
	pub map[string]any

	// The flow's simulated clock: sleeps wait until begin + scale × elapsed,
	// so timer overshoot does not add up over thousands of short polls.
	clockMu sync.Mutex
	begin   time.Time
	elapsed time.Duration
}

func (f *flow) str(k string) string         { return asString(f.in[k]) }
func (f *flow) boolean(k string) bool       { return asBool(f.in[k]) }
func (f *flow) integer(k string, d int) int { return asInt(f.in[k], d) }
func (f *flow) queue() string               { return asString(f.in["queue_name"]) }

// sleep waits a simulated duration; it returns false when the execution was
// cancelled (or the undercloud closed) and the workflow must return at once.
// A PAUSED execution waits here until resumed.
func (f *flow) sleep(d time.Duration) bool {
	f.clockMu.Lock()
	f.elapsed += d
	due := f.begin.Add(time.Duration(float64(f.elapsed) * f.u.cfg.scale))
	f.clockMu.Unlock()
	if wait := time.Until(due); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-f.ctx.Done():
			t.Stop()
			return false
		}
	} else if f.ctx.Err() != nil {
		return false
	}
	for {
		f.u.mu.Lock()
		paused := f.ex.paused
		f.u.mu.Unlock()
		if !paused {
			return true
		}
		t := time.NewTimer(time.Millisecond)
		select {
		case <-t.C:
		case <-f.ctx.Done():
			t.Stop()
			return false
		}
	}
}

func (f *flow) alive() bool { return f.ctx.Err() == nil }

func (f *flow) publish(kv map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, v := range kv {
		f.pub[k] = v
	}
}

// execDict is Mistral's execution() as legacy messages carry it.
func (u *Undercloud) execDict(ex *execution) map[string]any {
	return map[string]any{
		"id": ex.id, "name": ex.wfName, "spec": ex.def.spec, "input": ex.input, "params": ex.params,
		"created_at": mistralTime(ex.created), "updated_at": mistralTime(ex.updated), "root_execution_id": nullable(ex.rootID),
	}
}

// deliver posts a message body, applying the drop/duplicate/silent knobs.
func (u *Undercloud) deliver(workflow, queue string, body map[string]any, final bool) {
	if queue == "" || u.cfg.dropAll || u.cfg.dropWF[workflow] || (final && u.cfg.silentWF[workflow]) {
		return
	}
	u.postMessage(queue, body)
	if u.cfg.dupAll || u.cfg.dupWF[workflow] {
		u.postMessage(queue, body)
	}
}

func (f *flow) msgType() string {
	if f.def.msgType != "" {
		return f.def.msgType
	}
	return f.def.name
}

// post sends a message of this execution in its envelope (RUNNING progress, or the final one).
func (f *flow) post(status string, message any, extra map[string]any, planName, deploymentStatus string, final bool) {
	switch f.def.env {
	case legacy:
		payload := map[string]any{"status": status, "message": orEmpty(message), "execution": f.u.execDictLocked(f.ex)}
		for k, v := range extra {
			payload[k] = v
		}
		f.task("send_message", "ACTION", "SUCCESS", nil)
		f.u.deliver(f.def.name, f.queue(), map[string]any{"type": f.msgType(), "payload": payload}, final)
	case standard:
		f.send(status, message, extra, planName, deploymentStatus, final)
	}
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func (u *Undercloud) execDictLocked(ex *execution) map[string]any {
	u.mu.Lock()
	defer u.mu.Unlock()
	return deepCopy(u.execDict(ex)).(map[string]any)
}

func (f *flow) rootOf() string {
	if f.ex.rootID != "" {
		return f.ex.rootID
	}
	return f.ex.id
}

// task records a task execution of this execution.
func (f *flow) task(name, typ, state string, result any) *taskEx {
	u := f.u
	u.mu.Lock()
	defer u.mu.Unlock()
	t := &taskEx{id: uuid.NewString(), name: name, typ: typ, state: state, wfName: f.ex.wfName, execID: f.ex.id,
		result: result, published: map[string]any{}, created: now(), updated: now()}
	f.ex.tasks = append(f.ex.tasks, t)
	return t
}

func (u *Undercloud) finishTask(t *taskEx, state, info string, result any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t.state, t.stateInfo, t.result, t.updated = state, info, result, now()
}

// action runs an action inside the workflow as a task; it returns the result,
// or the error text the task would have as its result.
func (f *flow) action(name string, input map[string]any) (any, string) {
	a := f.u.actByName[name]
	t := f.task(name[lastDot(name)+1:], "ACTION", "RUNNING", nil)
	res, errText := f.u.runAction(f.ctx, a, withDefaults(a.inputs, input))
	if errText != "" {
		f.u.finishTask(t, "ERROR", errText, errText)
		return nil, errText
	}
	f.u.finishTask(t, "SUCCESS", "", res)
	return res, ""
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// sub runs a sub-workflow as a child execution, inline; it returns its result.
func (f *flow) sub(name string, input map[string]any) (*execution, wfResult) {
	u := f.u
	d := u.wfByName[name]
	t := f.task(name[lastDot(name)+1:], "WORKFLOW", "RUNNING", nil)
	child := u.newExecution(d, withDefaults(d.inputs, input), f.rootOf(), t.id, "")
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	u.mu.Lock()
	child.cancel = cancel
	u.mu.Unlock()
	res := u.runFlow(ctx, child)
	u.mu.Lock()
	info, out := child.stateInfo, copyMap(child.output)
	u.mu.Unlock()
	if res.status == "SUCCESS" {
		u.finishTask(t, "SUCCESS", "", out)
	} else {
		u.finishTask(t, "ERROR", info, out)
	}
	return child, res
}

// newExecution stores a RUNNING execution.
func (u *Undercloud) newExecution(d *wfDef, input map[string]any, rootID, taskID, id string) *execution {
	if id == "" {
		id = uuid.NewString()
	}
	ex := &execution{id: id, wfName: d.name, wfID: d.id, state: "RUNNING", input: input,
		params: map[string]any{"namespace": "", "env": map[string]any{}}, rootID: rootID, taskExecID: taskID,
		created: now(), updated: now(), def: d, output: map[string]any{}}
	u.mu.Lock()
	u.execs = append(u.execs, ex)
	u.execByID[id] = ex
	u.mu.Unlock()
	return ex
}

// endExecution sets a terminal state unless the execution already ended (cancelled, forced).
func (u *Undercloud) endExecution(ex *execution, state, info string, output map[string]any) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if ex.state != "RUNNING" && ex.state != "PAUSED" {
		return false
	}
	ex.state, ex.stateInfo, ex.updated = state, info, now()
	if output != nil {
		ex.output = output
	}
	return true
}

// startExecution runs a top-level execution in the background.
func (u *Undercloud) startExecution(ex *execution) {
	ctx, cancel := context.WithCancel(u.root)
	u.mu.Lock()
	ex.cancel = cancel
	u.mu.Unlock()
	if !u.goTrack(func() {
		defer cancel()
		u.runFlow(ctx, ex)
	}) {
		cancel()
	}
}

// runFlow runs ex's workflow to its end and applies the result: final message, state, output.
func (u *Undercloud) runFlow(ctx context.Context, ex *execution) wfResult {
	f := &flow{u: u, ctx: ctx, ex: ex, def: ex.def, in: ex.input, pub: map[string]any{}, begin: time.Now()}
	run := ex.def.run
	if run == nil {
		run = wfNotSimulated
	}
	res := run(f)
	if ctx.Err() != nil {
		return wfResult{status: "CANCELLED"}
	}
	f.mu.Lock()
	pub := copyMap(f.pub)
	f.mu.Unlock()
	pub["status"], pub["message"] = res.status, orEmpty(res.message)
	for k, v := range res.extra {
		pub[k] = v
	}
	var sendEx *execution
	var sendTask *taskEx
	switch ex.def.env {
	case legacy:
		f.post(res.status, res.message, res.extra, "", "", true)
	case standard:
		sendEx, sendTask = f.send(res.status, res.message, res.extra, res.planName, res.deploymentStatus, true)
	}
	if res.status == "SUCCESS" && res.unhandled != nil {
		t := res.unhandled
		info := fmt.Sprintf("Failure caused by error in tasks: %s\n\n  %s [task_ex_id=%s] -> %s\n", t.name, t.name, t.id, t.stateInfo)
		pub["result"] = info
		u.endExecution(ex, "ERROR", info, pub)
		return wfResult{status: "FAILED", message: res.message}
	}
	if res.status == "SUCCESS" {
		u.endExecution(ex, "SUCCESS", "", pub)
		return res
	}
	switch ex.def.env {
	case legacy: // the explicit "fail" after the post: state_info stays null
		pub["result"] = nil
		u.endExecution(ex, "ERROR", "", pub)
	case standard:
		info := fmt.Sprintf("Failure caused by error in tasks: send_message\n\n  send_message [task_ex_id=%s] -> Workflow failed due to message status\n    [wf_ex_id=%s, idx=0]: Workflow failed due to message status\n", sendTask.id, sendEx.id)
		u.endExecution(ex, "ERROR", info, map[string]any{"result": info})
	default:
		if res.bare {
			u.endExecution(ex, "ERROR", "", map[string]any{"result": res.message})
			break
		}
		info := res.stateInfo
		if info == "" {
			info = asString(res.message)
		}
		u.endExecution(ex, "ERROR", info, map[string]any{"result": info})
	}
	return res
}

// cancelLocked stops a running execution and its running children.
func (u *Undercloud) cancelLocked(ex *execution, state, info string) {
	if ex.state != "RUNNING" && ex.state != "PAUSED" {
		return
	}
	ex.state, ex.stateInfo, ex.updated, ex.paused = state, info, now(), false
	if ex.cancel != nil {
		ex.cancel()
	}
	for _, t := range ex.tasks {
		for _, c := range u.execs {
			if c.taskExecID == t.id {
				u.cancelLocked(c, state, info)
			}
		}
	}
}

// recordPlanMessage writes the message to <plan>-messages as send does.
func (u *Undercloud) recordPlanMessage(plan, typ string, body map[string]any, deploymentStatus string) {
	c := plan + "-messages"
	u.swiftEnsureContainer(c, nil)
	y := yamlDump(body)
	u.swiftPutObject(c, typ+"/"+now().Format("2006-01-02_15:04:05")+".yaml", y, "application/x-yaml")
	if deploymentStatus != "" {
		u.swiftPutObject(c, "deployment_status.yaml", yamlDump(map[string]any{"deployment_status": deploymentStatus, "workflow_status": body}), "application/x-yaml")
	}
}
