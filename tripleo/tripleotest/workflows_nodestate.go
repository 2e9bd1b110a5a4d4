package tripleotest

import (
	"fmt"
	"slices"
	"sync"
)

// tripleo.baremetal.v1's silent helpers set_node_state and set_power_state
// (no queue: they post nothing and end with a bare fail) and
// cellv2_discovery, and the with-items runner of the workflows that call them
// per node.

func ironicActionError(method, msg string) string {
	return "IronicAction." + method + " failed: " + msg
}

// nodeState reads a node's provision state and last error ("" when gone).
func (u *Undercloud) nodeState(id string) (state, lastErr, power string, reserved, ok bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.nodeLocked(id)
	if n == nil {
		return "", "", "", false, false
	}
	return n.provisionState, n.lastError, n.powerState, n.reservation != "", true
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// wfSetNodeState: node_set_provision_state, then node_get every 3 s (400
// tries) until target_state or one of error_states.
func wfSetNodeState(f *flow) wfResult {
	u := f.u
	id, action, target := f.str("node_uuid"), f.str("state_action"), f.str("target_state")
	errStates := asStrings(f.in["error_states"])
	u.mu.Lock()
	n := u.nodeLocked(id)
	msg := "Node " + id + " could not be found. (HTTP 404)"
	if n != nil {
		_, msg = u.provisionLocked(n, action, nil)
	}
	u.mu.Unlock()
	t := f.task("set_provision_state", "ACTION", "RUNNING", nil)
	if msg != "" {
		text := ironicActionError("node.set_provision_state", msg)
		u.finishTask(t, "ERROR", text, text)
		f.task("set_provision_state_failed", "ACTION", "SUCCESS", nil)
		return bareFail(text)
	}
	u.finishTask(t, "SUCCESS", "", nil)
	wait := f.task("wait_for_provision_state", "ACTION", "RUNNING", nil)
	state, lastErr := "", ""
	for try := 0; try < 400; try++ {
		var ok bool
		state, lastErr, _, _, ok = u.nodeState(id)
		if !ok || state == target || slices.Contains(errStates, state) {
			break
		}
		if !f.sleep(setStateDelay) {
			return wfResult{}
		}
	}
	u.finishTask(wait, "SUCCESS", "", map[string]any{"provision_state": state, "last_error": nullable(lastErr)})
	if state != target {
		f.task("state_not_reached", "ACTION", "SUCCESS", nil)
		return bareFail(fmt.Sprintf(`Node %s did not reach state "%s", the state is "%s", error: %s`, id, target, state, noneIfEmpty(lastErr)))
	}
	return success(nil, nil)
}

// wfSetPowerState: node_set_power_state, then poll every 6 s (20 tries) until
// the power state is reached and the node is not reserved.
func wfSetPowerState(f *flow) wfResult {
	u := f.u
	id, action, target := f.str("node_uuid"), f.str("state_action"), f.str("target_state")
	u.mu.Lock()
	n := u.nodeLocked(id)
	msg := "Node " + id + " could not be found."
	if n != nil {
		msg = ""
		verb := map[string]string{"on": "power on", "off": "power off", "reboot": "rebooting"}[action]
		if verb == "" {
			verb = action
		}
		final, ok := powerTargets[verb]
		switch {
		case !ok:
			msg = invalidAction(verb, n)
		case n.reservation != "":
			msg = lockedMsg(n)
		default:
			u.setPowerLocked(n, verb, final)
		}
	}
	u.mu.Unlock()
	t := f.task("set_power_state", "ACTION", "RUNNING", nil)
	if msg != "" {
		text := ironicActionError("node.set_power_state", msg)
		u.finishTask(t, "ERROR", text, text)
		f.task("set_power_state_failed", "ACTION", "SUCCESS", nil)
		return bareFail(text)
	}
	u.finishTask(t, "SUCCESS", "", nil)
	power := ""
	for try := 0; try < 20; try++ {
		if !f.sleep(powerDelay) {
			return wfResult{}
		}
		var reserved bool
		_, _, power, reserved, _ = u.nodeState(id)
		if (power == target || power == f.str("error_state")) && !reserved {
			break
		}
	}
	if power != target {
		f.task("state_not_reached", "ACTION", "SUCCESS", nil)
		return bareFail(fmt.Sprintf(`Node %s did not reach power state "%s", the state is "%s", error: None`, id, target, power))
	}
	return success(nil, nil)
}

func wfCellV2Discovery(f *flow) wfResult {
	if !f.sleep(cellDiscoveryTime) {
		return wfResult{}
	}
	return success(nil, nil)
}

// withItems runs one sub-workflow per item, at most concurrency at a time
// (0 = all), and returns the failed items' results ({"result": state_info}).
func (f *flow) withItems(items []string, concurrency int, name string, input func(item string) map[string]any) (failed []any, failedItems []string) {
	if concurrency <= 0 {
		concurrency = len(items)
	}
	sem := make(chan struct{}, max(concurrency, 1))
	var mu sync.Mutex
	var wg sync.WaitGroup
	results := make([]*execution, len(items))
	oks := make([]bool, len(items))
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-f.ctx.Done():
				return
			}
			defer func() { <-sem }()
			ex, res := f.sub(name, input(it))
			mu.Lock()
			results[i], oks[i] = ex, res.status == "SUCCESS"
			mu.Unlock()
		}()
	}
	wg.Wait()
	for i, ex := range results {
		if ex != nil && !oks[i] {
			f.u.mu.Lock()
			failed = append(failed, copyMap(ex.output))
			f.u.mu.Unlock()
			failedItems = append(failedItems, items[i])
		} else {
			failed = append(failed, map[string]any{}) // a helper's output on success
		}
	}
	if len(failedItems) == 0 {
		return nil, nil
	}
	return failed, failedItems
}
