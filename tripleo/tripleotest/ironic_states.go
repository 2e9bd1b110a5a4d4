package tripleotest

import (
	"fmt"
	"net/http"
	"time"
)

// Simulated durations of Ironic operations (scaled by the time scale).
const (
	verifyTime    = 5 * time.Second
	autoCleanTime = 30 * time.Second
	cleanStepTime = 60 * time.Second
	inspectTime   = 120 * time.Second
	deployTime    = 600 * time.Second
	deleteTime    = 60 * time.Second
	powerTime     = 2 * time.Second
)

// step is one leg of a provision progression: after d, the node enters state
// (with target), unless fail returns an error text, which ends the progression.
type step struct {
	d      time.Duration
	state  string
	target string
	apply  func(n *node) // under u.mu, when the state is entered
}

var transientStates = map[string]bool{"verifying": true, "cleaning": true, "inspecting": true, "deploying": true, "deleting": true}

func invalidAction(verb string, n *node) string {
	return fmt.Sprintf(`The requested action "%s" can not be performed on node "%s" while it is in state "%s".`, verb, n.uuid, n.provisionState)
}

// provisionLocked validates a provision verb (ironic/common/states.py machine)
// and starts its progression. It returns an HTTP status and error text on refusal.
func (u *Undercloud) provisionLocked(n *node, verb string, cleanSteps []any) (int, string) {
	if n.reservation != "" {
		return http.StatusConflict, lockedMsg(n)
	}
	s := n.provisionState
	var steps []step
	switch {
	case verb == "manage" && s == "enroll":
		steps = []step{{0, "verifying", "manageable", nil}, {verifyTime, "manageable", "", func(n *node) {
			if n.powerState == "" {
				n.powerState = "power off"
			}
		}}}
	case verb == "manage" && (s == "available" || s == "clean failed" || s == "inspect failed" || s == "manageable"):
		if s == "manageable" {
			return http.StatusBadRequest, invalidAction(verb, n)
		}
		steps = []step{{0, "manageable", "", nil}}
	case verb == "provide" && s == "manageable":
		steps = u.cleaningSteps(n, "available", nil)
	case verb == "inspect" && (s == "manageable" || s == "inspect failed"):
		steps = u.inspectSteps(n)
	case verb == "clean" && s == "manageable":
		if len(cleanSteps) == 0 {
			return http.StatusBadRequest, `"clean_steps" is required when setting target provision state to clean`
		}
		if n.maintenance {
			return http.StatusBadRequest, "The cleaning operation can't be performed on node " + n.uuid + " because it's in maintenance mode."
		}
		steps = u.cleaningSteps(n, "manageable", cleanSteps)
	case verb == "active" && (s == "available" || s == "deploy failed"):
		steps = []step{{0, "deploying", "active", nil}, {deployTime / 2, "wait call-back", "active", nil},
			{deployTime / 4, "deploying", "active", nil}, {deployTime / 4, "active", "", func(n *node) { n.powerState = "power on" }}}
	case verb == "deleted" && (s == "active" || s == "deploy failed" || s == "error"):
		steps = append([]step{{0, "deleting", "available", nil}, {deleteTime, "cleaning", "available", func(n *node) {
			n.instanceUUID, n.instanceInfo, n.powerState = "", map[string]any{}, "power off"
		}}}, u.cleaningSteps(n, "available", nil)[1:]...)
	case verb == "abort" && s == "clean wait":
		steps = []step{{0, "clean failed", "", func(n *node) {
			n.lastError = "By request, the clean operation was aborted"
			n.cleanStep = map[string]any{}
		}}}
	case verb == "abort" && s == "inspect wait":
		steps = []step{{0, "inspect failed", "", func(n *node) { n.lastError = "Inspection was aborted by request." }}}
	default:
		return http.StatusBadRequest, invalidAction(verb, n)
	}
	n.lastError = ""
	u.scheduleLocked(n, steps)
	return http.StatusAccepted, ""
}

// scheduleLocked enters the first step now and schedules the others at
// their cumulative scaled deadlines.
func (u *Undercloud) scheduleLocked(n *node, steps []step) {
	n.pending = nil
	u.enterLocked(n, steps[0])
	at := time.Now()
	for _, st := range steps[1:] {
		at = at.Add(time.Duration(float64(st.d) * u.cfg.scale))
		n.pending = append(n.pending, pendingStep{at: at, st: st})
	}
	u.advanceLocked(n)
}

// advanceLocked applies the steps (and power change) that are due.
func (u *Undercloud) advanceLocked(n *node) {
	t := time.Now()
	for len(n.pending) > 0 && !t.Before(n.pending[0].at) {
		st := n.pending[0].st
		n.pending = n.pending[1:]
		u.enterLocked(n, st)
	}
	if n.powerFinal != "" && !t.Before(n.powerAt) {
		n.powerState, n.targetPower, n.powerFinal, n.updated = n.powerFinal, "", "", now()
		if !transientStates[n.provisionState] {
			n.reservation = ""
		}
	}
}

// nodesLocked brings every node up to date and returns them.
func (u *Undercloud) nodesLocked() []*node {
	for _, n := range u.nodes {
		u.advanceLocked(n)
	}
	return u.nodes
}

// enterLocked moves the node into a step's state.
func (u *Undercloud) enterLocked(n *node, st step) {
	n.provisionState, n.targetProvision = st.state, st.target
	n.provisionUpdated, n.updated = now(), now()
	if transientStates[st.state] {
		n.reservation = conductorHost
	} else {
		n.reservation = ""
	}
	if st.apply != nil {
		st.apply(n)
	}
}

// cleaningSteps: cleaning (⇄ clean wait per manual step) → final, or "clean
// failed" + maintenance + fault "clean failure" when FailCleaning names the node
// (a failing clean step puts the node in maintenance).
func (u *Undercloud) cleaningSteps(n *node, final string, cleanSteps []any) []step {
	steps := []step{{0, "cleaning", final, func(n *node) { n.cleanStep = map[string]any{} }}}
	lastErr, fails := u.knobLocked(u.cfg.failClean, n)
	if len(cleanSteps) == 0 {
		if fails {
			return append(steps, step{autoCleanTime, "clean failed", "", cleanFailure(lastErr)})
		}
		return append(steps, step{autoCleanTime, final, "", nil})
	}
	for i, cs := range cleanSteps {
		cs := copyMap(asMap(cs))
		steps = append(steps, step{0, "clean wait", final, func(n *node) { n.cleanStep = cs }})
		if fails && i == 0 {
			return append(steps, step{cleanStepTime, "clean failed", "", cleanFailure(lastErr)})
		}
		steps = append(steps, step{cleanStepTime, "cleaning", final, nil})
	}
	return append(steps, step{0, final, "", func(n *node) { n.cleanStep = map[string]any{} }})
}

func cleanFailure(lastErr string) func(n *node) {
	return func(n *node) {
		n.lastError, n.maintenance, n.maintenanceReason, n.fault = lastErr, true, lastErr, "clean failure"
		n.cleanStep = map[string]any{}
	}
}

// inspectSteps: inspecting → manageable with the discovered properties, or
// "inspect failed" when FailIntrospection names the node.
func (u *Undercloud) inspectSteps(n *node) []step {
	steps := []step{{0, "inspecting", "manageable", func(n *node) { n.inspectStarted, n.inspectFinished = now(), time.Time{} }}}
	if e, fails := u.knobLocked(u.cfg.failIntrospect, n); fails {
		return append(steps, step{inspectTime, "inspect failed", "", func(n *node) {
			n.lastError = "ironic-inspector inspection failed: " + e
		}})
	}
	return append(steps, step{inspectTime, "manageable", "", func(n *node) {
		discoverProperties(n)
		n.inspectFinished = now()
	}})
}

// discoverProperties fills what introspection finds (kept where already set).
func discoverProperties(n *node) {
	def := map[string]any{"cpus": "4", "memory_mb": "8192", "local_gb": "49", "cpu_arch": "x86_64"}
	for k, v := range def {
		if _, ok := n.properties[k]; !ok {
			n.properties[k] = v
		}
	}
}

func (u *Undercloud) ironicProvision(w http.ResponseWriter, r *http.Request, _ float64) {
	var body map[string]any
	if !readIronicBody(w, r, &body) {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.pathNodeLocked(w, r)
	if n == nil {
		return
	}
	status, msg := u.provisionLocked(n, asString(body["target"]), asList(body["clean_steps"]))
	if msg != "" {
		ironicError(w, status, msg)
		return
	}
	w.Header().Set("Location", u.srv.URL+"/ironic/v1/nodes/"+r.PathValue("id")+"/states")
	w.WriteHeader(http.StatusAccepted)
}

var powerTargets = map[string]string{"power on": "power on", "power off": "power off", "rebooting": "power on", "soft power off": "power off", "soft rebooting": "power on"}

func (u *Undercloud) ironicPower(w http.ResponseWriter, r *http.Request, _ float64) {
	var body map[string]any
	if !readIronicBody(w, r, &body) {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.pathNodeLocked(w, r)
	if n == nil {
		return
	}
	target := asString(body["target"])
	final, ok := powerTargets[target]
	if !ok {
		ironicError(w, http.StatusBadRequest, invalidAction(target, n))
		return
	}
	if n.reservation != "" {
		ironicError(w, http.StatusConflict, lockedMsg(n))
		return
	}
	u.setPowerLocked(n, target, final)
	w.Header().Set("Location", u.srv.URL+"/ironic/v1/nodes/"+r.PathValue("id")+"/states")
	w.WriteHeader(http.StatusAccepted)
}

// setPowerLocked starts a power change (the node is reserved for powerTime).
func (u *Undercloud) setPowerLocked(n *node, target, final string) {
	n.targetPower, n.reservation = target, conductorHost
	n.powerFinal, n.powerAt = final, time.Now().Add(time.Duration(float64(powerTime)*u.cfg.scale))
	u.advanceLocked(n)
}
