package deployment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// StatusSource says where a DeploymentStatus came from.
type StatusSource string

// Status sources.
const (
	// FromWorkflow: tripleo.deployment.v1.get_deployment_status (Queens
	// 8.7.0 and later), which found a recorded status.
	FromWorkflow StatusSource = "workflow"
	// FromHeat: derived from the Heat stack with tripleo-common's convert_status
	// table, where the release has no such workflow (Pike, Queens before
	// 8.7.0) or where it found nothing recorded (NotRecorded).
	FromHeat StatusSource = "heat"
)

// DeploymentStatus is a plan's deployment status and where it came from.
type DeploymentStatus struct {
	// Plan is the plan.
	Plan string
	// Status is the plan's deployment status (DEPLOY_SUCCESS, ...).
	Status DeployStatus
	// Source says where Status came from.
	Source StatusSource
	// ExecutionID is the get_deployment_status execution (FromWorkflow, or
	// NotRecorded).
	ExecutionID string
	// NotRecorded is true when get_deployment_status ran and found no status
	// recorded for the plan: Queens keeps the last deploy workflow's status
	// in <plan>-messages/deployment_status.yaml, which a plan never deployed
	// (or deployed before 8.7.0) lacks, and the workflow then succeeds with
	// an empty deployment_status. Status is then derived from Heat (Source
	// FromHeat), as where the workflow does not exist.
	NotRecorded bool
	// StackStatus is the Heat stack's status whatever the Source: NO_STACK
	// when there is none, "" when the client has no Heat or (FromWorkflow
	// only) Heat could not be read. On Queens a recorded DEPLOY_SUCCESS only
	// says that Heat accepted the stack; StackStatus says how the stack went
	// (e.g. CREATE_FAILED).
	StackStatus string
}

// StatusOpts are the inputs of Status.
type StatusOpts struct {
	// Plan is the plan whose deployment status is read (required).
	Plan string
}

// Validate checks the options locally (*tripleo.ValidationError, joined).
func (o StatusOpts) Validate() error { return validatePlan("plan", o.Plan) }

// Status reads a plan's deployment status. Where the undercloud has the
// tripleo.deployment.v1.get_deployment_status workflow (Queens 8.7.0 and
// later) it runs it and waits for its deployment_status; where it has not
// (Pike, Queens before 8.7.0: GET of the workflow answers 404), or where the
// workflow found no status recorded for the plan (NotRecorded), it reads the
// plan's Heat stack and converts its status (ConvertStackStatus; no stack is
// UNDEPLOYED). On Queens the recorded status is the last deploy_plan's
// (DEPLOY_SUCCESS once Heat accepted the stack), not the stack's; from Rocky
// the workflow reconciles it with the stack. ctx bounds the call.
func Status(ctx context.Context, c *tripleo.Client, opts StatusOpts) (*DeploymentStatus, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	plan := opts.Plan
	if c == nil || c.Workflow == nil {
		return nil, fmt.Errorf("deployment status of %s: workflow: %w", plan, tripleo.ErrNoService)
	}
	_, err := c.GetWorkflow(ctx, WorkflowGetDeploymentStatus)
	var none *noStatusRecorded
	switch {
	case err == nil:
		st, err := statusFromWorkflow(ctx, c, plan)
		if !errors.As(err, &none) {
			if err == nil && c.Orchestration != nil {
				st.StackStatus, _ = stackStatus(ctx, c, plan)
			}
			return st, err
		}
	case !tripleo.IsNotFound(err):
		return nil, err
	}
	if err := c.Need("orchestration"); err != nil {
		return nil, fmt.Errorf("deployment status of %s: %w", plan, err)
	}
	out := &DeploymentStatus{Plan: plan, Source: FromHeat}
	if none != nil {
		out.NotRecorded, out.ExecutionID = true, none.executionID
	}
	if out.StackStatus, err = stackStatus(ctx, c, plan); err != nil {
		return nil, err
	}
	out.Status = ConvertStackStatus(out.StackStatus)
	return out, nil
}

// stackStatus reads the status of the plan's stack, NO_STACK when there is none.
func stackStatus(ctx context.Context, c *tripleo.Client, plan string) (string, error) {
	var st *Stack
	err := c.Idempotent(ctx, "heat: get stack "+plan, func() (err error) { // an idempotent read
		st, err = getStack(ctx, c, plan, "")
		return err
	})
	switch {
	case err == nil:
		return st.Status, nil
	case tripleo.IsNotFound(err):
		return NoStack, nil
	}
	return "", err
}

// noStatusRecorded is get_deployment_status succeeding with an empty or null
// deployment_status: nothing recorded for the plan.
type noStatusRecorded struct{ executionID string }

func (e *noStatusRecorded) Error() string {
	return WorkflowGetDeploymentStatus + " (execution " + e.executionID + "): no deployment status recorded"
}

func statusFromWorkflow(ctx context.Context, c *tripleo.Client, plan string) (*DeploymentStatus, error) {
	decode := func(f *tripleo.Final) (DeployStatus, error) {
		if s := finalDeployStatus(f); s != "" {
			return s, nil
		}
		return "", &noStatusRecorded{executionID: f.ExecutionID}
	}
	run, err := tripleo.Start(ctx, c, WorkflowGetDeploymentStatus, map[string]any{"plan": plan}, decode, tripleo.StartOpts{})
	if err != nil {
		return nil, err
	}
	s, err := run.Wait(ctx)
	var we *tripleo.WorkflowError
	if errors.As(err, &we) && nothingRecorded(we) {
		return nil, &noStatusRecorded{executionID: we.ExecutionID}
	}
	if err != nil {
		return nil, err
	}
	return &DeploymentStatus{Plan: plan, Status: s, Source: FromWorkflow, ExecutionID: run.ExecutionID()}, nil
}

// nothingRecorded recognises Queens' answer for a plan with no status
// recorded on Mistral releases that fail a workflow whose failed task only
// on-complete follows: the execution ends ERROR, but its own final message
// said SUCCESS with an empty deployment_status.
func nothingRecorded(we *tripleo.WorkflowError) bool {
	m := we.LastMessage
	return we.State == tripleo.StateError && m != nil && m.Payload.ExecutionID == we.ExecutionID &&
		m.Status() == tripleo.StatusSuccess && parseDeployStatus(m.Payload.DeploymentStatus) == ""
}

// finalDeployStatus reads deployment_status from the final message, else from
// the execution output. Queens' get_deployment_status publishes the parsed
// <plan>-messages/deployment_status.yaml there: an object
// {"deployment_status": "...", "workflow_status": {...}} rather than a string;
// both shapes are read.
func finalDeployStatus(f *tripleo.Final) DeployStatus {
	var s string
	if f.Message != nil {
		s = f.Message.Payload.DeploymentStatus
	}
	if s == "" && f.Execution != nil {
		if raw, ok := f.Execution.Output["deployment_status"]; ok {
			s = string(raw)
		}
	}
	return parseDeployStatus(s)
}

// parseDeployStatus accepts a status, a JSON string holding one, or an object
// holding one under "deployment_status".
func parseDeployStatus(s string) DeployStatus {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "null":
		return ""
	case strings.HasPrefix(s, "{"):
		var doc struct {
			DeploymentStatus json.RawMessage `json:"deployment_status"`
		}
		if json.Unmarshal([]byte(s), &doc) != nil {
			return ""
		}
		return parseDeployStatus(string(doc.DeploymentStatus))
	case strings.HasPrefix(s, `"`):
		var str string
		if json.Unmarshal([]byte(s), &str) != nil {
			return ""
		}
		return parseDeployStatus(str)
	}
	return DeployStatus(s)
}
