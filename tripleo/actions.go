package tripleo

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

// ActionDefinition is a Mistral action definition (tripleo.* actions are system actions).
type ActionDefinition struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	InputText   string   `json:"input"`
	Definition  string   `json:"definition"`
	IsSystem    bool     `json:"is_system"`
	Tags        []string `json:"tags"`
	Scope       string   `json:"scope"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
}

// ListActions lists action definitions whose name starts with prefix ("" means
// "tripleo."; "*" lists all), sorted by name.
func (c *Client) ListActions(ctx context.Context, prefix string) ([]ActionDefinition, error) {
	if prefix == "" {
		prefix = "tripleo."
	}
	all, err := listMistral[ActionDefinition](ctx, c, "mistral: list actions", c.Workflow.ServiceURL("actions"), "actions")
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, a := range all {
		if prefix == "*" || strings.HasPrefix(a.Name, prefix) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// GetAction reads one action definition.
func (c *Client) GetAction(ctx context.Context, name string) (*ActionDefinition, error) {
	if name == "" {
		return nil, Invalid("action", "a name is required")
	}
	var a ActionDefinition
	op := "mistral: get action " + name
	err := c.read(ctx, op, func() error {
		a = ActionDefinition{}
		resp, err := c.Workflow.Get(ctx, c.Workflow.ServiceURL("actions", url.PathEscape(name)), &a, &gophercloud.RequestOpts{OkCodes: []int{200}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		return WrapHTTP(op, err)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// ActionExecution is the answer to POST /v2/action_executions.
type ActionExecution struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	State     string `json:"state"`
	StateInfo string `json:"state_info"`
	Input     Object `json:"input"`
	Output    Object `json:"output"`
}

// RunAction runs an action synchronously (run_sync, save_result, as
// tripleoclient does) and decodes its result into out (nil to ignore it). An
// action that ends in ERROR gives an *ActionError with its error text; HTTP
// errors (unknown action, bad input names) give an *APIError. The request is
// retried only when it surely was not processed (connection refused, 429, 503).
func (c *Client) RunAction(ctx context.Context, name string, input map[string]any, out any) error {
	if name == "" {
		return Invalid("action", "a name is required")
	}
	in, secrets := Wire(input)
	if in == nil {
		in = map[string]any{}
	}
	body := actionRequest{Name: name, Input: in, Params: syncParams{RunSync: true, SaveResult: true}}
	var ax actionAnswer
	op := "mistral: run action " + name
	err := retry(ctx, c, op, false, func() error {
		ax = actionAnswer{}
		// the answer comes when the action has run: the long deadline
		resp, err := c.Workflow.Post(withLongDeadline(ctx), c.Workflow.ServiceURL("action_executions"), &body, &ax, &gophercloud.RequestOpts{OkCodes: []int{200, 201}})
		_, _, err = gophercloud.ParseResponse(resp, err)
		// wrapped (and redacted) before retry logs it: the server's body may echo the input
		return WrapHTTP(op, err, secrets...)
	})
	if err != nil {
		return err
	}
	switch Classify(ax.State) {
	case Succeeded:
		if out == nil {
			return nil
		}
		if _, err := ax.Output.Decode("result", out); err != nil {
			return fmt.Errorf("%s: decode result: %w", op, err)
		}
		return nil
	case Failed, Cancelled:
		text := ax.Output.String("result")
		if text == "" {
			text = ax.StateInfo
		}
		return &ActionError{Action: name, Result: Redact(text, secrets...)}
	}
	return fmt.Errorf("%s: action did not run synchronously (state %q)", op, ax.State)
}

// actionRequest is the body of RunAction's POST (a struct: encoded without
// reflecting over maps).
type actionRequest struct {
	Name   string         `json:"name"`
	Input  map[string]any `json:"input"`
	Params syncParams     `json:"params"`
}

type syncParams struct {
	RunSync    bool `json:"run_sync"`
	SaveResult bool `json:"save_result"`
}

// actionAnswer is what RunAction reads of the answer: the action's input,
// which Mistral echoes, is left undecoded.
type actionAnswer struct {
	State     string `json:"state"`
	StateInfo string `json:"state_info"`
	Output    Object `json:"output"`
}
