// Command quickstart is the README's main job: it drives a whole TripleO
// deployment through the SDK, as a user would — create a plan, set parameters,
// register nodes from an instackenv file, introspect and provide them, deploy,
// and follow the Heat stack to CREATE_COMPLETE — showing live progress.
//
// With no flags it runs on the embedded undercloud (package tripleotest), in a
// few seconds. -cloud NAME (clouds.yaml) or OS_* variables run the same flow on
// a real undercloud; -real runs it on the Keystone-less undercloud that
// scripts/undercloud starts on 127.0.0.1.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"text/tabwriter"
	"time"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/progress"
)

//go:embed instackenv.json
var defaultInstackenv []byte

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	conn := connect.Flags(fs)
	planName := fs.String("plan", "overcloud", "plan (and Heat stack) name")
	nodesFile := fs.String("nodes", "", "instackenv file (JSON or YAML); default: the three nodes shipped with the example")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	inv, err := readInventory(*nodesFile)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cn, err := connect.Connect(ctx, *conn)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	defer cn.Close()
	c, where := cn.Client, cn.Where
	f := &flow{c: c, plan: *planName, inv: inv, fastFollow: cn.Undercloud != nil, out: progress.New(stdout)}
	f.out.Stage("Undercloud: %s", where)
	return f.run(ctx, stdout, stderr)
}

// flow is the quickstart's sequence of stages on one client.
type flow struct {
	c          *tripleo.Client
	plan       string
	inv        *instackenv.Inventory
	fastFollow bool // the embedded stack completes in about a second: poll Heat often
	out        *progress.Printer

	stages  []stage
	running interface{ ExecutionID() string } // the run in progress, for the re-attach hint
}

type stage struct {
	name, result string
	took         time.Duration
}

// run runs every stage, prints the summary table and returns the exit status.
func (f *flow) run(ctx context.Context, stdout, stderr io.Writer) int {
	err := f.stage("plan", func() (string, error) { return f.createPlan(ctx) })
	if err == nil {
		err = f.stage("parameters", func() (string, error) { return f.setParameters(ctx) })
	}
	if err == nil {
		err = f.stage("nodes", func() (string, error) { return f.enroll(ctx) })
	}
	if err == nil {
		err = f.stage("deploy", func() (string, error) { return f.deploy(ctx) })
	}
	f.out.Done()

	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tRESULT\tTIME")
	for _, s := range f.stages {
		fmt.Fprintf(tw, "%s\t%s\t%.2fs\n", s.name, s.result, s.took.Seconds())
	}
	tw.Flush()
	switch {
	case err == nil:
		fmt.Fprintln(stdout, "\nDeployment complete.")
		return 0
	case errors.Is(err, context.Canceled) && f.running != nil && f.running.ExecutionID() != "":
		fmt.Fprintf(stderr, "quickstart: interrupted; the workflow goes on on the undercloud. Re-attach with:\n  go run ./examples/tripleo execution attach %s\n", f.running.ExecutionID())
		return 130
	default:
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
}

func (f *flow) stage(name string, do func() (string, error)) error {
	t0 := time.Now()
	res, err := do()
	if err != nil {
		res = "FAILED"
	}
	f.stages = append(f.stages, stage{name, res, time.Since(t0)})
	return err
}

// follow prints a run's events as they come.
func (f *flow) follow(r interface {
	ExecutionID() string
	Events() <-chan tripleo.Event
}) {
	f.running = r
	for ev := range r.Events() {
		f.out.Event(ev)
	}
}

func (f *flow) createPlan(ctx context.Context) (string, error) {
	f.out.Stage("Plan: create the default deployment plan %q", f.plan)
	r, err := plan.CreateDefault(ctx, f.c, plan.CreateDefaultOpts{Plan: f.plan})
	if err != nil {
		return "", err
	}
	f.follow(r)
	p, err := r.Wait(ctx)
	return "created " + p.Name, err
}

func (f *flow) setParameters(ctx context.Context) (string, error) {
	params := map[string]any{"ControllerCount": 1, "ComputeCount": len(f.inv.Nodes) - 1, "NtpServer": "pool.ntp.org"}
	f.out.Stage("Parameters: set ControllerCount=1, ComputeCount=%d, NtpServer=pool.ntp.org", len(f.inv.Nodes)-1)
	if _, err := parameters.Update(ctx, f.c, parameters.UpdateOpts{Plan: f.plan, Parameters: params}); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d updated", len(params)), nil
}

func (f *flow) enroll(ctx context.Context) (string, error) {
	f.out.Stage("Nodes: register %d nodes, introspect, provide", len(f.inv.Nodes))
	r, err := baremetal.Enroll(ctx, f.c, baremetal.EnrollOpts{Nodes: f.inv})
	if err != nil {
		return "", err
	}
	f.follow(r)
	res, err := r.Wait(ctx) // a partial failure gives both the result and an error
	for _, n := range res.Failed() {
		f.out.Line(fmt.Sprintf("    node %s did not reach %s (%s): %s", n.Name, res.Goal, n.Stage, n.Reason))
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d/%d %s", len(res.Succeeded()), len(res.Nodes), res.Goal), nil
}

func (f *flow) deploy(ctx context.Context) (string, error) {
	f.out.Stage("Deploy: deploy plan %q and follow the Heat stack", f.plan)
	opts := deployment.DeployOpts{Plan: f.plan}
	if f.fastFollow {
		opts.Follow.PollMax = 200 * time.Millisecond
	}
	r, err := deployment.Deploy(ctx, f.c, opts)
	if err != nil {
		return "", err
	}
	f.follow(r)
	st, err := r.Wait(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("stack %s %s", st.Name, st.Status), nil
}

func readInventory(path string) (*instackenv.Inventory, error) {
	if path == "" {
		return instackenv.Read(bytes.NewReader(defaultInstackenv))
	}
	return instackenv.Load(path)
}
