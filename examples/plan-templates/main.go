// Command plan-templates creates a deployment plan from a templates directory,
// the seed's three steps as one run (create_container, upload the tree to
// Swift, create_deployment_plan), then prints the plan's environment and a few
// of its parameters.
//
// With no flags it uploads the sample tree shipped beside it to the embedded
// undercloud; -templates DIR uploads another tree; -cloud/-real as in quickstart.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"sort"

	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/progress"
)

//go:embed templates
var sample embed.FS

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("plan-templates", flag.ContinueOnError)
	flags.SetOutput(stderr)
	conn := connect.Flags(flags)
	name := flags.String("plan", "my-cloud", "plan name")
	dir := flags.String("templates", "", "templates directory (default: the sample tree shipped with the example)")
	if flags.Parse(args) != nil {
		return 2
	}
	var tree fs.FS
	if *dir != "" {
		tree = os.DirFS(*dir)
	} else {
		tree, _ = fs.Sub(sample, "templates")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cn, err := connect.Connect(ctx, *conn)
	if err != nil {
		fmt.Fprintln(stderr, "plan-templates:", err)
		return 1
	}
	defer cn.Close()
	c, where := cn.Client, cn.Where
	out := progress.New(stdout)
	out.Stage("Undercloud: %s", where)
	out.Stage("Create plan %q from templates", *name)
	r, err := plan.CreateFromTemplates(ctx, c, plan.CreateFromTemplatesOpts{Plan: *name, Templates: tree})
	if err != nil {
		fmt.Fprintln(stderr, "plan-templates:", err)
		return 2
	}
	for ev := range r.Events() {
		out.Event(ev)
	}
	if _, err := r.Wait(ctx); err != nil {
		fmt.Fprintln(stderr, "plan-templates:", err) // a *plan.StepError says which step failed and what is left
		return 1
	}

	env, err := plan.GetEnvironment(ctx, c, plan.GetEnvironmentOpts{Plan: *name})
	if err != nil {
		fmt.Fprintln(stderr, "plan-templates:", err)
		return 1
	}
	out.Stage("plan-environment.yaml")
	fmt.Fprintf(stdout, "template: %s\nenvironments: %d\npasswords: %d (values never printed)\n", env.Template, len(env.Environments), len(env.Passwords))
	keys := make([]string, 0, len(env.ParameterDefaults))
	for k := range env.ParameterDefaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "  %s = %v\n", k, env.ParameterDefaults[k])
	}

	view, err := parameters.Get(ctx, c, parameters.GetOpts{Plan: *name})
	if err != nil {
		fmt.Fprintln(stderr, "plan-templates:", err)
		return 1
	}
	out.Stage("Parameters (%d in the flattened view)", len(view.Parameters))
	for _, p := range view.Parameters {
		if p.Set {
			fmt.Fprintf(stdout, "  %-28s %-8s %v\n", p.Name, p.Type, p.Value)
		}
	}
	return 0
}
