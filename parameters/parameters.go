package parameters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/tripleo-go/sdk/internal/plancheck"
	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// DefaultKey is the plan environment key user parameters live under.
const DefaultKey = "parameter_defaults"

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// UpdateOpts are the inputs of Update.
type UpdateOpts struct {
	// Plan is the plan whose parameters change (required).
	Plan string
	// Parameters are the names and values to merge in (a nil map merges
	// nothing). Values that are tripleo.Secret are sent in full but never
	// appear in errors or logs.
	Parameters map[string]any
	// Key is the plan-environment.yaml key to merge into (DefaultKey when empty;
	// e.g. "derived_parameters").
	Key string
	// SkipValidation sends validate: false, so Heat does not validate the
	// processed templates and the result is the plan environment instead of the
	// parameter view. By default (false) validate is not sent: the action's
	// default, validating, applies; it restores the previous environment when
	// validation fails and answers "Error validating environment for plan
	// ...". The input exists only from Queens 8.7.0, Rocky 9.6.0 and Stein
	// 10.5.0: where the server's action lacks it, SkipValidation is a
	// *tripleo.ValidationError before anything changes (the action's inputs
	// are read from Mistral first). (The field is named for its zero value to
	// mean the action's default.)
	SkipValidation bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o UpdateOpts) Validate() error {
	errs := []error{planErr(o.Plan), checkKey(o.Key)}
	for k := range o.Parameters {
		if k == "" {
			errs = append(errs, tripleo.Invalid("parameters", "a parameter name is empty"))
		}
	}
	return errors.Join(errs...)
}

// checkKey checks an optional plan environment key.
func checkKey(key string) error {
	if key != "" && !keyPattern.MatchString(key) {
		return tripleo.Invalid("key", "%q is not a plan environment key (lower case letters, digits, _)", key)
	}
	switch key {
	case "name", "version", "template", "environments":
		return tripleo.Invalid("key", "%q is not a mapping of parameters", key)
	}
	return nil
}

// SetOpts are the inputs of Set: the same as Update's.
type SetOpts UpdateOpts

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o SetOpts) Validate() error { return UpdateOpts(o).Validate() }

func (o UpdateOpts) key() string { return keyOr(o.Key) }

func keyOr(key string) string {
	if key == "" {
		return DefaultKey
	}
	return key
}

// input is the action's input: only what the caller set beside the plan and
// the parameters (the key when not the default, validate when skipped).
func (o UpdateOpts) input() map[string]any {
	params := o.Parameters
	if params == nil {
		params = map[string]any{}
	}
	in := map[string]any{"container": o.Plan, "parameters": params}
	if o.key() != DefaultKey {
		in["key"] = o.key()
	}
	if o.SkipValidation {
		in["validate"] = false
	}
	return in
}

// checkServer refuses SkipValidation where the server's action has no
// validate input (Pike, and Queens, Rocky and Stein before 8.7.0, 9.6.0 and
// 10.5.0), before anything changes.
func (o UpdateOpts) checkServer(ctx context.Context, c *tripleo.Client) error {
	if !o.SkipValidation {
		return nil
	}
	ok, err := c.ActionTakes(ctx, ActionUpdate, "validate")
	if err != nil {
		return fmt.Errorf("%s: read its declared inputs: %w", ActionUpdate, err)
	}
	if !ok {
		return tripleo.Invalid("validate", "this undercloud's %s has no validate input (added in Queens 8.7.0, Rocky 9.6.0 and Stein 10.5.0): SkipValidation cannot be honoured", ActionUpdate)
	}
	return nil
}

// UpdateResult is what tripleo.parameters.update returns.
type UpdateResult struct {
	// View is the flattened parameter view, when the server validated the
	// update (Queens and later, without SkipValidation).
	View *View
	// Environment is the whole plan environment, when it did not
	// (SkipValidation, or Pike, whose action never validates).
	Environment *plan.Environment
}

// Update runs tripleo.parameters.update: opts.Parameters are merged into the plan
// environment's Key mapping (a dict update: the given names are replaced, the
// others kept; a Key that is not a mapping is replaced), the templates are
// processed again and, unless opts.SkipValidation, Heat validates the
// result.
//
// Values of opts.Parameters that are tripleo.Secret are sent in full (the only place
// they are revealed) but never appear in errors or logs, and come back as
// Secrets in the View. Failures are *tripleo.ActionError with the server's text.
func Update(ctx context.Context, c *tripleo.Client, opts UpdateOpts) (*UpdateResult, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := c.Need("workflow"); err != nil {
		return nil, err
	}
	if err := opts.checkServer(ctx, c); err != nil {
		return nil, err
	}
	return update(ctx, c, opts)
}

func update(ctx context.Context, c *tripleo.Client, opts UpdateOpts) (*UpdateResult, error) {
	var raw json.RawMessage
	if err := c.RunAction(ctx, ActionUpdate, opts.input(), &raw); err != nil {
		return nil, plancheck.Wrap(ctx, c, opts.Plan, "update parameters", err)
	}
	var shape struct {
		Tree json.RawMessage `json:"heat_resource_tree"`
	}
	if json.Unmarshal(raw, &shape) != nil || len(shape.Tree) == 0 || string(shape.Tree) == "null" {
		env, err := plan.ParseEnvironment(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ActionUpdate, err)
		}
		return &UpdateResult{Environment: env}, nil
	}
	v, err := parseView(raw, secretNames(opts.Parameters))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ActionUpdate, err)
	}
	return &UpdateResult{View: v}, nil
}

// planErr checks the plan name (field "plan").
func planErr(name string) error { return plan.ValidateName(name) }

// secretNames lists the params given as tripleo.Secret.
func secretNames(params map[string]any) map[string]bool {
	out := map[string]bool{}
	for k, v := range params {
		if _, ok := v.(tripleo.Secret); ok {
			out[k] = true
		}
	}
	return out
}

// ResetOpts are the inputs of Reset.
type ResetOpts struct {
	// Plan is the plan whose parameters are reset (required).
	Plan string
	// Key is the plan-environment.yaml key to delete (DefaultKey when empty).
	Key string
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o ResetOpts) Validate() error { return errors.Join(planErr(o.Plan), checkKey(o.Key)) }

// Reset runs tripleo.parameters.reset: it deletes the plan environment's
// opts.Key mapping (parameter_defaults by default) entirely, so every
// parameter is back to its template default.
func Reset(ctx context.Context, c *tripleo.Client, opts ResetOpts) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	return reset(ctx, c, opts.Plan, keyOr(opts.Key))
}

func reset(ctx context.Context, c *tripleo.Client, container, key string) error {
	if err := c.Need("workflow"); err != nil {
		return err
	}
	in := map[string]any{"container": container}
	if key != DefaultKey {
		in["key"] = key
	}
	return plancheck.Wrap(ctx, c, container, "reset parameters", c.RunAction(ctx, ActionReset, in, nil))
}

// SetError is the error of Set when the reset succeeded but the update did
// not: the plan's parameters under Key were reset (deleted).
type SetError struct {
	// Plan is the plan.
	Plan string
	// Key is the plan environment key that was reset.
	Key string
	// Err is the update's error.
	Err error
}

// Error says that the parameters were reset and why the update failed.
func (e *SetError) Error() string {
	return fmt.Sprintf("set parameters of plan %s: the plan's %s were reset, but the update failed (the plan now has no %s; call Set or Update again): %v",
		e.Plan, e.Key, e.Key, e.Err)
}

// Unwrap returns the update's error.
func (e *SetError) Unwrap() error { return e.Err }

// Set makes opts.Parameters exactly the plan's parameters under opts.Key:
// Reset of that key, then Update. If the update fails after the reset, the
// error is a *SetError saying that the plan's parameters were reset.
func Set(ctx context.Context, c *tripleo.Client, so SetOpts) (*UpdateResult, error) {
	opts := UpdateOpts(so)
	container := opts.Plan
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := c.Need("workflow"); err != nil {
		return nil, err
	}
	if err := opts.checkServer(ctx, c); err != nil {
		return nil, err
	}
	if err := reset(ctx, c, container, opts.key()); err != nil {
		if errors.Is(err, tripleo.ErrPlanNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("set parameters of plan %s: reset (nothing changed): %w", container, err)
	}
	res, err := update(ctx, c, opts)
	if err != nil {
		return nil, &SetError{Plan: container, Key: opts.key(), Err: err}
	}
	return res, nil
}

// GetOpts are the inputs of Get.
type GetOpts struct {
	// Plan is the plan to read (required).
	Plan string
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o GetOpts) Validate() error { return planErr(o.Plan) }

// Get runs tripleo.parameters.get_flatten: the plan's templates processed and
// validated by Heat, flattened into parameters and resources, with the values
// set in the plan environment.
func Get(ctx context.Context, c *tripleo.Client, opts GetOpts) (*View, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	container := opts.Plan
	if err := c.Need("workflow"); err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := c.RunAction(ctx, ActionGetFlatten, map[string]any{"container": container}, &raw); err != nil {
		return nil, plancheck.Wrap(ctx, c, container, "get parameters", err)
	}
	v, err := parseView(raw, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ActionGetFlatten, err)
	}
	return v, nil
}
