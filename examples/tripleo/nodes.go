package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
)

func (a *app) nodesCommand() *cobra.Command {
	cmd := group("nodes", "Register, introspect, provide and clean bare metal nodes", "node", "baremetal")
	cmd.AddCommand(a.nodesListCommand(), a.nodesImportCommand(), a.nodesIntrospectCommand(),
		a.nodesProvideCommand(), a.nodesCleanCommand())
	return cmd
}

// uuidsOf returns the nodes' uuids.
func uuidsOf(ns []baremetal.NodeState) []string {
	uuids := make([]string, len(ns))
	for i, n := range ns {
		uuids[i] = n.UUID
	}
	return uuids
}

// nodeNames maps uuids to names (best effort: empty when Ironic cannot be read).
func nodeNames(ctx context.Context, c *tripleo.Client) map[string]string {
	names := map[string]string{}
	ns, err := baremetal.ListNodes(ctx, c, baremetal.ListNodesOpts{})
	if err != nil {
		return names
	}
	for _, n := range ns {
		names[n.UUID] = n.Name
	}
	return names
}

func (a *app) nodesListCommand() *cobra.Command {
	var state string
	cmd := &cobra.Command{
		Use:   "list [--state STATE]",
		Short: "List the Ironic nodes (openstack baremetal node list)",
		Args:  cobra.NoArgs,
		RunE: a.withClient(func(ctx context.Context, c *tripleo.Client, args []string) error {
			ns, err := baremetal.ListNodes(ctx, c, baremetal.ListNodesOpts{ProvisionState: state})
			if err != nil {
				return err
			}
			rows := make([][]any, len(ns))
			for i, n := range ns {
				rows[i] = []any{n.UUID, n.Name, n.InstanceUUID, n.PowerState, n.ProvisionState, n.Maintenance}
			}
			return a.list([]string{"UUID", "Name", "Instance UUID", "Power State", "Provisioning State", "Maintenance"}, rows)
		}),
	}
	cmd.Flags().StringVar(&state, "state", "", "only nodes in this provision state (e.g. manageable)")
	return cmd
}

// nodeSelection is the NODE... / --all-manageable choice of a command.
func nodeSelection(cmd *cobra.Command, args []string, all bool) error {
	switch {
	case all && len(args) > 0:
		return usageHelp(cmd.CommandPath(), "give node names or uuids, or --all-manageable, not both")
	case !all && len(args) == 0:
		return usageHelp(cmd.CommandPath(), "give node names or uuids, or --all-manageable")
	}
	return nil
}

func (a *app) nodesImportCommand() *cobra.Command {
	var (
		validateOnly, introspect, provide bool
		reg                               baremetal.RegisterOpts
	)
	cmd := &cobra.Command{
		Use:   "import INSTACKENV [--validate-only] [--introspect] [--provide]",
		Short: "Register the nodes of an instackenv file (JSON or YAML) with Ironic",
		Long: `Register the nodes of an instackenv file (JSON or YAML): new nodes are created
and moved to manageable, known ones (same MAC, BMC or uuid) updated.

The file is checked locally first with tripleo-common's validate_nodes rules:
every problem is printed and the command exits with status 2 before anything is
sent. --validate-only stops there. --introspect and --provide go on with the
registered nodes, as "openstack overcloud node import --introspect --provide".`,
		Args: exactArgs(1, "INSTACKENV"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			inv, err := instackenv.Load(path)
			if err == nil {
				err = inv.Validate()
			}
			if err != nil {
				if errors.Is(err, tripleo.ErrInvalidInput) {
					return a.invalidInventory(path, err)
				}
				return err
			}
			if validateOnly {
				if err := a.printInventory(inv); err != nil {
					return err
				}
				a.note("%s: %s, valid.", path, plural(len(inv.Nodes), "node"))
				return nil
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			reg.Nodes, reg.Queue = inv, a.queue
			if introspect || provide {
				return a.enroll(ctx, c, reg, introspect, provide)
			}
			r, err := baremetal.RegisterOrUpdate(ctx, c, reg)
			if err != nil {
				return err
			}
			res, err := follow(ctx, a, r, runHint(r))
			if err != nil {
				return err
			}
			// The result has the states at registration ("enroll" for new
			// nodes); show where the nodes are now.
			now := map[string]string{}
			if ns, err := baremetal.ListNodes(ctx, c, baremetal.ListNodesOpts{}); err == nil {
				for _, n := range ns {
					now[n.UUID] = n.ProvisionState
				}
			}
			rows := make([][]any, len(res.Nodes))
			for i, n := range res.Nodes {
				state := n.ProvisionState
				if s, ok := now[n.UUID]; ok {
					state = s
				}
				rows[i] = []any{n.UUID, n.Name, state, n.Driver, n.New}
			}
			return a.list([]string{"UUID", "Name", "Provisioning State", "Driver", "New"}, rows)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&validateOnly, "validate-only", false, "only check the file: print every problem (exit 2) or the nodes")
	fl.BoolVar(&introspect, "introspect", false, "introspect the registered nodes")
	fl.BoolVar(&provide, "provide", false, "make the nodes available at the end")
	fl.StringVar(&reg.InitialState, "initial-state", "", "state new nodes end in: manageable (the workflow default), available or enroll")
	fl.BoolVar(&reg.Remove, "remove", false, "delete the Ironic nodes that are not in the file")
	fl.StringVar(&reg.KernelName, "kernel-name", "", "Glance image of the deploy kernel")
	fl.StringVar(&reg.RamdiskName, "ramdisk-name", "", "Glance image of the deploy ramdisk")
	fl.StringVar(&reg.InstanceBootOption, "instance-boot-option", "", "local or netboot (unset: the workflow's default, local up to Rocky, Ironic's choice from Stein)")
	return cmd
}

// invalidInventory prints every problem of an instackenv and exits with status 2.
func (a *app) invalidInventory(path string, err error) error {
	var lines []string
	if nps := instackenv.Problems(err); len(nps) > 0 {
		for _, p := range nps {
			lines = append(lines, p.Error())
		}
	}
	if len(lines) == 0 {
		lines = strings.Split(err.Error(), "\n")
	}
	fmt.Fprintf(a.stderr, "tripleo: %s is invalid (%s):\n", path, plural(len(lines), "problem"))
	for _, l := range lines {
		fmt.Fprintf(a.stderr, "  %s\n", l)
	}
	return &reportedError{status: exitUsage, err: err}
}

func (a *app) printInventory(inv *instackenv.Inventory) error {
	rows := make([][]any, len(inv.Nodes))
	for i, n := range inv.Nodes {
		rows[i] = []any{i, n.Name, n.PMType, n.PMAddr, n.MACs, n.Capabilities.String()}
	}
	return a.list([]string{"Index", "Name", "Driver", "BMC Address", "MAC Addresses", "Capabilities"}, rows)
}

// enroll registers, introspects and provides as one run.
func (a *app) enroll(ctx context.Context, c *tripleo.Client, reg baremetal.RegisterOpts, introspect, provide bool) error {
	r, err := baremetal.Enroll(ctx, c, baremetal.EnrollOpts{
		Nodes: reg.Nodes, SkipIntrospection: !introspect, SkipProvide: !provide, Queue: reg.Queue,
		KernelName: reg.KernelName, RamdiskName: reg.RamdiskName, InstanceBootOption: reg.InstanceBootOption,
	})
	if err != nil {
		return err
	}
	res, err := follow(ctx, a, r, runHint(r))
	if len(res.Nodes) > 0 {
		rows := make([][]any, len(res.Nodes))
		for i, n := range res.Nodes {
			rows[i] = []any{n.Name, n.UUID, n.ProvisionState, n.OK, n.Stage, n.Reason}
		}
		if perr := a.list([]string{"Name", "UUID", "Provisioning State", "OK", "Failed Stage", "Reason"}, rows); perr != nil {
			return perr
		}
	}
	return err
}

func (a *app) nodesIntrospectCommand() *cobra.Command {
	var (
		all  bool
		opts baremetal.IntrospectOpts
	)
	cmd := &cobra.Command{
		Use:   "introspect [NODE...] [--all-manageable]",
		Short: "Introspect manageable nodes (names or uuids, or every manageable node)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := nodeSelection(cmd, args, all); err != nil {
				return err
			}
			if opts.MaxRetryAttempts < 0 {
				opts.MaxRetryAttempts = baremetal.NoRetries
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			var r *tripleo.Run[baremetal.IntrospectResult]
			if all {
				r, err = baremetal.IntrospectManageableNodes(ctx, c, baremetal.IntrospectManageableOpts{RunValidations: opts.RunValidations, Queue: a.queue})
			} else {
				var ns []baremetal.NodeState
				if ns, err = baremetal.ResolveNodes(ctx, c, baremetal.ResolveNodesOpts{Nodes: args}); err != nil {
					return err
				}
				opts.NodeUUIDs = uuidsOf(ns)
				opts.Queue = a.queue
				r, err = baremetal.Introspect(ctx, c, opts)
			}
			if err != nil {
				return err
			}
			res, err := follow(ctx, a, r, runHint(r))
			var ie *baremetal.IntrospectError
			if errors.As(err, &ie) {
				res = ie.Result
			}
			if _, ok := errors.AsType[*interruptedError](err); !ok && len(res.Nodes) > 0 {
				names := nodeNames(ctx, c)
				rows := make([][]any, len(res.Nodes))
				for i, n := range res.Nodes {
					rows[i] = []any{n.UUID, names[n.UUID], n.Finished, n.Error}
				}
				if perr := a.list([]string{"UUID", "Name", "Finished", "Error"}, rows); perr != nil {
					return perr
				}
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&all, "all-manageable", false, "introspect every manageable node (not in maintenance)")
	fl.BoolVar(&opts.RunValidations, "run-validations", false, "run the pre-introspection validations first")
	fl.IntVar(&opts.Concurrency, "concurrency", 0, "nodes introspected at once (default 20)")
	fl.IntVar(&opts.MaxRetryAttempts, "max-retries", 0, "more rounds for failed nodes (default 2; -1 for none)")
	fl.DurationVar(&opts.NodeTimeout, "node-timeout", 0, "bound on one node's introspection (default 20m)")
	return cmd
}

func (a *app) nodesProvideCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "provide [NODE...] [--all-manageable]",
		Short: "Make manageable nodes available (through automated cleaning where enabled)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := nodeSelection(cmd, args, all); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			var r *tripleo.Run[baremetal.ProvideResult]
			if all {
				r, err = baremetal.ProvideManageableNodes(ctx, c, baremetal.ProvideManageableOpts{Queue: a.queue})
			} else {
				var ns []baremetal.NodeState
				if ns, err = baremetal.ResolveNodes(ctx, c, baremetal.ResolveNodesOpts{Nodes: args}); err != nil {
					return err
				}
				r, err = baremetal.Provide(ctx, c, baremetal.ProvideOpts{NodeUUIDs: uuidsOf(ns), Queue: a.queue})
			}
			if err != nil {
				return err
			}
			res, err := follow(ctx, a, r, runHint(r))
			if len(res.Nodes) > 0 {
				if perr := a.printNodeStates(res.Nodes); perr != nil {
					return perr
				}
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&all, "all-manageable", false, "provide every manageable node (not in maintenance)")
	return cmd
}

func (a *app) printNodeStates(ns []baremetal.NodeState) error {
	rows := make([][]any, len(ns))
	for i, n := range ns {
		rows[i] = []any{n.UUID, n.Name, n.ProvisionState, n.PowerState, n.Maintenance, n.LastError}
	}
	return a.list([]string{"UUID", "Name", "Provisioning State", "Power State", "Maintenance", "Last Error"}, rows)
}

func (a *app) nodesCleanCommand() *cobra.Command {
	var (
		all, erase bool
		steps      string
		timeout    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "clean [NODE...] [--all-manageable] [--erase-devices | --steps JSON]",
		Short: "Clean manageable nodes (default step: erase_devices_metadata), each node in its own run",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := nodeSelection(cmd, args, all); err != nil {
				return err
			}
			cleanSteps := []baremetal.CleanStep{baremetal.EraseDevicesMetadata()}
			switch {
			case erase && steps != "":
				return usageErrorf("--erase-devices and --steps exclude each other")
			case erase:
				cleanSteps = []baremetal.CleanStep{baremetal.EraseDevices()}
			case steps != "":
				if err := decodeSteps(steps, &cleanSteps); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			c, err := a.connect(ctx)
			if err != nil {
				return err
			}
			var targets []baremetal.NodeState
			if all {
				// as the *_manageable_nodes workflows pick theirs
				targets, err = baremetal.ListNodes(ctx, c, baremetal.ListNodesOpts{
					ProvisionState: baremetal.StateManageable, Maintenance: baremetal.Without, Associated: baremetal.Without})
				if err != nil {
					return err
				}
				if len(targets) == 0 {
					return errors.New("no manageable node to clean (check node states and maintenance)")
				}
			} else if targets, err = baremetal.ResolveNodes(ctx, c, baremetal.ResolveNodesOpts{Nodes: args}); err != nil {
				return err
			}
			return a.clean(ctx, c, targets, cleanSteps, timeout)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&all, "all-manageable", false, "clean every manageable node (not in maintenance)")
	fl.BoolVar(&erase, "erase-devices", false, "shred every disk (deploy.erase_devices; slow) instead of erasing metadata")
	fl.StringVar(&steps, "steps", "", `clean steps as JSON, e.g. '[{"interface": "bios", "step": "factory_reset"}]'`)
	fl.DurationVar(&timeout, "clean-timeout", 0, "bound on one node's cleaning (default 2h)")
	return cmd
}

// label names a node for people: its name, else its uuid.
func label(n baremetal.NodeState) string {
	if n.Name != "" {
		return n.Name
	}
	return n.UUID
}

func decodeSteps(s string, out *[]baremetal.CleanStep) error {
	var steps []baremetal.CleanStep
	if err := jsonDecode(strings.NewReader(s), &steps); err != nil {
		return usageErrorf("--steps: invalid JSON: %v", err)
	}
	if len(steps) == 0 {
		return usageErrorf("--steps: no clean step given")
	}
	*out = steps
	return nil
}

// clean runs one manual_cleaning per node, all at once, printing their events
// and a live counter of the nodes done.
func (a *app) clean(ctx context.Context, c *tripleo.Client, targets []baremetal.NodeState, steps []baremetal.CleanStep, timeout time.Duration) error {
	uuids := uuidsOf(targets)
	optsFor := func(u string) baremetal.CleanOpts {
		return baremetal.CleanOpts{NodeUUID: u, Steps: steps, Timeout: timeout, Queue: a.queue}
	}
	var problems []error
	for _, u := range uuids {
		problems = append(problems, optsFor(u).Validate())
	}
	if err := errors.Join(problems...); err != nil {
		return err
	}
	runs := make([]*tripleo.Run[baremetal.CleanResult], 0, len(uuids))
	for _, u := range uuids {
		r, err := baremetal.ManualClean(ctx, c, optsFor(u))
		if err != nil {
			if len(runs) > 0 {
				a.note("%d cleaning runs started before this error go on on the undercloud", len(runs))
			}
			return err
		}
		runs = append(runs, r)
	}
	p := a.printer()
	var (
		mu     sync.Mutex
		counts = tripleo.Progress{Total: len(runs), InProgress: len(runs)}
		wg     sync.WaitGroup
	)
	results := make([]baremetal.CleanResult, len(runs))
	errs := make([]error, len(runs))
	for i, r := range runs {
		wg.Go(func() {
			res, err := followWith(ctx, a, p, r, runHint(r), label(targets[i]))
			results[i], errs[i] = res, err
			if errors.Is(err, baremetal.ErrNodeFailed) && ctx.Err() == nil {
				// The node watch ended the run; the workflow itself would poll
				// until its timeout (2 hours by default): stop it.
				ex, cerr := c.CancelExecution(ctx, r.ExecutionID(), "node "+label(targets[i])+" failed cleaning")
				if cerr == nil && ex.State == tripleo.StateCancelled {
					a.note("cancelled execution %s of %s, which would have waited for its timeout", r.ExecutionID(), r.Name())
				}
			}
			if ctx.Err() != nil {
				return
			}
			mu.Lock()
			counts.InProgress--
			status := "cleaned"
			if err != nil {
				counts.Failed++
				status = "failed"
			} else {
				counts.Done++
			}
			snap := counts
			mu.Unlock()
			p.Event(tripleo.Event{Time: time.Now(), Kind: tripleo.EventProgress, Source: "clean", Subject: label(targets[i]), Status: status, Progress: &snap})
		})
	}
	wg.Wait()
	p.Done()
	if ctx.Err() != nil {
		lines := make([]string, len(runs))
		for i, r := range runs {
			lines[i] = "  tripleo execution attach " + r.ExecutionID()
		}
		return interrupted("the cleaning goes on on the undercloud; re-attach with:\n%s", strings.Join(lines, "\n"))
	}
	// A failed run carries no state: read them (best effort).
	now := map[string]baremetal.NodeState{}
	if errors.Join(errs...) != nil {
		if ns, err := baremetal.ListNodes(context.WithoutCancel(ctx), c, baremetal.ListNodesOpts{}); err == nil {
			for _, n := range ns {
				now[n.UUID] = n
			}
		}
	}
	var states []baremetal.NodeState
	for i, res := range results {
		st := res.Node
		if st.ProvisionState == "" {
			st = baremetal.NodeState{UUID: uuids[i], Name: targets[i].Name}
			if n, ok := now[uuids[i]]; ok {
				st = n
			}
		}
		states = append(states, st)
	}
	if err := a.printNodeStates(states); err != nil {
		return err
	}
	return errors.Join(errs...)
}
