package baremetal

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/tripleo-go/sdk/tripleo"
)

// nodeFromTasks reads the node as a workflow's polling task last saw it, from
// Mistral's task executions of execID: for a client without Ironic, the only
// place where a node's failure state and last_error can be read. The result
// of an ironic.node_get task (tripleo-common) is the node itself; that of a
// std.http stand-in is {"content": node}. It reports false when the task or
// a node in its result is not found.
func nodeFromTasks(ctx context.Context, c *tripleo.Client, execID, task string) (NodeState, bool) {
	tasks, err := c.ListTasks(ctx, execID)
	if err != nil {
		c.Log().Debug("node state from tasks: not read", "execution", execID, "error", err)
		return NodeState{}, false
	}
	for i := len(tasks) - 1; i >= 0; i-- {
		t := tasks[i]
		if t.Name != task {
			continue
		}
		if t.Result == "" {
			full, err := c.GetTask(ctx, t.ID)
			if err != nil {
				return NodeState{}, false
			}
			t = *full
		}
		return parseTaskNode(t.Result)
	}
	return NodeState{}, false
}

func parseTaskNode(result string) (NodeState, bool) {
	var wrapped struct {
		Content *NodeState `json:"content"`
	}
	if json.Unmarshal([]byte(result), &wrapped) == nil && wrapped.Content != nil && wrapped.Content.ProvisionState != "" {
		return *wrapped.Content, true
	}
	var s NodeState
	if json.Unmarshal([]byte(result), &s) == nil && s.ProvisionState != "" {
		return s, true
	}
	return NodeState{}, false
}

// withTaskNode adds to a failed run's error the *NodeError of the node as
// the workflow's task last saw it, when that is not target: the workflow's
// own message may only say "timed out". A cancelled run, or a node that
// cannot be read from the tasks, keeps err as it is.
func withTaskNode(ctx context.Context, c *tripleo.Client, err error, workflow, execID, task, node, target string) error {
	var we *tripleo.WorkflowError
	if !errors.As(err, &we) || errors.Is(err, tripleo.ErrCancelled) {
		return err
	}
	s, ok := nodeFromTasks(ctx, c, execID, task)
	if !ok || s.ProvisionState == target {
		return err
	}
	if s.UUID == "" {
		s.UUID = node
	}
	ne := nodeError(s, target)
	ne.Workflow, ne.ExecutionID = workflow, execID
	return errors.Join(ne, err)
}
