package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// readObject reads a JSON object given inline ('{"a": 1}'), from a file
// ("@input.json"; YAML too when the name ends in .yaml or .yml) or from
// stdin ("@-"). An empty arg is an empty object. Bad input is a usage error.
func (a *app) readObject(what, arg string) (map[string]any, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return map[string]any{}, nil
	}
	data, name := []byte(arg), "argument"
	if rest, ok := strings.CutPrefix(arg, "@"); ok {
		var err error
		switch rest {
		case "-":
			data, err = io.ReadAll(a.stdin)
			name = "stdin"
		default:
			data, err = os.ReadFile(rest)
			name = rest
		}
		if err != nil {
			return nil, usageErrorf("%s: %v", what, err)
		}
		if ext := strings.ToLower(filepath.Ext(rest)); ext == ".yaml" || ext == ".yml" {
			return decodeYAMLObject(what, name, data)
		}
	}
	return decodeJSONObject(what, name, data)
}

func decodeJSONObject(what, name string, data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, usageErrorf("%s: invalid JSON in %s: %v", what, name, err)
	}
	if dec.More() {
		return nil, usageErrorf("%s: invalid JSON in %s: more than one value", what, name)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, usageErrorf("%s: %s is not a JSON object", what, name)
	}
	return m, nil
}

func decodeYAMLObject(what, name string, data []byte) (map[string]any, error) {
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, usageErrorf("%s: invalid YAML in %s: %v", what, name, err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// readParameters reads the parameters of "parameters update|set": a JSON or
// YAML file (an environment file's parameter_defaults, or a plain mapping),
// then KEY=VALUE arguments, whose VALUE is JSON when it parses as JSON
// (3, true, ["a"], "quoted") and a string otherwise. Values of password
// parameters become tripleo.Secret, so they never appear in errors or logs.
func (a *app) readParameters(file string, kvs []string) (map[string]any, error) {
	params := map[string]any{}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, usageErrorf("parameters: %v", err)
		}
		m, err := decodeYAMLObject("parameters", file, data)
		if err != nil {
			return nil, err
		}
		if pd, ok := m["parameter_defaults"]; ok {
			if m, ok = pd.(map[string]any); !ok {
				return nil, usageErrorf("parameters: %s: parameter_defaults is not a mapping", file)
			}
		}
		for k, v := range m {
			params[k] = v
		}
	}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageErrorf("parameters: %q is not KEY=VALUE", kv)
		}
		params[strings.TrimSpace(k)] = scalar(v)
	}
	for k, v := range params {
		if s, ok := v.(string); ok && plan.IsPasswordParameter(k) {
			params[k] = tripleo.Secret(s)
		}
	}
	return params, nil
}

// scalar parses a KEY=VALUE value: JSON if it is JSON, else the text itself.
func scalar(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		return v
	}
	return s
}

// jsonDecode decodes one JSON value from r into v (numbers as json.Number in
// generic values), rejecting trailing data.
func jsonDecode(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one value")
	}
	return nil
}

// plural renders "1 node" / "3 nodes".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
