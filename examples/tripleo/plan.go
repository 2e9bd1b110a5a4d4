package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

func (a *app) planCommand() *cobra.Command {
	cmd := group("plan", "Create, list, delete and export deployment plans")
	cmd.AddCommand(a.planCreateCommand(), a.planListCommand(), a.planDeleteCommand(), a.planExportCommand())
	return cmd
}

func (a *app) planCreateCommand() *cobra.Command {
	var (
		templates    string
		noPasswords  bool
		noValidate   bool
		resume       bool
		concurrency  int
		perObjectUpl bool
	)
	cmd := &cobra.Command{
		Use:   "create NAME [--templates DIR]",
		Short: "Create a plan from the undercloud's default templates, or upload a templates directory (swift upload) and create it",
		Long: `Create a deployment plan.

Without --templates the plan is made from the undercloud's own
tripleo-heat-templates (create_default_deployment_plan). With --templates DIR
the directory is uploaded to a new plan container (like "swift upload", skipping
files Swift already holds with the same MD5) and create_deployment_plan runs on
it; --resume reuses a container left by an earlier attempt.`,
		Args: exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := plan.ValidateName(name); err != nil {
				return err
			}
			if templates != "" {
				st, err := os.Stat(templates)
				if err != nil {
					return usageErrorf("--templates: %v", err)
				}
				if !st.IsDir() {
					return usageErrorf("--templates: %s is not a directory", templates)
				}
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			var p plan.Plan
			if templates == "" {
				run, err := plan.CreateDefault(ctx, c, plan.CreateDefaultOpts{Plan: name, Queue: a.queue, SkipPasswordGeneration: noPasswords})
				if err != nil {
					return err
				}
				if p, err = follow(ctx, a, run, runHint(run)); err != nil {
					return err
				}
			} else {
				opts := plan.CreateFromTemplatesOpts{Plan: name, Templates: os.DirFS(templates), Queue: a.queue,
					SkipPasswordGeneration: noPasswords, SkipStackValidation: noValidate, Resume: resume}
				opts.Upload.Concurrency = concurrency
				if perObjectUpl {
					opts.Upload.Mode = plan.UploadPerObject
				}
				run, err := plan.CreateFromTemplates(ctx, c, opts)
				if err != nil {
					return err
				}
				hint := func() string {
					if run.ExecutionID() != "" {
						return attachHint(run.ExecutionID())
					}
					return "the upload stopped; run the same command with --resume to send only the missing files"
				}
				if p, err = follow(ctx, a, run, hint); err != nil {
					return err
				}
			}
			return a.record([]string{"Name", "Message"}, []any{p.Name, p.Message})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&templates, "templates", "", "directory of heat templates to upload as the plan")
	fl.BoolVar(&noPasswords, "no-generate-passwords", false, "do not generate the plan's passwords")
	fl.BoolVar(&noValidate, "no-validate-stack", false, "with --templates: do not have Heat validate the templates")
	fl.BoolVar(&resume, "resume", false, "with --templates: reuse an existing plan container, uploading only what it lacks")
	fl.IntVar(&concurrency, "upload-concurrency", 0, "with --templates: objects uploaded at once (default 8)")
	fl.BoolVar(&perObjectUpl, "per-object", false, "with --templates: upload object by object, never as bulk archives")
	return cmd
}

func (a *app) planListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the deployment plans",
		Args:  cobra.NoArgs,
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			names, err := plan.List(ctx, c, plan.ListOpts{})
			if err != nil {
				return err
			}
			rows := make([][]any, len(names))
			for i, n := range names {
				rows[i] = []any{n}
			}
			return a.list([]string{"Plan Name"}, rows)
		}),
	}
}

func (a *app) planDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME...",
		Short: "Delete deployment plans (refused while a plan has a Heat stack)",
		Args:  rangeArgs(1, -1, "NAME..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, n := range args {
				if err := plan.ValidateName(n); err != nil {
					return err
				}
			}
			c, err := a.connect(cmd.Context())
			if err != nil {
				return err
			}
			for _, n := range args {
				if err := plan.Delete(cmd.Context(), c, plan.DeleteOpts{Plan: n}); err != nil {
					return err
				}
				a.note("Plan %s deleted.", n)
			}
			return nil
		},
	}
}

func (a *app) planExportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "export NAME",
		Short: "Export a plan to a tarball and print its temporary URL",
		Args:  exactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := plan.ExportOpts{Plan: args[0], Queue: a.queue}
			if err := opts.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			r, err := plan.Export(ctx, c, opts)
			if err != nil {
				return err
			}
			res, err := follow(ctx, a, r, runHint(r))
			if err != nil {
				return err
			}
			return a.record([]string{"Plan", "URL"}, []any{res.Plan, res.TempURL})
		},
	}
}
