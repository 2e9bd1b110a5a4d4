package tripleo

import (
	"context"
	"slices"
	"strings"
)

// InputNames returns the names of the action's declared inputs, read from
// Mistral's "input" text ("container=overcloud, parameters, key=...,
// validate=True"): the name before each top-level "=", commas inside
// brackets or quotes of a default kept together.
func (a *ActionDefinition) InputNames() []string {
	var names []string
	for _, part := range splitTopLevel(a.InputText) {
		name, _, _ := strings.Cut(part, "=")
		if name = strings.TrimSpace(name); name != "" && !strings.HasPrefix(name, "*") {
			names = append(names, name)
		}
	}
	return names
}

// splitTopLevel splits s at the commas outside brackets and quotes.
func splitTopLevel(s string) []string {
	var (
		out   []string
		depth int
		quote rune
		start int
	)
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '[' || r == '{' || r == '(':
			depth++
		case r == ']' || r == '}' || r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// ActionTakes reports whether the server's action declares input: inputs
// added in point releases (tripleo.parameters.update's validate arrived in
// Queens 8.7.0, Rocky 9.6.0 and Stein 10.5.0) must not be sent to a server
// whose action lacks them, or Mistral refuses the call.
func (c *Client) ActionTakes(ctx context.Context, action, input string) (bool, error) {
	var a *ActionDefinition
	err := retry(ctx, c, "mistral: get action "+action, true, func() error {
		var err error
		a, err = c.GetAction(ctx, action)
		return err
	})
	if err != nil {
		return false, err
	}
	return slices.Contains(a.InputNames(), input), nil
}

// WorkflowTakes reports whether the server's workflow declares input (read
// from its definition).
func (c *Client) WorkflowTakes(ctx context.Context, workflow, input string) (bool, error) {
	var wf *Workflow
	err := retry(ctx, c, "mistral: get workflow "+workflow, true, func() error {
		var err error
		wf, err = c.GetWorkflow(ctx, workflow)
		return err
	})
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(wf.Inputs, func(in Input) bool { return in.Name == input }), nil
}
