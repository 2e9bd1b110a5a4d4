package tripleotest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// tripleo.plan_management.v1 (legacy envelope) and the plan and
// parameters actions.

const usageMetaKey = "usage-tripleo" // X-Container-Meta-Usage-Tripleo

var planNameRE = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

func actCreateContainer(a *actCtx) (any, error) {
	c := a.str("container")
	if !planNameRE.MatchString(c) {
		return nil, fmt.Errorf("Unable to create plan. The plan name must only contain letters, numbers or dashes")
	}
	if !a.u.swiftEnsureContainer(c, map[string]string{usageMetaKey: "plan"}) {
		return nil, fmt.Errorf("A container with the name %s already exists.", c)
	}
	return nil, nil
}

// plans lists the containers that carry the plan metadata key.
func (u *Undercloud) plans() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for _, n := range sortedKeys(u.swift) {
		if _, ok := u.swift[n].meta[usageMetaKey]; ok {
			out = append(out, n)
		}
	}
	return out
}

func actListPlans(a *actCtx) (any, error) { return anyList(a.u.plans()), nil }

func (u *Undercloud) stackExists(name string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stackLocked(name, false) != nil
}

func actDeletePlan(a *actCtx) (any, error) {
	c := a.str("container")
	if a.u.stackExists(c) {
		return nil, raise("Cannot delete a plan that has an associated stack.")
	}
	if !a.u.swiftHasContainer(c) {
		return nil, fmt.Errorf("Container GET failed")
	}
	a.u.swiftDeleteContainer(c)
	if a.u.swiftHasContainer(c + "-swift-rings") {
		a.u.swiftDeleteContainer(c + "-swift-rings")
	}
	return nil, nil
}

func actUploadTemplates(a *actCtx) (any, error) {
	return a.u.uploadDefaultTemplates(a.str("container"))
}

func actProcessTemplates(a *actCtx) (any, error) {
	in, _, err := a.u.processPlan(a.str("container"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"stack_name": a.str("container"), "template": in.template, "environment": in.env, "files": in.files}, nil
}

// exportPlan writes <plan>.tar.gz of the plan's objects into the exports container.
func actExportPlan(a *actCtx) (any, error) {
	u := a.u
	plan, exports := a.str("plan"), a.str("exports_container")
	objs := u.swiftObjects(plan)
	if objs == nil {
		return nil, fmt.Errorf("Error attempting an operation on container: %s", swiftClientError("Container GET failed", u.swiftURL()+"/"+plan+"?format=json", 404))
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range sortedKeys(objs) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(objs[name])), ModTime: now()})
		tw.Write(objs[name])
	}
	tw.Close()
	zw.Close()
	u.swiftEnsureContainer(exports, nil)
	if err := u.swiftPutObject(exports, plan+".tar.gz", buf.Bytes(), "application/x-gzip"); err != nil {
		return nil, fmt.Errorf("Error attempting an operation on container: %v", err)
	}
	u.mu.Lock()
	if o := u.swift[exports].objects[plan+".tar.gz"]; o != nil {
		o.deleteAt = now().Add(time.Duration(asInt(a.in["delete_after"], 3600)) * time.Second)
	}
	u.mu.Unlock()
	return nil, nil
}

// tempURL renders a Swift temp URL (the double needs no signature to serve it).
func (u *Undercloud) tempURL(container, obj, method string, valid int) string {
	expires := now().Add(time.Duration(valid) * time.Second).Unix()
	path := "/swift/v1/AUTH_" + u.project + "/" + container + "/" + obj
	mac := hmac.New(sha1.New, []byte("tripleotest-temp-url-key"))
	fmt.Fprintf(mac, "%s\n%d\n%s", method, expires, path)
	return fmt.Sprintf("%s%s?temp_url_sig=%s&temp_url_expires=%d", u.srv.URL, path, hex.EncodeToString(mac.Sum(nil)), expires)
}

func actTempURL(a *actCtx) (any, error) {
	method := a.str("method")
	if method == "" {
		method = "GET"
	}
	return a.u.tempURL(a.str("container"), a.str("obj"), method, asInt(a.in["valid"], 86400)), nil
}

// --- parameters ---

func actUpdateParameters(a *actCtx) (any, error) {
	u := a.u
	c, key := a.str("container"), a.str("key")
	env, err := u.getEnv(c)
	if err != nil {
		return nil, fmt.Errorf("Error retrieving environment for plan %s: %v", c, err)
	}
	saved := copyMap(env)
	params := asMap(a.in["parameters"])
	if cur := asMap(env[key]); cur != nil && params != nil {
		for k, v := range params {
			cur[k] = v
		}
	} else {
		env[key] = a.in["parameters"]
	}
	if err := u.putEnv(c, env); err != nil {
		return nil, fmt.Errorf("Error updating environment for plan %s: %v", c, err)
	}
	in, env, err := u.processPlan(c)
	if err != nil {
		return nil, err
	}
	if !asBool(a.in["validate"]) {
		return env, nil
	}
	tree, err := validateTree(in)
	if err != nil {
		u.putEnv(c, saved)
		return nil, fmt.Errorf("Error validating environment for plan %s: ERROR: %v", c, err)
	}
	return map[string]any{"heat_resource_tree": flatten(tree), "environment_parameters": env["parameter_defaults"]}, nil
}

func actResetParameters(a *actCtx) (any, error) {
	u := a.u
	c := a.str("container")
	env, err := u.getEnv(c)
	if err != nil {
		return nil, fmt.Errorf("Error retrieving environment for plan %s: %v", c, err)
	}
	delete(env, a.str("key"))
	if err := u.putEnv(c, env); err != nil {
		return nil, fmt.Errorf("Error updating environment for plan %s: %v", c, err)
	}
	return env, nil
}

func (u *Undercloud) paramTreeOf(c string) (map[string]any, map[string]any, error) {
	in, env, err := u.processPlan(c)
	if err != nil {
		return nil, nil, err
	}
	tree, err := validateTree(in)
	if err != nil {
		return nil, nil, fmt.Errorf("Error validating environment for plan %s: ERROR: %v", c, err)
	}
	return tree, env, nil
}

func actGetParameters(a *actCtx) (any, error) {
	tree, env, err := a.u.paramTreeOf(a.str("container"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"heat_resource_tree": tree, "environment_parameters": env["parameter_defaults"]}, nil
}

// actGetFlatten is tripleo.parameters.get_flatten: the validate tree flattened
// as tripleo-common's utils/parameters.py does ({parameters, resources} keyed
// by name and by a uuid per resource, parameter keys camelCased).
func actGetFlatten(a *actCtx) (any, error) {
	tree, env, err := a.u.paramTreeOf(a.str("container"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"heat_resource_tree": flatten(tree), "environment_parameters": env["parameter_defaults"]}, nil
}

func flatten(tree map[string]any) map[string]any {
	flat := map[string]any{"parameters": map[string]any{}, "resources": map[string]any{}}
	flatIt(flat, "Root", tree)
	return flat
}

func flatIt(flat map[string]any, name string, data map[string]any) string {
	key := uuid.NewString()
	v := map[string]any{"name": name, "id": key}
	if t, ok := data["Type"]; ok {
		v["type"] = t
	}
	if d, ok := data["Description"]; ok {
		v["description"] = d
	}
	if ps := asMap(data["Parameters"]); ps != nil {
		params := asMap(flat["parameters"])
		var names []any
		for _, pn := range sortedKeys(ps) {
			names = append(names, pn)
			if _, ok := params[pn]; ok {
				continue
			}
			obj := map[string]any{"name": pn}
			for k, x := range asMap(ps[pn]) {
				obj[strings.ToLower(k[:1])+k[1:]] = x
			}
			params[pn] = obj
		}
		v["parameters"] = nonNil(names)
	}
	if g, ok := data["ParameterGroups"]; ok {
		v["parameter_groups"] = g
	}
	if nested := asMap(data["NestedParameters"]); nested != nil {
		var ids []any
		for _, k := range sortedKeys(nested) {
			ids = append(ids, flatIt(flat, k, asMap(nested[k])))
		}
		v["resources"] = ids
	}
	asMap(flat["resources"])[key] = v
	return key
}

// passwordNames is tripleo-common's PASSWORD_PARAMETER_NAMES (Queens).
var passwordNames = []string{
	"AdminPassword", "AdminToken", "AodhPassword", "BarbicanPassword", "BarbicanSimpleCryptoKek", "CeilometerMeteringSecret",
	"CeilometerPassword", "CephClientKey", "CephClusterFSID", "CephManilaClientKey", "CephMonKey", "CephRgwKey", "CinderPassword",
	"CongressPassword", "DesignatePassword", "Ec2ApiPassword", "EtcdInitialClusterToken", "GlancePassword", "GnocchiPassword",
	"HAProxyStatsPassword", "HeatAuthEncryptionKey", "HeatPassword", "HeatStackDomainAdminPassword", "HorizonSecret",
	"IronicPassword", "KeystoneCredential0", "KeystoneCredential1", "KeystoneFernetKey0", "KeystoneFernetKey1",
	"KeystoneFernetKeys", "ManilaPassword", "MigrationSshKey", "MistralPassword", "MysqlClustercheckPassword",
	"MysqlRootPassword", "NeutronMetadataProxySharedSecret", "NeutronPassword", "NovaPassword", "NovajoinPassword",
	"OctaviaCaKeyPassphrase", "OctaviaPassword", "PacemakerRemoteAuthkey", "PankoPassword", "PcsdPassword", "RabbitCookie",
	"RabbitPassword", "RedisPassword", "SaharaPassword", "SnmpdReadonlyUserPassword", "SwiftHashSuffix", "SwiftPassword",
	"TackerPassword", "TrovePassword", "ZaqarPassword",
}

var passwordLengths = map[string]int{"MysqlRootPassword": 10, "RabbitCookie": 20, "PcsdPassword": 16, "HorizonSecret": 10, "HeatAuthEncryptionKey": 32, "PacemakerRemoteAuthkey": 4096}

func (u *Undercloud) b64Key(n int) string {
	return base64.URLEncoding.EncodeToString([]byte(u.randString(n, "")))
}

// generatePassword makes one password as tripleo-common's utils/passwords.py does.
func (u *Undercloud) generatePassword(name string) any {
	switch {
	case name == "CephClusterFSID":
		return uuid.NewString()
	case strings.HasPrefix(name, "Ceph"):
		return base64.StdEncoding.EncodeToString([]byte("AQ" + u.randString(26, "")))
	case name == "KeystoneCredential0", name == "KeystoneCredential1", name == "KeystoneFernetKey0", name == "KeystoneFernetKey1", name == "BarbicanSimpleCryptoKek":
		return u.b64Key(32)
	case name == "KeystoneFernetKeys":
		return map[string]any{"/etc/keystone/fernet-keys/0": map[string]any{"content": u.b64Key(32)}, "/etc/keystone/fernet-keys/1": map[string]any{"content": u.b64Key(32)}}
	case name == "MigrationSshKey":
		return map[string]any{"private_key": "-----BEGIN RSA PRIVATE KEY-----\n" + u.randString(64, "") + "\n-----END RSA PRIVATE KEY-----\n",
			"public_key": "ssh-rsa " + u.randString(64, "") + " tripleotest"}
	case name == "SnmpdReadonlyUserPassword":
		u.mu.Lock()
		e := u.envs["tripleo.undercloud-config"]
		var v any
		if e != nil {
			v = e.variables["undercloud_ceilometer_snmpd_password"]
		}
		u.mu.Unlock()
		if v != nil {
			return v
		}
	}
	n := passwordLengths[name]
	if n == 0 {
		n = 25
	}
	return u.randString(n, "")
}

func actGeneratePasswords(a *actCtx) (any, error) {
	u := a.u
	c := a.str("container")
	env, err := u.getEnv(c)
	if err != nil {
		return nil, fmt.Errorf("Error retrieving environment for plan %s: %v", c, err)
	}
	pw := asMap(env["passwords"])
	if pw == nil {
		pw = map[string]any{}
	}
	var stackPD map[string]any
	u.mu.Lock()
	if s := u.stackLocked(c, false); s != nil {
		stackPD = copyMap(asMap(s.in.env["parameter_defaults"]))
	}
	u.mu.Unlock()
	for _, name := range passwordNames {
		if _, ok := pw[name]; ok {
			continue
		}
		if v, ok := stackPD[name]; ok {
			pw[name] = v
			continue
		}
		pw[name] = u.generatePassword(name)
	}
	env["passwords"] = pw
	if err := u.putEnv(c, env); err != nil {
		return nil, fmt.Errorf("Error updating environment for plan %s: %v", c, err)
	}
	return pw, nil
}

func actGetPasswords(a *actCtx) (any, error) {
	c := a.str("container")
	env, err := a.u.getEnv(c)
	if err != nil {
		return nil, fmt.Errorf("Error retrieving environment for plan %s: %v", c, err)
	}
	pw := copyMap(asMap(env["passwords"]))
	for k, v := range asMap(env["parameter_defaults"]) {
		if _, ok := pw[k]; ok {
			pw[k] = v
		}
	}
	return pw, nil
}

func actListRoles(a *actCtx) (any, error) {
	c := a.str("container")
	v, err := a.u.planYAML(c, a.str("role_file_name"))
	if err != nil {
		return nil, fmt.Errorf("Error retrieving roles data from deployment plan: %v", err)
	}
	if asBool(a.in["detail"]) {
		return v, nil
	}
	var out []any
	for _, r := range asList(v) {
		out = append(out, asMap(r)["name"])
	}
	return nonNil(out), nil
}

// --- workflows ---

// wfCreatePlan is create_deployment_plan.
func wfCreatePlan(f *flow) wfResult {
	u := f.u
	c := f.str("container")
	if f.boolean("use_default_templates") || f.str("source_url") != "" {
		if u.swiftHasContainer(c) {
			f.task("verify_container_doesnt_exist", "ACTION", "SUCCESS", nil)
			return failed("Unable to create plan. The Swift container already exists", nil)
		}
		if _, errText := f.action("tripleo.plan.create_container", map[string]any{"container": c}); errText != "" {
			return failed(errText, nil)
		}
		// A source_url is "cloned" as the default templates: the double has no git.
		if _, errText := f.action("tripleo.templates.upload", map[string]any{"container": c}); errText != "" {
			return failed(errText, nil)
		}
	}
	if !f.sleep(5 * time.Second) {
		return wfResult{}
	}
	if f.boolean("generate_passwords") {
		if _, errText := f.action("tripleo.parameters.generate_passwords", map[string]any{"container": c}); errText != "" {
			return failed(errText, nil)
		}
	}
	if _, errText := f.action("tripleo.parameters.update", map[string]any{"container": c, "parameters": map[string]any{"RootStackName": c}, "validate": f.boolean("validate_stack")}); errText != "" {
		return failed(errText, nil)
	}
	if _, errText := f.action("tripleo.container_images.prepare", map[string]any{"container": c}); errText != "" {
		return failed(errText, nil)
	}
	if _, errText := f.action("tripleo.templates.process", map[string]any{"container": c}); errText != "" {
		return failed(errText, nil)
	}
	return success("Plan created.", nil)
}

// wfCreateDefaultPlan calls create_deployment_plan with use_default_templates
// and posts its own message with the child's result (≤ Queens).
func wfCreateDefaultPlan(f *flow) wfResult {
	child, res := f.sub("tripleo.plan_management.v1.create_deployment_plan", map[string]any{
		"container": f.in["container"], "queue_name": f.queue(), "generate_passwords": f.in["generate_passwords"], "use_default_templates": true,
	})
	if !f.alive() {
		return wfResult{}
	}
	f.u.mu.Lock()
	out := copyMap(child.output)
	f.u.mu.Unlock()
	if res.status != "SUCCESS" {
		return failed(out, nil)
	}
	return success(out, nil)
}

func wfDeletePlan(f *flow) wfResult {
	if _, errText := f.action("tripleo.plan.delete", map[string]any{"container": f.str("container")}); errText != "" {
		return failed(errText, nil)
	}
	return success("", nil)
}

func wfExportPlan(f *flow) wfResult {
	plan := f.str("plan")
	if _, errText := f.action("tripleo.plan.export", map[string]any{"plan": plan, "delete_after": 3600, "exports_container": "plan-exports"}); errText != "" {
		return failed(errText, nil)
	}
	url, errText := f.action("tripleo.swift.tempurl", map[string]any{"container": "plan-exports", "obj": plan + ".tar.gz", "valid": 3600})
	if errText != "" {
		return failed(errText, nil)
	}
	return success(url, map[string]any{"tempurl": url})
}

func wfNoop(f *flow) wfResult { return success("", nil) }

func wfNotSimulated(f *flow) wfResult {
	msg := "tripleotest does not simulate workflow " + f.def.name
	return wfResult{status: "FAILED", message: msg, stateInfo: msg}
}

// wfSendDirect is tripleo.messaging.v1.send started on its own.
func wfSendDirect(f *flow) wfResult {
	ex := asMap(f.in["execution"])
	payload := map[string]any{"status": f.in["status"], "message": f.in["message"], "root_execution_id": ex["root_execution_id"],
		"execution_id": ex["id"], "plan_name": f.in["plan_name"], "deployment_status": f.in["deployment_status"]}
	for k, v := range asMap(f.in["payload"]) {
		payload[k] = v
	}
	body := map[string]any{"type": f.in["type"], "payload": payload}
	f.u.deliver(asString(f.in["type"]), f.queue(), body, true)
	if p := f.str("plan_name"); p != "" {
		f.u.recordPlanMessage(p, f.str("type"), body, f.str("deployment_status"))
	}
	if f.str("status") == "FAILED" {
		return wfResult{status: "FAILED", stateInfo: "Workflow failed due to message status"}
	}
	return success(nil, body)
}
