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
	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/examples/internal/progress"
	"github.com/tripleo-go/sdk/examples/internal/undercloud"
	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

//go:embed instackenv.json
var defaultInstackenv []byte

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type stage struct {
	name, result string
	took         time.Duration
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	conn := undercloud.Flags(fs)
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
	out := progress.New(stdout)
	c, where, closeFn, err := conn.Connect(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	defer closeFn()
	out.Stage("Undercloud: %s", where)

	var stages []stage
	step := func(name string, f func() (string, error)) error {
		t0 := time.Now()
		res, err := f()
		if err != nil {
			res = "FAILED"
		}
		stages = append(stages, stage{name, res, time.Since(t0)})
		return err
	}
	follow := func(run interface{ Events() <-chan tripleo.Event }) {
		for ev := range run.Events() {
			out.Event(ev)
		}
	}
	var running interface{ ExecutionID() string }

	err = func() error {
		if err := step("plan", func() (string, error) {
			out.Stage("Plan: create the default deployment plan %q", *planName)
			r, err := plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Container: *planName})
			if err != nil {
				return "", err
			}
			running = r
			follow(r)
			p, err := r.Wait(ctx)
			return "created " + p.Name, err
		}); err != nil {
			return err
		}
		if err := step("parameters", func() (string, error) {
			params := map[string]any{"ControllerCount": 1, "ComputeCount": 2, "NtpServer": "pool.ntp.org"}
			out.Stage("Parameters: set ControllerCount=1, ComputeCount=2, NtpServer=pool.ntp.org")
			if _, err := parameters.Update(ctx, c, *planName, params, parameters.UpdateOpts{}); err != nil {
				return "", err
			}
			return fmt.Sprintf("%d updated", len(params)), nil
		}); err != nil {
			return err
		}
		if err := step("nodes", func() (string, error) {
			out.Stage("Nodes: register %d nodes, introspect, provide", len(inv.Nodes))
			r, err := baremetal.Enroll(ctx, c, baremetal.EnrollOpts{Nodes: inv})
			if err != nil {
				return "", err
			}
			running = r
			follow(r)
			res, err := r.Wait(ctx)
			if err != nil {
				return "", err
			}
			for _, n := range res.Failed() {
				out.Line(fmt.Sprintf("    node %s did not reach %s: %s", n.Name, res.Goal, n.Reason))
			}
			if len(res.Failed()) > 0 {
				return "", fmt.Errorf("%d of %d nodes did not reach %s", len(res.Failed()), len(res.Nodes), res.Goal)
			}
			return fmt.Sprintf("%d/%d %s", len(res.Succeeded()), len(res.Nodes), res.Goal), nil
		}); err != nil {
			return err
		}
		return step("deploy", func() (string, error) {
			out.Stage("Deploy: deploy plan %q and follow the Heat stack", *planName)
			opts := deployment.DeployOpts{DeployPlanOpts: deployment.DeployPlanOpts{Container: *planName}}
			if conn.Embedded() {
				opts.Follow.PollMax = 200 * time.Millisecond // the embedded stack completes in about a second
			}
			r, err := deployment.Deploy(ctx, c, opts)
			if err != nil {
				return "", err
			}
			running = r
			follow(r)
			st, err := r.Wait(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("stack %s %s", st.Name, st.Status), nil
		})
	}()
	out.Done()

	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tRESULT\tTIME")
	for _, s := range stages {
		fmt.Fprintf(tw, "%s\t%s\t%.2fs\n", s.name, s.result, s.took.Seconds())
	}
	tw.Flush()
	if err != nil {
		if errors.Is(err, context.Canceled) && running != nil && running.ExecutionID() != "" {
			fmt.Fprintf(stderr, "quickstart: interrupted; the workflow goes on on the undercloud. Re-attach with:\n  go run ./examples/tripleo execution attach %s\n", running.ExecutionID())
			return 130
		}
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	fmt.Fprintln(stdout, "\nDeployment complete.")
	return 0
}

func readInventory(path string) (*baremetal.Inventory, error) {
	if path == "" {
		return baremetal.ReadInventory(bytes.NewReader(defaultInstackenv))
	}
	return baremetal.LoadInventory(path)
}
