package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/tripleo"
)

func (a *app) workflowCommand() *cobra.Command {
	cmd := group("workflow", "List, show and run Mistral workflows (openstack workflow ...)", "wf")
	cmd.AddCommand(a.workflowListCommand(), a.workflowShowCommand(), a.workflowRunCommand())
	return cmd
}

func (a *app) workflowListCommand() *cobra.Command {
	return a.prefixListCommand("workflow", "List workflows whose name starts with a prefix (default tripleo.)", func(ctx context.Context, c *tripleo.Client, prefix string) error {
		wfs, err := c.ListWorkflows(ctx, prefix)
		if err != nil {
			return err
		}
		rows := make([][]any, len(wfs))
		for i, w := range wfs {
			rows[i] = []any{w.ID, w.Name, w.ProjectID, w.Tags, w.InputText, w.CreatedAt, w.UpdatedAt}
		}
		return a.list([]string{"ID", "Name", "Project ID", "Tags", "Input", "Created at", "Updated at"}, rows)
	})
}

func (a *app) workflowShowCommand() *cobra.Command {
	var definition bool
	cmd := &cobra.Command{
		Use:   "show NAME [--definition]",
		Short: "Show a workflow with its inputs (parsed from its YAML definition: defaults, required marked)",
		Args:  exactArgs(1, "NAME"),
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			w, err := c.GetWorkflow(ctx, args[0])
			if err != nil {
				return err
			}
			if definition {
				fmt.Fprint(a.stdout, strings.TrimRight(w.Definition, "\n")+"\n")
				return nil
			}
			return a.record(
				[]string{"ID", "Name", "Namespace", "Project ID", "Scope", "Tags", "Inputs", "Created at", "Updated at"},
				[]any{w.ID, w.Name, w.Namespace, w.ProjectID, w.Scope, w.Tags, inputList(w.Inputs), w.CreatedAt, w.UpdatedAt})
		}),
	}
	cmd.Flags().BoolVar(&definition, "definition", false, "print the workflow's YAML definition instead")
	return cmd
}

// inputList renders declared inputs: one a line in a table ("name (required)",
// "name = <default as JSON>"), a list of objects in JSON.
type inputList []tripleo.Input

func (l inputList) String() string {
	var b strings.Builder
	for i, in := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		if in.Required {
			fmt.Fprintf(&b, "%s (required)", in.Name)
		} else {
			fmt.Fprintf(&b, "%s = %s", in.Name, marshal(in.Default))
		}
	}
	return b.String()
}

func (l inputList) MarshalJSON() ([]byte, error) {
	type input struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
		Default  any    `json:"default"`
	}
	out := make([]input, len(l))
	for i, in := range l {
		out[i] = input{in.Name, in.Required, in.Default}
	}
	return marshal(out), nil
}

// jsonDoc is a JSON value shown indented in a table cell and as itself in JSON.
type jsonDoc struct{ v any }

func (d jsonDoc) String() string {
	if d.v == nil {
		return ""
	}
	return pretty(d.v)
}
func (d jsonDoc) MarshalJSON() ([]byte, error) { return marshal(d.v), nil }

func (a *app) workflowRunCommand() *cobra.Command {
	var (
		wait, noWait, noCheck bool
		id, description       string
		params                string
	)
	cmd := &cobra.Command{
		Use:   "run NAME [JSON | @file.json | @-] [--queue Q] [--wait | --no-wait]",
		Short: "Start a workflow and follow it to its end (openstack workflow execution create)",
		Long: `Start a workflow execution and, by default, follow it with live progress
until it ends. The input is a JSON object, inline or from a file (@file.json,
@file.yaml, @- for stdin); it is checked against the workflow's declared inputs
first (missing or unknown inputs exit with status 2 before anything starts).

With --no-wait the execution is printed as soon as it is created.
A failed workflow exits with status 1 and its message; Ctrl-C stops following
(exit 130) and prints the command that re-attaches.`,
		Args: rangeArgs(1, 2, "NAME [JSON]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if noWait && cmd.Flags().Changed("wait") && wait {
				return usageErrorf("--wait and --no-wait exclude each other")
			}
			var raw string
			if len(args) > 1 {
				raw = args[1]
			}
			input, err := a.readObject("input", raw)
			if err != nil {
				return err
			}
			var p map[string]any
			if params != "" {
				if p, err = a.readObject("--params", params); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			queue, err := a.queueFor(ctx, c, args[0])
			if err != nil {
				return err
			}
			opts := tripleo.StartOpts{Queue: queue, CheckInput: !noCheck, ExecutionID: id, Description: description, Params: p}
			if noWait {
				return a.startNoWait(ctx, c, args[0], input, opts)
			}
			r, err := tripleo.Start(ctx, c, args[0], input, tripleo.DecodeFinal, opts)
			if err != nil {
				return err
			}
			f, err := follow(ctx, a, r, runHint(r))
			if err != nil {
				return err
			}
			return a.printFinal(f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&wait, "wait", true, "follow the run until it ends (the default)")
	fl.BoolVar(&noWait, "no-wait", false, "print the execution once created and return")
	fl.BoolVar(&noCheck, "no-check", false, "do not check the input against the workflow's declared inputs")
	fl.StringVar(&id, "id", "", "execution id to use (a UUID): starting twice with the same id starts the workflow once")
	fl.StringVar(&description, "description", "", "execution description")
	fl.StringVar(&params, "params", "", "execution params as a JSON object (e.g. '{\"env\": {...}}')")
	return cmd
}

// queueFor returns the global --queue for workflow name, or "" when the
// workflow has no queue_name input to send it in (Mistral refuses unknown
// inputs; such a workflow posts nowhere the flag could choose).
func (a *app) queueFor(ctx context.Context, c *tripleo.Client, name string) (string, error) {
	if a.queue == "" {
		return "", nil
	}
	if err := tripleo.ValidateQueueName(a.queue); err != nil {
		return "", err
	}
	takes, err := c.WorkflowTakes(ctx, name, "queue_name")
	if err != nil || takes {
		return a.queue, err
	}
	a.note("--queue not applied: %s has no queue_name input", name)
	return "", nil
}

// startNoWait starts the execution without following it: no queue is
// subscribed (queue_name is still sent when --queue is given).
func (a *app) startNoWait(ctx context.Context, c *tripleo.Client, name string, input map[string]any, opts tripleo.StartOpts) error {
	if opts.Queue != "" {
		if _, given := input["queue_name"]; !given {
			input["queue_name"] = opts.Queue
		}
		if err := tripleo.ValidateQueueName(opts.Queue); err != nil {
			return err
		}
	}
	opts.NoQueue = true
	sctx, cancel := context.WithCancel(ctx)
	r, err := tripleo.Start(sctx, c, name, input, tripleo.DecodeNothing, opts)
	if err != nil {
		cancel()
		return err
	}
	cancel()
	<-r.Done()
	ex, err := c.GetExecution(ctx, r.ExecutionID())
	if err != nil {
		return err
	}
	if err := a.printExecution(ex); err != nil {
		return err
	}
	a.note("follow it with: tripleo execution attach %s", ex.ID)
	return nil
}

// printFinal prints a run's end: the execution, the final message and the output.
func (a *app) printFinal(f *tripleo.Final) error {
	id, wf, state, info := f.ExecutionID, f.Workflow, tripleo.StateSuccess, ""
	var output any = map[string]any{}
	if ex := f.Execution; ex != nil {
		wf, state, info = ex.WorkflowName, ex.State, ex.StateInfo
		output = a.object(ex.Output)
	}
	var payload any
	if f.Message != nil {
		payload = a.masked(generic(f.Message.Body()["payload"]))
	}
	return a.record([]string{"ID", "Workflow name", "State", "State info", "Message", "Output", "Payload"},
		[]any{id, wf, state, info, f.Text(), jsonDoc{output}, jsonDoc{payload}})
}
