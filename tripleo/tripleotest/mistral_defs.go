package tripleotest

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"
)

// The Queens tripleo.* workflows and the actions clients call,
// with their real names, inputs and defaults. Each input list is YAML (the
// workbook's own syntax); the definition served by GET /v2/workflows is
// rendered from it, and Mistral's Python-style "input" string too. run is the
// behaviour (workflows_*.go); nil means "listed, not simulated".

// envelope says how a workflow posts its messages.
type envelope int

const (
	legacy   envelope = iota // {"type", "payload": {"status", "message", "execution": {...}, ...}} (Q baremetal, plan_management)
	standard                 // tripleo.messaging.v1.send (Q deployment)
	silent                   // internal helper without queue_name: posts nothing
)

type inputSpec struct {
	name     string
	required bool
	def      any
}

type wfDef struct {
	name    string
	input   string // YAML list
	env     envelope
	msgType string // message type when it is not the workflow name
	run     func(f *flow) wfResult
	tasks   []string

	id         string
	inputs     []inputSpec
	definition string
	spec       map[string]any
	created    time.Time
}

type actDef struct {
	name  string
	class string // tripleo-common class, for Mistral's error texts
	input string
	run   func(a *actCtx) (any, error)
	desc  string

	inputs  []inputSpec
	created time.Time
}

var workflowTable = []*wfDef{
	// tripleo.baremetal.v1
	{name: "tripleo.baremetal.v1.set_node_state", env: silent, run: wfSetNodeState, tasks: []string{"set_provision_state", "wait_for_provision_state", "state_not_reached"},
		input: `[node_uuid, state_action, target_state, error_states: ['error', 'adopt failed', 'clean failed', 'deploy failed', 'inspect failed', 'rescue failed']]`},
	{name: "tripleo.baremetal.v1.set_power_state", env: silent, run: wfSetPowerState, input: `[node_uuid, state_action, target_state, error_state: error]`},
	{name: "tripleo.baremetal.v1.manual_cleaning", run: wfManualCleaning, tasks: []string{"set_provision_state", "wait_for_provision_state", "send_message"},
		input: `[node_uuid, clean_steps, timeout: 7200, retry_delay: 10, retry_count: 720, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.validate_nodes", run: wfValidateNodes, tasks: []string{"validate_nodes", "send_message"}, input: `[nodes_json, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.register_or_update", run: wfRegisterOrUpdate, tasks: []string{"validate_input", "register_or_update_nodes", "set_nodes_managed", "set_nodes_available", "send_message"},
		input: `[nodes_json, remove: false, queue_name: tripleo, kernel_name: null, ramdisk_name: null, instance_boot_option: local, initial_state: manageable]`},
	{name: "tripleo.baremetal.v1.provide", run: wfProvide, tasks: []string{"set_nodes_available", "cell_v2_discover_hosts", "try_power_off", "send_message"}, input: `[node_uuids, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.provide_manageable_nodes", run: wfProvideManageable, tasks: []string{"get_manageable_nodes", "provide_manageable", "send_message"}, input: `[queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.manage", run: wfManage, tasks: []string{"set_nodes_managed", "send_message"}, input: `[node_uuids, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1._introspect", run: wfIntrospectNode, tasks: []string{"start_introspection", "wait_for_introspection_to_finish", "send_message"}, input: `[node_uuid, timeout, queue_name]`},
	{name: "tripleo.baremetal.v1.introspect", run: wfIntrospect, tasks: []string{"initialize", "introspect_nodes", "get_introspection_status", "retry_failed_nodes", "send_message"},
		input: `[node_uuids, run_validations: false, queue_name: tripleo, concurrency: 20, max_retry_attempts: 2, node_timeout: 1200]`},
	{name: "tripleo.baremetal.v1.introspect_manageable_nodes", run: wfIntrospectManageable, tasks: []string{"get_manageable_nodes", "validate_nodes", "introspect_manageable", "send_message"},
		input: `[run_validations: false, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.configure", input: `[node_uuids, queue_name: tripleo, kernel_name: bm-deploy-kernel, ramdisk_name: bm-deploy-ramdisk, instance_boot_option: null, root_device: null, root_device_minimum_size: 4, overwrite_root_device_hints: false]`},
	{name: "tripleo.baremetal.v1.configure_manageable_nodes", input: `[queue_name: tripleo, kernel_name: bm-deploy-kernel, ramdisk_name: bm-deploy-ramdisk, instance_boot_option: null, root_device: null, root_device_minimum_size: 4, overwrite_root_device_hints: false]`},
	{name: "tripleo.baremetal.v1.tag_node", input: `[node_uuid, role: null, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.tag_nodes", input: `[tag_node_uuids, untag_node_uuids, role, plan: overcloud, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.nodes_with_hint", input: `[hint_regex, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.nodes_with_profile", input: `[profile, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.create_raid_configuration", input: `[node_uuids, configuration, queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.cellv2_discovery", env: silent, run: wfCellV2Discovery, input: `[node_uuids]`},
	{name: "tripleo.baremetal.v1.discover_nodes", input: `[ip_addresses, credentials, ports: [623], queue_name: tripleo]`},
	{name: "tripleo.baremetal.v1.discover_and_enroll_nodes", input: `[ip_addresses, credentials, ports: [623], kernel_name: null, ramdisk_name: null, instance_boot_option: local, initial_state: manageable, queue_name: tripleo]`},

	// tripleo.plan_management.v1
	{name: "tripleo.plan_management.v1.create_default_deployment_plan", run: wfCreateDefaultPlan, tasks: []string{"call_create_deployment_plan", "set_status_success", "notify_zaqar"},
		input: `[container, queue_name: tripleo, generate_passwords: true]`},
	{name: "tripleo.plan_management.v1.create_deployment_plan", run: wfCreatePlan,
		tasks: []string{"container_required_check", "verify_container_doesnt_exist", "create_container", "upload_default_templates", "create_plan", "ensure_passwords_exist", "add_root_stack_name", "container_images_prepare", "process_templates", "set_status_success", "notify_zaqar"},
		input: `[container, source_url: null, queue_name: tripleo, generate_passwords: true, use_default_templates: false, validate_stack: true]`},
	{name: "tripleo.plan_management.v1.update_deployment_plan", input: `[container, source_url: null, queue_name: tripleo, generate_passwords: true, plan_environment: null, validate_stack: true]`},
	{name: "tripleo.plan_management.v1.delete_deployment_plan", run: wfDeletePlan, tasks: []string{"delete_plan", "notify_zaqar"}, input: `[container: overcloud, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.get_passwords", input: `[container, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.export_deployment_plan", run: wfExportPlan, tasks: []string{"export_plan", "create_tempurl", "set_status_success", "notify_zaqar"}, input: `[plan, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.get_deprecated_parameters", input: `[container: overcloud, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.publish_ui_logs_to_swift", env: silent, input: `[logging_queue_name: tripleo-ui-logging, logging_container: tripleo-ui-logs]`},
	{name: "tripleo.plan_management.v1.download_logs", input: `[queue_name: tripleo, logging_container: tripleo-ui-logs, downloads_container: tripleo-ui-logs-downloads, delete_after: 3600]`},
	{name: "tripleo.plan_management.v1.list_roles", input: `[container: overcloud, roles_data_file: roles_data.yaml, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.list_available_roles", input: `[container: overcloud, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.update_roles", msgType: "tripleo.roles.v1.update_roles", input: `[container, roles, roles_data_file: roles_data.yaml, replace_all: false, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.select_roles", input: `[container, role_names, roles_data_file: roles_data.yaml, replace_all: true, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.list_networks", input: `[container: overcloud, network_data_file: network_data.yaml, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.list_available_networks", input: `[container, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.validate_networks", input: `[container: overcloud, network_data_file: network_data.yaml, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.validate_roles", msgType: "tripleo.plan_management.v1.validate_networks", input: `[container: overcloud, roles_data_file: roles_data.yaml, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.validate_roles_and_networks", input: `[container: overcloud, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1.validate_network_files", input: `[network_data, container: overcloud, queue_name: tripleo]`},
	{name: "tripleo.plan_management.v1._validate_networks_from_roles", msgType: "tripleo.plan_management.v1._validate_networks_from_role", input: `[defined_networks, networks_in_roles, container: overcloud, queue_name: tripleo]`},

	// tripleo.deployment.v1, standard envelope in Queens
	{name: "tripleo.deployment.v1.deploy_on_server", env: standard, run: wfDeployOnServer, tasks: []string{"deploy_config", "send_message"},
		input: `[server_uuid, server_name, config, config_name, group, queue_name: tripleo]`},
	{name: "tripleo.deployment.v1.deploy_on_servers", env: standard, run: wfDeployOnServers, tasks: []string{"get_servers_matching", "deploy_on_servers", "send_message"},
		input: `[server_name, config_name, config, group: script, queue_name: tripleo]`},
	{name: "tripleo.deployment.v1.deploy_plan", env: standard, run: wfDeployPlan,
		tasks: []string{"send_start_message", "add_validation_ssh_key", "run_validations", "create_swift_rings_backup_plan", "cell_v2_discover_hosts", "deploy", "send_message"},
		input: `[container, run_validations: false, timeout: 240, skip_deploy_identifier: false, queue_name: tripleo]`},
	{name: "tripleo.deployment.v1.get_horizon_url", env: standard, input: `[stack: overcloud, queue_name: tripleo]`},
	{name: "tripleo.deployment.v1.config_download_deploy", env: standard, input: `[timeout: 240, queue_name: tripleo, plan_name: overcloud, work_dir: /var/lib/mistral, verbosity: 1, blacklist: []]`},
	{name: "tripleo.deployment.v1.get_deployment_status", env: standard, run: wfGetDeploymentStatus, tasks: []string{"get_deployment_status", "send_message"}, input: `[plan: overcloud, queue_name: tripleo]`},
	{name: "tripleo.deployment.v1.get_deployment_failures", env: standard, input: `[plan: overcloud, queue_name: tripleo]`},

	// tripleo.stack.v1
	{name: "tripleo.stack.v1.wait_for_stack_complete_or_failed", env: silent, input: `[stack, timeout: 14400]`},
	{name: "tripleo.stack.v1.wait_for_stack_in_progress", env: silent, input: `[stack, timeout: 600]`},
	{name: "tripleo.stack.v1.wait_for_stack_does_not_exist", env: silent, input: `[stack, timeout: 3600]`},
	{name: "tripleo.stack.v1.delete_stack", msgType: "tripleo.scale.v1.delete_stack", input: `[stack, queue_name: tripleo]`},

	// tripleo.validations.v1 (the parts deploy_plan calls, and the usual entry points)
	{name: "tripleo.validations.v1.run_validation", input: `[validation_name, plan: overcloud, queue_name: tripleo]`},
	{name: "tripleo.validations.v1.run_validations", input: `[validation_names: [], plan: overcloud, queue_name: tripleo]`},
	{name: "tripleo.validations.v1.run_groups", run: wfNoop, input: `[group_names: [], plan: overcloud, queue_name: tripleo]`},
	{name: "tripleo.validations.v1.list", env: silent, input: `[group_names: []]`},
	{name: "tripleo.validations.v1.list_groups", env: silent, input: `[]`},
	{name: "tripleo.validations.v1.add_validation_ssh_key_parameter", env: silent, run: wfAddValidationKey, input: `[container, queue_name: tripleo]`},
	{name: "tripleo.validations.v1.copy_ssh_key", input: `[overcloud_admin: heat-admin, queue_name: tripleo]`},

	// tripleo.messaging.v1 (Q+)
	{name: "tripleo.messaging.v1.send", env: silent, run: wfSendDirect, tasks: []string{"send_message", "check_status"},
		input: `[queue_name, type, execution, status: SUCCESS, message: null, payload: {}, plan_name: null, deployment_status: null]`},
}

var actionTable = []*actDef{
	{name: "tripleo.plan.create_container", class: "CreateContainerAction", input: `[container]`, run: actCreateContainer},
	{name: "tripleo.plan.list", class: "ListPlansAction", input: `[]`, run: actListPlans},
	{name: "tripleo.plan.delete", class: "DeletePlanAction", input: `[container]`, run: actDeletePlan},
	{name: "tripleo.plan.export", class: "ExportPlanAction", input: `[plan, delete_after, exports_container]`, run: actExportPlan},
	{name: "tripleo.plan.update_from_dir", class: "UpdatePlanFromDirAction", input: `[container: overcloud, templates_dir: /usr/share/openstack-tripleo-heat-templates/]`},
	{name: "tripleo.parameters.update", class: "UpdateParametersAction", input: `[parameters, container: overcloud, key: parameter_defaults, validate: true]`, run: actUpdateParameters},
	{name: "tripleo.parameters.reset", class: "ResetParametersAction", input: `[container: overcloud, key: parameter_defaults]`, run: actResetParameters},
	{name: "tripleo.parameters.get", class: "GetParametersAction", input: `[container: overcloud]`, run: actGetParameters},
	{name: "tripleo.parameters.get_flatten", class: "GetFlattenedParametersAction", input: `[container: overcloud]`, run: actGetFlatten},
	{name: "tripleo.parameters.generate_passwords", class: "GeneratePasswordsAction", input: `[container: overcloud]`, run: actGeneratePasswords},
	{name: "tripleo.parameters.get_passwords", class: "GetPasswordsAction", input: `[container: overcloud]`, run: actGetPasswords},
	{name: "tripleo.parameters.update_role", class: "UpdateRoleParametersAction", input: `[role, container: overcloud]`},
	{name: "tripleo.parameters.generate_fencing", class: "GenerateFencingParametersAction", input: `[nodes_json, delay, ipmi_level, ipmi_cipher, ipmi_lanplus]`},
	{name: "tripleo.templates.process", class: "ProcessTemplatesAction", input: `[container: overcloud]`, run: actProcessTemplates},
	{name: "tripleo.templates.upload", class: "UploadTemplatesAction", input: `[container: overcloud, templates_path: /usr/share/openstack-tripleo-heat-templates/]`, run: actUploadTemplates},
	{name: "tripleo.templates.upload_plan_environment", class: "UploadPlanEnvironmentAction", input: `[plan_environment, container: overcloud]`},
	{name: "tripleo.baremetal.validate_nodes", class: "ValidateNodes", input: `[nodes_json]`, run: actValidateNodes},
	{name: "tripleo.baremetal.register_or_update_nodes", class: "RegisterOrUpdateNodes", input: `[nodes_json, remove: false, kernel_name: null, ramdisk_name: null, instance_boot_option: local]`, run: actRegisterNodes},
	{name: "tripleo.baremetal.configure_boot", class: "ConfigureBootAction", input: `[node_uuid, kernel_name: bm-deploy-kernel, ramdisk_name: bm-deploy-ramdisk, instance_boot_option: null]`},
	{name: "tripleo.baremetal.configure_root_device", class: "ConfigureRootDeviceAction", input: `[node_uuid, root_device: null, minimum_size: 4, overwrite: false]`},
	{name: "tripleo.baremetal.cell_v2_discover_hosts", class: "CellV2DiscoverHostsAction", input: `[]`, run: actNull},
	{name: "tripleo.container_images.prepare", class: "PrepareContainerImageEnv", input: `[container: overcloud]`, run: actNull},
	{name: "tripleo.deployment.deploy", class: "DeployStackAction", input: `[timeout, container, skip_deploy_identifier: false]`, run: actDeploy},
	{name: "tripleo.deployment.config", class: "OrchestrationDeployAction", input: `[server_id, config, name, group: script]`, run: actDeploymentConfig},
	{name: "tripleo.deployment.overcloudrc", class: "OvercloudRcAction", input: `[container, no_proxy: '']`},
	{name: "tripleo.role.list", class: "ListRolesAction", input: `[container: overcloud, role_file_name: roles_data.yaml, detail: false]`, run: actListRoles},
	{name: "tripleo.heat_capabilities.get", class: "GetCapabilitiesAction", input: `[container: overcloud]`},
	{name: "tripleo.swift.tempurl", class: "SwiftTempUrlAction", input: `[container, obj, method: GET, valid: 86400]`, run: actTempURL},
	{name: "std.echo", class: "EchoAction", input: `[output, delay: 0]`, run: func(a *actCtx) (any, error) { return a.in["output"], nil }},
	{name: "std.noop", class: "NoOpAction", input: `[]`, run: actNull},
	{name: "std.fail", class: "FailAction", input: `[error_data: null]`, run: func(a *actCtx) (any, error) { return nil, fmt.Errorf("%s", asString(a.in["error_data"])) }},
}

// parseInputs reads an input list written in YAML.
func parseInputs(src string) []inputSpec {
	var list []any
	if err := yaml.Unmarshal([]byte(src), &list); err != nil {
		panic("tripleotest: bad input list " + src + ": " + err.Error())
	}
	list = normalize(list).([]any)
	var out []inputSpec
	for _, it := range list {
		switch t := it.(type) {
		case string:
			out = append(out, inputSpec{name: t, required: true})
		case map[string]any:
			for k, v := range t {
				out = append(out, inputSpec{name: k, def: v})
			}
		}
	}
	return out
}

// inputString is Mistral's "input" field: names and Python-rendered defaults.
func inputString(ins []inputSpec) string {
	parts := make([]string, len(ins))
	for i, in := range ins {
		if in.required {
			parts[i] = in.name
		} else {
			parts[i] = in.name + "=" + pyRepr(in.def, true)
		}
	}
	return strings.Join(parts, ", ")
}

// renderDefinition writes the workflow's YAML definition.
func renderDefinition(d *wfDef) string {
	var b strings.Builder
	b.WriteString("---\nversion: '2.0'\n\n")
	b.WriteString(d.name + ":\n")
	b.WriteString("  input:\n")
	for _, in := range d.inputs {
		var item any = in.name
		if !in.required {
			item = map[string]any{in.name: in.def}
		}
		y, _ := yaml.Marshal([]any{item})
		for _, line := range strings.Split(strings.TrimRight(string(y), "\n"), "\n") {
			b.WriteString("    " + line + "\n")
		}
	}
	b.WriteString("  tags:\n    - tripleo-common-managed\n  tasks:\n")
	tasks := d.tasks
	if len(tasks) == 0 {
		tasks = []string{"run"}
	}
	for i, t := range tasks {
		b.WriteString("    " + t + ":\n      action: std.noop\n")
		if i+1 < len(tasks) {
			b.WriteString("      on-success: " + tasks[i+1] + "\n")
		}
	}
	return b.String()
}

// loadDefinitions indexes the tables (once per undercloud).
func (u *Undercloud) loadDefinitions() {
	t := now()
	for _, src := range workflowTable {
		d := *src
		d.id = uuid.NewSHA1(uuid.NameSpaceURL, []byte("workflow:"+d.name)).String()
		d.inputs = parseInputs(d.input)
		d.definition = renderDefinition(&d)
		var doc map[string]any
		yaml.Unmarshal([]byte(d.definition), &doc)
		d.spec = copyMap(asMap(normalize(doc[d.name])))
		d.spec["name"], d.spec["version"] = d.name[strings.LastIndex(d.name, ".")+1:], "2.0"
		d.created = t
		u.wfByName[d.name] = &d
	}
	for _, src := range actionTable {
		a := *src
		a.inputs = parseInputs(a.input)
		a.created = t
		u.actByName[a.name] = &a
	}
}

// withDefaults returns input completed with the declared defaults.
func withDefaults(ins []inputSpec, input map[string]any) map[string]any {
	out := copyMap(input)
	for _, in := range ins {
		if _, ok := out[in.name]; !ok && !in.required {
			out[in.name] = deepCopy(in.def)
		}
	}
	return out
}

// checkInput is Mistral's top-level input check: "Invalid input [name=..., class=..., missing=[...], unexpected=[...]]".
func checkInput(name, class string, ins []inputSpec, input map[string]any) string {
	known := map[string]bool{}
	var missing, unexpected []string
	for _, in := range ins {
		known[in.name] = true
		if _, ok := input[in.name]; in.required && !ok {
			missing = append(missing, in.name)
		}
	}
	for _, k := range sortedKeys(input) {
		if !known[k] {
			unexpected = append(unexpected, k)
		}
	}
	if len(missing)+len(unexpected) == 0 {
		return ""
	}
	return fmt.Sprintf("Invalid input [name=%s, class=%s, missing=%s, unexpected=%s]", name, class, pyList(missing), pyList(unexpected))
}
