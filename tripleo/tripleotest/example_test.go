package tripleotest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// registerNodes is the host program's code under test: it registers an
// inventory and returns the new nodes' uuids.
func registerNodes(ctx context.Context, c *tripleo.Client, nodes []any) ([]string, error) {
	run, err := tripleo.Start(ctx, c, "tripleo.baremetal.v1.register_or_update",
		map[string]any{"nodes_json": nodes}, tripleo.DecodeField[[]struct {
			UUID string `json:"uuid"`
		}]("registered_nodes", false), tripleo.StartOpts{})
	if err != nil {
		return nil, err
	}
	reg, err := run.Wait(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range reg {
		ids = append(ids, n.UUID)
	}
	return ids, nil
}

// A host program's test: run the code against the embedded undercloud, then
// assert on the simulated state. In a real test, use NewT(t) (closed by t.Cleanup).
func Example() {
	u := tripleotest.New()
	defer u.Close()
	c, err := u.Client()
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	ids, err := registerNodes(ctx, c, []any{
		map[string]any{"name": "ctrl-0", "pm_type": "ipmi", "pm_addr": "10.0.0.10", "pm_user": "admin", "pm_password": tripleo.Secret("pw"), "mac": []any{"52:54:00:00:00:10"}},
		map[string]any{"name": "comp-0", "pm_type": "ipmi", "pm_addr": "10.0.0.11", "pm_user": "admin", "pm_password": tripleo.Secret("pw"), "mac": []any{"52:54:00:00:00:11"}},
	})
	fmt.Println(len(ids), err)
	for _, n := range u.Nodes() {
		fmt.Println(n.Name, n.ProvisionState, n.MACs)
	}
	for _, m := range u.Messages("tripleo") {
		fmt.Println(m.Type, m.Payload.Status)
	}
	// Output:
	// 2 <nil>
	// ctrl-0 manageable [52:54:00:00:00:10]
	// comp-0 manageable [52:54:00:00:00:11]
	// tripleo.baremetal.v1.validate_nodes SUCCESS
	// tripleo.baremetal.v1.manage SUCCESS
	// tripleo.baremetal.v1.register_or_update SUCCESS
}

// The failure knobs make the real failures happen: here a node whose
// introspection fails on every attempt.
func ExampleFailIntrospection() {
	u := tripleotest.New(tripleotest.FailIntrospection("comp-0"),
		tripleotest.WithNodes(tripleotest.NodeSpec{Name: "ctrl-0"}, tripleotest.NodeSpec{Name: "comp-0"}))
	defer u.Close()
	c, _ := u.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ids []any
	for _, n := range u.Nodes() {
		ids = append(ids, n.UUID)
	}
	run, _ := tripleo.Start(ctx, c, "tripleo.baremetal.v1.introspect", map[string]any{"node_uuids": ids}, tripleo.DecodeNothing, tripleo.StartOpts{})
	_, err := run.Wait(ctx)
	var we *tripleo.WorkflowError
	fmt.Println(errors.As(err, &we), we.State)
	fmt.Println(we.LastMessage.Payload.Message)
	// Output:
	// true ERROR
	// Retry limit reached with 1 nodes still failing introspection
}

// Deploying the default plan on three nodes: deploy_plan ends when Heat
// accepted the stack; the stack then completes on its own timeline.
func ExampleUndercloud_Stack() {
	u := tripleotest.New(tripleotest.WithNodes(
		tripleotest.NodeSpec{Name: "n0", State: "available"},
		tripleotest.NodeSpec{Name: "n1", State: "available"}))
	defer u.Close()
	c, _ := u.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, wf := range []struct {
		name  string
		input map[string]any
	}{
		{"tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"}},
		{"tripleo.deployment.v1.deploy_plan", map[string]any{"container": "overcloud"}},
	} {
		run, err := tripleo.Start(ctx, c, wf.name, wf.input, tripleo.DecodeFinal, tripleo.StartOpts{})
		if err != nil {
			panic(err)
		}
		f, err := run.Wait(ctx)
		fmt.Println(wf.name, f.Message.Payload.Status, err)
	}
	if err := u.Settle(ctx); err != nil {
		panic(err)
	}
	s, _ := u.Stack("overcloud")
	fmt.Println(s.Status)
	for _, sv := range u.Servers() {
		n, _ := u.Node(sv.NodeUUID)
		fmt.Println(sv.Name, n.ProvisionState)
	}
	// Output:
	// tripleo.plan_management.v1.create_default_deployment_plan SUCCESS <nil>
	// tripleo.deployment.v1.deploy_plan SUCCESS <nil>
	// CREATE_COMPLETE
	// overcloud-controller-0 active
	// overcloud-novacompute-0 active
}
