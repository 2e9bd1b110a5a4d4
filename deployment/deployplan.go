package deployment

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tripleo-go/sdk/internal/plancheck"
	"github.com/tripleo-go/sdk/tripleo"
)

// DeployPlanOpts are the inputs of tripleo.deployment.v1.deploy_plan (Queens).
type DeployPlanOpts struct {
	// Plan is the plan to deploy (required); the Heat stack carries its name.
	Plan string
	// Timeout is Heat's stack timeout in minutes (0 sends nothing: the workflow's
	// default, DefaultTimeout, 240).
	Timeout int
	// SkipDeployIdentifier keeps DeployIdentifier unchanged, so that puppet
	// configuration is not re-run on unchanged nodes.
	SkipDeployIdentifier bool
	// RunValidations runs the pre-deployment validations first.
	RunValidations bool
	// Queue is the Zaqar queue (empty: the Client's).
	Queue string
}

// Validate checks the options locally (*tripleo.ValidationError, joined).
func (o DeployPlanOpts) Validate() error {
	var errs []error
	if err := validatePlan("plan", o.Plan); err != nil {
		errs = append(errs, err)
	}
	if o.Timeout < 0 {
		errs = append(errs, tripleo.Invalid("timeout", "must be a positive number of minutes, not %d", o.Timeout))
	}
	if err := validateQueue(o.Queue); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// input is the workflow input: the plan (container), and of the optional inputs only
// those the caller set (the workflow's defaults apply to the others).
func (o DeployPlanOpts) input() map[string]any {
	in := map[string]any{"container": o.Plan}
	if o.Timeout != 0 {
		in["timeout"] = o.Timeout
	}
	if o.SkipDeployIdentifier {
		in["skip_deploy_identifier"] = true
	}
	if o.RunValidations {
		in["run_validations"] = true
	}
	return in
}

// DeployResult is what a successful deploy_plan reports: Heat accepted the
// create or update of the plan's stack (the stack itself is still in
// progress: follow it with FollowStack and FollowOpts, or use Deploy).
type DeployResult struct {
	// Plan is the plan name (the final message's plan_name, else the container).
	Plan string
	// DeploymentStatus is the final message's deployment_status: DEPLOY_SUCCESS
	// on Queens, DEPLOYING on Rocky without config-download.
	DeploymentStatus DeployStatus
	// Message is the final message text.
	Message string
	// StackName is the Heat stack's name (the plan name).
	StackName string
	// StackID is the stack's id: known before the run for an update, looked up
	// from Heat after it for a create ("" when Heat could not be read).
	StackID string
	// Action is CREATE when no stack existed before the run, UPDATE when one
	// did ("" when Heat could not be read).
	Action string
	// Since is the id of the stack's newest event before the run (updates
	// only): following after it shows only this update's events.
	Since string
}

// FollowOpts returns opts completed with the stack id, action and event marker
// of this deployment, ready for FollowStack(ctx, c, r.StackName, …).
func (r DeployResult) FollowOpts(opts FollowOpts) FollowOpts {
	opts.Stack, opts.StackID, opts.Action, opts.Since = r.StackName, r.StackID, r.Action, r.Since
	return opts
}

// DeployPlan starts tripleo.deployment.v1.deploy_plan. Before it starts, it
// reads the plan's Heat stack (when the Client has Heat) to know whether this
// is a create or an update and, for an update, the newest event id (transient
// Heat errors are retried 3 times); a failure to read Heat only leaves
// DeployResult's Action and Since empty, and FollowStack copes. Its success
// means Heat accepted the request, not that the stack is complete (see Deploy).
// A failed run is a *tripleo.WorkflowError whose LastMessage carries
// deployment_status DEPLOY_FAILED and the failing step's message.
func DeployPlan(ctx context.Context, c *tripleo.Client, opts DeployPlanOpts) (*tripleo.Run[DeployResult], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	before := DeployResult{Plan: opts.Plan, StackName: opts.Plan}
	retry := FollowOpts{PollMin: 250 * time.Millisecond, PollMax: 4 * time.Second, MaxRetries: 3}.withDefaults()
	lookup := func(ctx context.Context) (st *Stack, err error) {
		err = retryTransient(ctx, retry, func() (err error) {
			st, err = getStack(ctx, c, opts.Plan, "")
			return err
		})
		return st, err
	}
	if c != nil && c.Orchestration != nil {
		st, err := lookup(ctx)
		switch {
		case err == nil:
			before.Action, before.StackID = HeatActionUpdate, st.ID
			err = retryTransient(ctx, retry, func() (err error) {
				before.Since, err = LatestEventID(ctx, c, LatestEventIDOpts{Stack: st.Name + "/" + st.ID})
				return err
			})
			if err != nil {
				c.Log().Debug("heat: newest event not read; the update's events will include older ones", "stack", st.Name, "error", err)
			}
		case tripleo.IsNotFound(err):
			before.Action = HeatActionCreate
		default:
			c.Log().Debug("heat: stack not read before deploy_plan", "stack", opts.Plan, "error", err)
		}
	}
	decode := func(f *tripleo.Final) (DeployResult, error) {
		res := before
		if f.Message != nil && f.Message.Payload.PlanName != "" {
			res.Plan = f.Message.Payload.PlanName
		}
		res.DeploymentStatus = finalDeployStatus(f)
		res.Message = deploySentence(res.StackName, res.Action, f.Text())
		if res.StackID == "" && c.Orchestration != nil {
			// Heat's answer to the create is not in Queens' final message: ask Heat.
			if st, err := lookup(ctx); err == nil {
				res.StackID = st.ID
				if res.Action == "" {
					res.Action = statusAction(st.Status)
				}
			} else {
				c.Log().Debug("heat: stack id not read after deploy_plan", "stack", res.StackName, "error", err)
			}
		}
		return res, nil
	}
	run, err := tripleo.Start(ctx, c, WorkflowDeployPlan, opts.input(), decode, tripleo.StartOpts{Queue: opts.Queue})
	if err != nil {
		return nil, err
	}
	annotate := func(ev *tripleo.Event) {
		if ev.Kind == tripleo.EventMessage && ev.Source == WorkflowDeployPlan {
			ev.Text = deploySentence(opts.Plan, before.Action, ev.Text)
		}
	}
	return tripleo.Then(ctx, run, annotate, func(ctx context.Context, _ *tripleo.Scope, v DeployResult, err error) (DeployResult, error) {
		return v, plancheck.Wrap(ctx, c, opts.Plan, "deploy plan", err)
	}), nil
}

// deploySentence turns deploy_plan's message text into a sentence: Queens
// posts Heat's raw answer to the stack create or update as its message
// ({"stack": {"id": ..., "links": [...]}}). Other texts are kept.
func deploySentence(stack, action, text string) string {
	var heat struct {
		Stack *struct {
			ID string `json:"id"`
		} `json:"stack"`
	}
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "{") || json.Unmarshal([]byte(t), &heat) != nil {
		return text
	}
	what := "the stack " + stack
	switch action {
	case HeatActionCreate:
		what = "the creation of stack " + stack
	case HeatActionUpdate:
		what = "the update of stack " + stack
	}
	s := "Heat accepted " + what
	if heat.Stack != nil && heat.Stack.ID != "" {
		s += " (id " + heat.Stack.ID + ")"
	}
	return s
}
