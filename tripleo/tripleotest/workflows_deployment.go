package tripleotest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// tripleo.deployment.v1 (standard envelope in Queens) and the
// actions behind it.

const (
	stepTime        = 5 * time.Second  // small workflow steps (validation key, swift rings, cell discovery)
	serverDeployRun = 10 * time.Second // one deploy_on_server
)

// wfAddValidationKey is tripleo.validations.v1.add_validation_ssh_key_parameter:
// tripleo.parameters.update(node_admin_extra_ssh_keys) on the plan.
func wfAddValidationKey(f *flow) wfResult {
	_, errText := f.action("tripleo.parameters.update", map[string]any{"container": f.str("container"),
		"parameters": map[string]any{"node_admin_extra_ssh_keys": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ tripleo-validations"}})
	if errText != "" {
		return wfResult{status: "FAILED", message: errText, stateInfo: errText}
	}
	return success(nil, nil)
}

// wfDeployPlan (Queens): RUNNING "Workflow Started" DEPLOYING, the validation
// key, optional pre-deployment validations, the swift rings container, cell
// discovery, tripleo.deployment.deploy; SUCCESS DEPLOY_SUCCESS as soon as Heat
// accepted the create/update, else FAILED DEPLOY_FAILED
// with the failing step's result.
func wfDeployPlan(f *flow) wfResult {
	c := f.str("container")
	fail := func(msg any) wfResult {
		return wfResult{status: "FAILED", message: msg, planName: c, deploymentStatus: "DEPLOY_FAILED"}
	}
	f.send("RUNNING", "Workflow Started", nil, c, "DEPLOYING", false)
	if !f.sleep(stepTime) {
		return wfResult{}
	}
	if _, res := f.sub("tripleo.validations.v1.add_validation_ssh_key_parameter", map[string]any{"container": c, "queue_name": f.queue()}); res.status != "SUCCESS" {
		if !f.alive() {
			return wfResult{}
		}
		return fail(res.message)
	}
	if f.boolean("run_validations") {
		if _, res := f.sub("tripleo.validations.v1.run_groups", map[string]any{"group_names": []any{"pre-deployment"}, "plan": c, "queue_name": f.queue()}); res.status != "SUCCESS" {
			return fail(res.message)
		}
	}
	f.u.swiftEnsureContainer(c+"-swift-rings", nil)
	if _, errText := f.action("tripleo.baremetal.cell_v2_discover_hosts", nil); errText != "" {
		return fail(errText)
	}
	if !f.sleep(stepTime) {
		return wfResult{}
	}
	res, errText := f.action("tripleo.deployment.deploy", map[string]any{"container": c, "timeout": f.in["timeout"], "skip_deploy_identifier": f.in["skip_deploy_identifier"]})
	if errText != "" {
		return fail(errText)
	}
	return wfResult{status: "SUCCESS", message: res, planName: c, deploymentStatus: "DEPLOY_SUCCESS"}
}

// actDeploy is tripleo.deployment.deploy (DeployStackAction): DeployIdentifier,
// UpdateIdentifier and StackAction into the plan, process the templates, then
// Heat stacks.create or stacks.update(existing=true).
func actDeploy(a *actCtx) (any, error) {
	u := a.u
	c := a.str("container")
	env, err := u.getEnv(c)
	if err != nil {
		return nil, fmt.Errorf("Error retrieving environment for plan %s: %v", c, err)
	}
	exists := u.stackExists(c)
	pd := asMap(env["parameter_defaults"])
	if pd == nil {
		pd = map[string]any{}
		env["parameter_defaults"] = pd
	}
	if !asBool(a.in["skip_deploy_identifier"]) {
		pd["DeployIdentifier"] = now().Unix()
	}
	pd["UpdateIdentifier"] = ""
	pd["StackAction"] = "CREATE"
	if exists {
		pd["StackAction"] = "UPDATE"
	}
	if err := u.putEnv(c, env); err != nil {
		return nil, fmt.Errorf("Error updating environment for plan %s: %v", c, err)
	}
	in, _, err := u.processPlan(c)
	if err != nil {
		return nil, err
	}
	timeout := asInt(a.in["timeout"], 240)
	u.mu.Lock()
	defer u.mu.Unlock()
	if s := u.stackLocked(c, false); s != nil {
		if _, _, msg := u.updateStackLocked(s, in, true, timeout); msg != "" {
			return nil, fmt.Errorf("Error during stack update: ERROR: %s", msg)
		}
		return nil, nil
	}
	if !exists {
		u.swiftEnsureContainerLocked(c + "-swift-rings")
		u.swiftPutLocked(c+"-swift-rings", "swift-rings.tar.gz", emptyTarGz(), "application/x-gzip")
	}
	s, _, _, msg := u.createStackLocked(c, in, timeout, true)
	if s == nil {
		return nil, fmt.Errorf("Error during stack creation: ERROR: %s", msg)
	}
	return map[string]any{"stack": map[string]any{"id": s.id, "links": []map[string]any{{"href": u.stackURL(s), "rel": "self"}}}}, nil
}

func (u *Undercloud) swiftEnsureContainerLocked(name string) {
	if u.swift[name] == nil {
		u.swift[name] = &container{name: name, meta: map[string]string{}, objects: map[string]*object{}, created: now()}
	}
}

func emptyTarGz() []byte {
	// a gzip stream of an empty tar archive (two zero blocks)
	return []byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x62, 0x18, 0x05, 0xa3, 0x60, 0x14,
		0x0c, 0x54, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}
}

// runScript runs a software config the way the double can: "echo X" lines
// go to stdout ("echo X >&2" to stderr) and "exit N" ends with status N.
func runScript(config string) (stdout, stderr string, code int) {
	for _, line := range strings.Split(config, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "echo "):
			text := strings.TrimSpace(strings.TrimPrefix(line, "echo "))
			toErr := strings.HasSuffix(text, ">&2") || strings.HasPrefix(text, ">&2")
			text = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(text, ">&2"), ">&2"))
			text = strings.Trim(text, `"'`)
			if toErr {
				stderr += text + "\n"
			} else {
				stdout += text + "\n"
			}
		case strings.HasPrefix(line, "exit "):
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "exit ")))
			return stdout, stderr, n
		}
	}
	return stdout, stderr, 0
}

// actDeploymentConfig is tripleo.deployment.config: a software deployment on
// one server, signalled back with deploy_stdout, deploy_stderr and
// deploy_status_code (non-zero → error).
func actDeploymentConfig(a *actCtx) (any, error) {
	out, errOut, code := runScript(a.str("config"))
	res := map[string]any{"deploy_stdout": out, "deploy_stderr": errOut, "deploy_status_code": code}
	if code != 0 {
		return nil, fmt.Errorf("%s", jsonString(res))
	}
	return res, nil
}

// wfDeployOnServer posts one deploy_on_server message per server.
func wfDeployOnServer(f *flow) wfResult {
	if !f.sleep(serverDeployRun) {
		return wfResult{}
	}
	out, errOut, code := runScript(f.str("config"))
	f.task("deploy_config", "ACTION", map[bool]string{true: "SUCCESS", false: "ERROR"}[code == 0], nil)
	extra := map[string]any{"server_uuid": f.in["server_uuid"], "server_name": f.in["server_name"], "config_name": f.in["config_name"],
		"status_code": code, "stdout": out, "stderr": errOut}
	if code != 0 {
		return failed("", extra)
	}
	return success("", extra)
}

// Servers lists the overcloud servers the Heat stacks created (name, id, node).
func (u *Undercloud) serversMatching(name string) [][2]string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out [][2]string
	for _, s := range u.servers {
		if name == "all" || strings.Contains(s.name, name) {
			out = append(out, [2]string{s.id, s.name})
		}
	}
	return out
}

// wfDeployOnServers: servers whose name contains server_name ("all": every
// one), then deploy_on_server for each.
func wfDeployOnServers(f *flow) wfResult {
	servers := f.u.serversMatching(f.str("server_name"))
	byID := map[string]string{}
	var ids []string
	for _, s := range servers {
		byID[s[0]] = s[1]
		ids = append(ids, s[0])
	}
	failedRes, _ := f.withItems(ids, 0, "tripleo.deployment.v1.deploy_on_server", func(id string) map[string]any {
		return map[string]any{"server_uuid": id, "server_name": byID[id], "config": f.in["config"], "config_name": f.in["config_name"],
			"group": f.in["group"], "queue_name": f.queue()}
	})
	if !f.alive() {
		return wfResult{}
	}
	if len(failedRes) > 0 {
		return failed(failedRes, nil)
	}
	return success("", nil)
}

// wfGetDeploymentStatus reads <plan>-messages/deployment_status.yaml; the
// payload's deployment_status is that whole document, as Queens posts it.
// With nothing recorded the Swift read fails (the task's state_info and
// result say so): the workflow still posts SUCCESS, with message "No
// deployment status found for plan <plan>" and deployment_status "", and
// then ends ERROR, the failed task handled only by on-complete.
func wfGetDeploymentStatus(f *flow) wfResult {
	plan := f.str("plan")
	b, err := f.u.swiftGetObject(plan+"-messages", "deployment_status.yaml")
	if err != nil {
		msg := fmt.Sprintf("Failed to run action [action_ex_id=%s, action_cls='<class 'mistral.actions.action_factory.SwiftAction'>', attributes='{'client_method_name': 'get_object'}', params='{'container': '%s-messages', 'obj': 'deployment_status.yaml'}']\n SwiftAction.get_object failed: %s",
			newID(), plan, swiftClientError("Object GET failed", f.u.swiftURL()+"/"+plan+"-messages/deployment_status.yaml", 404))
		// publish-on-error, then on-complete: send_message still posts
		// SUCCESS, and then Mistral ends the execution ERROR (seen on Mistral 15)
		t := f.task("get_deployment_status", "ACTION", "RUNNING", nil)
		f.u.finishTask(t, "ERROR", msg, msg)
		res := success("No deployment status found for plan "+plan, map[string]any{"deployment_status": ""})
		res.unhandled = t
		return res
	}
	v, _ := yamlLoad(b)
	return success("", map[string]any{"deployment_status": v})
}
