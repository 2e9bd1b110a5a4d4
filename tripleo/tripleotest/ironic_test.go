package tripleotest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/tripleo-go/sdk/tripleo"
)

// Ironic conformance with gophercloud's nodes and ports packages (microversion 1.36, as the SDK pins).

func waitNode(t *testing.T, u *Undercloud, id, state string) Node {
	t.Helper()
	var n Node
	waitFor(t, id+" "+state, func() bool {
		n, _ = u.Node(id)
		return n.ProvisionState == state && n.TargetProvisionState == ""
	})
	return n
}

func TestIronicNodesAndPorts(t *testing.T) {
	t.Parallel()
	u := NewT(t)
	c := newClient(t, u)
	ctx := testCtx(t)
	bm := c.Baremetal

	n, err := nodes.Create(ctx, bm, nodes.CreateOpts{Name: "ctrl-0", Driver: "ipmi",
		DriverInfo: map[string]any{"ipmi_address": "10.0.0.5", "ipmi_password": "secret"}, Properties: map[string]any{"cpus": "4"}}).Extract()
	if err != nil || n.ProvisionState != "enroll" || n.DriverInfo["ipmi_password"] != "******" {
		t.Fatalf("create: %+v %v", n, err)
	}
	_, err = nodes.Create(ctx, bm, nodes.CreateOpts{Name: "ctrl-0", Driver: "ipmi"}).Extract()
	if ae := tripleo.WrapHTTP("ironic: create node", err).(*tripleo.APIError); ae.StatusCode != 409 || ae.Message != "A node with name ctrl-0 already exists." {
		t.Errorf("duplicate name: %v", ae)
	}
	_, err = nodes.Get(ctx, bm, "nope").Extract()
	if !tripleo.IsNotFound(tripleo.WrapHTTP("ironic: get", err)) || !strings.Contains(tripleo.WrapHTTP("x", err).Error(), "Node nope could not be found.") {
		t.Errorf("missing node: %v", err)
	}
	byName, err := nodes.Get(ctx, bm, "ctrl-0").Extract()
	if err != nil || byName.UUID != n.UUID {
		t.Fatalf("get by name: %v", err)
	}
	upd, err := nodes.Update(ctx, bm, n.UUID, nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.AddOp, Path: "/properties/capabilities", Value: "profile:control,boot_option:local"},
		nodes.UpdateOperation{Op: nodes.ReplaceOp, Path: "/driver_info/ipmi_address", Value: "10.0.0.6"},
	}).Extract()
	if err != nil || upd.Properties["capabilities"] != "profile:control,boot_option:local" || upd.DriverInfo["ipmi_address"] != "10.0.0.6" {
		t.Fatalf("patch: %+v %v", upd, err)
	}
	_, err = nodes.Update(ctx, bm, n.UUID, nodes.UpdateOpts{nodes.UpdateOperation{Op: nodes.AddOp, Path: "/bogus", Value: 1}}).Extract()
	if !gophercloud.ResponseCodeIs(err, 400) {
		t.Errorf("patch root: %v", err)
	}

	p, err := ports.Create(ctx, bm, ports.CreateOpts{NodeUUID: n.UUID, Address: "52:54:00:AA:BB:01"}).Extract()
	if err != nil || p.Address != "52:54:00:aa:bb:01" {
		t.Fatalf("port: %+v %v", p, err)
	}
	_, err = ports.Create(ctx, bm, ports.CreateOpts{NodeUUID: n.UUID, Address: "52:54:00:aa:bb:01"}).Extract()
	if ae := tripleo.WrapHTTP("ironic: create port", err).(*tripleo.APIError); ae.StatusCode != 409 || ae.Message != "A port with MAC address 52:54:00:aa:bb:01 already exists." {
		t.Errorf("duplicate MAC: %v", ae)
	}
	var got []ports.Port
	ports.ListDetail(bm, ports.ListOpts{Node: "ctrl-0"}).EachPage(ctx, func(_ context.Context, pg pagination.Page) (bool, error) {
		ps, err := ports.ExtractPorts(pg)
		got = append(got, ps...)
		return true, err
	})
	if len(got) != 1 || got[0].NodeUUID != n.UUID {
		t.Errorf("ports of ctrl-0: %+v", got)
	}
	got = nil
	ports.List(bm, ports.ListOpts{Address: "52:54:00:00:00:99"}).EachPage(ctx, func(_ context.Context, pg pagination.Page) (bool, error) {
		ps, err := ports.ExtractPorts(pg)
		got = append(got, ps...)
		return true, err
	})
	if len(got) != 0 {
		t.Errorf("address filter: %+v", got)
	}

	// paging: 3 nodes, one a page
	for _, name := range []string{"a", "b"} {
		if _, err := nodes.Create(ctx, bm, nodes.CreateOpts{Name: name, Driver: "fake-hardware"}).Extract(); err != nil {
			t.Fatal(err)
		}
	}
	// Ironic pages with a top-level "next" URL (gophercloud's NodePage looks
	// for "nodes_links" and so reads only the first page, on real Ironic too).
	count, next := 0, u.Endpoints().Ironic+"/nodes?limit=1"
	for next != "" && count < 10 {
		var page struct {
			Nodes []map[string]any `json:"nodes"`
			Next  string           `json:"next"`
		}
		getJSON(t, next, &page)
		count += len(page.Nodes)
		next = page.Next
	}
	if count != 3 {
		t.Errorf("paging: %d nodes", count)
	}
	if err := nodes.Delete(ctx, bm, "a").ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if len(u.Nodes()) != 2 {
		t.Error("node not deleted")
	}
}

func TestIronicStateMachine(t *testing.T) {
	t.Parallel()
	u := NewT(t, FailCleaning("bad", "Node bad failed step {'interface': 'deploy', 'step': 'erase_devices_metadata'}: disk gone"),
		FailIntrospection("flaky"))
	c := newClient(t, u)
	ctx := testCtx(t)
	bm := c.Baremetal
	provision := func(id string, opts nodes.ProvisionStateOpts) error {
		return tripleo.WrapHTTP("ironic: provision", nodes.ChangeProvisionState(ctx, bm, id, opts).ExtractErr())
	}
	for _, name := range []string{"good", "bad", "flaky"} {
		if _, err := nodes.Create(ctx, bm, nodes.CreateOpts{Name: name, Driver: "fake-hardware"}).Extract(); err != nil {
			t.Fatal(err)
		}
	}
	// invalid transition: 400 with Ironic's text
	err := provision("good", nodes.ProvisionStateOpts{Target: nodes.TargetProvide})
	var ae *tripleo.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.HasPrefix(ae.Message, `The requested action "provide" can not be performed on node "`) ||
		!strings.HasSuffix(ae.Message, `" while it is in state "enroll".`) {
		t.Fatalf("invalid transition: %v", err)
	}
	// enroll -> verifying -> manageable
	if err := provision("good", nodes.ProvisionStateOpts{Target: nodes.TargetManage}); err != nil {
		t.Fatal(err)
	}
	waitNode(t, u, "good", "manageable")
	// inspect, clean (manual), provide, active, deleted
	if err := provision("good", nodes.ProvisionStateOpts{Target: nodes.TargetInspect}); err != nil {
		t.Fatal(err)
	}
	if n := waitNode(t, u, "good", "manageable"); n.Properties["cpus"] != "4" {
		t.Errorf("inspection found nothing: %v", n.Properties)
	}
	err = provision("good", nodes.ProvisionStateOpts{Target: nodes.TargetClean})
	if !errors.As(err, &ae) || ae.Message != `"clean_steps" is required when setting target provision state to clean` {
		t.Errorf("clean without steps: %v", err)
	}
	steps := []nodes.CleanStep{{Interface: nodes.InterfaceDeploy, Step: "erase_devices_metadata"}}
	if err := provision("good", nodes.ProvisionStateOpts{Target: nodes.TargetClean, CleanSteps: steps}); err != nil {
		t.Fatal(err)
	}
	waitNode(t, u, "good", "manageable")
	for _, st := range []struct {
		target nodes.TargetProvisionState
		want   string
	}{{nodes.TargetProvide, "available"}, {nodes.TargetActive, "active"}, {nodes.TargetDeleted, "available"}} {
		if err := provision("good", nodes.ProvisionStateOpts{Target: st.target}); err != nil {
			t.Fatal(err)
		}
		waitNode(t, u, "good", st.want)
	}

	// a failing clean step: clean failed + maintenance + fault; clean is then refused until maintenance is off
	provision("bad", nodes.ProvisionStateOpts{Target: nodes.TargetManage})
	waitNode(t, u, "bad", "manageable")
	if err := provision("bad", nodes.ProvisionStateOpts{Target: nodes.TargetClean, CleanSteps: steps}); err != nil {
		t.Fatal(err)
	}
	bad := waitNode(t, u, "bad", "clean failed")
	if !bad.Maintenance || bad.Fault != "clean failure" || !strings.Contains(bad.LastError, "disk gone") || bad.MaintenanceReason != bad.LastError {
		t.Errorf("clean failed node: %+v", bad)
	}
	bm142 := *bm
	bm142.Microversion = "1.42"
	if got, err := nodes.Get(ctx, &bm142, "bad").Extract(); err != nil || got.Fault != "clean failure" {
		t.Errorf("fault at 1.42: %q %v", got.Fault, err)
	}
	code, _, body := doJSON(t, "GET", u.Endpoints().Ironic+"/nodes/bad?fields=fault", nil, map[string]string{"X-OpenStack-Ironic-API-Version": "1.36"})
	if code != 406 {
		t.Errorf("fault at 1.36: %d %s", code, body)
	}
	provision("bad", nodes.ProvisionStateOpts{Target: nodes.TargetManage})
	waitNode(t, u, "bad", "manageable")
	if err := provision("bad", nodes.ProvisionStateOpts{Target: nodes.TargetClean, CleanSteps: steps}); !errors.As(err, &ae) || !strings.Contains(ae.Message, "because it's in maintenance mode") {
		t.Errorf("clean in maintenance: %v", err)
	}
	if err := nodes.UnsetMaintenance(ctx, bm, "bad").ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if n, _ := u.Node("bad"); n.Maintenance || n.LastError != "" || n.Fault != "" {
		t.Errorf("after unset maintenance: %+v", n)
	}

	// inspection failure, and abort from clean wait
	provision("flaky", nodes.ProvisionStateOpts{Target: nodes.TargetManage})
	waitNode(t, u, "flaky", "manageable")
	provision("flaky", nodes.ProvisionStateOpts{Target: nodes.TargetInspect})
	if n := waitNode(t, u, "flaky", "inspect failed"); n.LastError != "ironic-inspector inspection failed: Introspection timeout" {
		t.Errorf("inspect failed: %+v", n)
	}
	provision("flaky", nodes.ProvisionStateOpts{Target: nodes.TargetManage})
	waitNode(t, u, "flaky", "manageable")

	// power
	if err := nodes.ChangePowerState(ctx, bm, "good", nodes.PowerStateOpts{Target: nodes.PowerOn}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "power on", func() bool { n, _ := u.Node("good"); return n.PowerState == "power on" })
}

func TestIronicHumanPace(t *testing.T) {
	t.Parallel()
	u := NewT(t, WithTimeScale(1), WithNodes(NodeSpec{Name: "n1", State: "manageable"}, NodeSpec{Name: "n2", State: "enroll"}))
	c := newClient(t, u)
	ctx := testCtx(t)
	// verifying takes 5 s at human pace; meanwhile the node is locked (409)
	if err := nodes.ChangeProvisionState(ctx, c.Baremetal, "n2", nodes.ProvisionStateOpts{Target: nodes.TargetManage}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if n, _ := u.Node("n2"); n.ProvisionState != "verifying" || n.TargetProvisionState != "manageable" {
		t.Errorf("after manage: %+v", n)
	}
	err := tripleo.WrapHTTP("ironic", nodes.ChangeProvisionState(ctx, c.Baremetal, "n2", nodes.ProvisionStateOpts{Target: nodes.TargetProvide}).ExtractErr())
	var ae *tripleo.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 409 || !strings.Contains(ae.Message, "is locked by host undercloud-conductor, please retry after the current operation is completed.") {
		t.Errorf("locked: %v", err)
	}
	steps := []nodes.CleanStep{{Interface: nodes.InterfaceBIOS, Step: "factory_reset"}}
	if err := nodes.ChangeProvisionState(ctx, c.Baremetal, "n1", nodes.ProvisionStateOpts{Target: nodes.TargetClean, CleanSteps: steps}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	// at human pace the first step waits in "clean wait" a minute; abort it
	waitFor(t, "clean wait", func() bool { n, _ := u.Node("n1"); return n.ProvisionState == "clean wait" })
	if err := nodes.ChangeProvisionState(ctx, c.Baremetal, "n1", nodes.ProvisionStateOpts{Target: nodes.TargetAbort}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if n, _ := u.Node("n1"); n.ProvisionState != "clean failed" || n.LastError != "By request, the clean operation was aborted" {
		t.Errorf("aborted: %+v", n)
	}
}
