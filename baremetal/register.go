package baremetal

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
)

// RegisterOpts are the inputs of RegisterOrUpdate.
type RegisterOpts struct {
	// Nodes is the inventory to register (required, at least one node). It is
	// validated locally (Inventory.Validate) before any request.
	Nodes *instackenv.Inventory
	// Remove deletes the Ironic nodes that are not in Nodes.
	Remove bool
	// KernelName and RamdiskName are the Glance images of the deploy kernel
	// and ramdisk, set on nodes without kernel_id / ramdisk_id.
	KernelName, RamdiskName string
	// InstanceBootOption is "local" or "netboot": added to the nodes'
	// capabilities as boot_option when they have none. Empty sends nothing,
	// so the workflow's default applies: "local" up to Rocky; from Stein
	// null, which leaves the boot option to Ironic.
	InstanceBootOption string
	// InitialState is where new nodes end: "manageable", "available" (through
	// cleaning) or "enroll". Empty sends nothing: the workflow's default,
	// manageable. Nodes already in Ironic keep their state.
	InitialState string
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
}

// Validate reports every problem with the options, joined: the inventory's
// *instackenv.Problem values and *tripleo.ValidationError for the other fields.
func (o RegisterOpts) Validate() error {
	var errs []error
	switch {
	case o.Nodes == nil:
		errs = append(errs, tripleo.Invalid("nodes", "an inventory is required"))
	case len(o.Nodes.Nodes) == 0:
		errs = append(errs, tripleo.Invalid("nodes", "the inventory has no node"))
	default:
		errs = append(errs, o.Nodes.Validate())
	}
	switch o.InstanceBootOption {
	case "", "local", "netboot":
	default:
		errs = append(errs, tripleo.Invalid("instance_boot_option", "%q is not local or netboot", o.InstanceBootOption))
	}
	switch o.InitialState {
	case "", StateManageable, StateAvailable, StateEnroll:
	default:
		errs = append(errs, tripleo.Invalid("initial_state", "%q is not manageable, available or enroll", o.InitialState))
	}
	errs = append(errs, validateQueue(o.Queue))
	return errors.Join(errs...)
}

// input is the workflow input: nodes_json, and of the optional inputs only
// those the caller set, so the server's own defaults apply (they differ by
// release: instance_boot_option is null from Stein). nodes_json keeps the
// passwords as tripleo.Secret values: the engine reveals them on the wire only
// (as Inventory.Wire would) and redacts them from the run's events and errors.
func (o RegisterOpts) input() map[string]any {
	nodes := make([]any, len(o.Nodes.Nodes))
	for i := range o.Nodes.Nodes {
		nodes[i] = o.Nodes.Nodes[i].Fields()
	}
	in := map[string]any{"nodes_json": nodes}
	if o.Remove {
		in["remove"] = true
	}
	if o.InstanceBootOption != "" {
		in["instance_boot_option"] = o.InstanceBootOption
	}
	if o.InitialState != "" {
		in["initial_state"] = o.InitialState
	}
	if o.KernelName != "" {
		in["kernel_name"] = o.KernelName
	}
	if o.RamdiskName != "" {
		in["ramdisk_name"] = o.RamdiskName
	}
	return in
}

// RegisteredNode is a node as the registration reported it (one of
// registered_nodes: the Ironic node as created or updated).
type RegisteredNode struct {
	// UUID is the node's Ironic uuid.
	UUID string `json:"uuid"`
	// Name is the node's name, if it has one.
	Name string `json:"name"`
	// ProvisionState is the state at registration: "enroll" for new nodes,
	// which the workflow then moves to the initial state.
	ProvisionState string `json:"provision_state"`
	// PowerState is the node's power state at registration.
	PowerState string `json:"power_state"`
	// Driver is the node's Ironic driver (hardware type).
	Driver string `json:"driver"`
	// ResourceClass is the node's resource class ("baremetal" by default).
	ResourceClass string `json:"resource_class"`
	// Maintenance is true when the node is in maintenance.
	Maintenance bool `json:"maintenance"`
	// LastError is Ironic's last_error for the node.
	LastError string `json:"last_error"`
	// Properties are the node's Ironic properties (cpus, memory_mb,
	// capabilities, ...).
	Properties map[string]any `json:"properties"`
	// New is true for a node this registration created.
	New bool `json:"-"`
}

// RegisterResult is the outcome of a registration.
type RegisterResult struct {
	// Nodes are the registered nodes (created or updated), in inventory order.
	Nodes []RegisteredNode
	// New are the nodes this registration created (a subset of Nodes).
	New []RegisteredNode
	// Message is the workflow's final message.
	Message string
}

// UUIDs returns the uuids of the registered nodes.
func (r RegisterResult) UUIDs() []string {
	out := make([]string, len(r.Nodes))
	for i, n := range r.Nodes {
		out[i] = n.UUID
	}
	return out
}

// RegisterError is the error of a registration run that failed. Registered
// holds the nodes registered before the failure (e.g. when moving new nodes
// to manageable failed: their power credentials did not work), empty when
// validation or registration itself failed. Err is the run's error
// (usually a *tripleo.WorkflowError), redacted of the inventory's passwords.
type RegisterError struct {
	// Registered are the nodes registered before the failure (empty when
	// validation or registration itself failed).
	Registered []RegisteredNode
	// Err is the run's error (usually a *tripleo.WorkflowError), redacted of the
	// inventory's passwords.
	Err error
}

// Error renders the error as one line.
func (e *RegisterError) Error() string {
	if len(e.Registered) == 0 {
		return "registration failed: " + e.Err.Error()
	}
	return fmt.Sprintf("registration failed after %d node(s) were registered: %v", len(e.Registered), e.Err)
}

// Unwrap returns the run's error.
func (e *RegisterError) Unwrap() error { return e.Err }

// RegisterOrUpdate starts tripleo.baremetal.v1.register_or_update: the
// inventory is validated by the workflow too (validate_nodes), nodes are
// created in Ironic or, when one with the same MAC, BMC identity or uuid
// exists, updated; new nodes are then moved to InitialState.
//
// The result is read from the final message's registered_nodes, or from the
// execution's output when the message is lost. When the workflow registered
// the nodes but could not post its final message (Zaqar refuses bodies over
// its size limit, 256 KiB by default, which a Queens message with the
// execution's input reaches around 100 nodes) the execution ends in ERROR; the
// run then reads the result from the execution's tasks and succeeds, with an
// EventWarning saying so. Other failures end with a *RegisterError.
//
// Passwords go to the server in nodes_json only: they are tripleo.Secret
// values up to the wire and are redacted from errors and events.
func RegisterOrUpdate(ctx context.Context, c *tripleo.Client, opts RegisterOpts) (*tripleo.Run[RegisterResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	id := uuid.NewString()
	sub, err := tripleo.Start(ctx, c, WorkflowRegisterOrUpdate, opts.input(), decodeRegistered, tripleo.StartOpts{Queue: opts.Queue, ExecutionID: id})
	if err != nil {
		return nil, err
	}
	return tripleo.Then(ctx, sub, nil, func(ctx context.Context, s *tripleo.Scope, v RegisterResult, err error) (RegisterResult, error) {
		if err == nil {
			return v, nil
		}
		var we *tripleo.WorkflowError
		if !errors.As(err, &we) || we.State != tripleo.StateError {
			return RegisterResult{}, &RegisterError{Err: err}
		}
		res, recovered, tasksRead := recoverRegistration(ctx, c, id)
		if recovered {
			s.Emit(tripleo.Event{Kind: tripleo.EventWarning, Source: WorkflowRegisterOrUpdate, ExecutionID: id,
				Status: tripleo.StateError, Text: fmt.Sprintf("the nodes were registered but the final message was not posted "+
					"(Zaqar refuses messages over its size limit); execution %s ended ERROR only for that: the result is read from its tasks", id)})
			return res, nil
		}
		re := &RegisterError{Err: err}
		if we.LastMessage != nil {
			var nodes []RegisteredNode
			if ok, _ := we.LastMessage.Payload.Decode("registered_nodes", &nodes); ok {
				re.Registered = nodes
			}
		}
		if len(re.Registered) == 0 {
			re.Registered = tasksRead
		}
		return RegisterResult{}, re
	}), nil
}

// decodeRegistered is the Decoder of a successful registration.
func decodeRegistered(f *tripleo.Final) (RegisterResult, error) {
	var nodes []RegisteredNode
	ok, err := f.Field("registered_nodes", &nodes)
	if err != nil {
		return RegisterResult{}, err
	}
	if !ok {
		return RegisterResult{}, fmt.Errorf("%s (execution %s): result has no registered_nodes", f.Workflow, f.ExecutionID)
	}
	var newNodes []RegisteredNode
	if _, err := f.Field("new_nodes", &newNodes); err != nil {
		newNodes = nil
	}
	return registered(nodes, newNodes, f.Text()), nil
}

// registered marks the new nodes: those the workflow listed in new_nodes
// (execution output only), else those it reported in "enroll".
func registered(nodes, newNodes []RegisteredNode, msg string) RegisterResult {
	isNew := make(map[string]bool, len(newNodes))
	for _, n := range newNodes {
		isNew[n.UUID] = true
	}
	res := RegisterResult{Nodes: nodes, Message: msg}
	for i := range res.Nodes {
		n := &res.Nodes[i]
		n.New = isNew[n.UUID] || (newNodes == nil && n.ProvisionState == StateEnroll)
		if n.New {
			res.New = append(res.New, *n)
		}
	}
	return res
}

// recoverRegistration reads a failed registration's tasks: if the nodes were
// registered (and managed/provided as asked) and only the final send_message
// failed, the registration succeeded. It also returns the registered nodes
// the tasks published, for a RegisterError.
func recoverRegistration(ctx context.Context, c *tripleo.Client, id string) (RegisterResult, bool, []RegisteredNode) {
	tasks, err := c.ListTasks(ctx, id)
	if err != nil {
		c.Log().Debug("registration: tasks not read", "execution", id, "error", err)
		return RegisterResult{}, false, nil
	}
	var (
		nodes, newNodes    []RegisteredNode
		registeredOK       bool
		failedSend, others bool
		failedStatus       bool
	)
	for _, t := range tasks {
		switch {
		case t.Name == "register_or_update_nodes" && tripleo.Classify(t.State) == tripleo.Succeeded:
			if ok, err := t.Published.Decode("registered_nodes", &nodes); ok && err == nil {
				registeredOK = true
			}
			if _, err := t.Published.Decode("new_nodes", &newNodes); err != nil {
				newNodes = nil
			}
		case strings.HasPrefix(t.Name, "set_status_failed"):
			failedStatus = true
		}
		if tripleo.Classify(t.State) == tripleo.Failed {
			if t.Name == "send_message" {
				failedSend = true
			} else {
				others = true
			}
		}
	}
	if registeredOK && failedSend && !others && !failedStatus {
		return registered(nodes, newNodes, ""), true, nodes
	}
	return RegisterResult{}, false, nodes
}
