package plan

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tripleo-go/sdk/internal/plancheck"
	"github.com/tripleo-go/sdk/tripleo"
)

// CreateContainer runs the tripleo.plan.create_container action: it creates the
// Swift container of a new plan with the metadata that marks it as a plan
// (MetadataKey: "plan"). A bare Swift container made by other means is not a
// plan: tripleo.plan.list ignores it.
//
// The name is checked locally first (ValidateName). The action's own errors
// come back as *tripleo.ActionError with the server's text, e.g. "A container
// with the name overcloud already exists." or "Unable to create plan. The plan
// name must only contain letters, numbers or dashes".
func CreateContainer(ctx context.Context, c *tripleo.Client, opts CreateContainerOpts) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	if err := c.Need("workflow"); err != nil {
		return err
	}
	return c.RunAction(ctx, ActionCreateContainer, map[string]any{"container": opts.Plan}, nil)
}

// CreateContainerOpts are the inputs of CreateContainer.
type CreateContainerOpts struct {
	// Plan is the plan (Swift container) to create (required; see ValidateName).
	Plan string
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o CreateContainerOpts) Validate() error { return checkName("plan", o.Plan) }

// ListOpts are the inputs of List; there are none yet.
type ListOpts struct{}

// List runs the tripleo.plan.list action and returns the plan names (the
// Swift containers carrying MetadataKey), sorted.
func List(ctx context.Context, c *tripleo.Client, _ ListOpts) ([]string, error) {
	if err := c.Need("workflow"); err != nil {
		return nil, err
	}
	var names []string
	if err := c.RunAction(ctx, ActionList, map[string]any{}, &names); err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// ErrHasStack is matched (errors.Is) by the error of Delete when a Heat stack
// with the plan's name exists: TripleO refuses to delete the plan of a deployed
// overcloud. Delete the stack first.
var ErrHasStack = errors.New("plan has an associated stack")

// stackInUseText is the text of tripleo-common's StackInUseError.
const stackInUseText = "Cannot delete a plan that has an associated stack"

// StackExistsError is the error of Delete when the plan still has a Heat
// stack. It matches ErrHasStack and unwraps to the *tripleo.ActionError that
// carries the server's text.
type StackExistsError struct {
	// Plan is the plan that was not deleted.
	Plan string
	// Err is the action's error, with the server's text.
	Err *tripleo.ActionError
}

// Error says why the plan was kept and what to do.
func (e *StackExistsError) Error() string {
	return fmt.Sprintf("delete plan %s: %v (delete the Heat stack %s first)", e.Plan, e.Err, e.Plan)
}

// Is makes errors.Is(err, ErrHasStack) true.
func (e *StackExistsError) Is(target error) bool { return target == ErrHasStack }

// Unwrap returns the action error.
func (e *StackExistsError) Unwrap() error { return e.Err }

// Delete deletes a plan: its Swift container with every object, and the
// side containers tripleo-common removes with it (<plan>-swift-rings, and
// <plan>-messages on Rocky).
//
// Delete runs the tripleo.plan.delete action synchronously rather than the
// delete_deployment_plan workflow (Queens and later), which does nothing but
// run that same action and post its result to Zaqar: one request, no queue, and
// it works on Pike too. When a Heat stack of that name exists the error is a
// *StackExistsError (errors.Is(err, ErrHasStack)); other failures are
// *tripleo.ActionError with the server's text. (tripleo-common treats a plan
// that does not exist as already deleted; the SDK passes on whatever the
// server answers.)
func Delete(ctx context.Context, c *tripleo.Client, opts DeleteOpts) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	if err := c.Need("workflow"); err != nil {
		return err
	}
	err := c.RunAction(ctx, ActionDelete, map[string]any{"container": opts.Plan}, nil)
	var ae *tripleo.ActionError
	if errors.As(err, &ae) && strings.Contains(ae.Result, stackInUseText) {
		return &StackExistsError{Plan: opts.Plan, Err: ae}
	}
	return plancheck.Wrap(ctx, c, opts.Plan, "delete plan", err)
}

// DeleteOpts are the inputs of Delete.
type DeleteOpts struct {
	// Plan is the plan to delete (required; see ValidateName).
	Plan string
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o DeleteOpts) Validate() error { return checkName("plan", o.Plan) }
