package deployment

import "strings"

// StackOutcome classifies a Heat stack or resource status by its suffix.
type StackOutcome int

// Stack outcomes.
const (
	// StackUnknown: no known suffix (also an empty status).
	StackUnknown StackOutcome = iota
	// StackInProgress: *_IN_PROGRESS.
	StackInProgress
	// StackComplete: *_COMPLETE.
	StackComplete
	// StackFailed: *_FAILED.
	StackFailed
)

// String implements fmt.Stringer.
func (o StackOutcome) String() string {
	switch o {
	case StackInProgress:
		return "in progress"
	case StackComplete:
		return "complete"
	case StackFailed:
		return "failed"
	}
	return "unknown"
}

// ClassifyStatus classifies a Heat status ("<ACTION>_<STATUS>") by its suffix:
// CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, ROLLBACK_IN_PROGRESS… are in
// progress; *_COMPLETE complete; *_FAILED failed. It never compares with a bare
// "IN_PROGRESS" (a check tripleoclient got wrong: Heat never reports that).
// Case is ignored.
func ClassifyStatus(status string) StackOutcome {
	s := strings.ToUpper(status)
	switch {
	case strings.HasSuffix(s, "_IN_PROGRESS"):
		return StackInProgress
	case strings.HasSuffix(s, "_COMPLETE"):
		return StackComplete
	case strings.HasSuffix(s, "_FAILED"):
		return StackFailed
	}
	return StackUnknown
}

// statusAction returns the action part of a Heat status: "UPDATE" for
// UPDATE_COMPLETE, "" when the status has no known suffix.
func statusAction(status string) string {
	s := strings.ToUpper(status)
	for _, suffix := range []string{"_IN_PROGRESS", "_COMPLETE", "_FAILED"} {
		if strings.HasSuffix(s, suffix) {
			return strings.TrimSuffix(s, suffix)
		}
	}
	return ""
}

// Heat stack actions (FollowOpts.Action, DeployResult.Action).
const (
	// HeatActionCreate is the creation of a stack.
	HeatActionCreate = "CREATE"
	// HeatActionUpdate is an update of a stack.
	HeatActionUpdate = "UPDATE"
	// HeatActionDelete is the deletion of a stack.
	HeatActionDelete = "DELETE"
	// HeatActionRollback is the rollback of a failed create or update.
	HeatActionRollback = "ROLLBACK"
)

// heatActions are the actions Heat reports in statuses.
var heatActions = map[string]bool{
	"INIT": true, HeatActionCreate: true, HeatActionUpdate: true, HeatActionDelete: true, HeatActionRollback: true,
	"SUSPEND": true, "RESUME": true, "ADOPT": true, "CHECK": true, "SNAPSHOT": true, "RESTORE": true,
}

// verdict is what a top-stack status means for the awaited action.
type verdict int

const (
	pending verdict = iota // not decided; an *_IN_PROGRESS of the awaited action resets to this
	ignored                // says nothing about the awaited operation
	succeeded
	failed
)

// judge decides what a status of the top stack means while awaiting action
// ("" awaits any action):
//   - <ACTION>_IN_PROGRESS of the awaited action: pending (keep waiting);
//   - <ACTION>_COMPLETE / _FAILED of the awaited action (any action when none
//     is awaited): succeeded / failed;
//   - ROLLBACK_COMPLETE / _FAILED or DELETE_* while awaiting another action:
//     failed (the operation was undone, or the stack went away);
//   - anything else (an earlier operation's final status, a rollback still in
//     progress): ignored.
func judge(status, action string) verdict {
	act := statusAction(status)
	out := ClassifyStatus(status)
	switch {
	case out == StackUnknown:
		return ignored
	case action == "" || act == action:
		switch out {
		case StackInProgress:
			return pending
		case StackComplete:
			return succeeded
		default:
			return failed
		}
	case (act == HeatActionRollback || act == HeatActionDelete) && out != StackInProgress:
		return failed
	}
	return ignored
}

// DeployStatus is a plan's deployment status, as tripleo.* workflows report it.
type DeployStatus string

// Deployment statuses (tripleo-common's values; Unknown also comes from its converter).
const (
	Undeployed     DeployStatus = "UNDEPLOYED"
	Deploying      DeployStatus = "DEPLOYING"
	DeploySuccess  DeployStatus = "DEPLOY_SUCCESS"
	DeployFailed   DeployStatus = "DEPLOY_FAILED"
	Undeploying    DeployStatus = "UNDEPLOYING"
	UndeployFailed DeployStatus = "UNDEPLOY_FAILED"
	StatusUnknown  DeployStatus = "UNKNOWN"
)

// NoStack is the pseudo stack status ConvertStackStatus takes for a plan
// without a Heat stack.
const NoStack = "NO_STACK"

// ConvertStackStatus maps a Heat stack status to a deployment status with
// tripleo-common's convert_status table: NO_STACK→UNDEPLOYED,
// CREATE/UPDATE_IN_PROGRESS→DEPLOYING, CREATE/UPDATE_COMPLETE→DEPLOY_SUCCESS,
// CREATE/UPDATE_FAILED→DEPLOY_FAILED, DELETE_IN_PROGRESS→UNDEPLOYING,
// DELETE_COMPLETE→UNDEPLOYED, DELETE_FAILED→UNDEPLOY_FAILED, anything else UNKNOWN.
func ConvertStackStatus(stackStatus string) DeployStatus {
	switch strings.ToUpper(stackStatus) {
	case NoStack, "DELETE_COMPLETE":
		return Undeployed
	case "CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS":
		return Deploying
	case "CREATE_COMPLETE", "UPDATE_COMPLETE":
		return DeploySuccess
	case "CREATE_FAILED", "UPDATE_FAILED":
		return DeployFailed
	case "DELETE_IN_PROGRESS":
		return Undeploying
	case "DELETE_FAILED":
		return UndeployFailed
	}
	return StatusUnknown
}
