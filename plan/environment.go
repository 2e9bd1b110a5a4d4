package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/objects"
	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/internal/plancheck"
	"github.com/tripleo-go/sdk/tripleo"
)

// Environment is a plan's plan-environment.yaml: the plan's stored parameters
// (Pike and later; Newton and Ocata kept them in a Mistral environment).
//
// Passwords are tripleo.Secret values. Most are strings; a few are structured
// (KeystoneFernetKeys is a map of key paths to {content}, MigrationSshKey is
// {private_key, public_key}): their Secret holds the value as compact JSON, so
// that it never prints either; decode it with json.Unmarshal([]byte(s.Reveal()), &v).
//
// Printing an Environment with any fmt verb (and logging it with slog) shows
// its fields with passwords, and parameter values whose names look secret,
// replaced by "***".
type Environment struct {
	// Version is the file's version, as written ("1.0").
	Version string
	// Name is the plan name (forced to the container name, as tripleo-common does).
	Name string
	// Description is free text.
	Description string
	// Template is the root template object (usually "overcloud.yaml").
	Template string
	// Environments are the environment files in order.
	Environments []EnvironmentEntry
	// ParameterDefaults are the user's parameter values.
	ParameterDefaults map[string]any
	// ResourceRegistry maps resource types to templates.
	ResourceRegistry map[string]any
	// Passwords are the generated passwords (see the type doc for structured ones).
	Passwords map[string]tripleo.Secret
	// DerivedParameters are the values derive-params computed.
	DerivedParameters map[string]any
	// WorkflowParameters map a workflow name to the inputs the CLI runs it with before a deploy.
	WorkflowParameters map[string]any
	// Other holds any other top-level key, as parsed.
	Other map[string]any
}

// EnvironmentEntry is one entry of Environment.Environments: a Swift object
// path, or inline data.
type EnvironmentEntry struct {
	// Path is an object of the plan container, e.g. "environments/docker.yaml".
	Path string
	// Data is an inline environment (when Path is empty).
	Data map[string]any
}

// ParseEnvironment parses the text of a plan-environment.yaml (YAML, or JSON,
// which is YAML too).
func ParseEnvironment(data []byte) (*Environment, error) {
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("plan environment: %w", yamlError(err))
	}
	e := &Environment{}
	for key, node := range raw {
		node := node
		var err error
		switch key {
		case "version":
			e.Version = node.Value
		case "name":
			err = node.Decode(&e.Name)
		case "description":
			err = node.Decode(&e.Description)
		case "template":
			err = node.Decode(&e.Template)
		case "environments":
			var list []map[string]any
			if err = node.Decode(&list); err == nil {
				for _, m := range list {
					ent := EnvironmentEntry{}
					ent.Path, _ = m["path"].(string)
					if d, ok := stringKeys(m["data"]).(map[string]any); ok {
						ent.Data = d
					}
					e.Environments = append(e.Environments, ent)
				}
			}
		case "parameter_defaults":
			err = node.Decode(&e.ParameterDefaults)
		case "resource_registry":
			err = node.Decode(&e.ResourceRegistry)
		case "derived_parameters":
			err = node.Decode(&e.DerivedParameters)
		case "workflow_parameters":
			err = node.Decode(&e.WorkflowParameters)
		case "passwords":
			e.Passwords, err = decodePasswords(&node)
		default:
			var v any
			if err = node.Decode(&v); err == nil {
				if e.Other == nil {
					e.Other = map[string]any{}
				}
				e.Other[key] = v
			}
		}
		if err != nil {
			return nil, fmt.Errorf("plan environment: %s: %w", key, yamlError(err))
		}
	}
	for _, m := range []*map[string]any{&e.ParameterDefaults, &e.ResourceRegistry, &e.DerivedParameters, &e.WorkflowParameters, &e.Other} {
		*m = stringKeys(*m).(map[string]any)
	}
	return e, nil
}

// yamlTypeError reads one message of a *yaml.TypeError: "line N: cannot
// unmarshal !!tag `value` into type" (the value cut to 7 bytes and "...").
var yamlTypeError = regexp.MustCompile(`(?s)^(line \d+: cannot unmarshal \S+)(?: .*)? (into .+)$`)

// yamlQuoted is text a yaml message quotes from the input: an anchor name
// ("unknown anchor 'x' referenced", where "*x" was meant as a value), a key.
var yamlQuoted = regexp.MustCompile("'[^']*'|\"[^\"]*\"|`[^`]*`")

// yamlError returns err's message without the input it quotes: a
// *yaml.TypeError quotes the start of the values it could not decode (a
// password, in a malformed file), a syntax error the name of an unknown
// anchor (a password starting with "*" written without quotes). Type errors
// keep their line, YAML tag and Go type; quoted text longer than 3 bytes
// becomes "…". The yaml error is not kept in the chain.
func yamlError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return errors.New(maskQuoted(err.Error()))
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		if g := yamlTypeError.FindStringSubmatch(m); g != nil {
			msgs[i] = g[1] + " " + g[2]
		} else {
			msgs[i] = maskQuoted(m)
		}
	}
	return errors.New("yaml: unmarshal errors: " + strings.Join(msgs, "; "))
}

func maskQuoted(s string) string {
	return yamlQuoted.ReplaceAllStringFunc(s, func(q string) string {
		if len(q) <= 5 {
			return q
		}
		return q[:1] + "…" + q[len(q)-1:]
	})
}

// stringKeys turns the mappings that YAML decodes with keys other than
// strings (map[any]any: 1, true, null, ...) into map[string]any at any depth,
// the keys written as JSON would write them, so that the environment marshals
// to JSON (and prints) like tripleo-common's json.dumps of the same file. A
// string key wins over another key written the same.
func stringKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = stringKeys(x)
		}
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if s, ok := k.(string); ok {
				out[s] = stringKeys(x)
			}
		}
		for k, x := range t {
			if _, ok := k.(string); ok {
				continue
			}
			key := "null"
			if k != nil {
				key = fmt.Sprint(k)
			}
			if _, taken := out[key]; !taken {
				out[key] = stringKeys(x)
			}
		}
		return out
	case []any:
		for i := range t {
			t[i] = stringKeys(t[i])
		}
	}
	return v
}

// decodePasswords turns the passwords mapping into Secrets: scalars as their
// text, anything else as compact JSON.
func decodePasswords(node *yaml.Node) (map[string]tripleo.Secret, error) {
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil, nil
	}
	if node.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: passwords is not a mapping", node.Line)
	}
	out := make(map[string]tripleo.Secret, len(node.Content)/2)
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i].Value, node.Content[i+1]
		if v.Kind == yaml.ScalarNode {
			if v.Tag == "!!null" {
				out[k] = ""
			} else {
				out[k] = tripleo.Secret(v.Value)
			}
			continue
		}
		var x any
		if err := v.Decode(&x); err != nil {
			return nil, fmt.Errorf("line %d: password %s: cannot be decoded", v.Line, k)
		}
		b, err := json.Marshal(stringKeys(x))
		if err != nil {
			return nil, fmt.Errorf("line %d: password %s: cannot be encoded as JSON", v.Line, k)
		}
		out[k] = tripleo.Secret(b)
	}
	return out, nil
}

// GetEnvironmentOpts are the inputs of GetEnvironment.
type GetEnvironmentOpts struct {
	// Plan is the plan to read (required; see ValidateName).
	Plan string
}

// Validate reports every problem with the options, joined, as *tripleo.ValidationError.
func (o GetEnvironmentOpts) Validate() error { return checkName("plan", o.Plan) }

// GetEnvironment reads plan-environment.yaml from the plan container in
// Swift. A missing object gives a *tripleo.APIError matching
// tripleo.ErrNotFound.
func GetEnvironment(ctx context.Context, c *tripleo.Client, opts GetEnvironmentOpts) (*Environment, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	container := opts.Plan
	if err := c.Need("object-store"); err != nil {
		return nil, err
	}
	op := "swift: get " + container + "/" + EnvironmentObject
	var data []byte
	err := c.Idempotent(ctx, op, func() error {
		res := objects.Download(ctx, c.ObjectStore, container, EnvironmentObject, nil)
		var err error
		data, err = res.ExtractContent()
		return err
	})
	if err != nil {
		return nil, plancheck.Wrap(ctx, c, container, "read the plan environment", tripleo.WrapHTTP(op, err))
	}
	e, err := ParseEnvironment(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if e.Name != container {
		e.Name = container
	}
	return e, nil
}

// Password returns the named password and whether it is set.
func (e *Environment) Password(name string) (tripleo.Secret, bool) {
	s, ok := e.Passwords[name]
	return s, ok
}

// secretParam matches parameter names that look secret, beyond
// tripleo.SecretKey: THT's CamelCase key, passphrase and certificate parameters.
var secretParam = regexp.MustCompile(`(?i)(password|secret|token|keys?$|kek$|cookie$|passphrase|private|fsid$|credential|authkey|ssl_?key|certificate)`)

// maskParams masks the values of password parameters (IsPasswordParameter,
// tripleo.SecretKey, or a name of extra, the plan's generated passwords) at any depth.
func maskParams(v any, extra map[string]tripleo.Secret) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			_, generated := extra[k]
			if x != nil && x != "" && (generated || IsPasswordParameter(k) || tripleo.SecretKey(k)) {
				out[k] = "***"
				continue
			}
			out[k] = maskParams(x, extra)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = maskParams(t[i], extra)
		}
		return out
	}
	return v
}

// String renders the environment with every secret masked.
func (e Environment) String() string {
	var b strings.Builder
	b.WriteString("plan.Environment{")
	field := func(name string, v any) {
		if b.Len() > len("plan.Environment{") {
			b.WriteString(", ")
		}
		j, _ := json.Marshal(v)
		b.WriteString(name)
		b.WriteString(": ")
		b.Write(j)
	}
	field("version", e.Version)
	field("name", e.Name)
	if e.Description != "" {
		field("description", e.Description)
	}
	field("template", e.Template)
	envs := make([]any, 0, len(e.Environments))
	for _, x := range e.Environments {
		if x.Path != "" {
			envs = append(envs, map[string]any{"path": x.Path})
		} else {
			envs = append(envs, map[string]any{"data": maskParams(x.Data, e.Passwords)})
		}
	}
	field("environments", envs)
	field("parameter_defaults", maskParams(e.ParameterDefaults, e.Passwords))
	if len(e.ResourceRegistry) > 0 {
		field("resource_registry", e.ResourceRegistry)
	}
	pw := make(map[string]string, len(e.Passwords))
	for _, k := range sortedKeys(e.Passwords) {
		pw[k] = e.Passwords[k].String()
	}
	field("passwords", pw)
	if len(e.DerivedParameters) > 0 {
		field("derived_parameters", maskParams(e.DerivedParameters, e.Passwords))
	}
	if len(e.WorkflowParameters) > 0 {
		field("workflow_parameters", maskParams(e.WorkflowParameters, e.Passwords))
	}
	if len(e.Other) > 0 {
		field("other", maskParams(e.Other, e.Passwords))
	}
	b.WriteString("}")
	return b.String()
}

// GoString renders like String.
func (e Environment) GoString() string { return e.String() }

// Format prints String for every verb (%q quotes it), so that no verb reaches
// the fields themselves.
func (e Environment) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", e.String())
		return
	}
	fmt.Fprint(f, e.String())
}

// LogValue logs String.
func (e Environment) LogValue() slog.Value { return slog.StringValue(e.String()) }

// String renders the entry with secret-looking values of inline data masked.
func (x EnvironmentEntry) String() string {
	if x.Path != "" {
		return "{path: " + x.Path + "}"
	}
	b, _ := json.Marshal(maskParams(x.Data, nil))
	return "{data: " + string(b) + "}"
}

// Format prints String for every verb.
func (x EnvironmentEntry) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", x.String())
		return
	}
	fmt.Fprint(f, x.String())
}
