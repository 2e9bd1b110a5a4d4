package baremetal

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNodeFailed is matched (errors.Is) by a *NodeError, and by the errors of
// runs that ended because some node failed (*IntrospectError, *EnrollError).
var ErrNodeFailed = errors.New("bare metal node failed")

// NodeError reports a node that is not where an operation needed it: it
// entered a failure state while the run was watching it ("clean failed",
// "inspect failed", ...), or the workflow reported success although the node
// did not reach the target state (upstream bugs 1667776, 1755754, 1796293).
// It matches errors.Is(err, ErrNodeFailed).
type NodeError struct {
	// UUID is the node's Ironic uuid.
	UUID string
	// Name is the node's name, if it has one.
	Name string
	// ProvisionState is the state Ironic reported.
	ProvisionState string
	// TargetState is the state the operation wanted, when the error is that it was not reached.
	TargetState string
	// LastError is Ironic's last_error for the node.
	LastError string
	// Maintenance is Ironic's maintenance flag: a failed clean step also puts
	// the node in maintenance, which must be cleared before it can be cleaned
	// or provided again.
	Maintenance bool
	// MaintenanceReason is Ironic's maintenance_reason for the node.
	MaintenanceReason string
	// Workflow is the workflow of the run that was watching the node, if any.
	Workflow string
	// ExecutionID is the execution of that run.
	ExecutionID string
}

// Error renders the error as one line.
func (e *NodeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "node %s is %q", label(e.Name, e.UUID), e.ProvisionState)
	if e.TargetState != "" && e.TargetState != e.ProvisionState {
		fmt.Fprintf(&b, ", not %q", e.TargetState)
	}
	if e.LastError != "" {
		b.WriteString(": ")
		b.WriteString(e.LastError)
	}
	if e.Maintenance {
		b.WriteString(" (in maintenance")
		if e.MaintenanceReason != "" && e.MaintenanceReason != e.LastError {
			b.WriteString(": ")
			b.WriteString(e.MaintenanceReason)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNodeFailed) true.
func (e *NodeError) Is(target error) bool { return target == ErrNodeFailed }

func nodeError(s NodeState, target string) *NodeError {
	return &NodeError{
		UUID: s.UUID, Name: s.Name, ProvisionState: s.ProvisionState, TargetState: target,
		LastError: s.LastError, Maintenance: s.Maintenance, MaintenanceReason: s.MaintenanceReason,
	}
}
