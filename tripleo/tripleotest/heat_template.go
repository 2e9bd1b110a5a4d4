package tripleotest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Heat templates, as far as the double needs them: parameters with defaults
// and types, get_param, resource_registry mappings (type → type or template
// file), template resources (nested stacks), OS::Heat::ResourceGroup (count,
// resource_def, %index%), depends_on, and the validation errors Heat gives for
// unknown types, missing and badly typed parameters.

// heatInput is what a stack operation receives.
type heatInput struct {
	template map[string]any
	files    map[string]string
	env      map[string]any // parameters, parameter_defaults, resource_registry
	params   map[string]any
}

// parseTemplate reads a template given as an object or as YAML/JSON text.
func parseTemplate(v any) (map[string]any, error) {
	switch t := v.(type) {
	case map[string]any:
		return t, nil
	case string:
		var m map[string]any
		if err := yaml.Unmarshal([]byte(t), &m); err != nil {
			return nil, err
		}
		return normalize(m).(map[string]any), nil
	case nil:
		return nil, fmt.Errorf("no template")
	}
	return nil, fmt.Errorf("template is not a mapping")
}

// mergeEnv merges environment b into a (parameter_defaults and parameters
// key by key, resource_registry entry by entry; later wins).
func mergeEnv(a, b map[string]any) map[string]any {
	out := copyMap(a)
	for k, v := range b {
		switch k {
		case "parameter_defaults", "parameters", "resource_registry":
			m := asMap(out[k])
			if m == nil {
				m = map[string]any{}
			}
			for kk, vv := range asMap(v) {
				m[kk] = deepCopy(vv)
			}
			out[k] = m
		default:
			out[k] = deepCopy(v)
		}
	}
	return out
}

// paramValues resolves every template parameter: given > env parameters >
// parameter_defaults > default; a missing required parameter is an error.
func paramValues(tmpl map[string]any, in heatInput) (map[string]any, []string, error) {
	return paramValuesCheck(tmpl, in, true)
}

// paramValuesCheck is paramValues; with strict false badly typed values are
// kept as given (Heat's POST /validate does not check parameter_defaults values).
func paramValuesCheck(tmpl map[string]any, in heatInput, strict bool) (map[string]any, []string, error) {
	decl := asMap(tmpl["parameters"])
	vals := map[string]any{}
	var hidden []string
	names := sortedKeys(decl)
	for _, name := range names {
		d := asMap(decl[name])
		if asBool(d["hidden"]) {
			hidden = append(hidden, name)
		}
		v, ok := in.params[name]
		if !ok {
			v, ok = asMap(in.env["parameters"])[name]
		}
		if !ok {
			v, ok = asMap(in.env["parameter_defaults"])[name]
		}
		if !ok {
			v, ok = d["default"]
		}
		if !ok {
			return nil, nil, fmt.Errorf("The Parameter (%s) was not provided.", name)
		}
		cv, err := coerceParam(asString(d["type"]), v)
		if err != nil && strict {
			return nil, nil, fmt.Errorf("Parameter '%s' is invalid: %s", name, err)
		}
		if err != nil {
			cv = v
		}
		vals[name] = cv
	}
	return vals, hidden, nil
}

var boolValues = "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"

// coerceParam checks a value against a Heat parameter type, with Heat's messages.
func coerceParam(typ string, v any) (any, error) {
	switch strings.ToLower(typ) {
	case "number":
		switch t := v.(type) {
		case json.Number, float64, int:
			return t, nil
		}
		s := asString(v)
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, fmt.Errorf("could not convert string to float: '%s'", s)
		}
		return json.Number(s), nil
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		s := strings.ToLower(asString(v))
		switch s {
		case "1", "t", "true", "y", "yes", "on":
			return true, nil
		case "0", "f", "false", "n", "no", "off":
			return false, nil
		}
		return nil, fmt.Errorf("Unrecognized value \"%s\", acceptable values are: %s", asString(v), boolValues)
	case "comma_delimited_list":
		if l, ok := v.([]any); ok {
			return l, nil
		}
		var out []any
		for _, s := range strings.Split(asString(v), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	return v, nil
}

// resolve evaluates get_param in v (other intrinsic functions are kept as they are).
func resolve(v any, params map[string]any) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			if p, ok := t["get_param"]; ok {
				switch pt := p.(type) {
				case string:
					return params[pt]
				case []any:
					cur := params[asString(pt[0])]
					for _, k := range pt[1:] {
						switch c := cur.(type) {
						case map[string]any:
							cur = c[asString(k)]
						case []any:
							i := asInt(k, -1)
							if i < 0 || i >= len(c) {
								return nil
							}
							cur = c[i]
						default:
							return nil
						}
					}
					return cur
				}
			}
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = resolve(x, params)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = resolve(x, params)
		}
		return out
	}
	return v
}

// resDef is a resource of a resolved template.
type resDef struct {
	name      string
	typ       string // type as written
	impl      string // after the registry: a built-in type or "" for a template
	file      string // template file of a template resource
	props     map[string]any
	dependsOn []string
}

var builtinPrefixes = []string{"OS::Heat::", "OS::Nova::", "OS::Neutron::", "OS::Swift::", "OS::Keystone::", "OS::Glance::", "OS::Cinder::", "OS::Mistral::", "OS::Zaqar::", "OS::Ironic::", "AWS::"}

func builtin(t string) bool {
	for _, p := range builtinPrefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// mapType follows resource_registry mappings to a built-in type or a template file.
func mapType(typ string, registry map[string]any, files map[string]string) (impl, file string, err error) {
	for range 10 {
		if _, ok := files[typ]; ok {
			return "", typ, nil
		}
		next, ok := registry[typ]
		if !ok {
			if builtin(typ) {
				return typ, "", nil
			}
			return "", "", fmt.Errorf("The Resource Type (%s) could not be found.", typ)
		}
		typ = asString(next)
	}
	return "", "", fmt.Errorf("The Resource Type (%s) could not be found.", typ)
}

// resources lists a template's resources resolved against params and the registry, ordered so
// that dependencies come first (then by name).
func resources(tmpl map[string]any, params map[string]any, registry map[string]any, files map[string]string) ([]resDef, error) {
	rs := asMap(tmpl["resources"])
	var out []resDef
	for _, name := range sortedKeys(rs) {
		r := asMap(rs[name])
		typ := asString(r["type"])
		impl, file, err := mapType(typ, registry, files)
		if err != nil {
			return nil, err
		}
		d := resDef{name: name, typ: typ, impl: impl, file: file, props: asMap(resolve(r["properties"], params))}
		switch dep := r["depends_on"].(type) {
		case string:
			d.dependsOn = []string{dep}
		case []any:
			d.dependsOn = asStrings(dep)
		}
		if impl == "OS::Heat::ResourceGroup" {
			def := asMap(d.props["resource_def"])
			if _, _, err := mapType(asString(def["type"]), registry, files); err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
	return topoSort(out), nil
}

func topoSort(rs []resDef) []resDef {
	byName := map[string]resDef{}
	for _, r := range rs {
		byName[r.name] = r
	}
	done := map[string]bool{}
	var out []resDef
	var visit func(r resDef, depth int)
	visit = func(r resDef, depth int) {
		if done[r.name] || depth > len(rs) {
			return
		}
		for _, d := range r.dependsOn {
			if dr, ok := byName[d]; ok {
				visit(dr, depth+1)
			}
		}
		if !done[r.name] {
			done[r.name] = true
			out = append(out, r)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].name < rs[j].name })
	for _, r := range rs {
		visit(r, 0)
	}
	return out
}

var indexVar = regexp.MustCompile(`%index%`)

// groupMembers expands a ResourceGroup into its members "0".."count-1".
func groupMembers(d resDef, stackName string) ([]resDef, map[string]any) {
	count := asInt(d.props["count"], 1)
	def := asMap(d.props["resource_def"])
	var members []resDef
	for i := range count {
		props := substitute(def["properties"], strconv.Itoa(i), stackName)
		members = append(members, resDef{name: strconv.Itoa(i), typ: asString(def["type"]), props: asMap(props)})
	}
	return members, def
}

func substitute(v any, index, stackName string) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(indexVar.ReplaceAllString(t, index), "%stackname%", stackName)
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			out[k] = substitute(x, index, stackName)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = substitute(x, index, stackName)
		}
		return out
	}
	return v
}

// validateStack checks a whole stack tree (types and parameters of every
// template reached), as Heat does before it accepts a create or update.
func validateStack(in heatInput, depth int, strict bool) error {
	if depth > 8 {
		return nil
	}
	params, _, err := paramValuesCheck(in.template, in, strict)
	if err != nil {
		return err
	}
	registry := asMap(in.env["resource_registry"])
	rs, err := resources(in.template, params, registry, in.files)
	if err != nil {
		return err
	}
	for _, r := range rs {
		file := r.file
		props := r.props
		if r.impl == "OS::Heat::ResourceGroup" {
			def := asMap(r.props["resource_def"])
			_, file, _ = mapType(asString(def["type"]), registry, in.files)
			props = asMap(def["properties"])
		}
		if file == "" {
			continue
		}
		t, err := parseTemplate(in.files[file])
		if err != nil {
			return fmt.Errorf("Failed to parse template %s: %v", file, err)
		}
		if err := validateStack(heatInput{template: t, files: in.files, env: nestedEnv(in.env), params: props}, depth+1, strict); err != nil {
			return err
		}
	}
	return nil
}

// nestedEnv is the environment a nested stack inherits: the registry and
// parameter_defaults (not the parent's parameters).
func nestedEnv(env map[string]any) map[string]any {
	return map[string]any{"resource_registry": env["resource_registry"], "parameter_defaults": env["parameter_defaults"]}
}

// validateTree is Heat's POST /validate answer: Description, Parameters
// (Type, Description, NoEcho, Label, Default = the effective value) and
// NestedParameters of template resources (what parameters.get_flatten flattens).
func validateTree(in heatInput) (map[string]any, error) {
	if err := validateStack(in, 0, false); err != nil {
		return nil, err
	}
	return paramTree(in, 0), nil
}

func paramTree(in heatInput, depth int) map[string]any {
	decl := asMap(in.template["parameters"])
	out := map[string]any{"Description": orDefault(asString(in.template["description"]), "No description")}
	ps := map[string]any{}
	for _, name := range sortedKeys(decl) {
		d := asMap(decl[name])
		p := map[string]any{
			"Type": heatTypeName(asString(d["type"])), "Description": asString(d["description"]),
			"NoEcho": fmt.Sprint(asBool(d["hidden"])), "Label": orDefault(asString(d["label"]), name),
		}
		v, ok := in.params[name]
		if !ok {
			v, ok = asMap(in.env["parameter_defaults"])[name]
		}
		if !ok {
			v, ok = d["default"]
		}
		if ok {
			p["Default"] = v
		}
		ps[name] = p
	}
	out["Parameters"] = ps
	if groups := asList(in.template["parameter_groups"]); groups != nil {
		out["ParameterGroups"] = groups
	}
	if depth > 6 {
		return out
	}
	params, _, _ := paramValuesCheck(in.template, in, false)
	registry := asMap(in.env["resource_registry"])
	rs, _ := resources(in.template, params, registry, in.files)
	nestedOut := map[string]any{}
	for _, r := range rs {
		file, props := r.file, r.props
		typ := r.typ
		if r.impl == "OS::Heat::ResourceGroup" {
			def := asMap(r.props["resource_def"])
			typ = asString(def["type"])
			_, file, _ = mapType(typ, registry, in.files)
			props = asMap(def["properties"])
		}
		if file == "" {
			continue
		}
		t, err := parseTemplate(in.files[file])
		if err != nil {
			continue
		}
		child := paramTree(heatInput{template: t, files: in.files, env: nestedEnv(in.env), params: props}, depth+1)
		child["Type"] = typ
		nestedOut[r.name] = child
	}
	if len(nestedOut) > 0 {
		out["NestedParameters"] = nestedOut
	}
	return out
}

func heatTypeName(t string) string {
	switch strings.ToLower(t) {
	case "number":
		return "Number"
	case "boolean":
		return "Boolean"
	case "comma_delimited_list":
		return "CommaDelimitedList"
	case "json":
		return "Json"
	}
	return "String"
}
