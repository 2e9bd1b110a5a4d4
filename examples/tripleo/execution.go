package main

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/tripleo"
)

func (a *app) executionCommand() *cobra.Command {
	cmd := group("execution", "Show, follow and cancel workflow executions (openstack workflow execution ..., mistral execution-get-output)", "ex")
	cmd.AddCommand(a.executionListCommand(), a.executionShowCommand(), a.executionOutputCommand(),
		a.executionAttachCommand(), a.executionCancelCommand())
	return cmd
}

var executionFields = []string{"ID", "Workflow ID", "Workflow name", "Description", "Task Execution ID",
	"Root Execution ID", "State", "State info", "Created at", "Updated at"}

func (a *app) printExecution(ex *tripleo.Execution) error {
	return a.record(executionFields, []any{ex.ID, ex.WorkflowID, ex.WorkflowName, ex.Description,
		ex.TaskExecutionID, ex.RootExecutionID, ex.State, ex.StateInfo, ex.CreatedAt, ex.UpdatedAt})
}

func (a *app) executionListCommand() *cobra.Command {
	var (
		opts  tripleo.ListExecutionsOpts
		limit int
		subs  bool
	)
	cmd := &cobra.Command{
		Use:   "list [--workflow NAME] [--state STATE] [--limit N]",
		Short: "List executions, newest last (top-level ones unless --all)",
		Args:  cobra.NoArgs,
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			opts.State = strings.ToUpper(opts.State)
			exs, err := c.ListExecutions(ctx, opts)
			if err != nil {
				return err
			}
			if !subs {
				exs = slices.DeleteFunc(exs, func(ex tripleo.Execution) bool { return ex.TaskExecutionID != "" })
			}
			if limit > 0 && len(exs) > limit {
				exs = exs[len(exs)-limit:]
			}
			rows := make([][]any, len(exs))
			for i, ex := range exs {
				rows[i] = []any{ex.ID, ex.WorkflowName, ex.Description, ex.State, ex.StateInfo, ex.CreatedAt, ex.UpdatedAt}
			}
			return a.list([]string{"ID", "Workflow name", "Description", "State", "State info", "Created at", "Updated at"}, rows)
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.WorkflowName, "workflow", "", "only executions of this workflow")
	fl.StringVar(&opts.State, "state", "", "only executions in this state (RUNNING, SUCCESS, ERROR, ...)")
	fl.IntVar(&limit, "limit", 0, "show only the newest N")
	fl.BoolVar(&subs, "all", false, "include sub-workflow executions")
	return cmd
}

func (a *app) executionShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an execution",
		Args:  exactArgs(1, "ID"),
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			ex, err := c.GetExecution(ctx, args[0])
			if err != nil {
				return err
			}
			return a.printExecution(ex)
		}),
	}
}

func (a *app) executionOutputCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "output ID",
		Short: "Print an execution's output as JSON (mistral execution-get-output)",
		Args:  exactArgs(1, "ID"),
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			out, err := c.ExecutionOutput(ctx, args[0])
			if err != nil {
				return err
			}
			return a.document(a.object(out))
		}),
	}
}

func (a *app) executionAttachCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "attach ID [--queue Q]",
		Short: "Follow an execution started elsewhere until it ends (replays its retained messages)",
		Long: `Follow an execution started elsewhere (another process, an interrupted
"tripleo workflow run") until it ends: the messages its Zaqar queue still
retains are replayed first, then it is followed live. An execution that has
ended already is reported at once. Exit status as for "workflow run".`,
		Args: exactArgs(1, "ID"),
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			r, err := tripleo.Attach(ctx, c, args[0], tripleo.DecodeFinal, tripleo.AttachOpts{Queue: a.queue})
			if err != nil {
				return err
			}
			f, err := follow(ctx, a, r, runHint(r))
			if err != nil {
				return err
			}
			return a.printFinal(f)
		}),
	}
}

func (a *app) executionCancelCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "cancel ID [--reason TEXT]",
		Short: "Cancel a running execution",
		Args:  exactArgs(1, "ID"),
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			ex, err := c.CancelExecution(ctx, args[0], reason)
			if err != nil {
				return err
			}
			return a.printExecution(ex)
		}),
	}
	cmd.Flags().StringVar(&reason, "reason", "cancelled by tripleo CLI", "state_info to record")
	return cmd
}
