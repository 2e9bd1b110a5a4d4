package main

import (
	"context"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

func (a *app) parametersCommand() *cobra.Command {
	cmd := group("parameters", "Show and change a plan's parameters", "params")
	cmd.AddCommand(a.parametersShowCommand(), a.parametersChangeCommand("update"),
		a.parametersChangeCommand("set"), a.parametersResetCommand())
	return cmd
}

func (a *app) parametersShowCommand() *cobra.Command {
	var all bool
	var names []string
	cmd := &cobra.Command{
		Use:   "show PLAN [--all] [--name NAME...]",
		Short: "Show the parameters a plan sets (--all: every template parameter)",
		Args:  exactArgs(1, "PLAN"),
		RunE: a.onPlan(func(ctx context.Context, c *tripleo.Client, args []string) error {
			v, err := parameters.Get(ctx, c, parameters.GetOpts{Plan: args[0]})
			if err != nil {
				return err
			}
			var rows [][]any
			for _, p := range v.Parameters {
				switch {
				case len(names) > 0 && !slices.Contains(names, p.Name):
					continue
				case len(names) == 0 && !all && !p.Set:
					continue
				}
				rows = append(rows, []any{p.Name, p.Type, a.secret(p.Value), a.secret(p.Default), p.Set, p.Hidden})
			}
			return a.list([]string{"Name", "Type", "Value", "Default", "Set", "Hidden"}, rows)
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "show every parameter of the plan's templates")
	cmd.Flags().StringSliceVar(&names, "name", nil, "show only these parameters")
	return cmd
}

// secret reveals a tripleo.Secret with --show-secrets; it prints *** otherwise.
func (a *app) secret(v any) any {
	if s, ok := v.(tripleo.Secret); ok && a.showSecrets {
		return s.Reveal()
	}
	return v
}

func (a *app) parametersChangeCommand(verb string) *cobra.Command {
	var (
		file string
		opts parameters.UpdateOpts
	)
	short := "Merge parameters into a plan (KEY=VALUE arguments and/or a JSON/YAML file)"
	if verb == "set" {
		short = "Make these exactly the plan's parameters: reset, then update"
	}
	cmd := &cobra.Command{
		Use:   verb + " PLAN [KEY=VALUE...] [--file FILE]",
		Short: short,
		Long: short + `.

VALUE is JSON when it parses as JSON (3, true, ["a","b"], "quoted text") and
text otherwise. --file reads a JSON or YAML mapping, or an environment file's
parameter_defaults; KEY=VALUE arguments override its values. Heat validates
the result unless --skip-validation (the plan is left unchanged if it fails).`,
		Args: rangeArgs(1, -1, "PLAN [KEY=VALUE...]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := plan.ValidateName(args[0]); err != nil {
				return err
			}
			params, err := a.readParameters(file, args[1:])
			if err != nil {
				return err
			}
			if len(params) == 0 && verb == "update" {
				return usageErrorf("parameters update: no parameters given (KEY=VALUE or --file)")
			}
			opts.Plan, opts.Parameters = args[0], params
			if err := opts.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			var res *parameters.UpdateResult
			if verb == "set" {
				res, err = parameters.Set(ctx, c, parameters.SetOpts(opts))
			} else {
				res, err = parameters.Update(ctx, c, opts)
			}
			if err != nil {
				return err
			}
			return a.printChanged(res, opts.Key, params)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "JSON or YAML file of parameters (an environment file's parameter_defaults, or a plain mapping)")
	cmd.Flags().StringVar(&opts.Key, "key", "", "plan-environment.yaml key to change (default parameter_defaults)")
	cmd.Flags().BoolVar(&opts.SkipValidation, "skip-validation", false, "do not have Heat validate the processed templates")
	return cmd
}

// printChanged prints the given parameters with the values the plan now holds.
func (a *app) printChanged(res *parameters.UpdateResult, key string, given map[string]any) error {
	rows := make([][]any, 0, len(given))
	for _, k := range slices.Sorted(maps.Keys(given)) {
		v := given[k]
		switch {
		case key != "" && key != parameters.DefaultKey:
		case res != nil && res.View != nil:
			if x, ok := res.View.Environment[k]; ok {
				v = x
			}
		case res != nil && res.Environment != nil:
			if x, ok := res.Environment.ParameterDefaults[k]; ok {
				v = x
			}
		}
		rows = append(rows, []any{k, a.secret(v)})
	}
	return a.list([]string{"Name", "Value"}, rows)
}

func (a *app) parametersResetCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "reset PLAN",
		Short: "Delete every parameter the plan sets (back to the template defaults)",
		Args:  exactArgs(1, "PLAN"),
		RunE: a.onPlan(func(ctx context.Context, c *tripleo.Client, args []string) error {
			if err := parameters.Reset(ctx, c, parameters.ResetOpts{Plan: args[0]}); err != nil {
				return err
			}
			a.note("Parameters of plan %s reset.", args[0])
			return nil
		}),
	}
}
