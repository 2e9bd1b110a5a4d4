package parameters

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// View is the flattened parameter view of a plan (what
// tripleo.parameters.get_flatten returns): every parameter of the processed
// templates, the flattened resource tree, and the values the plan sets.
type View struct {
	// Parameters are all template parameters, sorted by name.
	Parameters []Parameter
	// Resources is the flattened resource tree by id; Root returns its root.
	Resources map[string]Resource
	// Environment holds the plan's own values (environment_parameters, i.e. the
	// plan environment's parameter_defaults). Values of hidden parameters, of
	// parameters given as tripleo.Secret and of password parameters
	// (plan.IsPasswordParameter) are tripleo.Secret (structured ones as JSON).
	Environment map[string]any
}

// Parameter is one template parameter.
type Parameter struct {
	// Name is the parameter name.
	Name string
	// Type is the Heat type: String, Number, CommaDelimitedList, Json, Boolean.
	Type string
	// Description and Label are the template's texts.
	Description, Label string
	// Default is the template default; a tripleo.Secret when Hidden.
	Default any
	// Value is the plan's value (from environment_parameters, else from Heat's
	// own "Value"), nil when unset; a tripleo.Secret when Hidden, when it was
	// given as one, or when the name is a password parameter
	// (plan.IsPasswordParameter).
	Value any
	// Set reports whether the plan environment sets the parameter.
	Set bool
	// Hidden is Heat's NoEcho (the parameter is a secret).
	Hidden bool
	// Constraints holds the schema's other keys as flattened (allowedValues,
	// allowedPattern, minLength, maxLength, minValue, maxValue,
	// customConstraint, constraintDescription, tags, ...).
	Constraints map[string]any
}

// Resource is one node of the flattened resource tree.
type Resource struct {
	// ID is the id tripleo-common gave the node (a random UUID per call).
	ID string
	// Name is the resource name ("Root" for the top).
	Name string
	// Type is the resource type, e.g. OS::Heat::ResourceGroup ("" for Root).
	Type string
	// Description is the template's description.
	Description string
	// Parameters names the parameters the resource's template declares.
	Parameters []string
	// Resources are the ids of nested resources.
	Resources []string
	// ParameterGroups are the template's parameter_groups, as returned.
	ParameterGroups []map[string]any
}

// Parameter returns the named parameter.
func (v *View) Parameter(name string) (Parameter, bool) {
	i := sort.Search(len(v.Parameters), func(i int) bool { return v.Parameters[i].Name >= name })
	if i < len(v.Parameters) && v.Parameters[i].Name == name {
		return v.Parameters[i], true
	}
	return Parameter{}, false
}

// Root returns the root resource of the tree (named "Root").
func (v *View) Root() (Resource, bool) {
	for _, r := range v.Resources {
		if r.Name == "Root" {
			return r, true
		}
	}
	return Resource{}, false
}

// known flattened keys (tripleo-common lower-cases the first letter of Heat's keys).
var knownKeys = map[string]bool{"name": true, "type": true, "description": true, "label": true,
	"default": true, "value": true, "noEcho": true, "hidden": true}

// parseView decodes the action result; secret names the parameters the caller
// gave as tripleo.Secret.
func parseView(raw []byte, secret map[string]bool) (*View, error) {
	var r struct {
		Tree struct {
			Parameters map[string]map[string]any `json:"parameters"`
			Resources  map[string]struct {
				ID              string           `json:"id"`
				Name            string           `json:"name"`
				Type            string           `json:"type"`
				Description     string           `json:"description"`
				Parameters      []string         `json:"parameters"`
				Resources       []string         `json:"resources"`
				ParameterGroups []map[string]any `json:"parameter_groups"`
			} `json:"resources"`
		} `json:"heat_resource_tree"`
		Env map[string]any `json:"environment_parameters"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		// json errors name types and offsets, never values.
		return nil, fmt.Errorf("flattened parameters: %w", err)
	}
	v := &View{Resources: make(map[string]Resource, len(r.Tree.Resources)), Environment: map[string]any{}}
	hidden := map[string]bool{}
	for name, p := range r.Tree.Parameters {
		if name == "" {
			name, _ = p["name"].(string)
			if _, keyed := r.Tree.Parameters[name]; keyed && name != "" {
				continue // the parameter under its own key wins: one entry per name
			}
		}
		par := Parameter{Name: name}
		par.Type, _ = p["type"].(string)
		par.Description, _ = p["description"].(string)
		par.Label, _ = p["label"].(string)
		par.Hidden = truthy(p["noEcho"]) || truthy(p["hidden"])
		par.Default = p["default"]
		if val, ok := r.Env[name]; ok {
			par.Value, par.Set = val, true
		} else if val, ok := p["value"]; ok {
			par.Value = val
		}
		for k, x := range p {
			if !knownKeys[k] {
				if par.Constraints == nil {
					par.Constraints = map[string]any{}
				}
				par.Constraints[k] = x
			}
		}
		if par.Hidden {
			hidden[name] = true
			par.Default = toSecret(par.Default)
		}
		if par.Hidden || secret[name] || plan.IsPasswordParameter(name) {
			par.Value = toSecret(par.Value)
		}
		v.Parameters = append(v.Parameters, par)
	}
	sort.Slice(v.Parameters, func(i, j int) bool { return v.Parameters[i].Name < v.Parameters[j].Name })
	for id, res := range r.Tree.Resources {
		if res.ID == "" {
			res.ID = id
		}
		v.Resources[id] = Resource{ID: res.ID, Name: res.Name, Type: res.Type, Description: res.Description,
			Parameters: res.Parameters, Resources: res.Resources, ParameterGroups: res.ParameterGroups}
	}
	for k, x := range r.Env {
		if hidden[k] || secret[k] || tripleo.SecretKey(k) || plan.IsPasswordParameter(k) {
			x = toSecret(x)
		}
		v.Environment[k] = x
	}
	return v, nil
}

// truthy reads Heat's NoEcho, which arrives as "true"/"false" or a boolean.
func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return strings.EqualFold(t, "true")
	}
	return false
}

// toSecret wraps a value in a tripleo.Secret: strings as they are, anything
// else as JSON; nil stays nil.
func toSecret(v any) any {
	switch t := v.(type) {
	case nil:
		return nil
	case tripleo.Secret:
		return t
	case string:
		return tripleo.Secret(t)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return tripleo.Secret("")
	}
	return tripleo.Secret(b)
}
