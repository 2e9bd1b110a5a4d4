package tripleotest

import (
	"fmt"
	"time"
)

// wfManualCleaning: clean with clean_steps, then poll every retry_delay until
// "manageable" or the timeout. Like the real one it does not notice "clean
// failed": a failed clean burns the whole (scaled) timeout.
func wfManualCleaning(f *flow) wfResult {
	u := f.u
	id := f.str("node_uuid")
	u.mu.Lock()
	n := u.nodeLocked(id)
	msg := "Node " + id + " could not be found."
	if n != nil {
		_, msg = u.provisionLocked(n, "clean", asList(f.in["clean_steps"]))
	}
	u.mu.Unlock()
	if msg != "" {
		return failed(ironicActionError("node.set_provision_state", msg), nil)
	}
	delay := time.Duration(f.integer("retry_delay", 10)) * time.Second
	timeout := time.Duration(f.integer("timeout", 7200)) * time.Second
	count := f.integer("retry_count", 720)
	// wait_for_provision_state (ironic.node_get with retry): its result is the
	// node as last read, so "clean failed" and last_error are in Mistral.
	wait := f.task("wait_for_provision_state", "ACTION", "RUNNING", nil)
	for try, waited := 0, time.Duration(0); try <= count && waited < timeout; try++ {
		if state, _, _, _, _ := u.nodeState(id); state == "manageable" {
			u.finishTask(wait, "SUCCESS", "", u.nodeDict(id))
			return success("", nil)
		}
		if !f.sleep(delay) {
			return wfResult{}
		}
		waited += delay
	}
	u.finishTask(wait, "SUCCESS", "", u.nodeDict(id))
	return failed(fmt.Sprintf("Cleaning of node %s timed out.", id), nil)
}

// nodeDict is a node as ironic.node_get returns it (the fields a workflow reads).
func (u *Undercloud) nodeDict(id string) map[string]any {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.nodeLocked(id)
	if n == nil {
		return nil
	}
	return map[string]any{"uuid": n.uuid, "name": nullable(n.name), "provision_state": n.provisionState,
		"target_provision_state": nullable(n.targetProvision), "last_error": nullable(n.lastError),
		"maintenance": n.maintenance, "maintenance_reason": nullable(n.maintenanceReason), "power_state": nullable(n.powerState)}
}
