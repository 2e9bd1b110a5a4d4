package tripleotest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/objects"

	"github.com/tripleo-go/sdk/tripleo"
)

// Plan workflows and the plan and parameters actions, through tripleo.Start and tripleo.Client.RunAction.

func planEnv(t *testing.T, u *Undercloud, c string) map[string]any {
	t.Helper()
	b, ok := u.Object(c, "plan-environment.yaml")
	if !ok {
		t.Fatalf("%s has no plan-environment.yaml", c)
	}
	v, err := yamlLoad(b)
	if err != nil {
		t.Fatal(err)
	}
	return asMap(v)
}

func wantMessages(t *testing.T, evs []tripleo.Event, want ...string) {
	t.Helper()
	got := msgLines(evs)
	if !slices.Equal(got, want) {
		t.Errorf("messages:\n got %q\nwant %q", got, want)
	}
}

func TestCreateDefaultDeploymentPlan(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	f, evs := mustRun(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})
	wantMessages(t, evs,
		"tripleo.plan_management.v1.create_deployment_plan SUCCESS: Plan created.",
		"tripleo.plan_management.v1.create_default_deployment_plan SUCCESS: Plan created.") // the child result {status, message} renders as its message
	if f.Message.Payload.Workflow != "tripleo.plan_management.v1.create_default_deployment_plan" || f.Message.Payload.RootExecutionID != "" {
		t.Errorf("legacy envelope: %+v", f.Message.Payload)
	}
	// the child's message names the parent as its root
	for _, e := range evs {
		if e.Kind == tripleo.EventMessage && e.Source == "tripleo.plan_management.v1.create_deployment_plan" && e.Message.Payload.RootExecutionID != f.ExecutionID {
			t.Errorf("child root_execution_id %q", e.Message.Payload.RootExecutionID)
		}
	}
	if u.ContainerMeta("overcloud")["X-Container-Meta-Usage-Tripleo"] != "plan" || !slices.Equal(u.Plans(), []string{"overcloud"}) {
		t.Errorf("plan container: %v", u.ContainerMeta("overcloud"))
	}
	objs := u.Objects("overcloud")
	for _, name := range []string{"overcloud.yaml", "roles_data.yaml", "network_data.yaml", "capabilities-map.yaml", "puppet/controller-role.yaml", "puppet/compute-role.yaml", "common/deploy-steps.yaml"} {
		if objs[name] == nil {
			t.Errorf("missing %s", name)
		}
	}
	env := planEnv(t, u, "overcloud")
	if pw := asMap(env["passwords"]); len(pw) != len(passwordNames) || len(asString(pw["MysqlRootPassword"])) != 10 {
		t.Errorf("passwords: %d", len(pw))
	}
	if asMap(env["parameter_defaults"])["RootStackName"] != "overcloud" {
		t.Errorf("parameter_defaults %v", env["parameter_defaults"])
	}
	// again: the container exists
	_, evs, err := runWF(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})
	var we *tripleo.WorkflowError
	if !errors.As(err, &we) || we.State != tripleo.StateError || !strings.Contains(err.Error(), "Unable to create plan. The Swift container already exists") {
		t.Fatalf("second create: %v", err)
	}
	got := msgLines(evs)
	if len(got) != 2 || got[0] != "tripleo.plan_management.v1.create_deployment_plan FAILED: Unable to create plan. The Swift container already exists" {
		t.Errorf("failure messages %q", got)
	}
	if ex, _ := u.Execution(we.ExecutionID); ex.State != "ERROR" || ex.StateInfo != "" || ex.Output["status"] != "FAILED" {
		t.Errorf("legacy failure: %+v", ex)
	}
}

func TestCreateDeploymentPlanFromUploadedTemplates(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	if err := c.RunAction(ctx, "tripleo.plan.create_container", map[string]any{"container": "custom"}, nil); err != nil {
		t.Fatal(err)
	}
	// neither use_default_templates nor source_url: the container must hold the templates
	_, evs, err := runWF(t, c, "tripleo.plan_management.v1.create_deployment_plan", map[string]any{"container": "custom"})
	if err == nil || !strings.Contains(err.Error(), "Error retrieving environment for plan custom: Object GET failed: "+u.Endpoints().Swift+"/custom/plan-environment.yaml 404 Not Found") {
		t.Fatalf("empty container: %v", err)
	}
	if len(msgLines(evs)) != 1 {
		t.Errorf("messages %q", msgLines(evs))
	}
	for name, data := range DefaultTemplates() {
		if _, err := objects.Create(ctx, c.ObjectStore, "custom", name, objects.CreateOpts{Content: bytes.NewReader(data)}).Extract(); err != nil {
			t.Fatal(err)
		}
	}
	_, evs = mustRun(t, c, "tripleo.plan_management.v1.create_deployment_plan", map[string]any{"container": "custom", "generate_passwords": false})
	wantMessages(t, evs, "tripleo.plan_management.v1.create_deployment_plan SUCCESS: Plan created.")
	if env := planEnv(t, u, "custom"); env["passwords"] != nil || asMap(env["parameter_defaults"])["RootStackName"] != "custom" {
		t.Errorf("env %v", env)
	}
}

func TestPlanActions(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	var actErr *tripleo.ActionError
	if err := c.RunAction(ctx, "tripleo.plan.create_container", map[string]any{"container": "p1"}, nil); err != nil {
		t.Fatal(err)
	}
	err := c.RunAction(ctx, "tripleo.plan.create_container", map[string]any{"container": "p1"}, nil)
	if !errors.As(err, &actErr) || actErr.Result != "A container with the name p1 already exists." {
		t.Errorf("existing: %v", err)
	}
	u.swiftEnsureContainer("not-a-plan", nil)
	var plans []string
	if err := c.RunAction(ctx, "tripleo.plan.list", nil, &plans); err != nil || !slices.Equal(plans, []string{"p1"}) {
		t.Errorf("list: %v %v", plans, err)
	}
	// delete refuses while a stack of that name exists (raised: Mistral's wrapper text)
	createStack(t, c, "p1", map[string]any{"count": 0})
	err = c.RunAction(ctx, "tripleo.plan.delete", map[string]any{"container": "p1"}, nil)
	if !errors.As(err, &actErr) || !strings.HasPrefix(actErr.Result, "Failed to run action [action_ex_id=") ||
		!strings.HasSuffix(actErr.Result, "']\n Cannot delete a plan that has an associated stack.") {
		t.Errorf("delete with stack: %v", err)
	}
	err = c.RunAction(ctx, "tripleo.plan.delete", map[string]any{"container": "missing"}, nil)
	if !errors.As(err, &actErr) || actErr.Result != "Container GET failed" {
		t.Errorf("delete missing: %v", err)
	}
}

func TestDeleteAndExportDeploymentPlan(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	mustRun(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})

	f, evs := mustRun(t, c, "tripleo.plan_management.v1.export_deployment_plan", map[string]any{"plan": "overcloud"})
	var url string
	if _, err := f.Field("tempurl", &url); err != nil || !strings.Contains(url, "/plan-exports/overcloud.tar.gz?temp_url_sig=") || f.Text() != url {
		t.Fatalf("tempurl %q %v", url, err)
	}
	wantMessages(t, evs, "tripleo.plan_management.v1.export_deployment_plan SUCCESS: "+url)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files++
		if h.Name == "" {
			t.Error("empty name")
		}
	}
	if files != len(u.Objects("overcloud")) {
		t.Errorf("tarball has %d files", files)
	}
	_, _, err = runWF(t, c, "tripleo.plan_management.v1.export_deployment_plan", map[string]any{"plan": "missing"})
	if err == nil || !strings.Contains(err.Error(), "Error attempting an operation on container: Container GET failed") {
		t.Errorf("export missing: %v", err)
	}

	_, evs = mustRun(t, c, "tripleo.plan_management.v1.delete_deployment_plan", map[string]any{"container": "overcloud"})
	wantMessages(t, evs, "tripleo.plan_management.v1.delete_deployment_plan SUCCESS")
	if u.Objects("overcloud") != nil {
		t.Error("plan still there")
	}
	_, _, err = runWF(t, c, "tripleo.plan_management.v1.delete_deployment_plan", map[string]any{"container": "overcloud"})
	var we *tripleo.WorkflowError
	if !errors.As(err, &we) || we.LastMessage == nil || we.LastMessage.Payload.Message != "Container GET failed" {
		t.Errorf("delete again: %v", err)
	}
}

func TestParametersActions(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	mustRun(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})

	var res struct {
		Tree struct {
			Parameters map[string]map[string]any `json:"parameters"`
			Resources  map[string]map[string]any `json:"resources"`
		} `json:"heat_resource_tree"`
		Env map[string]any `json:"environment_parameters"`
	}
	err := c.RunAction(ctx, "tripleo.parameters.update", map[string]any{"parameters": map[string]any{"ControllerCount": 3, "NtpServer": "clock.example.com"}}, &res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Env["ControllerCount"] != float64(3) || res.Env["RootStackName"] != "overcloud" || res.Tree.Parameters["ControllerCount"]["default"] != float64(3) {
		t.Errorf("update result: env %v, ControllerCount %v", res.Env, res.Tree.Parameters["ControllerCount"])
	}
	pd := asMap(planEnv(t, u, "overcloud")["parameter_defaults"])
	if asInt(pd["ControllerCount"], 0) != 3 || pd["NtpServer"] != "clock.example.com" || pd["RootStackName"] != "overcloud" {
		t.Errorf("merged parameter_defaults %v", pd)
	}
	// get_flatten: the flattened view, values as defaults
	var flat struct {
		Tree struct {
			Parameters map[string]map[string]any `json:"parameters"`
			Resources  map[string]map[string]any `json:"resources"`
		} `json:"heat_resource_tree"`
	}
	if err := c.RunAction(ctx, "tripleo.parameters.get_flatten", map[string]any{"container": "overcloud"}, &flat); err != nil {
		t.Fatal(err)
	}
	p := flat.Tree.Parameters["AdminPassword"]
	if p["type"] != "String" || p["noEcho"] != "true" || p["name"] != "AdminPassword" || p["default"] == "" {
		t.Errorf("AdminPassword %v", p)
	}
	roots := 0
	for _, r := range flat.Tree.Resources {
		if r["name"] == "Root" {
			roots++
			if len(asList(r["resources"])) == 0 {
				t.Error("Root has no nested resources")
			}
		}
	}
	if roots != 1 || flat.Tree.Parameters["OvercloudControllerFlavor"] == nil {
		t.Errorf("flattened resources %d", roots)
	}
	// a Heat validation error restores the previous environment
	err = c.RunAction(ctx, "tripleo.parameters.update", map[string]any{"key": "resource_registry", "parameters": map[string]any{"OS::TripleO::Network": "OS::Nope"}}, nil)
	var actErr *tripleo.ActionError
	if !errors.As(err, &actErr) || actErr.Result != "Error validating environment for plan overcloud: ERROR: The Resource Type (OS::Nope) could not be found." {
		t.Errorf("invalid update: %v", err)
	}
	if planEnv(t, u, "overcloud")["resource_registry"] != nil {
		t.Error("environment not restored")
	}
	// reset drops the key entirely
	var env map[string]any
	if err := c.RunAction(ctx, "tripleo.parameters.reset", map[string]any{"container": "overcloud"}, &env); err != nil {
		t.Fatal(err)
	}
	if _, ok := env["parameter_defaults"]; ok || env["passwords"] == nil || env["name"] != "overcloud" {
		t.Errorf("reset result %v", env)
	}
	if _, ok := planEnv(t, u, "overcloud")["parameter_defaults"]; ok {
		t.Error("parameter_defaults still stored")
	}
	err = c.RunAction(ctx, "tripleo.parameters.reset", map[string]any{"container": "nope"}, nil)
	if !errors.As(err, &actErr) || !strings.HasPrefix(actErr.Result, "Error retrieving environment for plan nope: Object GET failed:") {
		t.Errorf("reset of a missing plan: %v", err)
	}
}
