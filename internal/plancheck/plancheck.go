// Package plancheck tells a failed plan-scoped call on a missing plan from
// other failures, for the area packages.
package plancheck

import (
	"context"
	"errors"

	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/containers"

	"github.com/tripleo-go/sdk/tripleo"
)

// Wrap returns err, or a *tripleo.PlanNotFoundError holding it when err is
// not nil and plan's Swift container does not exist (HEAD answers 404: the
// embedded undercloud and real Swift alike). It asks only after a failure, and
// leaves err alone when the client has no Swift, when the check itself fails,
// when ctx is done, or when err is already a plan-not-found or validation error.
func Wrap(ctx context.Context, c *tripleo.Client, plan, op string, err error) error {
	if err == nil || c == nil || c.ObjectStore == nil || ctx.Err() != nil ||
		errors.Is(err, tripleo.ErrPlanNotFound) || errors.Is(err, tripleo.ErrInvalidInput) {
		return err
	}
	// One request, not retried: the call has failed already, and any answer
	// but a 404 leaves its error as it is.
	res := containers.Get(ctx, c.ObjectStore, plan, nil)
	if res.Err != nil && tripleo.IsNotFound(res.Err) {
		return &tripleo.PlanNotFoundError{Plan: plan, Op: op, Err: err}
	}
	return err
}

// WrapRun is Wrap applied to the outcome of a workflow run on plan.
func WrapRun[T any](ctx context.Context, c *tripleo.Client, plan, op string, run *tripleo.Run[T]) *tripleo.Run[T] {
	return tripleo.Then(ctx, run, nil, func(ctx context.Context, _ *tripleo.Scope, v T, err error) (T, error) {
		return v, Wrap(ctx, c, plan, op, err)
	})
}
