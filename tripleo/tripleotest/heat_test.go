package tripleotest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stackevents"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stackresources"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stacks"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/tripleo-go/sdk/tripleo"
)

// Heat conformance with gophercloud's stacks, stackevents and stackresources packages.

const groupTemplate = `
heat_template_version: 2018-08-31
parameters:
  count: {type: number, default: 2}
  fail: {type: boolean, default: false}
resources:
  none:
    type: OS::Heat::None
  group:
    type: OS::Heat::ResourceGroup
    depends_on: none
    properties:
      count: {get_param: count}
      resource_def:
        type: member.yaml
        properties:
          index: '%index%'
  test:
    type: OS::Heat::TestResource
    depends_on: group
    properties:
      fail: {get_param: fail}
outputs:
  count:
    value: {get_param: count}
`

const memberTemplate = `
heat_template_version: 2018-08-31
parameters:
  index: {type: string}
resources:
  config:
    type: OS::Heat::SoftwareConfig
  deployment:
    type: OS::Heat::SoftwareDeployment
    depends_on: config
`

func createStack(t *testing.T, c *tripleo.Client, name string, params map[string]any) string {
	t.Helper()
	tmpl := new(stacks.Template)
	tmpl.Bin = []byte(groupTemplate)
	tmpl.Files = map[string]string{"member.yaml": memberTemplate}
	body := map[string]any{"stack_name": name, "template": groupTemplate, "files": map[string]string{"member.yaml": memberTemplate}, "parameters": params, "timeout_mins": 60}
	var out struct {
		Stack struct{ ID string } `json:"stack"`
	}
	resp, err := c.Orchestration.Post(testCtx(t), c.Orchestration.ServiceURL("stacks"), body, &out, nil)
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		t.Fatalf("create %s: %v", name, tripleo.WrapHTTP("heat: create", err))
	}
	return out.Stack.ID
}

func TestHeatStacks(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	hc := c.Orchestration

	id := createStack(t, c, "s1", nil)
	if s, _ := u.Stack("s1"); len(s.Events) == 0 || s.Events[0].Status != "CREATE_IN_PROGRESS" || s.Events[0].Reason != "Stack CREATE started" {
		t.Errorf("right after create: %+v", s.Events)
	}
	// GET by name answers 302 to name/id
	code, hdr, _ := doJSON(t, "GET", u.Endpoints().Heat+"/stacks/s1", nil, nil)
	if code != 302 || hdr.Get("Location") != u.Endpoints().Heat+"/stacks/s1/"+id {
		t.Errorf("lookup: %d %s", code, hdr.Get("Location"))
	}
	settle(t, u)
	st, err := stacks.Find(ctx, hc, "s1").Extract()
	if err != nil || st.ID != id || st.Status != "CREATE_COMPLETE" || st.StatusReason != "Stack CREATE completed successfully" {
		t.Fatalf("find: %+v %v", st, err)
	}
	if len(st.Outputs) != 1 || st.Outputs[0]["output_value"] != float64(2) {
		t.Errorf("outputs %v", st.Outputs)
	}
	// events: newest first by default; sort_dir asc; marker and limit page in that order
	var all []stackevents.Event
	stackevents.List(hc, "s1", id, stackevents.ListOpts{SortDir: stackevents.SortAsc}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		evs, err := stackevents.ExtractEvents(p)
		all = append(all, evs...)
		return true, err
	})
	if len(all) != 8 || all[0].ResourceStatusReason != "Stack CREATE started" || all[len(all)-1].ResourceStatus != "CREATE_COMPLETE" || all[len(all)-1].ResourceName != "s1" {
		t.Fatalf("top events (%d): first %+v last %+v", len(all), all[0], all[len(all)-1])
	}
	var page []stackevents.Event
	stackevents.List(hc, "s1", id, stackevents.ListOpts{SortDir: stackevents.SortAsc, Marker: all[2].ID, Limit: 2}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		page, _ = stackevents.ExtractEvents(p)
		return false, nil
	})
	if len(page) != 2 || page[0].ID != all[3].ID {
		t.Errorf("marker page: %+v", page)
	}
	var newest []stackevents.Event
	stackevents.List(hc, "s1", id, stackevents.ListOpts{Limit: 1}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		newest, _ = stackevents.ExtractEvents(p)
		return false, nil
	})
	if len(newest) != 1 || newest[0].ID != all[len(all)-1].ID {
		t.Errorf("newest event: %+v", newest)
	}
	// nested_depth (not in gophercloud's ListOpts): nested stacks' events with root_stack links
	var nested struct{ Events []stackevents.Event }
	getJSON(t, u.Endpoints().Heat+"/stacks/s1/"+id+"/events?sort_dir=asc&nested_depth=2", &nested)
	if len(nested.Events) != 8+6+2*6 {
		t.Errorf("nested events: %d", len(nested.Events))
	}
	member := 0
	for _, e := range nested.Events {
		var stackHref, root string
		for _, l := range e.Links {
			switch l.Rel {
			case "stack":
				stackHref = l.Href
			case "root_stack":
				root = l.Href
			}
		}
		if root != u.Endpoints().Heat+"/stacks/s1/"+id {
			t.Fatalf("root_stack link of %+v", e)
		}
		if strings.Contains(stackHref, "/stacks/s1-group-") && e.ResourceName == "deployment" && e.ResourceStatus == "CREATE_COMPLETE" {
			member++
		}
	}
	if member != 2 {
		t.Errorf("%d member deployments complete", member)
	}
	// resources
	var res []stackresources.Resource
	stackresources.List(hc, "s1", id, stackresources.ListOpts{Depth: 2}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		r, err := stackresources.ExtractResources(p)
		res = append(res, r...)
		return true, err
	})
	if len(res) != 3+2+4 {
		t.Errorf("resources at depth 2: %d", len(res))
	}
	// update (PATCH keeps the template): count 3 adds a member
	err = stacks.UpdatePatch(ctx, hc, "s1", id, stacks.UpdateOpts{Parameters: map[string]any{"count": 3}}).ExtractErr()
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := u.Stack("s1"); !strings.HasPrefix(s.Status, "UPDATE_") {
		t.Errorf("update: %s", s.Status)
	}
	settle(t, u)
	s, _ := u.Stack("s1")
	g, _ := u.Stack(s.Resources[1].Nested)
	if s.Status != "UPDATE_COMPLETE" || len(g.Resources) != 3 {
		t.Errorf("after update: %s, %d members", s.Status, len(g.Resources))
	}
	// duplicates and validation errors, with Heat's bodies
	body := map[string]any{"stack_name": "s1", "template": groupTemplate, "files": map[string]string{"member.yaml": memberTemplate}}
	resp, err := hc.Post(ctx, hc.ServiceURL("stacks"), body, nil, nil)
	_, _, err = gophercloud.ParseResponse(resp, err)
	var ae *tripleo.APIError
	if !errors.As(tripleo.WrapHTTP("heat", err), &ae) || ae.StatusCode != 409 || ae.Message != "The Stack (s1) already exists." {
		t.Errorf("duplicate: %v", err)
	}
	body = map[string]any{"stack_name": "s2", "template": "heat_template_version: 2018-08-31\nresources: {x: {type: OS::Nope}}"}
	resp, err = hc.Post(ctx, hc.ServiceURL("stacks"), body, nil, nil)
	_, _, err = gophercloud.ParseResponse(resp, err)
	if !errors.As(tripleo.WrapHTTP("heat", err), &ae) || ae.StatusCode != 400 || ae.Message != "The Resource Type (OS::Nope) could not be found." {
		t.Errorf("bad type: %v", err)
	}
	body = map[string]any{"stack_name": "s3", "template": groupTemplate, "files": map[string]string{"member.yaml": memberTemplate}, "parameters": map[string]any{"count": "abc"}}
	resp, err = hc.Post(ctx, hc.ServiceURL("stacks"), body, nil, nil)
	_, _, err = gophercloud.ParseResponse(resp, err)
	if !errors.As(tripleo.WrapHTTP("heat", err), &ae) || ae.Message != "Parameter 'count' is invalid: could not convert string to float: 'abc'" {
		t.Errorf("bad parameter: %v", err)
	}
	_, err = stacks.Get(ctx, hc, "nope", "x").Extract()
	if !errors.As(tripleo.WrapHTTP("heat", err), &ae) || ae.StatusCode != 404 || ae.Message != "The Stack (nope) could not be found." {
		t.Errorf("missing stack: %v", err)
	}
	// delete: 204, DELETE_COMPLETE by id, 404 by name
	if err := stacks.Delete(ctx, hc, "s1", id).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	settle(t, u)
	if got, err := stacks.Get(ctx, hc, "s1", id).Extract(); err != nil || got.Status != "DELETE_COMPLETE" {
		t.Errorf("deleted by id: %+v %v", got, err)
	}
	if _, err := stacks.Find(ctx, hc, "s1").Extract(); !gophercloud.ResponseCodeIs(err, 404) {
		t.Errorf("deleted by name: %v", err)
	}
}

func TestHeatFailure(t *testing.T) {
	t.Parallel()
	u := NewT(t, FailResource("deployment", "Deployment exited with non-zero status code: 2"))
	c := newClient(t, u)
	id := createStack(t, c, "f1", nil)
	settle(t, u)
	s, _ := u.Stack("f1")
	wantReason := "Resource CREATE failed: Error: resources.group.resources[0].resources.deployment: Deployment exited with non-zero status code: 2"
	if s.Status != "CREATE_FAILED" || s.Reason != wantReason {
		t.Fatalf("stack: %s %q", s.Status, s.Reason)
	}
	var evs struct{ Events []stackevents.Event }
	getJSON(t, u.Endpoints().Heat+"/stacks/f1/"+id+"/events?sort_dir=desc&limit=2", &evs)
	if evs.Events[0].ResourceName != "f1" || evs.Events[0].ResourceStatus != "CREATE_FAILED" ||
		evs.Events[1].ResourceName != "group" || evs.Events[1].ResourceStatusReason != "Error: resources.group.resources[0].resources.deployment: Deployment exited with non-zero status code: 2" {
		b, _ := json.Marshal(evs)
		t.Errorf("last events: %s", b)
	}

	// TestResource with fail: true, as the lab's Heat reports it
	id2 := createStack(t, c, "f2", map[string]any{"fail": true, "count": 0})
	settle(t, u)
	st, _ := stacks.Get(testCtx(t), c.Orchestration, "f2", id2).Extract()
	if st.Status != "CREATE_FAILED" || st.StatusReason != "Resource CREATE failed: ValueError: resources.test: Test Resource failed test" {
		t.Errorf("test resource: %s %q", st.Status, st.StatusReason)
	}
}
