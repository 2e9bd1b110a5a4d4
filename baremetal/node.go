package baremetal

import (
	"fmt"
	"log/slog"
	"strings"
)

// SourceIronic is the Event.Source of the events of the Ironic node watch.
const SourceIronic = "ironic"

// Ironic provision states this package names.
const (
	StateEnroll        = "enroll"
	StateVerifying     = "verifying"
	StateManageable    = "manageable"
	StateAvailable     = "available"
	StateActive        = "active"
	StateCleaning      = "cleaning"
	StateCleanWait     = "clean wait"
	StateCleanFailed   = "clean failed"
	StateInspecting    = "inspecting"
	StateInspectWait   = "inspect wait"
	StateInspectFailed = "inspect failed"
	StateDeployFailed  = "deploy failed"
	StateAdoptFailed   = "adopt failed"
	StateRescueFailed  = "rescue failed"
	StateError         = "error"
)

// IsFailureState reports whether an Ironic provision state is a failure state
// ("clean failed", "inspect failed", "deploy failed", "adopt failed",
// "rescue failed", "unrescue failed", "service failed", "error"): a node
// stays there until someone acts.
func IsFailureState(state string) bool {
	return state == StateError || strings.HasSuffix(state, " failed")
}

// transitional reports whether a provision state is a step on the way to
// another (cleaning, clean wait, verifying, inspect wait, ...).
func transitional(state string) bool {
	return strings.HasSuffix(state, "ing") || strings.HasSuffix(state, " wait")
}

// NodeState is an Ironic node's state as the node watch and the result
// checks read it (GET /v1/nodes/{uuid}, or the node list with these fields).
type NodeState struct {
	// UUID is the node's Ironic uuid.
	UUID string `json:"uuid"`
	// Name is the node's name, if it has one.
	Name string `json:"name"`
	// ProvisionState is the node's provision state (StateAvailable, ...).
	ProvisionState string `json:"provision_state"`
	// TargetProvisionState is the state the node is moving to, if any.
	TargetProvisionState string `json:"target_provision_state"`
	// PowerState is "power on", "power off" or empty when unknown.
	PowerState string `json:"power_state"`
	// LastError is Ironic's last_error: why the last transition failed.
	LastError string `json:"last_error"`
	// Maintenance is true when the node is in maintenance.
	Maintenance bool `json:"maintenance"`
	// MaintenanceReason says why the node is in maintenance.
	MaintenanceReason string `json:"maintenance_reason"`
	// ProvisionUpdatedAt is when the provision state last changed, as Ironic renders it.
	ProvisionUpdatedAt string `json:"provision_updated_at"`
	// InstanceUUID is the Nova instance deployed on the node, if any.
	InstanceUUID string `json:"instance_uuid"`
}

// Failed reports whether the node is in a failure state (IsFailureState).
func (s NodeState) Failed() bool { return IsFailureState(s.ProvisionState) }

// Label names the node for people: "name (uuid)", or the uuid alone.
func (s NodeState) Label() string { return label(s.Name, s.UUID) }

func label(name, uuid string) string {
	switch {
	case name != "" && uuid != "":
		return name + " (" + uuid + ")"
	case name != "":
		return name
	}
	return uuid
}

// LogValue logs the node's identity and state.
func (s NodeState) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("uuid", s.UUID)}
	if s.Name != "" {
		attrs = append(attrs, slog.String("name", s.Name))
	}
	attrs = append(attrs, slog.String("provision_state", s.ProvisionState))
	if s.LastError != "" {
		attrs = append(attrs, slog.String("last_error", s.LastError))
	}
	if s.Maintenance {
		attrs = append(attrs, slog.Bool("maintenance", true))
	}
	return slog.GroupValue(attrs...)
}

// String renders the node as "name (uuid): state[: last_error]".
func (s NodeState) String() string {
	out := fmt.Sprintf("%s: %s", s.Label(), s.ProvisionState)
	if s.LastError != "" {
		out += ": " + s.LastError
	}
	return out
}
