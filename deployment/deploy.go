package deployment

import (
	"context"
	"errors"
	"fmt"

	"github.com/tripleo-go/sdk/tripleo"
)

// DeployOpts are DeployPlan's options plus how the stack is followed.
type DeployOpts struct {
	// Plan is the plan to deploy (required); the Heat stack carries its name.
	Plan string
	// Timeout is as in DeployPlanOpts.
	Timeout int
	// SkipDeployIdentifier is as in DeployPlanOpts.
	SkipDeployIdentifier bool
	// RunValidations is as in DeployPlanOpts.
	RunValidations bool
	// Queue is as in DeployPlanOpts.
	Queue string
	// Follow tunes the stack following (nested depth, poll bounds, retries);
	// its Stack, StackID, Action and Since are taken from deploy_plan's result.
	Follow FollowOpts
}

func (o DeployOpts) deployPlan() DeployPlanOpts {
	return DeployPlanOpts{Plan: o.Plan, Timeout: o.Timeout, SkipDeployIdentifier: o.SkipDeployIdentifier,
		RunValidations: o.RunValidations, Queue: o.Queue}
}

// Validate checks the options locally (*tripleo.ValidationError, joined).
// Follow's Stack is not checked: Deploy sets it.
func (o DeployOpts) Validate() error {
	f := o.Follow
	f.Stack = DefaultPlan
	return errors.Join(o.deployPlan().Validate(), f.Validate())
}

// Deploy deploys a plan and waits for its Heat stack: deploy_plan (DeployPlan),
// then FollowStack on the plan's stack, as one run. Its events are the
// workflow's (started, messages, states), then the stack's (EventProgress,
// Source "heat", Subject the resource name, Status its status, Progress the
// counters, Data a StackEvent). Its result is the final Stack; a failed
// workflow is a *tripleo.WorkflowError, a failed stack a *StackError.
//
// The returned error covers validation and starting deploy_plan. ctx bounds
// the whole run; Cancel cancels deploy_plan while it runs (Heat is never
// cancelled).
func Deploy(ctx context.Context, c *tripleo.Client, opts DeployOpts) (*tripleo.Run[*Stack], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("deploy %s: workflow: %w", opts.Plan, tripleo.ErrNoService)
	}
	if err := c.Need("orchestration"); err != nil {
		return nil, fmt.Errorf("deploy %s: %w", opts.Plan, err)
	}
	plan, err := DeployPlan(ctx, c, opts.deployPlan())
	if err != nil {
		return nil, err
	}
	return tripleo.Go(ctx, c, OpDeploy, func(ctx context.Context, s *tripleo.Scope) (*Stack, error) {
		res, err := tripleo.Join(ctx, s, plan)
		if err != nil {
			return nil, err
		}
		w, err := FollowStack(ctx, c, res.FollowOpts(opts.Follow))
		if err != nil {
			return nil, err
		}
		defer w.Stop()
		return tripleo.Join(ctx, s, w.Run())
	}), nil
}
