package tripleotest

// send is tripleo.messaging.v1.send: a child execution that posts
// {type, payload: {status, message, root_execution_id, execution_id, plan_name,
// deployment_status, ...extra}}, records the message in <plan>-messages when
// plan_name is set, and fails when the status is FAILED. It returns the send
// execution and its task.
func (f *flow) send(status string, message any, extra map[string]any, planName, deploymentStatus string, final bool) (*execution, *taskEx) {
	u := f.u
	payload := map[string]any{"status": status, "message": message, "root_execution_id": nullable(f.ex.rootID),
		"execution_id": f.ex.id, "plan_name": nullable(planName), "deployment_status": nullable(deploymentStatus)}
	for k, v := range extra {
		payload[k] = v
	}
	body := map[string]any{"type": f.msgType(), "payload": payload}
	t := f.task("send_message", "WORKFLOW", "RUNNING", nil)
	sendDef := u.wfByName["tripleo.messaging.v1.send"]
	in := withDefaults(sendDef.inputs, map[string]any{"queue_name": f.queue(), "type": f.msgType(), "execution": map[string]any{"id": f.ex.id, "name": f.ex.wfName},
		"status": status, "message": message, "payload": extra, "plan_name": nullable(planName), "deployment_status": nullable(deploymentStatus)})
	child := u.newExecution(sendDef, in, f.rootOf(), t.id, "")
	u.deliver(f.def.name, f.queue(), body, final)
	if planName != "" {
		u.recordPlanMessage(planName, f.msgType(), body, deploymentStatus)
	}
	if status == "FAILED" {
		u.endExecution(child, "ERROR", "Workflow failed due to message status", map[string]any{"result": "Workflow failed due to message status"})
		u.finishTask(t, "ERROR", "Workflow failed due to message status", nil)
	} else {
		u.endExecution(child, "SUCCESS", "", map[string]any{"type": f.msgType(), "payload": payload})
		u.finishTask(t, "SUCCESS", "", nil)
	}
	return child, t
}
