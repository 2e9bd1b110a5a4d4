// Command watch-deployment follows a Heat stack operation to its end: every
// event as a line, resource counters, and a typed StackError naming the failed
// resources if it fails.
//
// With -stack NAME (and -cloud/-real) it watches a stack of a real undercloud.
// With no flags it prepares a deployment on the embedded undercloud (a default
// plan, two nodes, deploy_plan) and watches the stack that deploy_plan created:
// deploy_plan's success only means Heat accepted the request, as in TripleO.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/progress"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("watch-deployment", flag.ContinueOnError)
	flags.SetOutput(stderr)
	conn := connect.Flags(flags)
	stack := flags.String("stack", "", "stack to watch (default: deploy a plan on the embedded undercloud and watch it)")
	if flags.Parse(args) != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cn, err := connect.Connect(ctx, *conn)
	if err != nil {
		fmt.Fprintln(stderr, "watch-deployment:", err)
		return 1
	}
	defer cn.Close()
	c, where := cn.Client, cn.Where
	out := progress.New(stdout)
	out.Stage("Undercloud: %s", where)

	follow := deployment.FollowOpts{}
	if *stack == "" {
		if cn.Undercloud == nil {
			fmt.Fprintln(stderr, "watch-deployment: -stack is required on a real undercloud")
			return 2
		}
		res, err := prepare(ctx, c, out)
		if err != nil {
			fmt.Fprintln(stderr, "watch-deployment:", err)
			return 1
		}
		*stack = res.StackName
		follow = res.FollowOpts(follow)
		follow.PollMax = 200 * time.Millisecond // : the embedded stack completes in about a second
	}
	out.Stage("Watch stack %s", *stack)
	follow.Stack = *stack
	w, err := deployment.FollowStack(ctx, c, follow)
	if err != nil {
		fmt.Fprintln(stderr, "watch-deployment:", err)
		return 1
	}
	for ev := range w.Run().Events() {
		out.Event(ev)
	}
	st, err := w.Wait(ctx)
	if err != nil {
		var se *deployment.StackError
		if errors.As(err, &se) {
			for _, f := range se.Failed {
				fmt.Fprintf(stderr, "  failed: %s (%s): %s\n", f.Name, f.Type, f.Reason)
			}
		}
		fmt.Fprintln(stderr, "watch-deployment:", err)
		return 1
	}
	n := w.Counts()
	fmt.Fprintf(stdout, "\nstack %s: %s (%d of %d resources complete)\n", st.Name, st.Status, n.Done, n.Total)
	return 0
}

// prepare creates a plan, registers two nodes and starts deploy_plan.
func prepare(ctx context.Context, c *tripleo.Client, out *progress.Printer) (*deployment.DeployResult, error) {
	out.Stage("Prepare: default plan, two nodes, deploy_plan")
	pr, err := plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: "overcloud"})
	if err != nil {
		return nil, err
	}
	if _, err := pr.Wait(ctx); err != nil {
		return nil, err
	}
	inv, err := instackenv.Read(strings.NewReader(`[
	 {"name": "controller-0", "pm_type": "fake-hardware", "mac": ["52:54:00:c0:00:01"], "capabilities": "profile:control"},
	 {"name": "compute-0", "pm_type": "fake-hardware", "mac": ["52:54:00:c0:00:02"], "capabilities": "profile:compute"}]`))
	if err != nil {
		return nil, err
	}
	er, err := baremetal.Enroll(ctx, c, baremetal.EnrollOpts{Nodes: inv})
	if err != nil {
		return nil, err
	}
	if _, err := er.Wait(ctx); err != nil {
		return nil, err
	}
	dr, err := deployment.DeployPlan(ctx, c, deployment.DeployPlanOpts{Plan: "overcloud"})
	if err != nil {
		return nil, err
	}
	res, err := dr.Wait(ctx)
	if err != nil {
		return nil, err
	}
	out.Line(fmt.Sprintf("deploy_plan: Heat accepted the %s of stack %s", strings.ToLower(res.Action), res.StackName))
	return &res, nil
}
