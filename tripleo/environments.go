package tripleo

import (
	"context"
	"net/url"

	"github.com/gophercloud/gophercloud/v2"
)

// Environment is a Mistral environment (named variables given to executions).
// The undercloud keeps tripleo.undercloud-config there; Newton/Ocata kept plans there.
type Environment struct {
	// ID is the environment's id.
	ID string `json:"id"`
	// Name is the environment's name.
	Name string `json:"name"`
	// Description is the environment's description.
	Description string `json:"description"`
	// Variables are the environment's variables (secret-looking ones masked
	// when printed).
	Variables Object `json:"variables"`
	// Scope is "private" or "public".
	Scope string `json:"scope"`
	// ProjectID is the project owning the environment.
	ProjectID string `json:"project_id"`
	// CreatedAt is when the environment was created, as Mistral writes it.
	CreatedAt string `json:"created_at"`
	// UpdatedAt is when the environment was last updated, as Mistral writes it.
	UpdatedAt string `json:"updated_at"`
}

// EnvironmentOpts are the fields of an environment to create or update.
type EnvironmentOpts struct {
	// Name is the environment's name (required).
	Name string
	// Description is free text.
	Description string
	// Variables are the environment's variables; they may hold Secret values,
	// sent in full only on the wire.
	Variables map[string]any
	// Scope is "private" (the default) or "public".
	Scope string
}

func (o EnvironmentOpts) body() (map[string]any, []Secret, error) {
	if o.Name == "" {
		return nil, nil, Invalid("environment", "a name is required")
	}
	vars, secrets := Wire(o.Variables)
	if vars == nil {
		vars = map[string]any{}
	}
	b := map[string]any{"name": o.Name, "variables": vars}
	if o.Description != "" {
		b["description"] = o.Description
	}
	if o.Scope != "" {
		b["scope"] = o.Scope
	}
	return b, secrets, nil
}

// ListEnvironments lists environments.
func (c *Client) ListEnvironments(ctx context.Context) ([]Environment, error) {
	return listMistral[Environment](ctx, c, "mistral: list environments", c.Workflow.ServiceURL("environments"), "environments")
}

// GetEnvironment reads an environment.
func (c *Client) GetEnvironment(ctx context.Context, name string) (*Environment, error) {
	if name == "" {
		return nil, Invalid("environment", "a name is required")
	}
	var e Environment
	op := "mistral: get environment " + name
	err := c.read(ctx, op, func() error {
		e = Environment{}
		resp, err := c.Workflow.Get(ctx, c.Workflow.ServiceURL("environments", url.PathEscape(name)), &e, &gophercloud.RequestOpts{OkCodes: []int{200}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		return WrapHTTP(op, err)
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// CreateEnvironment creates an environment.
func (c *Client) CreateEnvironment(ctx context.Context, opts EnvironmentOpts) (*Environment, error) {
	return c.putEnvironment(ctx, opts, true)
}

// UpdateEnvironment replaces an environment's fields.
func (c *Client) UpdateEnvironment(ctx context.Context, opts EnvironmentOpts) (*Environment, error) {
	return c.putEnvironment(ctx, opts, false)
}

func (c *Client) putEnvironment(ctx context.Context, opts EnvironmentOpts, create bool) (*Environment, error) {
	body, secrets, err := opts.body()
	if err != nil {
		return nil, err
	}
	var e Environment
	u := c.Workflow.ServiceURL("environments")
	if create {
		resp, err := c.Workflow.Post(ctx, u, body, &e, &gophercloud.RequestOpts{OkCodes: []int{200, 201}})
		if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
			return nil, WrapHTTP("mistral: create environment "+opts.Name, err, secrets...)
		}
		return &e, nil
	}
	op := "mistral: update environment " + opts.Name
	err = c.read(ctx, op, func() error { // a PUT of the whole environment by name
		e = Environment{}
		resp, err := c.Workflow.Put(ctx, u, body, &e, &gophercloud.RequestOpts{OkCodes: []int{200}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		return WrapHTTP(op, err, secrets...)
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// DeleteEnvironment deletes an environment.
func (c *Client) DeleteEnvironment(ctx context.Context, name string) error {
	if name == "" {
		return Invalid("environment", "a name is required")
	}
	op := "mistral: delete environment " + name
	tries := 0
	return c.read(ctx, op, func() error {
		tries++
		resp, err := c.Workflow.Delete(ctx, c.Workflow.ServiceURL("environments", url.PathEscape(name)), &gophercloud.RequestOpts{OkCodes: []int{204}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		err = WrapHTTP(op, err)
		if tries > 1 && IsNotFound(err) {
			return nil // an earlier attempt whose answer was lost deleted it
		}
		return err
	})
}
