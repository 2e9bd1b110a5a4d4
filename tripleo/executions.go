package tripleo

import (
	"context"
	"net/url"
	"strconv"

	"github.com/gophercloud/gophercloud/v2"
)

// Execution is a Mistral workflow execution. Input, Output and Params arrive as
// JSON strings and are decoded into Objects.
type Execution struct {
	// ID is the execution's id.
	ID string `json:"id"`
	// WorkflowID is the id of the workflow definition.
	WorkflowID string `json:"workflow_id"`
	// WorkflowName is the full workflow name.
	WorkflowName string `json:"workflow_name"`
	// WorkflowNamespace is the workflow's namespace (usually empty).
	WorkflowNamespace string `json:"workflow_namespace"`
	// Description is the execution's description.
	Description string `json:"description"`
	// State is the Mistral state: IDLE, RUNNING, PAUSED, SUCCESS, ERROR or CANCELLED.
	State string `json:"state"`
	// StateInfo is Mistral's explanation of the state (an error, usually).
	StateInfo string `json:"state_info"`
	// Input is the execution's input.
	Input Object `json:"input"`
	// Output is the execution's output (empty in lists unless asked for).
	Output Object `json:"output"`
	// Params are the execution's parameters (env, task_name, ...).
	Params Object `json:"params"`
	// RootExecutionID is the top-level execution of a sub-workflow (empty for a
	// top-level one).
	RootExecutionID string `json:"root_execution_id"`
	// TaskExecutionID is the task that started a sub-workflow (empty for a
	// top-level one).
	TaskExecutionID string `json:"task_execution_id"`
	// SourceExecutionID is the execution this one was copied from, if any.
	SourceExecutionID string `json:"source_execution_id"`
	// ProjectID is the project owning the execution.
	ProjectID string `json:"project_id"`
	// CreatedAt is when the execution was created, as Mistral writes it.
	CreatedAt string `json:"created_at"`
	// UpdatedAt is when the execution last changed, as Mistral writes it.
	UpdatedAt string `json:"updated_at"`
}

// CreateExecutionOpts are the fields of POST /v2/executions.
type CreateExecutionOpts struct {
	// ID is the client-chosen execution id: a repeated POST with the same id
	// returns the existing execution (Mistral >= Queens), so retries are safe.
	ID string
	// WorkflowName is the full name of the workflow to run (required).
	WorkflowName string
	// Input is the workflow input; it may hold Secret values: they are revealed
	// on the wire only.
	Input map[string]any
	// Params are Mistral's execution parameters (env, ...).
	Params map[string]any
	// Description is free text.
	Description string
}

// CreateExecution starts a workflow execution (one request, no retry; Start retries it).
func (c *Client) CreateExecution(ctx context.Context, opts CreateExecutionOpts) (*Execution, error) {
	if opts.WorkflowName == "" {
		return nil, Invalid("workflow", "a name is required")
	}
	input, secrets := Wire(opts.Input)
	body := map[string]any{"workflow_name": opts.WorkflowName}
	if opts.ID != "" {
		body["id"] = opts.ID
	}
	if input != nil {
		body["input"] = input
	} else {
		body["input"] = map[string]any{}
	}
	if opts.Params != nil {
		p, more := Wire(opts.Params)
		secrets = append(secrets, more...)
		body["params"] = p
	}
	if opts.Description != "" {
		body["description"] = opts.Description
	}
	var ex Execution
	resp, err := c.Workflow.Post(ctx, c.Workflow.ServiceURL("executions"), body, &ex, &gophercloud.RequestOpts{OkCodes: []int{200, 201}})
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		return nil, WrapHTTP("mistral: start "+opts.WorkflowName, err, secrets...)
	}
	ex.StateInfo = Redact(ex.StateInfo, secrets...)
	return &ex, nil
}

// GetExecution reads an execution.
func (c *Client) GetExecution(ctx context.Context, id string) (*Execution, error) {
	if id == "" {
		return nil, Invalid("execution", "an id is required")
	}
	var ex Execution
	op := "mistral: get execution " + id
	err := c.read(ctx, op, func() error {
		ex = Execution{}
		resp, err := c.Workflow.Get(ctx, c.Workflow.ServiceURL("executions", url.PathEscape(id)), &ex, &gophercloud.RequestOpts{OkCodes: []int{200}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		return WrapHTTP(op, err)
	})
	if err != nil {
		return nil, err
	}
	return &ex, nil
}

// ExecutionOutput returns the decoded output of an execution.
func (c *Client) ExecutionOutput(ctx context.Context, id string) (Object, error) {
	ex, err := c.GetExecution(ctx, id)
	if err != nil {
		return nil, err
	}
	return ex.Output, nil
}

// ListExecutionsOpts filters GET /v2/executions.
type ListExecutionsOpts struct {
	// WorkflowName keeps the executions of this workflow.
	WorkflowName string
	// State keeps the executions in this state.
	State string
	// RootExecutionID keeps the sub-workflow executions of this top-level one.
	RootExecutionID string
	// TaskExecutionID keeps the executions started by this task.
	TaskExecutionID string
	// IncludeOutput asks for outputs, which Mistral omits from lists otherwise.
	IncludeOutput bool
	// Limit is the page size (the SDK reads every page); 0 lets the server decide.
	Limit int
	// SortDir is "asc" or "desc" on created_at (default asc).
	SortDir string
}

// ListExecutions lists executions, reading every page.
func (c *Client) ListExecutions(ctx context.Context, opts ListExecutionsOpts) ([]Execution, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("workflow_name", opts.WorkflowName)
	set("state", opts.State)
	set("root_execution_id", opts.RootExecutionID)
	set("task_execution_id", opts.TaskExecutionID)
	set("sort_dirs", opts.SortDir)
	if opts.IncludeOutput {
		q.Set("include_output", "true")
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	u := c.Workflow.ServiceURL("executions")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return listMistral[Execution](ctx, c, "mistral: list executions", u, "executions")
}

// CancelExecution asks Mistral to stop an execution (PUT state CANCELLED).
func (c *Client) CancelExecution(ctx context.Context, id, reason string) (*Execution, error) {
	if id == "" {
		return nil, Invalid("execution", "an id is required")
	}
	body := map[string]any{"state": StateCancelled}
	if reason != "" {
		body["state_info"] = reason
	}
	var ex Execution
	resp, err := c.Workflow.Put(ctx, c.Workflow.ServiceURL("executions", url.PathEscape(id)), body, &ex, &gophercloud.RequestOpts{OkCodes: []int{200}})
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		return nil, WrapHTTP("mistral: cancel execution "+id, err)
	}
	return &ex, nil
}

// DeleteExecution removes a finished execution.
func (c *Client) DeleteExecution(ctx context.Context, id string) error {
	if id == "" {
		return Invalid("execution", "an id is required")
	}
	op := "mistral: delete execution " + id
	tries := 0
	return c.read(ctx, op, func() error {
		tries++
		resp, err := c.Workflow.Delete(ctx, c.Workflow.ServiceURL("executions", url.PathEscape(id)), &gophercloud.RequestOpts{OkCodes: []int{204}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		err = WrapHTTP(op, err)
		if tries > 1 && IsNotFound(err) {
			return nil // an earlier attempt whose answer was lost deleted it
		}
		return err
	})
}

// Task is a Mistral task execution.
type Task struct {
	// ID is the task execution's id.
	ID string `json:"id"`
	// Name is the task's name in its workflow.
	Name string `json:"name"`
	// Type is ACTION or WORKFLOW.
	Type string `json:"type"`
	// WorkflowName is the full name of the workflow the task belongs to.
	WorkflowName string `json:"workflow_name"`
	// WorkflowExecutionID is the execution the task belongs to.
	WorkflowExecutionID string `json:"workflow_execution_id"`
	// State is the task's Mistral state.
	State string `json:"state"`
	// StateInfo is Mistral's explanation of the state (an error, usually).
	StateInfo string `json:"state_info"`
	// Result is the task's result as JSON text.
	Result string `json:"result"`
	// Published are the variables the task published.
	Published Object `json:"published"`
	// CreatedAt is when the task started, as Mistral writes it.
	CreatedAt string `json:"created_at"`
	// UpdatedAt is when the task last changed, as Mistral writes it.
	UpdatedAt string `json:"updated_at"`
}

// ListTasks lists the tasks of an execution.
func (c *Client) ListTasks(ctx context.Context, executionID string) ([]Task, error) {
	if executionID == "" {
		return nil, Invalid("execution", "an id is required")
	}
	return listMistral[Task](ctx, c, "mistral: list tasks", c.Workflow.ServiceURL("executions", url.PathEscape(executionID), "tasks"), "tasks")
}
