package baremetal_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// The common path on the embedded undercloud: register, introspect and
// provide as one run; one node fails introspection and the result says why.
func ExampleEnroll() {
	u := tripleotest.New(tripleotest.FailIntrospection("compute-0"))
	defer u.Close()
	c, err := u.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	inv, err := instackenv.Load("testdata/ipmi.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	run, err := baremetal.Enroll(ctx, c, baremetal.EnrollOpts{Nodes: inv})
	if err != nil {
		fmt.Println("not started:", err)
		return
	}
	for ev := range run.Events() {
		if ev.Kind == tripleo.EventProgress && ev.Source == baremetal.OpEnroll && ev.Status == "failed" {
			n := ev.Data.(baremetal.EnrollNode)
			fmt.Printf("(event) %s failed at %s: %s\n", n.Name, n.Stage, n.Reason)
		}
	}
	res, err := run.Wait(ctx)
	for _, n := range res.Nodes {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-12s %-10s %s", n.Name, n.ProvisionState, n.Reason)))
	}
	fmt.Println(errors.Is(err, baremetal.ErrNodeFailed))
	// Output:
	// (event) compute-0 failed at introspect: introspection failed: Introspection timeout
	// controller-0 available
	// compute-0    manageable introspection failed: Introspection timeout
	// compute-1    available
	// true
}

// Operators name nodes; operations take uuids: ResolveNodes turns one into
// the other (one node list, every page), and says which names match nothing.
func ExampleResolveNodes() {
	u := tripleotest.New(tripleotest.WithNodes(
		tripleotest.NodeSpec{Name: "controller-0"},
		tripleotest.NodeSpec{Name: "compute-0", State: baremetal.StateAvailable}))
	defer u.Close()
	c, err := u.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	nodes, err := baremetal.ResolveNodes(ctx, c, baremetal.ResolveNodesOpts{Nodes: []string{"compute-0", "controller-0"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range nodes {
		fmt.Println(n.Name, n.ProvisionState, len(n.UUID))
	}
	manageable, err := baremetal.ListNodes(ctx, c, baremetal.ListNodesOpts{ProvisionState: baremetal.StateManageable})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(manageable), "manageable:", manageable[0].Name)

	_, err = baremetal.ResolveNodes(ctx, c, baremetal.ResolveNodesOpts{Nodes: []string{"compute-0", "compute-9"}})
	fmt.Println(err)
	fmt.Println(errors.Is(err, tripleo.ErrNotFound), errors.Is(err, tripleo.ErrInvalidInput))
	// Output:
	// compute-0 available 36
	// controller-0 manageable 36
	// 1 manageable: controller-0
	// node "compute-9": no node has this name or uuid in Ironic
	// true true
}
