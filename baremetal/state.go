package baremetal

import (
	"context"
	"errors"
	"strconv"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// provisionVerbs are Ironic's provision state actions (API "target").
var provisionVerbs = map[string]bool{
	"manage": true, "provide": true, "inspect": true, "clean": true, "active": true, "deleted": true,
	"rebuild": true, "abort": true, "adopt": true, "rescue": true, "unrescue": true,
}

// SetNodeStateOpts are the inputs of SetNodeState.
type SetNodeStateOpts struct {
	// NodeUUID is the node (required): its uuid or its name, both of which
	// Ironic and the workflow accept. Node and Verified in the result are read
	// back by the same identifier.
	NodeUUID string
	// StateAction is the Ironic verb: manage, provide, inspect, clean, active,
	// deleted, rebuild, abort, adopt, rescue, unrescue (required).
	StateAction string
	// TargetState is the provision state to wait for, e.g. "manageable" (required).
	TargetState string
	// ErrorStates stop the wait early (nil: the workflow's default, every
	// failure state; Pike has no such input, so leave it nil there).
	ErrorStates []string
	// SkipNodeWatch turns off the watch of the node in Ironic while the run
	// lasts (see the package doc).
	SkipNodeWatch bool
	// StopOnNodeFailure ends the run as soon as the watch sees the node enter
	// a failure state.
	StopOnNodeFailure bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o SetNodeStateOpts) Validate() error {
	errs := []error{checkNodeIdent("node_uuid", o.NodeUUID)}
	if !provisionVerbs[o.StateAction] {
		errs = append(errs, tripleo.Invalid("state_action", "%q is not an Ironic provision action", o.StateAction))
	}
	if o.TargetState == "" {
		errs = append(errs, tripleo.Invalid("target_state", "a target state is required"))
	}
	for i, s := range o.ErrorStates {
		if s == "" {
			errs = append(errs, tripleo.Invalid("error_states["+strconv.Itoa(i)+"]", "must not be empty"))
		}
	}
	return errors.Join(errs...)
}

// SetNodeStateResult is the outcome of SetNodeState.
type SetNodeStateResult struct {
	// Node is the node's state read from Ironic after the run.
	Node NodeState
	// Verified is false when the state could not be read (no Ironic on the client).
	Verified bool
}

// SetNodeState starts tripleo.baremetal.v1.set_node_state: the Ironic verb,
// then a wait (up to 20 minutes) for the target or an error state. The
// workflow has no queue_name and posts no message: the run follows Mistral
// alone. Upstream reported success without the node reaching the target
// (bugs 1667776, 1755754), so the run reads the node back and ends with a
// *NodeError when it is elsewhere.
func SetNodeState(ctx context.Context, c *tripleo.Client, opts SetNodeStateOpts) (*tripleo.Run[SetNodeStateResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	in := map[string]any{"node_uuid": opts.NodeUUID, "state_action": opts.StateAction, "target_state": opts.TargetState}
	if opts.ErrorStates != nil {
		in["error_states"] = stringsAny(opts.ErrorStates)
	}
	w := newWatch(c, WorkflowSetNodeState, opts.SkipNodeWatch, opts.StopOnNodeFailure, opts.TargetState, []string{opts.NodeUUID})
	w.prime(ctx)
	id := uuid.NewString()
	sub, err := tripleo.Start(ctx, c, WorkflowSetNodeState, in, tripleo.DecodeNothing, tripleo.StartOpts{NoQueue: true, ExecutionID: id, Watchers: w.watchers(id)})
	if err != nil {
		return nil, err
	}
	return tripleo.Then(ctx, sub, nil, func(ctx context.Context, _ *tripleo.Scope, _ struct{}, err error) (SetNodeStateResult, error) {
		if err != nil {
			return SetNodeStateResult{}, err
		}
		res := SetNodeStateResult{Node: NodeState{UUID: opts.NodeUUID, ProvisionState: opts.TargetState}}
		states, ok, err := verify(ctx, c, []string{opts.NodeUUID}, opts.TargetState, WorkflowSetNodeState, id)
		if ok && len(states) == 1 {
			res.Node, res.Verified = states[0], true
		}
		return res, err
	}), nil
}
