package main

import (
	"context"
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/tripleo"
)

func (a *app) actionCommand() *cobra.Command {
	cmd := group("action", "List, show and run Mistral actions (openstack action definition ..., action execution run)")
	cmd.AddCommand(a.actionListCommand(), a.actionShowCommand(), a.actionRunCommand())
	return cmd
}

func (a *app) actionListCommand() *cobra.Command {
	return a.prefixListCommand("action", "List action definitions whose name starts with a prefix (default tripleo.)", func(ctx context.Context, c *tripleo.Client, prefix string) error {
		acts, err := c.ListActions(ctx, prefix)
		if err != nil {
			return err
		}
		rows := make([][]any, len(acts))
		for i, x := range acts {
			rows[i] = []any{x.ID, x.Name, x.IsSystem, x.InputText, x.Description, x.Tags, x.CreatedAt, x.UpdatedAt}
		}
		return a.list([]string{"ID", "Name", "Is system", "Input", "Description", "Tags", "Created at", "Updated at"}, rows)
	})
}

func (a *app) actionShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show an action definition",
		Args:  exactArgs(1, "NAME"),
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			x, err := c.GetAction(ctx, args[0])
			if err != nil {
				return err
			}
			return a.record([]string{"ID", "Name", "Is system", "Input", "Description", "Tags", "Scope", "Created at", "Updated at"},
				[]any{x.ID, x.Name, x.IsSystem, x.InputText, x.Description, x.Tags, x.Scope, x.CreatedAt, x.UpdatedAt})
		}),
	}
}

func (a *app) actionRunCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "run NAME [JSON | @file.json | @-]",
		Short: "Run an action synchronously and print its result as JSON (openstack action execution run)",
		Long: `Run an action synchronously (run_sync, save_result, as tripleoclient does)
and print its result as JSON. An action that ends in ERROR exits with status 1
and its error text; invalid JSON input exits with status 2.`,
		Args: rangeArgs(1, 2, "NAME [JSON]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw string
			if len(args) > 1 {
				raw = args[1]
			}
			input, err := a.readObject("input", raw)
			if err != nil {
				return err
			}
			c, err := a.connect(cmd.Context())
			if err != nil {
				return err
			}
			var result json.RawMessage
			if err := c.RunAction(cmd.Context(), args[0], input, &result); err != nil {
				return err
			}
			var v any
			if len(result) > 0 {
				v = generic(result)
			}
			return a.document(a.masked(v))
		},
	}
}
