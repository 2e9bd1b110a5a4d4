package deployment

import (
	"context"
	"errors"
	"fmt"

	"github.com/tripleo-go/sdk/tripleo"
)

// DeployName is the Name of a Deploy run.
const DeployName = "deployment.Deploy"

// DeployOpts are DeployPlan's options plus how the stack is followed.
type DeployOpts struct {
	DeployPlanOpts
	// Follow tunes the stack following (nested depth, poll bounds, retries);
	// its StackID, Action and Since are taken from deploy_plan's result.
	Follow FollowOpts
}

// Validate checks the options locally (*tripleo.ValidationError, joined).
func (o DeployOpts) Validate() error {
	return errors.Join(o.DeployPlanOpts.Validate(), o.Follow.Validate())
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
		return nil, fmt.Errorf("deploy %s: workflow: %w", opts.Container, tripleo.ErrNoService)
	}
	if err := c.Need("orchestration"); err != nil {
		return nil, fmt.Errorf("deploy %s: %w", opts.Container, err)
	}
	plan, err := DeployPlan(ctx, c, opts.DeployPlanOpts)
	if err != nil {
		return nil, err
	}
	return tripleo.Go(ctx, c, DeployName, func(ctx context.Context, s *tripleo.Scope) (*Stack, error) {
		res, err := tripleo.Join(ctx, s, plan)
		if err != nil {
			return nil, err
		}
		w, err := FollowStack(ctx, c, res.StackName, res.FollowOpts(opts.Follow))
		if err != nil {
			return nil, err
		}
		defer w.Stop()
		return tripleo.Join(ctx, s, w.Run())
	}), nil
}
