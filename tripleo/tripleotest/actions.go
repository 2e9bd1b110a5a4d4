package tripleotest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"
)

// actCtx is what an action's Go function gets.
type actCtx struct {
	u   *Undercloud
	ctx context.Context
	in  map[string]any
	def *actDef
}

func (a *actCtx) str(k string) string { return asString(a.in[k]) }

// raised is an exception an action raises (rather than returning an error
// Result): Mistral wraps its text in "Failed to run action [...]".
type raised struct{ msg string }

func (e *raised) Error() string { return e.msg }

func raise(format string, args ...any) error { return &raised{fmt.Sprintf(format, args...)} }

func actNull(*actCtx) (any, error) { return nil, nil }

// runAction runs an action; it returns its result, or its error text as Mistral reports it.
func (u *Undercloud) runAction(ctx context.Context, d *actDef, input map[string]any) (any, string) {
	if d.run == nil {
		return nil, "tripleotest does not simulate action " + d.name
	}
	res, err := d.run(&actCtx{u: u, ctx: ctx, in: input, def: d})
	if err == nil {
		return normalize(res), ""
	}
	if r, ok := err.(*raised); ok {
		return nil, fmt.Sprintf("Failed to run action [action_ex_id=%s, action_cls='<class 'mistral.actions.action_factory.%s'>', attributes='{}', params='%s']\n %s",
			uuid.NewString(), d.class, pyRepr(input, false), r.msg)
	}
	return nil, err.Error()
}

// yamlDump renders v as YAML (plan environments, messages stored in Swift).
func yamlDump(v any) []byte {
	b, err := yaml.Marshal(plain(v))
	if err != nil {
		return []byte("{}\n")
	}
	return b
}

// yamlLoad parses YAML into plain JSON-like values.
func yamlLoad(b []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return normalize(v), nil
}

// plain converts json.Number values to int64 or float64 (for YAML).
func plain(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = plain(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plain(x)
		}
		return out
	}
	return v
}
