package baremetal

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// Defaults of the manual_cleaning workflow.
const (
	DefaultCleanTimeout    = 7200 * time.Second
	DefaultCleanRetryDelay = 10 * time.Second
	DefaultCleanRetryCount = 720
)

// CleanStep is one Ironic clean step: {"interface", "step", "args"}.
// Interface is one of deploy, raid, bios, management, power, firmware.
type CleanStep struct {
	// Interface is the driver interface of the step: deploy, raid, bios,
	// management, power or firmware.
	Interface string `json:"interface"`
	// Step is the step's name, e.g. "erase_devices".
	Step string `json:"step"`
	// Args are the step's arguments, if it takes any.
	Args map[string]any `json:"args,omitempty"`
}

// EraseDevicesMetadata is deploy/erase_devices_metadata: wipe partition tables
// and file system signatures (fast; what TripleO's clean_nodes runs).
func EraseDevicesMetadata() CleanStep {
	return CleanStep{Interface: "deploy", Step: "erase_devices_metadata"}
}

// EraseDevices is deploy/erase_devices: shred every disk (slow).
func EraseDevices() CleanStep { return CleanStep{Interface: "deploy", Step: "erase_devices"} }

// BIOSSetting is one BIOS setting for ApplyBIOSSettings.
type BIOSSetting struct {
	// Name is the BIOS setting's name.
	Name string `json:"name"`
	// Value is the value to set it to.
	Value string `json:"value"`
}

// ApplyBIOSSettings is bios/apply_configuration with args {"settings": [...]}.
func ApplyBIOSSettings(settings ...BIOSSetting) CleanStep {
	list := make([]any, len(settings))
	for i, s := range settings {
		list[i] = map[string]any{"name": s.Name, "value": s.Value}
	}
	return CleanStep{Interface: "bios", Step: "apply_configuration", Args: map[string]any{"settings": list}}
}

// ResetBIOS is bios/factory_reset.
func ResetBIOS() CleanStep { return CleanStep{Interface: "bios", Step: "factory_reset"} }

// DeleteRAIDConfiguration is raid/delete_configuration.
func DeleteRAIDConfiguration() CleanStep {
	return CleanStep{Interface: "raid", Step: "delete_configuration"}
}

// CreateRAIDConfiguration is raid/create_configuration: it builds the node's
// target_raid_config, which must be set first.
func CreateRAIDConfiguration() CleanStep {
	return CleanStep{Interface: "raid", Step: "create_configuration"}
}

var stepInterfaces = map[string]bool{"deploy": true, "raid": true, "bios": true, "management": true, "power": true, "firmware": true}

func (s CleanStep) wire() map[string]any {
	m := map[string]any{"interface": s.Interface, "step": s.Step}
	if s.Args != nil {
		m["args"] = s.Args
	}
	return m
}

// CleanOpts are the inputs of ManualClean.
type CleanOpts struct {
	// NodeUUID is the node to clean (required); it must be manageable.
	NodeUUID string
	// Steps are the clean steps, run in order (at least one).
	Steps []CleanStep
	// Timeout bounds the cleaning (whole seconds, rounded up; 0 sends nothing:
	// the workflow's default, DefaultCleanTimeout).
	Timeout time.Duration
	// RetryDelay is how often the workflow polls the node (0: the workflow's
	// default, DefaultCleanRetryDelay).
	RetryDelay time.Duration
	// RetryCount is how many polls it makes at most (0: the workflow's
	// default, DefaultCleanRetryCount).
	RetryCount int
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
	// SkipNodeWatch turns off the watch of the node in Ironic while the run
	// lasts (see the package doc).
	SkipNodeWatch bool
	// ContinueOnNodeFailure keeps the run going when the watch sees the node
	// enter "clean failed" (by default the run ends at once: the workflow
	// itself would wait for its timeout).
	ContinueOnNodeFailure bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o CleanOpts) Validate() error {
	errs := []error{checkUUID("node_uuid", o.NodeUUID), validateQueue(o.Queue)}
	if len(o.Steps) == 0 {
		errs = append(errs, tripleo.Invalid("clean_steps", "at least one clean step is required"))
	}
	for i, s := range o.Steps {
		f := "clean_steps[" + strconv.Itoa(i) + "]"
		if !stepInterfaces[s.Interface] {
			errs = append(errs, tripleo.Invalid(f+".interface", "%q is not one of deploy, raid, bios, management, power, firmware", s.Interface))
		}
		if s.Step == "" {
			errs = append(errs, tripleo.Invalid(f+".step", "a step name is required"))
		}
	}
	errs = append(errs, checkSeconds("timeout", o.Timeout), checkSeconds("retry_delay", o.RetryDelay))
	if o.RetryCount < 0 {
		errs = append(errs, tripleo.Invalid("retry_count", "must not be negative, got %d", o.RetryCount))
	}
	return errors.Join(errs...)
}

func (o CleanOpts) input() map[string]any {
	steps := make([]any, len(o.Steps))
	for i, s := range o.Steps {
		steps[i] = s.wire()
	}
	in := map[string]any{"node_uuid": o.NodeUUID, "clean_steps": steps}
	if o.Timeout != 0 {
		in["timeout"] = seconds(o.Timeout)
	}
	if o.RetryDelay != 0 {
		in["retry_delay"] = seconds(o.RetryDelay)
	}
	if o.RetryCount != 0 {
		in["retry_count"] = o.RetryCount
	}
	return in
}

// CleanResult is the outcome of a manual cleaning.
type CleanResult struct {
	// Node is the node's state read from Ironic after the run.
	Node NodeState
	// Verified is false when the state could not be read (no Ironic on the client).
	Verified bool
	// Message is the workflow's final message.
	Message string
}

// ManualClean starts tripleo.baremetal.v1.manual_cleaning: Ironic runs the
// clean steps on the manageable node, which returns to manageable.
//
// The workflow does not notice "clean failed": it polls until its timeout (2
// hours by default) and then says only "Cleaning of node <uuid> timed out.".
// What the caller learns depends on the client:
//
//   - With Ironic on the client (and WatchNodes not off) the node watch
//     notices: the run ends at once with a *NodeError naming Ironic's
//     last_error and maintenance (unless StopOnNodeFailure is false), after an
//     EventWarning saying that the Mistral execution is still running;
//     Run.Cancel stops it. After success the node's state is read back and a
//     node that is not manageable is a *NodeError too (Pike reported success
//     on timeout).
//   - Without Ironic on the client (or with WatchNodes off) the run lasts until
//     the workflow's timeout; its error then joins the *tripleo.WorkflowError
//     with a *NodeError built from the node as the workflow's
//     wait_for_provision_state task last read it (Mistral keeps it: provision
//     state, last_error, maintenance). Success is not verified (Verified false).
func ManualClean(ctx context.Context, c *tripleo.Client, opts CleanOpts) (*tripleo.Run[CleanResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	w := newWatch(c, WorkflowManualCleaning, opts.SkipNodeWatch, !opts.ContinueOnNodeFailure, StateManageable, []string{opts.NodeUUID})
	w.prime(ctx)
	id := uuid.NewString()
	sub, err := tripleo.Start(ctx, c, WorkflowManualCleaning, opts.input(), decodeText, tripleo.StartOpts{Queue: opts.Queue, ExecutionID: id, Watchers: w.watchers(id)})
	if err != nil {
		return nil, err
	}
	return tripleo.Then(ctx, sub, nil, func(ctx context.Context, _ *tripleo.Scope, msg string, err error) (CleanResult, error) {
		if err != nil && w == nil {
			err = withTaskNode(ctx, c, err, WorkflowManualCleaning, id, "wait_for_provision_state", opts.NodeUUID, StateManageable)
		}
		if err != nil {
			return CleanResult{}, err
		}
		res := CleanResult{Message: msg, Node: NodeState{UUID: opts.NodeUUID}}
		states, ok, err := verify(ctx, c, []string{opts.NodeUUID}, StateManageable, WorkflowManualCleaning, id)
		if ok && len(states) == 1 {
			res.Node, res.Verified = states[0], true
		}
		return res, err
	}), nil
}

// decodeText is the Decoder of workflows whose result is their message.
func decodeText(f *tripleo.Final) (string, error) { return f.Text(), nil }
