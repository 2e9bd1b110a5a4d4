package tripleo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

// ActionDefinition is a Mistral action definition (tripleo.* actions are system actions).
type ActionDefinition struct {
	// ID is the definition's id.
	ID string `json:"id"`
	// Name is the action's name, e.g. "tripleo.plan.list".
	Name string `json:"name"`
	// Description is the action's description.
	Description string `json:"description"`
	// InputText is Mistral's "input" string: the action's parameters with their
	// defaults, as one comma-separated text (for display).
	InputText string `json:"input"`
	// Definition is the action's definition (empty for system actions).
	Definition string `json:"definition"`
	// IsSystem is true for actions installed with Mistral or its plugins
	// (tripleo-common's among them), false for ad-hoc actions.
	IsSystem bool `json:"is_system"`
	// Tags are the action's tags.
	Tags []string `json:"tags"`
	// Scope is "private" or "public".
	Scope string `json:"scope"`
	// CreatedAt is when the definition was created, as Mistral writes it.
	CreatedAt string `json:"created_at"`
	// UpdatedAt is when the definition was last updated, as Mistral writes it.
	UpdatedAt string `json:"updated_at"`
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
	// ID is the action execution's id.
	ID string `json:"id"`
	// Name is the action's name.
	Name string `json:"name"`
	// State is SUCCESS or ERROR for a synchronous run.
	State string `json:"state"`
	// StateInfo is Mistral's state_info, if any.
	StateInfo string `json:"state_info"`
	// Input is the action's input as Mistral stored it.
	Input Object `json:"input"`
	// Output is the action's output: {"result": ...} on success.
	Output Object `json:"output"`
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
		text := actionErrorText(ax.Output["result"], secrets)
		if text == "" {
			text = Redact(ax.StateInfo, secrets...)
		}
		return &ActionError{Action: name, Result: text}
	}
	return fmt.Errorf("%s: action did not run synchronously (state %q)", op, ax.State)
}

// actionErrorText renders a failed action's result, redacted of secrets: a
// string as it is; any other value as compact JSON with secret-looking keys
// masked, re-encoded so that the secrets' values show as written (Mistral's
// JSON escapes non-ASCII as \uXXXX, which Redact would not find) and masked
// in their JSON-escaped form too.
func actionErrorText(raw json.RawMessage, secrets []Secret) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return Redact(s, secrets...)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return Redact(string(raw), secrets...)
	}
	text := jsonText(MaskSecrets(v))
	for _, sec := range secrets {
		if len(sec) >= 3 {
			quoted := jsonText(string(sec))
			text = Redact(text, sec, Secret(quoted[1:len(quoted)-1]))
		}
	}
	return text
}

// jsonText is v as compact JSON without HTML escaping.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
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
