package tripleo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// addSeeds adds the files of testdata/seeds matching pattern.
func addSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "seeds", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds %s: %v", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// maxInputsError bounds the text of a ParseInputs error beyond the workflow
// name (which it may quote): it ends up in a CLI's one-line error.
const maxInputsError = 1024

func FuzzParseInputs(f *testing.F) {
	for _, file := range []string{"workbook-plan-management.yaml", "workflow-register.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "seeds", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), "tripleo.plan_management.v1.create_deployment_plan")
		f.Add(string(b), "tripleo.baremetal.v1.register_or_update")
	}
	for _, s := range []string{
		"input:\n  - container\n  - queue_name: tripleo\ntasks: {}\n",
		"input: [a, {b: 1, c: [x, y]}, {d: {e: null}}]\n",
		"input: [[a, b]]\ntasks: {}\n",
		"input: [{a: &x [1, 2, 3]}, {b: *x}, *x]\n",
		"workflows: {workflows: {w: {input: [x]}}}\n",
		"version: '2.0'\nw1: {input: [a]}\nw2: {tasks: {}}\n",
		"input: [!!binary aGVsbG8=, {.nan: 1}, {2001-12-14: t}]\n",
		"input: [{a: 2001-12-14t21:59:43.10-05:00}, {b: .inf}, {c: 0x1F}, {d: 1e400}]\n",
		"input:\n",
		"- a\n- b\n",
		"{\"input\": [\"a\", {\"b\": null}]}",
	} {
		f.Add(s, "x.y")
	}

	f.Fuzz(func(t *testing.T, definition, name string) {
		inputs, err := ParseInputs(definition, name)
		if err != nil {
			if inputs != nil {
				t.Fatalf("inputs and an error")
			}
			if n := len(err.Error()) - len(strconv.Quote(name)); n > maxInputsError {
				t.Fatalf("error text of %d bytes: %.200s...", n, err)
			}
			return
		}
		again, err := ParseInputs(definition, name)
		if err != nil || fmt.Sprintf("%#v", again) != fmt.Sprintf("%#v", inputs) {
			t.Fatalf("not deterministic:\n%#v\n%#v (%v)", inputs, again, err)
		}

		// The inputs written back as a standalone workflow read back the same.
		list := make([]any, 0, len(inputs))
		required := 0
		for _, in := range inputs {
			if in.Required {
				if in.Default != nil {
					t.Fatalf("required input %q has a default %#v", in.Name, in.Default)
				}
				required++
				list = append(list, in.Name)
				continue
			}
			list = append(list, map[string]any{in.Name: in.Default})
		}
		text, err := yaml.Marshal(map[string]any{"input": list, "tasks": map[string]any{}})
		if err != nil {
			t.Fatalf("inputs do not marshal: %v", err)
		}
		back, err := ParseInputs(string(text), name)
		if err != nil {
			t.Fatalf("written inputs do not parse: %v\n%s", err, text)
		}
		if fmt.Sprintf("%#v", back) != fmt.Sprintf("%#v", inputs) {
			t.Fatalf("inputs changed on a round trip:\n%#v\n%#v\n%s", inputs, back, text)
		}

		// CheckInput: one problem per missing required input, none when all are given.
		if n := len(Problems(CheckInput(inputs, nil))); n != required {
			t.Fatalf("%d problems for %d required inputs", n, required)
		}
		all := map[string]any{}
		for _, in := range inputs {
			all[in.Name] = 1
		}
		if err := CheckInput(inputs, all); err != nil {
			t.Fatalf("every input given: %v", err)
		}
	})
}

// mistralBodies are the Mistral objects whose JSON-string fields decode into Objects.
type mistralBodies struct {
	Execution       Execution
	Task            Task
	Environment     Environment
	ActionExecution ActionExecution
}

func FuzzMistralObject(f *testing.F) {
	addSeeds(f, "*.json")
	for _, s := range []string{
		`{"output": {"a": 1}, "input": "{\"b\": [1, 2]}", "params": null, "variables": "null", "published": ""}`,
		`{"output": "{\"result\": \"{\\\"password\\\": \\\"x\\\"}\"}", "input": " {} "}`,
		`{"output": "{\"a\": 1, \"a\": 2, \"token\": {\"x\": 1}}", "input": "\"{}\""}`,
		`{"output": "[1]"}`,
		`{"output": 5}`,
		`{"output": "{\"pass\": \"\", \"secret\": null, \"private_key\": false}"}`,
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		var b mistralBodies
		b.Execution = decodeOr[Execution](t, data)
		b.Task = decodeOr[Task](t, data)
		b.Environment = decodeOr[Environment](t, data)
		b.ActionExecution = decodeOr[ActionExecution](t, data)
		for name, o := range map[string]Object{
			"execution input": b.Execution.Input, "execution output": b.Execution.Output, "execution params": b.Execution.Params,
			"task published": b.Task.Published, "environment variables": b.Environment.Variables,
			"action input": b.ActionExecution.Input, "action output": b.ActionExecution.Output,
		} {
			checkObject(t, name, o)
		}
	})
}

// decodeOr decodes data as the client does (json.Unmarshal of the body); an
// error must come from encoding/json or name the field that is not an object.
func decodeOr[T any](t *testing.T, data []byte) T {
	var v T
	err := json.Unmarshal(data, &v)
	if err == nil {
		return v
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &syn) && !errors.As(err, &typ) && !strings.HasPrefix(err.Error(), "not a JSON object: ") {
		t.Fatalf("%T: unexpected error %T: %v", v, err, err)
	}
	var zero T
	return zero
}

// checkObject: an Object reads the same inline and as a JSON string, every key
// decodes, and its printed form is JSON with the same keys and secrets masked.
func checkObject(t *testing.T, name string, o Object) {
	if o == nil {
		return
	}
	inline, err := json.Marshal(map[string]json.RawMessage(o))
	if err != nil {
		t.Fatalf("%s: raw values do not marshal: %v", name, err)
	}
	quoted, _ := json.Marshal(string(inline))
	for _, form := range [][]byte{inline, quoted} {
		var back Object
		if err := json.Unmarshal(form, &back); err != nil {
			t.Fatalf("%s: %s does not read back: %v", name, form, err)
		}
		if len(back) != len(o) {
			t.Fatalf("%s: %d keys, then %d from %s", name, len(o), len(back), form)
		}
		for k, raw := range o {
			if !jsonEqual(raw, back[k]) {
				t.Fatalf("%s: key %q: %s, then %s", name, k, raw, back[k])
			}
		}
	}
	m := o.Map()
	if len(m) != len(o) {
		t.Fatalf("%s: Map has %d keys, the object %d", name, len(m), len(o))
	}
	for k := range o {
		var v any
		if _, err := o.Decode(k, &v); err != nil {
			t.Fatalf("%s: Decode(%q): %v", name, k, err)
		}
	}
	masked := o.Masked()
	if s := fmt.Sprint(o); s != masked {
		t.Fatalf("%s: printed %s, masked %s", name, s, masked)
	}
	var mm map[string]any
	if err := json.Unmarshal([]byte(masked), &mm); err != nil {
		t.Fatalf("%s: masked form is not JSON: %v\n%s", name, err, masked)
	}
	if len(mm) != len(o) {
		t.Fatalf("%s: masked form has %d keys, the object %d", name, len(mm), len(o))
	}
	for k, v := range m {
		if SecretKey(k) && v != nil && v != "" && mm[k] != "***" {
			t.Fatalf("%s: secret key %q not masked: %s", name, k, masked)
		}
	}
}

// jsonEqual compares two JSON texts by their values (numbers as written).
func jsonEqual(a, b []byte) bool {
	x, errA := decodeNumber(a)
	y, errB := decodeNumber(b)
	return errA == nil && errB == nil && reflect.DeepEqual(x, y)
}

func decodeNumber(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func FuzzServerMessage(f *testing.F) {
	for _, s := range []string{
		`{"faultcode": "Client", "faultstring": "Workflow not found [name=x]", "debuginfo": null}`,
		`{"title": "Invalid API request", "description": "Malformed hexadecimal UUID."}`,
		`{"error": {"type": "StackExists", "message": "The Stack (s1) already exists."}, "code": 409}`,
		`{"error_message": "{\"faultcode\": \"Client\", \"faultstring\": \"Node n1 could not be found.\", \"debuginfo\": null}"}`,
		`{"error_message": "{\"error_message\": \"{\\\"message\\\": \\\"deep\\\"}\"}"}`,
		`<html><h1>Conflict</h1><p>There was a conflict</p></html>`,
		"<html>\n<head><title>503 Service Unavailable</title></head>\n<body>No server is available to handle this request.</body></html>",
		strings.Repeat("é", 300),
		"<p>Stack update failed: x" + strings.Repeat("€", 200) + "</p>",
		`{"error": {"message": "` + strings.Repeat("Property error: resources.Controller.properties.count: ", 12) + `", "type": "StackValidationFailed"}}`,
		`{"message": ""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := ServerMessage(body)
		if utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 in, invalid out: %q", msg)
		}
		if len(msg) > maxServerMessage+len("...") {
			t.Fatalf("message of %d bytes", len(msg))
		}
	})
}
