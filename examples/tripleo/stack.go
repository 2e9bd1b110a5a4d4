package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/tripleo"
)

func (a *app) stackCommand() *cobra.Command {
	cmd := group("stack", "Follow a plan's Heat stack and read its deployment status")
	cmd.AddCommand(a.stackWatchCommand(), a.stackStatusCommand())
	return cmd
}

func (a *app) stackWatchCommand() *cobra.Command {
	var (
		fo    followFlags
		extra deployment.FollowOpts
	)
	cmd := &cobra.Command{
		Use:   "watch NAME [--action ACTION] [--since EVENT-ID]",
		Short: "Follow a Heat stack's current operation until it completes (exit 0) or fails (exit 1)",
		Long: `Follow a Heat stack's current operation (or --action) with one line per
event and a live resource counter on a terminal, until the stack reaches
<ACTION>_COMPLETE (exit 0) or <ACTION>_FAILED (exit 1, with the failed
resources and their reasons). Ctrl-C stops watching; Heat goes on.`,
		Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := fo.opts(a, args[0])
			if err != nil {
				return err
			}
			o.Action, o.Since = extra.Action, extra.Since
			if err := o.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			w, err := deployment.FollowStack(ctx, c, o)
			if err != nil {
				return err
			}
			defer w.Stop()
			st, err := follow(ctx, a, w.Run(), func() string {
				return fmt.Sprintf("Heat goes on with the stack; watch it again with:\n  tripleo stack watch %s", args[0])
			})
			if err != nil {
				return err
			}
			return a.printStack(st)
		},
	}
	fo.register(cmd)
	cmd.Flags().StringVar(&extra.Action, "action", "", "Heat action to await: CREATE, UPDATE, DELETE... (default: the stack's current one)")
	cmd.Flags().StringVar(&extra.Since, "since", "", "show only the events after this event id")
	return cmd
}

func (a *app) stackStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status PLAN",
		Short: "Show a plan's deployment status (from get_deployment_status, or from Heat where it is absent or has nothing recorded)",
		Args:  exactArgs(1, "PLAN"),
		RunE: a.onPlan(func(ctx context.Context, c *tripleo.Client, args []string) error {
			s, err := deployment.Status(ctx, c, deployment.StatusOpts{Plan: args[0]})
			if err != nil {
				return err
			}
			return a.record([]string{"Plan", "Deployment status", "Source", "Stack status", "Execution ID", "Not recorded"},
				[]any{s.Plan, string(s.Status), string(s.Source), s.StackStatus, s.ExecutionID, s.NotRecorded})
		}),
	}
}
