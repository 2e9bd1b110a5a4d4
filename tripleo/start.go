package tripleo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/google/uuid"
)

// StartOpts tunes how Start runs and follows a workflow.
type StartOpts struct {
	// Queue is the Zaqar queue the workflow posts to (its queue_name input) and
	// the run subscribes to. Empty means the Client's Queue; queue_name is then
	// sent only when that differs from the workflow default ("tripleo").
	Queue string
	// PrivateQueue gives the run a queue of its own ("tripleo-run-<execution
	// id>"), deleted by the Notifier when the run ends. It overrides Queue.
	PrivateQueue bool
	// NoQueue is for workflows without a queue_name input: nothing is
	// subscribed and the run is followed by polling Mistral alone.
	NoQueue bool
	// ExecutionID is the client-chosen execution id (a random UUID when empty).
	// Starting twice with the same id starts the workflow once.
	ExecutionID string
	// Description is stored on the execution.
	Description string
	// Params are the execution params (e.g. {"env": {...}}).
	Params map[string]any
	// CheckInput reads the workflow definition first and rejects missing or
	// unknown inputs locally, as *ValidationError, before the execution is created.
	CheckInput bool
	// Watchers run beside the following, each in its own goroutine, until the run
	// ends; what they emit joins the run's events, and an error they return ends
	// the run with that error (e.g. a node entering "clean failed").
	Watchers []Watcher
}

// Watcher observes something beside a run (Ironic nodes, a Heat stack). It must
// return when ctx ends; a non-nil error ends the run with that error.
type Watcher func(ctx context.Context, emit func(Event)) error

// PrivateQueueName is the queue a run with StartOpts.PrivateQueue uses.
func PrivateQueueName(executionID string) string { return "tripleo-run-" + executionID }

// Start subscribes to the run's queue, creates the execution of workflow with a
// client-chosen id (retrying 5xx, 429 and connection errors with the same id,
// never 4xx), and follows it until it ends; decode turns the Final of a
// successful run into T. The returned error covers starting only; ctx bounds the
// following (see Run).
func Start[T any](ctx context.Context, c *Client, workflow string, input map[string]any, decode Decoder[T], opts StartOpts) (*Run[T], error) {
	if c == nil || c.Workflow == nil {
		return nil, fmt.Errorf("start %s: workflow: %w", workflow, ErrNoService)
	}
	var problems []error
	if workflow == "" {
		problems = append(problems, Invalid("workflow", "a name is required"))
	}
	if decode == nil {
		problems = append(problems, Invalid("decode", "a Decoder is required"))
	}
	id := opts.ExecutionID
	if id == "" {
		id = uuid.NewString()
	} else if _, err := uuid.Parse(id); err != nil {
		problems = append(problems, Invalid("execution id", "%q is not a UUID", id))
	}
	in := maps.Clone(input)
	if in == nil {
		in = map[string]any{}
	}
	queue, err := runQueue(c, in, id, opts)
	if err != nil {
		problems = append(problems, err)
	}
	problems = append(problems, nilWatchers(opts.Watchers)...)
	if err := joinErrs(problems); err != nil {
		return nil, err
	}
	if c.watcher().isClosed() {
		return nil, fmt.Errorf("start %s: %w", workflow, ErrClientClosed)
	}
	if opts.CheckInput {
		wf, err := c.GetWorkflow(ctx, workflow) // retried by GetWorkflow
		if err != nil {
			return nil, err
		}
		if err := CheckInput(wf.Inputs, in); err != nil {
			return nil, err
		}
	}
	var sub Subscription
	if c.Notifier != nil && queue != "" {
		var err error
		sub, err = c.Notifier.Subscribe(ctx, queue, SubscribeOpts{Ephemeral: opts.PrivateQueue, Execution: id})
		if err != nil {
			return nil, fmt.Errorf("start %s: subscribe to queue %s: %w", workflow, queue, err)
		}
	}
	var ex *Execution
	err = retry(ctx, c, "mistral: start "+workflow, true, func() error {
		var err error
		ex, err = c.CreateExecution(ctx, CreateExecutionOpts{ID: id, WorkflowName: workflow, Input: in, Params: opts.Params, Description: opts.Description})
		return err
	})
	if err != nil {
		ex, err = c.startedAnyway(ctx, id, err)
	}
	if err != nil {
		if sub != nil {
			sub.Close()
		}
		return nil, err
	}
	w, err := c.watcher().add(ex, false)
	if err != nil {
		if sub != nil {
			sub.Close()
		}
		return nil, fmt.Errorf("start %s (execution %s): %w", workflow, id, err)
	}
	_, secrets := Wire(in)
	_, more := Wire(opts.Params)
	r := newRun[T](ctx, c, workflow, id)
	f := &follower[T]{r: r, c: c, sub: sub, queue: queue, decode: decode, secrets: append(secrets, more...), state: ex.State, watch: w}
	r.emit(Event{Kind: EventStarted, Source: workflow, ExecutionID: id, Status: ex.State, Text: "execution " + id + " created"})
	c.Log().Debug("workflow started", "workflow", workflow, "execution", id, "queue", queue)
	go f.loop(ctx, opts.Watchers, false)
	return r, nil
}

// AttachOpts tunes Attach.
type AttachOpts struct {
	// Queue to follow; empty means the execution's queue_name input, else the Client's Queue.
	Queue string
	// Watchers as in StartOpts.
	Watchers []Watcher
}

// Attach follows an execution started elsewhere (another process, or this one
// before a restart): it replays the queue's retained messages of the execution,
// then follows it like Start; an execution that already ended finishes from its
// Mistral state and output at once.
func Attach[T any](ctx context.Context, c *Client, executionID string, decode Decoder[T], opts AttachOpts) (*Run[T], error) {
	if c == nil || c.Workflow == nil {
		return nil, fmt.Errorf("attach %s: workflow: %w", executionID, ErrNoService)
	}
	var problems []error
	if executionID == "" {
		problems = append(problems, Invalid("execution", "an id is required"))
	}
	if decode == nil {
		problems = append(problems, Invalid("decode", "a Decoder is required"))
	}
	if opts.Queue != "" {
		if err := ValidateQueueName(opts.Queue); err != nil {
			problems = append(problems, err)
		}
	}
	problems = append(problems, nilWatchers(opts.Watchers)...)
	if err := joinErrs(problems); err != nil {
		return nil, err
	}
	if c.watcher().isClosed() {
		return nil, fmt.Errorf("attach %s: %w", executionID, ErrClientClosed)
	}
	ex, err := c.GetExecution(ctx, executionID)
	if err != nil {
		return nil, err
	}
	queue := opts.Queue
	if queue == "" {
		queue = ex.Input.String("queue_name")
	}
	if queue == "" {
		queue = c.Queue
	}
	if queue == "" {
		queue = DefaultQueue
	}
	if err := ValidateQueueName(queue); err != nil {
		return nil, err
	}
	var sub Subscription
	if c.Notifier != nil {
		if sub, err = c.Notifier.Subscribe(ctx, queue, SubscribeOpts{Replay: true, Execution: ex.ID}); err != nil {
			return nil, fmt.Errorf("attach %s: subscribe to queue %s: %w", executionID, queue, err)
		}
	}
	w, err := c.watcher().add(ex, true)
	if err != nil {
		if sub != nil {
			sub.Close()
		}
		return nil, fmt.Errorf("attach %s: %w", executionID, err)
	}
	r := newRun[T](ctx, c, ex.WorkflowName, ex.ID)
	f := &follower[T]{r: r, c: c, sub: sub, queue: queue, decode: decode, state: ex.State, watch: w}
	r.emit(Event{Kind: EventStarted, Source: ex.WorkflowName, ExecutionID: ex.ID, Status: ex.State, Text: "attached to execution " + ex.ID})
	go f.loop(ctx, opts.Watchers, true)
	return r, nil
}

// runQueue decides the queue of a run ("" with NoQueue) and sets in's
// queue_name when the workflow needs to be told; every problem is reported,
// joined.
func runQueue(c *Client, in map[string]any, id string, opts StartOpts) (string, error) {
	if opts.NoQueue {
		return "", nil
	}
	queue := opts.Queue
	if q, ok := in["queue_name"].(string); ok && queue == "" && !opts.PrivateQueue {
		queue = q
	}
	switch {
	case opts.PrivateQueue:
		queue = PrivateQueueName(id)
	case queue == "" && c.Queue != "":
		queue = c.Queue
	case queue == "":
		queue = DefaultQueue
	}
	var problems []error
	if err := ValidateQueueName(queue); err != nil {
		problems = append(problems, err)
	}
	if _, given := in["queue_name"]; !given && (queue != DefaultQueue || opts.Queue != "") {
		in["queue_name"] = queue
	}
	if q, ok := in["queue_name"].(string); ok && q != queue {
		problems = append(problems, Invalid("queue_name", "input queue_name %q differs from the run's queue %q", q, queue))
	}
	return queue, joinErrs(problems)
}

// startedAnyway looks, once Start's POSTs have all failed, for the execution
// by its client-chosen id: a POST whose answer was lost, or that timed out
// while Mistral queued it, may have created it all the same, and a run that
// is not followed would be orphaned. It returns the execution, or postErr
// (saying so when the execution's fate could not be read).
func (c *Client) startedAnyway(ctx context.Context, id string, postErr error) (*Execution, error) {
	var (
		api *APIError
		re  *RedirectError
	)
	refused := errors.As(postErr, &re) || (errors.As(postErr, &api) && api.StatusCode < 500 && api.StatusCode != http.StatusTooManyRequests)
	if refused || ctx.Err() != nil {
		return nil, postErr // not processed, or the caller gave up: nothing to look for
	}
	ex, err := c.GetExecution(ctx, id)
	switch {
	case err == nil:
		c.Log().Debug("workflow started although no answer to its POST arrived", "execution", id, "error", postErr)
		return ex, nil
	case IsNotFound(err):
		return nil, postErr
	}
	return nil, fmt.Errorf("%w (execution %s may have been created; Attach finds it by that id)", postErr, id)
}

// nilWatchers reports each nil Watcher of ws.
func nilWatchers(ws []Watcher) []error {
	var problems []error
	for i, w := range ws {
		if w == nil {
			problems = append(problems, Invalid(fmt.Sprintf("watchers[%d]", i), "a Watcher is nil"))
		}
	}
	return problems
}
