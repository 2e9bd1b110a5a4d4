package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/progress"
)

// app is one invocation of the CLI: its flags, streams and (lazily) its client.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	// connection flags
	conn        connect.Opts
	embedded    bool
	cloud       string
	endpoints   tripleo.Endpoints
	scale       float64
	zaqarPoll   time.Duration
	noKeepAlive bool

	// output flags
	format      string
	columns     []string
	showSecrets bool
	quiet       bool
	debug       bool

	queue string

	ran    bool // the command's RunE was reached: later errors are not usage errors
	client *tripleo.Client
	where  string
	cn     *connect.Conn
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr}
}

// close releases the client (and the embedded undercloud).
func (a *app) close() {
	a.cn.Close()
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "tripleo",
		Short: "Drive a TripleO undercloud: workflows, actions, plans, parameters, nodes, deployments",
		Long: `tripleo drives a TripleO undercloud's Mistral workflows and actions, plans,
parameters, bare metal nodes and deployments, following runs live.

Where the undercloud is:
  --os-cloud NAME (or $OS_CLOUD, or the OS_* variables)   Keystone auth via clouds.yaml
  --mistral-url URL [--zaqar-url URL ...]                  a Keystone-less undercloud
  --embedded                                               the in-process undercloud (demos, tests)

Exit status: 0 success, 1 failure (failed workflow, stack, node, action or
request), 2 bad usage or input, 130 interrupted (the workflow goes on; re-attach
with "tripleo execution attach ID").`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			return a.checkOutputFlags()
		},
		RunE: groupRunE,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageHelp(cmd.CommandPath(), "%v", err) })

	pf := root.PersistentFlags()
	pf.StringVar(&a.cloud, "os-cloud", "", "clouds.yaml cloud to use (default $OS_CLOUD; the OS_* variables work too)")
	pf.StringVar(&a.endpoints.Mistral, "mistral-url", os.Getenv("OS_MISTRAL_URL"), "Mistral endpoint of a Keystone-less undercloud, e.g. http://127.0.0.1:8989/v2 (default $OS_MISTRAL_URL)")
	pf.StringVar(&a.endpoints.Zaqar, "zaqar-url", os.Getenv("OS_ZAQAR_URL"), "Zaqar endpoint (noauth); without it runs are followed by polling Mistral (default $OS_ZAQAR_URL)")
	pf.StringVar(&a.endpoints.Swift, "swift-url", os.Getenv("OS_SWIFT_URL"), "Swift endpoint with account (noauth), e.g. http://127.0.0.1:8080/v1/AUTH_admin")
	pf.StringVar(&a.endpoints.Heat, "heat-url", os.Getenv("OS_HEAT_URL"), "Heat endpoint with project (noauth), e.g. http://127.0.0.1:8004/v1/admin")
	pf.StringVar(&a.endpoints.Ironic, "ironic-url", os.Getenv("OS_IRONIC_URL"), "Ironic endpoint (noauth), e.g. http://127.0.0.1:6385")
	pf.StringVar(&a.endpoints.ProjectID, "project-id", "admin", "X-Project-ID sent to a Keystone-less Zaqar")
	pf.BoolVar(&a.embedded, "embedded", false, "run against an embedded undercloud that lives only as long as this command (demos, tests)")
	pf.Float64Var(&a.scale, "scale", 0, "embedded undercloud: multiply simulated durations by this (1 = real pace; default 1e-3)")
	pf.DurationVar(&a.zaqarPoll, "zaqar-poll", 0, "shortest Zaqar poll interval (default 100ms)")
	pf.BoolVar(&a.noKeepAlive, "no-keepalive", false, "open a new HTTP connection per request (single-threaded lab servers)")
	pf.StringVarP(&a.format, "format", "f", "table", "output format: table, json or value")
	pf.StringSliceVarP(&a.columns, "column", "c", nil, "show only this column (repeat for more)")
	pf.BoolVar(&a.showSecrets, "show-secrets", false, "print passwords and other secret values instead of ***")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "do not print progress")
	pf.BoolVar(&a.debug, "debug", false, "log requests and runs to stderr")
	pf.StringVar(&a.queue, "queue", "", "Zaqar queue the workflows post to (default tripleo; only workflows with a queue_name input take one)")
	for _, f := range []string{"zaqar-poll", "no-keepalive"} {
		_ = pf.MarkHidden(f)
	}

	root.AddGroup(&cobra.Group{ID: "mistral", Title: "Mistral (workflows, executions, actions):"},
		&cobra.Group{ID: "typed", Title: "TripleO operations:"})
	for _, c := range []*cobra.Command{a.workflowCommand(), a.executionCommand(), a.actionCommand()} {
		c.GroupID = "mistral"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.planCommand(), a.parametersCommand(), a.nodesCommand(), a.deployCommand(), a.stackCommand()} {
		c.GroupID = "typed"
		root.AddCommand(c)
	}
	return root
}

// group returns a command that only holds subcommands.
func group(use, short string, aliases ...string) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Aliases: aliases, RunE: groupRunE}
}

// prefixListCommand is the "list [--prefix tripleo.] [--all]" command of
// workflows and actions (what): list gets the prefix asked for, "*" with --all.
func (a *app) prefixListCommand(what, short string, list func(ctx context.Context, c *tripleo.Client, prefix string) error) *cobra.Command {
	var prefix string
	var all bool
	cmd := &cobra.Command{
		Use:   "list [--prefix tripleo.] [--all]",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, _ []string) error {
			if all {
				prefix = "*"
			} else if prefix == "" {
				prefix = "tripleo."
			}
			return list(ctx, c, prefix)
		}),
	}
	cmd.Flags().StringVar(&prefix, "prefix", "tripleo.", "list the "+what+"s whose name starts with this")
	cmd.Flags().BoolVar(&all, "all", false, "list every "+what+" (std.* and others too)")
	return cmd
}

// groupRunE answers a group command given no or an unknown subcommand.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return usageHelp(cmd.CommandPath(), "%s needs a subcommand", cmd.CommandPath())
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return usageHelp(cmd.CommandPath(), "%s", msg)
}

// connect builds the client on first use.
func (a *app) connect(ctx context.Context) (*tripleo.Client, error) {
	if a.client != nil {
		return a.client, nil
	}
	a.conn = connect.Opts{Cloud: a.cloud, Endpoints: a.endpoints, Embedded: a.embedded, Scale: a.scale}
	if a.embedded && a.scale == 0 {
		a.conn.Scale = connect.DefaultScale
	}
	if a.embedded && a.endpoints.Mistral != "" {
		return nil, usageErrorf("--embedded and --mistral-url exclude each other")
	}
	if !a.embedded && a.endpoints.Mistral == "" && a.cloud == "" && os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == "" {
		return nil, usageErrorf("no undercloud given: use --os-cloud NAME (or OS_CLOUD / OS_AUTH_URL), --mistral-url URL, or --embedded")
	}
	if a.zaqarPoll > 0 {
		a.conn.Zaqar.MinInterval = a.zaqarPoll
		if a.zaqarPoll*20 < messaging.DefaultMaxInterval {
			a.conn.Zaqar.MaxInterval = a.zaqarPoll * 20
		}
	}
	var opts []tripleo.Option
	if a.debug {
		opts = append(opts, tripleo.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	if a.noKeepAlive {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		opts = append(opts, tripleo.WithHTTPClient(&http.Client{Transport: tr}))
	}
	a.conn.Client = opts
	cn, err := connect.Connect(ctx, a.conn)
	if err != nil {
		return nil, err
	}
	a.cn, a.client, a.where = cn, cn.Client, cn.Where
	if a.debug {
		fmt.Fprintln(a.stderr, "undercloud:", cn.Where)
	}
	return cn.Client, nil
}

// withClient is a RunE that connects (see connect) and then runs f with the
// command's context, the client and the arguments.
func (a *app) withClient(f func(ctx context.Context, c *tripleo.Client, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := a.connect(cmd.Context())
		if err != nil {
			return err
		}
		return f(cmd.Context(), c, args)
	}
}

// onPlan is withClient for a command whose first argument is a plan name: a
// bad name is refused before anything connects.
func (a *app) onPlan(f func(ctx context.Context, c *tripleo.Client, args []string) error) func(*cobra.Command, []string) error {
	run := a.withClient(f)
	return func(cmd *cobra.Command, args []string) error {
		if err := plan.ValidateName(args[0]); err != nil {
			return err
		}
		return run(cmd, args)
	}
}

// printer returns the progress printer (on stderr; silent with -q).
func (a *app) printer() *progress.Printer {
	w := a.stderr
	if a.quiet {
		w = io.Discard
	}
	p := progress.New(w)
	p.TerseErrors = true
	return p
}

// note prints a line of information on stderr (not with -q).
func (a *app) note(format string, args ...any) {
	if !a.quiet {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

// exactArgs and rangeArgs check positional arguments (usage errors).
func exactArgs(n int, names string) cobra.PositionalArgs {
	return rangeArgs(n, n, names)
}

func rangeArgs(lo, hi int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || (hi >= 0 && len(args) > hi) {
			return usageHelp(cmd.CommandPath(), "%s takes %s (got %s)", cmd.CommandPath(), names, plural(len(args), "argument"))
		}
		return nil
	}
}
