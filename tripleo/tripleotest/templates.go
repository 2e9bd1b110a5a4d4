package tripleotest

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// The default plan (the stand-in for /usr/share/openstack-tripleo-heat-templates)
// and tripleo.templates.process: the role-dependent parts that THT
// renders from *.j2.yaml (a ResourceGroup per role of roles_data.yaml, the role
// templates, network/networks.yaml, common/deploy-steps.yaml) are rendered here
// in Go, written back to the plan container as real process() does, and the
// Heat environment is built from plan-environment.yaml: each "environments"
// entry in order, then passwords < derived_parameters < parameter_defaults.

//go:embed default_templates
var defaultTemplatesFS embed.FS

// DefaultTemplates returns the files of the default plan (path → content), as
// create_default_deployment_plan uploads them. Tests can start from them to
// upload a custom plan.
func DefaultTemplates() map[string][]byte {
	out := map[string][]byte{}
	fs.WalkDir(defaultTemplatesFS, "default_templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := defaultTemplatesFS.ReadFile(p)
		out[strings.TrimPrefix(p, "default_templates/")] = b
		return nil
	})
	return out
}

const planEnvName = "plan-environment.yaml"

// getEnv reads the plan environment (name forced to the container name).
func (u *Undercloud) getEnv(container string) (map[string]any, error) {
	b, err := u.swiftGetObject(container, planEnvName)
	if err != nil {
		return nil, err
	}
	v, err := yamlLoad(b)
	if err != nil {
		return nil, fmt.Errorf("Error parsing %s: %v", planEnvName, err)
	}
	env := asMap(v)
	if env == nil {
		env = map[string]any{}
	}
	env["name"] = container
	return env, nil
}

func (u *Undercloud) putEnv(container string, env map[string]any) error {
	return u.swiftPutObject(container, planEnvName, yamlDump(env), "application/x-yaml")
}

type roleSpec struct {
	name, hostname string
	count          int
	networks       []string
}

func (u *Undercloud) planYAML(container, name string) (any, error) {
	b, err := u.swiftGetObject(container, name)
	if err != nil {
		return nil, err
	}
	return yamlLoad(b)
}

func (u *Undercloud) roles(container string) ([]roleSpec, error) {
	v, err := u.planYAML(container, "roles_data.yaml")
	if err != nil {
		return nil, err
	}
	var out []roleSpec
	for _, r := range asList(v) {
		m := asMap(r)
		name := asString(m["name"])
		if name == "" {
			continue
		}
		host := asString(m["HostnameFormatDefault"])
		if host == "" {
			host = "%stackname%-" + strings.ToLower(name) + "-%index%"
		}
		out = append(out, roleSpec{name: name, hostname: host, count: asInt(m["CountDefault"], 0), networks: asStrings(m["networks"])})
	}
	return out, nil
}

func (u *Undercloud) networks(container string) []string {
	v, err := u.planYAML(container, "network_data.yaml")
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range asList(v) {
		m := asMap(n)
		if e, ok := m["enabled"]; ok && !asBool(e) {
			continue
		}
		if s := asString(m["name"]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func roleTemplate(r roleSpec) map[string]any {
	res := map[string]any{
		r.name: map[string]any{"type": "OS::TripleO::" + r.name + "Server", "properties": map[string]any{
			"name": map[string]any{"get_param": "Hostname"}, "flavor": map[string]any{"get_param": "Overcloud" + r.name + "Flavor"},
		}},
		"NetworkConfig": map[string]any{"type": "OS::TripleO::" + r.name + "::Net::SoftwareConfig"},
		"NodeTLSData":   map[string]any{"type": "OS::TripleO::NodeTLSData", "depends_on": "NetworkDeployment"},
		r.name + "Deployment": map[string]any{"type": "OS::TripleO::SoftwareDeployment", "depends_on": "NetworkDeployment",
			"properties": map[string]any{"name": r.name + "Deployment", "server": map[string]any{"get_resource": r.name}}},
		"NodeExtraConfig":     map[string]any{"type": "OS::TripleO::NodeExtraConfig", "depends_on": r.name + "Deployment"},
		"UpdateDeployment":    map[string]any{"type": "OS::TripleO::SoftwareDeployment", "depends_on": "NetworkDeployment"},
		"UserData":            map[string]any{"type": "OS::TripleO::NodeUserData"},
		"NodeAdminUserData":   map[string]any{"type": "OS::TripleO::NodeAdminUserData"},
		"RoleUserData":        map[string]any{"type": "OS::TripleO::" + r.name + "::NodeUserData"},
		"PreNetworkConfig":    map[string]any{"type": "OS::TripleO::" + r.name + "::PreNetworkConfig", "depends_on": r.name},
		"SshHostPubKey":       map[string]any{"type": "OS::TripleO::Ssh::HostPubKey", "depends_on": r.name + "Deployment"},
		r.name + "Config":     map[string]any{"type": "OS::Heat::StructuredConfig"},
		"NodeExtraConfigPost": map[string]any{"type": "OS::TripleO::NodeExtraConfigPost", "depends_on": "NodeExtraConfig"},
	}
	deps := []any{r.name, "NetworkConfig"}
	for _, n := range r.networks {
		res[n+"Port"] = map[string]any{"type": "OS::TripleO::" + r.name + "::Ports::" + n + "Port", "depends_on": r.name}
		deps = append(deps, n+"Port")
	}
	res["NetworkDeployment"] = map[string]any{"type": "OS::TripleO::SoftwareDeployment", "depends_on": deps,
		"properties": map[string]any{"name": "NetworkDeployment", "server": map[string]any{"get_resource": r.name}}}
	return map[string]any{
		"heat_template_version": "queens",
		"description":           "OpenStack " + r.name + " node configured by Puppet",
		"parameters": map[string]any{
			"Hostname":                           map[string]any{"type": "string", "default": ""},
			"Overcloud" + r.name + "Flavor":      map[string]any{"type": "string", "default": "baremetal", "description": "Flavor for the " + r.name + " node."},
			"DeployIdentifier":                   map[string]any{"type": "string", "default": ""},
			r.name + "ExtraConfig":               map[string]any{"type": "json", "default": map[string]any{}},
			r.name + "SchedulerHints":            map[string]any{"type": "json", "default": map[string]any{}},
			"Overcloud" + r.name + "HostnameFmt": map[string]any{"type": "string", "default": r.hostname},
		},
		"resources": res,
		"outputs": map[string]any{
			"hostname": map[string]any{"description": "Hostname of the server", "value": map[string]any{"get_param": "Hostname"}},
		},
	}
}

func deployStepsTemplate(roles []roleSpec) map[string]any {
	res := map[string]any{}
	var prev []any
	for step := 0; step <= 6; step++ {
		var cur []any
		for _, r := range roles {
			name := fmt.Sprintf("%sDeployment_Step%d", r.name, step)
			switch step {
			case 0:
				name = r.name + "HostPrepDeployment"
			case 6:
				name = r.name + "PostConfig"
			}
			typ := "OS::Heat::StructuredDeploymentGroup"
			if step == 6 {
				typ = "OS::TripleO::NodeExtraConfigPost"
			}
			d := map[string]any{"type": typ, "properties": map[string]any{"name": name}}
			if len(prev) > 0 {
				d["depends_on"] = prev
			}
			res[name] = d
			cur = append(cur, name)
		}
		prev = cur
	}
	return map[string]any{"heat_template_version": "queens", "description": "Post-deploy configuration steps via puppet for all roles", "resources": res}
}

func networksTemplate(nets []string) map[string]any {
	res := map[string]any{}
	for _, n := range nets {
		res[n+"Network"] = map[string]any{"type": "OS::TripleO::Network::" + n}
	}
	return map[string]any{"heat_template_version": "queens", "description": "Create networks to split out Overcloud traffic", "resources": res}
}

// processPlan is tripleo.templates.process: the Heat create/update body of the plan.
func (u *Undercloud) processPlan(container string) (heatInput, map[string]any, error) {
	env, err := u.getEnv(container)
	if err != nil {
		return heatInput{}, nil, err
	}
	tmplName := asString(env["template"])
	if tmplName == "" {
		tmplName = "overcloud.yaml"
	}
	tb, err := u.swiftGetObject(container, tmplName)
	if err != nil {
		return heatInput{}, nil, fmt.Errorf("Could not fetch contents for %s/%s/%s", u.swiftURL(), container, tmplName)
	}
	tmpl, err := parseTemplate(string(tb))
	if err != nil {
		return heatInput{}, nil, fmt.Errorf("Error parsing template %s/%s/%s: %v", u.swiftURL(), container, tmplName, err)
	}
	roles, err := u.roles(container)
	if err != nil {
		return heatInput{}, nil, fmt.Errorf("Error retrieving roles_data.yaml for plan %s: %v", container, err)
	}
	nets := u.networks(container)
	registry := map[string]any{}
	rendered := map[string]any{"network/networks.yaml": networksTemplate(nets), "common/deploy-steps.yaml": deployStepsTemplate(roles)}
	for _, n := range nets {
		registry["OS::TripleO::Network::"+n] = "OS::Heat::None"
	}
	params := asMap(tmpl["parameters"])
	if params == nil {
		params = map[string]any{}
		tmpl["parameters"] = params
	}
	resources := asMap(tmpl["resources"])
	if resources == nil {
		resources = map[string]any{}
		tmpl["resources"] = resources
	}
	var groups []any
	for _, r := range roles {
		file := "puppet/" + strings.ToLower(r.name) + "-role.yaml"
		rendered[file] = roleTemplate(r)
		registry["OS::TripleO::"+r.name] = file
		registry["OS::TripleO::"+r.name+"Server"] = "OS::TripleO::Server"
		registry["OS::TripleO::"+r.name+"::Net::SoftwareConfig"] = "OS::Heat::None"
		registry["OS::TripleO::"+r.name+"::NodeUserData"] = "OS::Heat::None"
		registry["OS::TripleO::"+r.name+"::PreNetworkConfig"] = "OS::Heat::None"
		for _, n := range r.networks {
			registry["OS::TripleO::"+r.name+"::Ports::"+n+"Port"] = "OS::Heat::None"
		}
		params[r.name+"Count"] = map[string]any{"type": "number", "default": r.count, "description": "Number of " + r.name + " nodes to deploy"}
		params["Overcloud"+r.name+"Flavor"] = map[string]any{"type": "string", "default": "baremetal", "description": "Flavor for the " + r.name + " node."}
		params[r.name+"HostnameFormat"] = map[string]any{"type": "string", "default": r.hostname, "description": "Format for " + r.name + " node hostnames"}
		resources[r.name] = map[string]any{
			"type":       "OS::Heat::ResourceGroup",
			"depends_on": []any{"Networks", "EndpointMap"},
			"properties": map[string]any{
				"count": map[string]any{"get_param": r.name + "Count"},
				"resource_def": map[string]any{"type": "OS::TripleO::" + r.name, "properties": map[string]any{
					"Hostname":                      map[string]any{"get_param": r.name + "HostnameFormat"},
					"Overcloud" + r.name + "Flavor": map[string]any{"get_param": "Overcloud" + r.name + "Flavor"},
				}},
			},
		}
		groups = append(groups, r.name)
	}
	if len(roles) > 0 {
		resources["AllNodesDeploySteps"] = map[string]any{"type": "OS::TripleO::PostDeploySteps", "depends_on": groups}
		if d := asMap(resources["Deployment"]); d != nil {
			d["depends_on"] = []any{"AllNodesDeploySteps"}
		}
	}
	for name, t := range rendered {
		u.swiftPutObject(container, name, yamlDump(t), "application/x-yaml")
	}
	files := map[string]string{}
	for name, b := range u.swiftObjects(container) {
		if strings.HasSuffix(name, ".yaml") {
			files[name] = string(b)
		}
	}
	heatEnv := map[string]any{"resource_registry": registry}
	for _, e := range asList(env["environments"]) {
		em := asMap(e)
		switch {
		case em["path"] != nil:
			p := asString(em["path"])
			v, err := u.planYAML(container, p)
			if err != nil {
				return heatInput{}, nil, fmt.Errorf("Error retrieving environment file %s of plan %s: %v", p, container, err)
			}
			heatEnv = mergeEnv(heatEnv, asMap(v))
		case em["data"] != nil:
			heatEnv = mergeEnv(heatEnv, asMap(em["data"]))
		}
	}
	pd := map[string]any{}
	for _, k := range []string{"passwords", "derived_parameters", "parameter_defaults"} {
		for kk, v := range asMap(env[k]) {
			pd[kk] = v
		}
	}
	heatEnv = mergeEnv(heatEnv, map[string]any{"parameter_defaults": pd})
	if rr := asMap(env["resource_registry"]); rr != nil {
		heatEnv = mergeEnv(heatEnv, map[string]any{"resource_registry": rr})
	}
	return heatInput{template: tmpl, files: files, env: heatEnv, params: map[string]any{}}, env, nil
}

// uploadDefaultTemplates is tripleo.templates.upload of the default templates.
func (u *Undercloud) uploadDefaultTemplates(container string) ([]any, error) {
	files := DefaultTemplates()
	names := sortedKeys(files)
	for _, n := range names {
		if err := u.swiftPutObject(container, n, files[n], "application/x-yaml"); err != nil {
			return nil, fmt.Errorf("Error uploading templates to plan %s: %v", container, err)
		}
	}
	sort.Strings(names)
	return anyList(names), nil
}
