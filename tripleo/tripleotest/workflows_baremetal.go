package tripleotest

import (
	"fmt"
	"slices"
	"time"
)

// tripleo.baremetal.v1. Legacy envelope; set_node_state,
// set_power_state and cellv2_discovery are silent helpers.

// Simulated durations of the inspector and the workflows' own steps.
const (
	introspectionTime = 180 * time.Second
	cellDiscoveryTime = 10 * time.Second
	setStateDelay     = 3 * time.Second // set_node_state's retry delay (count 400)
	powerDelay        = 6 * time.Second // set_power_state's retry delay (count 20)
)

// wfManage: set_node_state(manage → manageable, error_states enroll/error) per node.
func wfManage(f *flow) wfResult {
	failedRes, _ := f.withItems(asStrings(f.in["node_uuids"]), 0, "tripleo.baremetal.v1.set_node_state", func(id string) map[string]any {
		return map[string]any{"node_uuid": id, "state_action": "manage", "target_state": "manageable", "error_states": []any{"enroll", "error"}}
	})
	if !f.alive() {
		return wfResult{}
	}
	if len(failedRes) > 0 {
		return failed(failedRes, nil)
	}
	return success("", nil)
}

// wfProvide: set_node_state(provide → available) per node, cellv2_discovery,
// then set_power_state(off) per node.
func wfProvide(f *flow) wfResult {
	ids := asStrings(f.in["node_uuids"])
	failedRes, _ := f.withItems(ids, 0, "tripleo.baremetal.v1.set_node_state", func(id string) map[string]any {
		return map[string]any{"node_uuid": id, "state_action": "provide", "target_state": "available"}
	})
	if !f.alive() {
		return wfResult{}
	}
	if len(failedRes) > 0 {
		return failed(failedRes, nil)
	}
	if _, res := f.sub("tripleo.baremetal.v1.cellv2_discovery", map[string]any{"node_uuids": anyList(ids)}); res.status != "SUCCESS" {
		return failed(res.stateInfo, nil)
	}
	failedRes, _ = f.withItems(ids, 0, "tripleo.baremetal.v1.set_power_state", func(id string) map[string]any {
		return map[string]any{"node_uuid": id, "state_action": "off", "target_state": "power off"}
	})
	if !f.alive() {
		return wfResult{}
	}
	if len(failedRes) > 0 {
		return failed(failedRes, nil)
	}
	return success(fmt.Sprintf(`%d node(s) successfully moved to the "available" state.`, len(ids)), nil)
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// manageableNodes is ironic.node_list(maintenance=False, associated=False) filtered on manageable.
func (u *Undercloud) manageableNodes() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for _, n := range u.nodesLocked() {
		if !n.maintenance && n.instanceUUID == "" && n.provisionState == "manageable" {
			out = append(out, n.uuid)
		}
	}
	return out
}

func wfProvideManageable(f *flow) wfResult {
	ids := f.u.manageableNodes()
	_, res := f.sub("tripleo.baremetal.v1.provide", map[string]any{"node_uuids": anyList(ids), "queue_name": f.queue()})
	if !f.alive() {
		return wfResult{}
	}
	if res.status != "SUCCESS" {
		return failed(res.message, nil)
	}
	return success("", nil)
}

func wfValidateNodes(f *flow) wfResult {
	if _, errText := f.action("tripleo.baremetal.validate_nodes", map[string]any{"nodes_json": f.in["nodes_json"]}); errText != "" {
		return failed(errText, nil)
	}
	return success("", nil)
}

// wfRegisterOrUpdate: validate_nodes (sub-workflow, own message) →
// register_or_update_nodes → manage(new nodes) [→ provide(new nodes)].
func wfRegisterOrUpdate(f *flow) wfResult {
	_, res := f.sub("tripleo.baremetal.v1.validate_nodes", map[string]any{"nodes_json": f.in["nodes_json"], "queue_name": f.queue()})
	if !f.alive() {
		return wfResult{}
	}
	if res.status != "SUCCESS" {
		return failed(res.message, map[string]any{"registered_nodes": []any{}})
	}
	if !f.sleep(2 * time.Second) {
		return wfResult{}
	}
	out, errText := f.action("tripleo.baremetal.register_or_update_nodes", map[string]any{
		"nodes_json": f.in["nodes_json"], "remove": f.in["remove"], "kernel_name": f.in["kernel_name"],
		"ramdisk_name": f.in["ramdisk_name"], "instance_boot_option": f.in["instance_boot_option"],
	})
	if errText != "" {
		return failed(errText, map[string]any{"registered_nodes": []any{}})
	}
	registered := asList(out)
	var newNodes []string
	var newDicts []any
	for _, n := range registered {
		if m := asMap(n); asString(m["provision_state"]) == "enroll" {
			newNodes = append(newNodes, asString(m["uuid"]))
			newDicts = append(newDicts, m)
		}
	}
	f.publish(map[string]any{"registered_nodes": registered, "new_nodes": nonNil(newDicts)})
	extra := map[string]any{"registered_nodes": nonNil(registered)}
	initial := f.str("initial_state")
	if initial == "enroll" {
		return success("", extra)
	}
	_, res = f.sub("tripleo.baremetal.v1.manage", map[string]any{"node_uuids": anyList(newNodes), "queue_name": f.queue()})
	if !f.alive() {
		return wfResult{}
	}
	if res.status != "SUCCESS" {
		return failed(res.message, extra)
	}
	msg := fmt.Sprintf(`%d node(s) successfully moved to the "manageable" state.`, len(newNodes))
	if initial == "available" {
		_, res = f.sub("tripleo.baremetal.v1.provide", map[string]any{"node_uuids": anyList(newNodes), "queue_name": f.queue()})
		if !f.alive() {
			return wfResult{}
		}
		if res.status != "SUCCESS" {
			return failed(res.message, extra)
		}
		msg = fmt.Sprintf(`%d node(s) successfully moved to the "available" state.`, len(newNodes))
	}
	return success(msg, extra)
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// inspectorStatus is ironic-inspector's status of a node.
func (u *Undercloud) inspectorStatus(id string, finished bool, errText string, started time.Time) map[string]any {
	st := map[string]any{
		"uuid": id, "finished": finished, "error": nil, "state": "finished",
		"started_at": started.UTC().Format("2006-01-02T15:04:05"), "finished_at": nil,
		"links": []map[string]any{{"href": u.srv.URL + "/v1/introspection/" + id, "rel": "self"}},
	}
	if finished {
		st["finished_at"] = now().Format("2006-01-02T15:04:05")
	}
	if errText != "" {
		st["error"], st["state"] = errText, "error"
	}
	return st
}

var inspectableStates = []string{"manageable", "inspecting", "inspect wait", "enroll", "inspect failed"}

// wfIntrospectNode is _introspect: inspector introspect(uuid), wait for it,
// one message per node: "Introspection of node <uuid> completed. Status:<S>. Errors:<err>".
func wfIntrospectNode(f *flow) wfResult {
	u := f.u
	id := f.str("node_uuid")
	extra := map[string]any{"introspected_node": nil, "node_uuid": id}
	u.mu.Lock()
	n := u.nodeLocked(id)
	startErr := ""
	var fail string
	var fails bool
	switch {
	case n == nil:
		startErr = "Node " + id + " was not found"
	case !slices.Contains(inspectableStates, n.provisionState):
		startErr = fmt.Sprintf(`Invalid provision state for introspection: "%s", valid states are "%s"`, n.provisionState, pyList(inspectableStates))
	default:
		fail, fails = u.knobLocked(u.cfg.failIntrospect, n)
	}
	u.mu.Unlock()
	if startErr != "" {
		msg := fmt.Sprintf("Failed to run action [action_ex_id=%s, action_cls='<class 'mistral.actions.action_factory.BaremetalIntrospectionAction'>', attributes='{'client_method_name': 'introspect'}', params='{'uuid': '%s'}']\n BaremetalIntrospectionAction.introspect failed: %s",
			newID(), id, startErr)
		extra["introspected_nodes"] = []any{}
		st := u.inspectorStatus(id, true, startErr, now())
		u.setInspection(id, st)
		return failed(msg, extra)
	}
	started := now()
	u.setInspection(id, u.inspectorStatus(id, false, "", started))
	timeout := time.Duration(f.integer("timeout", 1200)) * time.Second
	d := min(introspectionTime, timeout)
	if !f.sleep(d) {
		return wfResult{}
	}
	if d < introspectionTime && !fails {
		return failed(fmt.Sprintf("Introspection of node %s timed out.", id), extra)
	}
	var st map[string]any
	if fails {
		st = u.inspectorStatus(id, true, fail, started)
	} else {
		st = u.inspectorStatus(id, true, "", started)
		u.mu.Lock()
		if n := u.nodeLocked(id); n != nil {
			discoverProperties(n)
			n.inspectStarted, n.inspectFinished = started, now()
		}
		u.mu.Unlock()
	}
	u.setInspection(id, st)
	extra["introspected_node"] = st
	status := "SUCCESS"
	errs := "None"
	if fails {
		status, errs = "FAILED", fail
	}
	msg := fmt.Sprintf("Introspection of node %s completed. Status:%s. Errors:%s", id, status, errs)
	if fails {
		return failed(msg, extra)
	}
	return success(msg, extra)
}

func (u *Undercloud) setInspection(id string, st map[string]any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.inspections == nil {
		u.inspections = map[string]map[string]any{}
	}
	u.inspections[id] = st
}

func (u *Undercloud) inspection(id string) map[string]any {
	u.mu.Lock()
	defer u.mu.Unlock()
	if st := u.inspections[id]; st != nil {
		return copyMap(st)
	}
	return nil
}

// wfIntrospect: with-items _introspect (concurrency), get statuses, retry the
// failed ones (RUNNING "Retrying <n> nodes that failed introspection. Attempt
// <k> of <max+1> "), up to max_retry_attempts+1 rounds. As in
// Queens, introspected_nodes holds the statuses of the last round's nodes.
func wfIntrospect(f *flow) wfResult {
	ids := asStrings(f.in["node_uuids"])
	maxRetry := f.integer("max_retry_attempts", 2)
	if f.boolean("run_validations") {
		if _, res := f.sub("tripleo.validations.v1.run_groups", map[string]any{"group_names": []any{"pre-introspection"}, "queue_name": f.queue()}); res.status != "SUCCESS" {
			return failed(res.message, nil)
		}
	}
	var failedIDs []string
	introspected := map[string]any{}
	for attempt := 1; ; attempt++ {
		failedRes, _ := f.withItems(ids, f.integer("concurrency", 20), "tripleo.baremetal.v1._introspect", func(id string) map[string]any {
			return map[string]any{"node_uuid": id, "queue_name": f.queue(), "timeout": f.integer("node_timeout", 1200)}
		})
		if !f.alive() {
			return wfResult{}
		}
		if len(failedRes) > 0 && attempt > maxRetry {
			return failed(fmt.Sprintf("Retry limit reached with %d nodes still failing introspection", len(failedIDs)),
				map[string]any{"introspected_nodes": introspected, "failed_introspection": anyList(failedIDs)})
		}
		introspected = map[string]any{}
		failedIDs = nil
		for _, id := range ids {
			st := f.u.inspection(id)
			introspected[id] = st
			if st == nil || !asBool(st["finished"]) || st["error"] != nil {
				failedIDs = append(failedIDs, id)
			}
		}
		f.publish(map[string]any{"introspected_nodes": introspected, "failed_introspection": anyList(failedIDs), "introspection_attempt": attempt})
		if len(failedIDs) == 0 {
			return success(fmt.Sprintf("Successfully introspected %d node(s).", len(introspected)),
				map[string]any{"introspected_nodes": introspected, "failed_introspection": []any{}})
		}
		f.post("RUNNING", fmt.Sprintf("Retrying %d nodes that failed introspection. Attempt %d of %d ", len(failedIDs), attempt+1, maxRetry+1),
			map[string]any{"introspected_nodes": introspected, "failed_introspection": anyList(failedIDs)}, "", "", false)
		ids = failedIDs
	}
}

func wfIntrospectManageable(f *flow) wfResult {
	ids := f.u.manageableNodes()
	if len(ids) == 0 {
		return failed("No manageable nodes to introspect. Check node states and maintenance.", map[string]any{"introspected_nodes": []any{}})
	}
	child, res := f.sub("tripleo.baremetal.v1.introspect", map[string]any{"node_uuids": anyList(ids), "run_validations": f.in["run_validations"], "queue_name": f.queue()})
	if !f.alive() {
		return wfResult{}
	}
	if res.status != "SUCCESS" {
		f.u.mu.Lock()
		out := copyMap(child.output)
		f.u.mu.Unlock()
		return failed(out, map[string]any{"introspected_nodes": []any{}})
	}
	return success("", map[string]any{"introspected_nodes": res.extra["introspected_nodes"]})
}

func actValidateNodes(a *actCtx) (any, error) {
	if msg := validateNodes(nodesList(a.in["nodes_json"])); msg != "" {
		return nil, fmt.Errorf("%s", msg)
	}
	return nil, nil
}

func actRegisterNodes(a *actCtx) (any, error) {
	out, err := a.u.registerNodes(nodesList(a.in["nodes_json"]), asBool(a.in["remove"]), a.str("instance_boot_option"), a.str("kernel_name"), a.str("ramdisk_name"))
	if err != nil {
		return nil, err
	}
	return out, nil
}
