// Command deploy makes a plan from a templates tree, sets its parameters and
// deploys it, with a progress bar on a terminal. Flags: -plan, -templates DIR
// (default: the sample tree beside it), -computes, and -cloud/-real/-scale
// (package connect; with none, the embedded undercloud, given two nodes).
package main

import (
	"context"
	"embed"
	"flag"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"time"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/progress"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

//go:embed templates
var sample embed.FS

func main() {
	conn := connect.Flags(flag.CommandLine)
	opts := deployment.DeployOpts{}
	flag.StringVar(&opts.Plan, "plan", "overcloud", "plan (and Heat stack) name")
	dir := flag.String("templates", "", "templates directory (default: the sample tree)")
	computes := flag.Int("computes", 1, "ComputeCount")
	flag.Parse()
	tree, _ := fs.Sub(sample, "templates")
	if *dir != "" {
		tree = os.DirFS(*dir)
	}
	if conn.Mode() == connect.ModeEmbedded { // no nodes there yet: one per role, and a fast watch
		conn.Undercloud = append(conn.Undercloud, tripleotest.WithNodes(
			tripleotest.NodeSpec{Name: "ctl0", State: "available", Properties: map[string]any{"capabilities": "profile:control"}},
			tripleotest.NodeSpec{Name: "cmp0", State: "available", Properties: map[string]any{"capabilities": "profile:compute"}}))
		opts.Follow = deployment.FollowOpts{PollMin: 20 * time.Millisecond, PollMax: 200 * time.Millisecond}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(deploy(ctx, *conn, tree, map[string]any{"ComputeCount": *computes}, opts, os.Stdout))
}

// deploy runs the three steps and returns the exit status.
func deploy(ctx context.Context, conn connect.Opts, tree fs.FS, params map[string]any, opts deployment.DeployOpts, w io.Writer) int {
	out := progress.New(w)
	cn, err := connect.Connect(ctx, conn)
	if err == nil {
		defer cn.Close()
		out.Stage("Plan %s from templates (%s)", opts.Plan, cn.Where)
		var r *tripleo.Run[plan.Plan]
		if r, err = plan.CreateFromTemplates(ctx, cn.Client, plan.CreateFromTemplatesOpts{Plan: opts.Plan, Templates: tree}); err == nil {
			_, err = follow(ctx, out, r)
		}
	}
	if err == nil {
		out.Stage("Parameters %v", params)
		_, err = parameters.Update(ctx, cn.Client, parameters.UpdateOpts{Plan: opts.Plan, Parameters: params})
	}
	var st *deployment.Stack
	if err == nil {
		out.Stage("Deploy")
		var r *tripleo.Run[*deployment.Stack]
		if r, err = deployment.Deploy(ctx, cn.Client, opts); err == nil {
			st, err = follow(ctx, out, r)
		}
	}
	if err != nil {
		out.Line("deploy: " + err.Error())
		return 1
	}
	out.Stage("Stack %s %s", st.Name, st.Status)
	return 0
}

// follow shows a run's events (a live bar on a terminal) and returns its outcome.
func follow[T any](ctx context.Context, out *progress.Printer, run *tripleo.Run[T]) (T, error) {
	for ev := range run.Events() {
		out.Event(ev)
	}
	return run.Wait(ctx)
}
