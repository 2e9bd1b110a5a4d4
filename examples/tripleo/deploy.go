package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/deployment"
)

func (a *app) deployCommand() *cobra.Command {
	var (
		opts      deployment.DeployPlanOpts
		followArg bool
		fo        followFlags
	)
	cmd := &cobra.Command{
		Use:   "deploy PLAN [--follow]",
		Short: "Deploy a plan (deploy_plan), and with --follow wait for its Heat stack",
		Long: `Deploy a plan: tripleo.deployment.v1.deploy_plan, whose success means Heat
accepted the stack create or update. With --follow the Heat stack is then
followed to <ACTION>_COMPLETE (exit 0) or <ACTION>_FAILED (exit 1, with the
failed resources and their reasons), with a live resource counter on a
terminal. Without it, follow later with "tripleo stack watch PLAN".`,
		Args: exactArgs(1, "PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Plan, opts.Queue = args[0], a.queue
			if err := opts.Validate(); err != nil {
				return err
			}
			followOpts, err := fo.opts(a, args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			if !followArg {
				r, err := deployment.DeployPlan(ctx, c, opts)
				if err != nil {
					return err
				}
				res, err := follow(ctx, a, r, runHint(r))
				if err != nil {
					return err
				}
				if err := a.record([]string{"Plan", "Stack", "Stack ID", "Action", "Deployment status", "Message"},
					[]any{res.Plan, res.StackName, res.StackID, res.Action, string(res.DeploymentStatus), res.Message}); err != nil {
					return err
				}
				a.note("Heat is deploying the stack; follow it with: tripleo stack watch %s", res.StackName)
				return nil
			}
			r, err := deployment.Deploy(ctx, c, deployment.DeployOpts{Plan: opts.Plan, Timeout: opts.Timeout, SkipDeployIdentifier: opts.SkipDeployIdentifier,
				RunValidations: opts.RunValidations, Queue: opts.Queue, Follow: followOpts})
			if err != nil {
				return err
			}
			hint := func() string {
				for _, ev := range r.Snapshot() {
					if ev.Source == deployment.SourceHeat || ev.Source == deployment.OpFollowStack {
						return fmt.Sprintf("Heat goes on with the stack; follow it again with:\n  tripleo stack watch %s", opts.Plan)
					}
				}
				return attachHint(r.ExecutionID())
			}
			st, err := follow(ctx, a, r, hint)
			if err != nil {
				return err
			}
			return a.printStack(st)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&followArg, "follow", false, "follow the Heat stack until the deployment completes or fails")
	fl.IntVar(&opts.Timeout, "stack-timeout", 0, "Heat stack timeout in minutes (default 240)")
	fl.BoolVar(&opts.SkipDeployIdentifier, "skip-deploy-identifier", false, "keep DeployIdentifier (puppet does not re-run on unchanged nodes)")
	fl.BoolVar(&opts.RunValidations, "run-validations", false, "run the pre-deployment validations first")
	fo.register(cmd)
	return cmd
}

// followFlags are the flags that tune following a Heat stack.
type followFlags struct {
	poll        time.Duration
	nestedDepth int
}

func (f *followFlags) register(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&f.poll, "poll", 0, "Heat events poll interval while events flow (default 2s; backs off to 10x while idle)")
	cmd.Flags().IntVar(&f.nestedDepth, "nested-depth", 0, "follow nested stacks this deep (default 2; -1: the top stack only)")
}

func (f *followFlags) opts(a *app, stack string) (deployment.FollowOpts, error) {
	o := deployment.FollowOpts{Stack: stack, NestedDepth: f.nestedDepth}
	switch {
	case f.poll > 0:
		o.PollMin, o.PollMax = f.poll, 10*f.poll
	case a.embedded:
		o.PollMin, o.PollMax = 50*time.Millisecond, 200*time.Millisecond
	}
	return o, o.Validate()
}

// printStack prints a stack as a record.
func (a *app) printStack(st *deployment.Stack) error {
	return a.record([]string{"Name", "ID", "Status", "Status reason", "Created at", "Updated at", "Outputs"},
		[]any{st.Name, st.ID, st.Status, st.StatusReason, isoTime(st.CreationTime), isoTime(st.UpdatedTime), jsonDoc{a.masked(generic(st.Outputs))}})
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
