package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// StatusSource says where a DeploymentStatus came from.
type StatusSource string

// Status sources.
const (
	// FromWorkflow: tripleo.deployment.v1.get_deployment_status (Rocky and later).
	FromWorkflow StatusSource = "workflow"
	// FromHeat: derived from the Heat stack with tripleo-common's convert_status
	// table, where the release has no such workflow (Queens).
	FromHeat StatusSource = "heat"
)

// DeploymentStatus is a plan's deployment status and where it came from.
type DeploymentStatus struct {
	Plan   string
	Status DeployStatus
	Source StatusSource
	// ExecutionID is the get_deployment_status execution (FromWorkflow).
	ExecutionID string
	// StackStatus is the Heat stack's status, NO_STACK when there is none (FromHeat).
	StackStatus string
}

// Status reads a plan's deployment status. Where the undercloud has the
// tripleo.deployment.v1.get_deployment_status workflow (Rocky and later) it
// runs it and waits for its deployment_status; where it has not (Queens: GET
// of the workflow answers 404) it reads the plan's Heat stack and converts its
// status (ConvertStackStatus; no stack is UNDEPLOYED). ctx bounds the call.
func Status(ctx context.Context, c *tripleo.Client, plan string) (*DeploymentStatus, error) {
	if err := validatePlan("plan", plan); err != nil {
		return nil, err
	}
	if c == nil || c.Workflow == nil {
		return nil, fmt.Errorf("deployment status of %s: workflow: %w", plan, tripleo.ErrNoService)
	}
	_, err := c.GetWorkflow(ctx, WorkflowGetDeploymentStatus)
	switch {
	case err == nil:
		return statusFromWorkflow(ctx, c, plan)
	case !tripleo.IsNotFound(err):
		return nil, err
	}
	if err := c.Need("orchestration"); err != nil {
		return nil, fmt.Errorf("deployment status of %s: %w", plan, err)
	}
	out := &DeploymentStatus{Plan: plan, Source: FromHeat, StackStatus: NoStack}
	var st *Stack
	err = c.Idempotent(ctx, "heat: get stack "+plan, func() (err error) { // an idempotent read
		st, err = getStack(ctx, c, plan, "")
		return err
	})
	switch {
	case err == nil:
		out.StackStatus = st.Status
	case !tripleo.IsNotFound(err):
		return nil, err
	}
	out.Status = ConvertStackStatus(out.StackStatus)
	return out, nil
}

func statusFromWorkflow(ctx context.Context, c *tripleo.Client, plan string) (*DeploymentStatus, error) {
	decode := func(f *tripleo.Final) (DeployStatus, error) {
		if s := finalDeployStatus(f); s != "" {
			return s, nil
		}
		return "", fmt.Errorf("%s: result has no deployment_status", f.Workflow)
	}
	run, err := tripleo.Start(ctx, c, WorkflowGetDeploymentStatus, map[string]any{"plan": plan}, decode, tripleo.StartOpts{})
	if err != nil {
		return nil, err
	}
	s, err := run.Wait(ctx)
	if err != nil {
		return nil, err
	}
	return &DeploymentStatus{Plan: plan, Status: s, Source: FromWorkflow, ExecutionID: run.ExecutionID()}, nil
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
