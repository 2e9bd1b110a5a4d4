package deployment_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// Deploy is deploy_plan and the Heat stack's following as one run: the
// workflow's events, then the stack's with resource counters, and the final
// stack or a *StackError naming the failed resources. Here on the embedded
// undercloud, once with a resource that fails.
func ExampleDeploy() {
	for _, fail := range []bool{false, true} {
		opts := []tripleotest.Option{tripleotest.WithNodes( // one available node per role
			tripleotest.NodeSpec{Name: "ctl0", State: "available", Properties: map[string]any{"capabilities": "profile:control"}},
			tripleotest.NodeSpec{Name: "cmp0", State: "available", Properties: map[string]any{"capabilities": "profile:compute"}})}
		if fail {
			opts = append(opts, tripleotest.FailResource("NetworkDeployment", "os-net-config failed"))
		}
		u := tripleotest.New(opts...)
		c, err := u.Client()
		if err != nil {
			panic(err)
		}
		ctx := context.Background()
		p, err := plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: "overcloud"})
		if err != nil {
			panic(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			panic(err)
		}

		run, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: "overcloud",
			Follow: deployment.FollowOpts{PollMin: 5 * time.Millisecond, PollMax: 50 * time.Millisecond}})
		if err != nil {
			panic(err)
		}
		heat := 0
		for ev := range run.Events() {
			if ev.Source == deployment.SourceHeat && ev.Kind == tripleo.EventProgress {
				heat++
			}
		}
		st, err := run.Wait(ctx)
		var se *deployment.StackError
		switch {
		case errors.As(err, &se):
			for _, f := range se.Failed {
				if f.Name == "NetworkDeployment" && strings.Contains(f.Reason, "os-net-config") {
					fmt.Println(se.Status, f.Name, f.Reason, "-", heat > 0)
					break
				}
			}
		case err != nil:
			fmt.Println("failed:", err)
		default:
			fmt.Println(st.Status, "-", heat > 0)
		}
		u.Close()
	}
	// Output:
	// CREATE_COMPLETE - true
	// CREATE_FAILED NetworkDeployment Error: resources.NetworkDeployment: os-net-config failed - true
}
