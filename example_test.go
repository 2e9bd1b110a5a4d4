package sdk_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

const nodesJSON = `{"nodes": [
  {"name": "controller-0", "pm_type": "ipmi", "pm_addr": "192.168.24.11", "pm_user": "admin",
   "pm_password": "secret-0", "mac": ["52:54:00:a0:00:01"], "cpu": 4, "memory": 8192, "disk": 40, "arch": "x86_64"},
  {"name": "compute-0", "pm_type": "ipmi", "pm_addr": "192.168.24.12", "pm_user": "admin",
   "pm_password": "secret-1", "mac": ["52:54:00:a0:00:02"], "cpu": 8, "memory": 16384, "disk": 80, "arch": "x86_64"}
]}`

// The whole flow — plan, parameters, nodes, deployment — on the embedded undercloud.
func Example() {
	ctx := context.Background()
	u := tripleotest.New()
	defer u.Close()
	c, err := u.Client()
	if err != nil {
		panic(err)
	}

	pr, err := plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: "overcloud"})
	if err != nil {
		panic(err)
	}
	p, err := pr.Wait(ctx)
	fmt.Println("plan:", p.Name, err)

	_, err = parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "overcloud", Parameters: map[string]any{"ComputeCount": 1}})
	fmt.Println("parameters:", err)

	inv, err := instackenv.Read(strings.NewReader(nodesJSON))
	if err != nil {
		panic(err)
	}
	nr, err := baremetal.Enroll(ctx, c, baremetal.EnrollOpts{Nodes: inv})
	if err != nil {
		panic(err)
	}
	nodes, err := nr.Wait(ctx)
	fmt.Println("nodes:", len(nodes.Succeeded()), "of", len(nodes.Nodes), nodes.Goal, err)

	dr, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: "overcloud"})
	if err != nil {
		panic(err)
	}
	stack, err := dr.Wait(ctx)
	fmt.Println("stack:", stack.Name, stack.Status, err)
	// Output:
	// plan: overcloud <nil>
	// parameters: <nil>
	// nodes: 2 of 2 available <nil>
	// stack: overcloud CREATE_COMPLETE <nil>
}
