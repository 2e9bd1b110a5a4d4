package baremetal

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/tripleo-go/sdk/tripleo"
)

// ProvideOpts are the inputs of Provide.
type ProvideOpts struct {
	// NodeUUIDs are the nodes to make available (required); they must be manageable.
	NodeUUIDs []string
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
	// SkipNodeWatch turns off the watch of the nodes in Ironic while the run
	// lasts (see the package doc).
	SkipNodeWatch bool
	// StopOnNodeFailure ends the run as soon as the watch sees a node enter a
	// failure state such as "clean failed" during automated cleaning (by
	// default the run goes on: the workflow notices it too, and the other
	// nodes carry on).
	StopOnNodeFailure bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o ProvideOpts) Validate() error {
	return errors.Join(checkUUIDs("node_uuids", o.NodeUUIDs), validateQueue(o.Queue))
}

// ProvideResult is the outcome of a provide.
type ProvideResult struct {
	// Nodes are the nodes' states read from Ironic after the run.
	Nodes []NodeState
	// Verified is false when the states could not be read (no Ironic on the client).
	Verified bool
	// Message is the workflow's final message.
	Message string
}

// Provide starts tripleo.baremetal.v1.provide: each node goes from manageable
// to available (through automated cleaning when Ironic has it enabled), then
// is powered off. After success the states are read back: a node that is
// not available is a *NodeError (joined, one per node), with the result.
func Provide(ctx context.Context, c *tripleo.Client, opts ProvideOpts) (*tripleo.Run[ProvideResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	w := newWatch(c, WorkflowProvide, opts.SkipNodeWatch, opts.StopOnNodeFailure, StateAvailable, opts.NodeUUIDs)
	w.prime(ctx)
	return provide(ctx, c, WorkflowProvide, map[string]any{"node_uuids": stringsAny(opts.NodeUUIDs)}, opts.Queue, opts.NodeUUIDs, w)
}

// ProvideManageableOpts are the inputs of ProvideManageableNodes.
type ProvideManageableOpts struct {
	// Queue is the Zaqar queue the workflow posts to (empty: the Client's).
	Queue string
	// SkipNodeWatch as in ProvideOpts; the watch follows the nodes that are
	// manageable and not in maintenance when the run starts.
	SkipNodeWatch bool
	// StopOnNodeFailure as in ProvideOpts.
	StopOnNodeFailure bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o ProvideManageableOpts) Validate() error { return validateQueue(o.Queue) }

// ProvideManageableNodes starts tripleo.baremetal.v1.provide_manageable_nodes:
// every node that is manageable, not in maintenance and not associated with
// an instance is provided as by Provide. The nodes are picked from Ironic
// when the run starts too (when the client has Ironic), to watch and check them.
func ProvideManageableNodes(ctx context.Context, c *tripleo.Client, opts ProvideManageableOpts) (*tripleo.Run[ProvideResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	w := newWatch(c, WorkflowProvideManageable, opts.SkipNodeWatch, opts.StopOnNodeFailure, StateAvailable, nil).selecting(isManageable)
	w.prime(ctx)
	selected := w.selected()
	if w == nil && c != nil && c.Baremetal != nil {
		if states, _, err := readNodes(ctx, c, nil); err == nil {
			for _, s := range sortedStates(states) {
				if isManageable(s) {
					selected = append(selected, s.UUID)
				}
			}
		}
	}
	return provide(ctx, c, WorkflowProvideManageable, map[string]any{}, opts.Queue, selected, w)
}

func provide(ctx context.Context, c *tripleo.Client, workflow string, in map[string]any, queue string, uuids []string, w *nodeWatch) (*tripleo.Run[ProvideResult], error) {
	id := uuid.NewString()
	sub, err := tripleo.Start(ctx, c, workflow, in, decodeText, tripleo.StartOpts{Queue: queue, ExecutionID: id, Watchers: w.watchers(id)})
	if err != nil {
		return nil, err
	}
	return tripleo.Then(ctx, sub, nil, func(ctx context.Context, _ *tripleo.Scope, msg string, err error) (ProvideResult, error) {
		if err != nil {
			return ProvideResult{}, err
		}
		res := ProvideResult{Message: msg}
		res.Nodes, res.Verified, err = verify(ctx, c, uuids, StateAvailable, workflow, id)
		return res, err
	}), nil
}
