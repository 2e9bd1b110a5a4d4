package parameters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// Action names this package runs.
const (
	ActionUpdate     = "tripleo.parameters.update"
	ActionReset      = "tripleo.parameters.reset"
	ActionGetFlatten = "tripleo.parameters.get_flatten"
)

// DefaultKey is the plan environment key user parameters live under.
const DefaultKey = "parameter_defaults"

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// UpdateOpts tune Update and Set.
type UpdateOpts struct {
	// Key is the plan-environment.yaml key to merge into (DefaultKey when empty;
	// e.g. "derived_parameters").
	Key string
	// SkipValidation sends validate: false, so Heat does not validate the
	// processed templates and the result is the plan environment instead of the
	// parameter view. By default (false) the action validates, restores the
	// previous environment when validation fails and answers "Error validating
	// environment for plan ...". (The action's input is "validate"; the field
	// is named for its zero value to mean the action's default.)
	SkipValidation bool
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o UpdateOpts) Validate() error {
	if o.Key != "" && !keyPattern.MatchString(o.Key) {
		return tripleo.Invalid("key", "%q is not a plan environment key (lower case letters, digits, _)", o.Key)
	}
	switch o.Key {
	case "name", "version", "template", "environments":
		return tripleo.Invalid("key", "%q is not a mapping of parameters", o.Key)
	}
	return nil
}

func (o UpdateOpts) key() string {
	if o.Key == "" {
		return DefaultKey
	}
	return o.Key
}

func (o UpdateOpts) validate() bool { return !o.SkipValidation }

// UpdateResult is what tripleo.parameters.update returns.
type UpdateResult struct {
	// View is the flattened parameter view, when the update was validated.
	View *View
	// Environment is the whole plan environment, when it was not.
	Environment *plan.Environment
}

// Update runs tripleo.parameters.update: params are merged into the plan
// environment's Key mapping (a dict update: the given names are replaced, the
// others kept; a Key that is not a mapping is replaced), the templates are
// processed again and, unless opts.SkipValidation, Heat validates the
// result.
//
// Values of params that are tripleo.Secret are sent in full (the only place
// they are revealed) but never appear in errors or logs, and come back as
// Secrets in the View. Failures are *tripleo.ActionError with the server's text.
func Update(ctx context.Context, c *tripleo.Client, container string, params map[string]any, opts UpdateOpts) (*UpdateResult, error) {
	if err := checkInput(container, params, opts); err != nil {
		return nil, err
	}
	if err := c.Need("workflow"); err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	in := map[string]any{
		"container":  container,
		"parameters": params,
		"key":        opts.key(),
		"validate":   opts.validate(),
	}
	var raw json.RawMessage
	if err := c.RunAction(ctx, ActionUpdate, in, &raw); err != nil {
		return nil, err
	}
	if !opts.validate() {
		env, err := plan.ParseEnvironment(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ActionUpdate, err)
		}
		return &UpdateResult{Environment: env}, nil
	}
	v, err := parseView(raw, secretNames(params))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ActionUpdate, err)
	}
	return &UpdateResult{View: v}, nil
}

func checkInput(container string, params map[string]any, opts UpdateOpts) error {
	errs := []error{containerErr(container), opts.Validate()}
	for k := range params {
		if k == "" {
			errs = append(errs, tripleo.Invalid("parameters", "a parameter name is empty"))
		}
	}
	return errors.Join(errs...)
}

func containerErr(container string) error {
	if err := plan.ValidateName(container); err != nil {
		var ve *tripleo.ValidationError
		if errors.As(err, &ve) {
			return tripleo.Invalid("container", "%s", ve.Reason)
		}
		return err
	}
	return nil
}

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

// Reset runs tripleo.parameters.reset: it deletes the plan environment's
// parameter_defaults entirely, so every parameter is back to its template
// default.
func Reset(ctx context.Context, c *tripleo.Client, container string) error {
	return reset(ctx, c, container, DefaultKey)
}

func reset(ctx context.Context, c *tripleo.Client, container, key string) error {
	if err := containerErr(container); err != nil {
		return err
	}
	if err := c.Need("workflow"); err != nil {
		return err
	}
	return c.RunAction(ctx, ActionReset, map[string]any{"container": container, "key": key}, nil)
}

// SetError is the error of Set when the reset succeeded but the update did
// not: the plan's parameters under Key were reset (deleted).
type SetError struct {
	// Container is the plan; Key the plan environment key that was reset.
	Container, Key string
	// Err is the update's error.
	Err error
}

// Error says that the parameters were reset and why the update failed.
func (e *SetError) Error() string {
	return fmt.Sprintf("set parameters of plan %s: the plan's %s were reset, but the update failed (the plan now has no %s; call Set or Update again): %v",
		e.Container, e.Key, e.Key, e.Err)
}

// Unwrap returns the update's error.
func (e *SetError) Unwrap() error { return e.Err }

// Set makes params exactly the plan's parameters under opts.Key: Reset of that
// key, then Update. If the update fails after the reset, the error is a
// *SetError saying that the plan's parameters were reset.
func Set(ctx context.Context, c *tripleo.Client, container string, params map[string]any, opts UpdateOpts) (*UpdateResult, error) {
	if err := checkInput(container, params, opts); err != nil {
		return nil, err
	}
	if err := reset(ctx, c, container, opts.key()); err != nil {
		return nil, fmt.Errorf("set parameters of plan %s: reset (nothing changed): %w", container, err)
	}
	res, err := Update(ctx, c, container, params, opts)
	if err != nil {
		return nil, &SetError{Container: container, Key: opts.key(), Err: err}
	}
	return res, nil
}

// Get runs tripleo.parameters.get_flatten: the plan's templates processed and
// validated by Heat, flattened into parameters and resources, with the values
// set in the plan environment.
func Get(ctx context.Context, c *tripleo.Client, container string) (*View, error) {
	if err := containerErr(container); err != nil {
		return nil, err
	}
	if err := c.Need("workflow"); err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := c.RunAction(ctx, ActionGetFlatten, map[string]any{"container": container}, &raw); err != nil {
		return nil, err
	}
	v, err := parseView(raw, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ActionGetFlatten, err)
	}
	return v, nil
}
