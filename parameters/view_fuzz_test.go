package parameters

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/tripleo-go/sdk/plan"
	"github.com/tripleo-go/sdk/tripleo"
)

// FuzzParseView parses tripleo.parameters.get_flatten's result. An error
// names its subject; a view lists each parameter once, sorted, found by
// Parameter; the values of hidden, given-as-secret and password parameters
// (and environment values under secret names) are tripleo.Secret.
func FuzzParseView(f *testing.F) {
	b, err := os.ReadFile("testdata/get_flatten.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, s := range []string{
		`{"heat_resource_tree": {"parameters": {"": {"name": "A"}, "A": {"type": "String"}}}}`,
		`{"heat_resource_tree": {"parameters": {"Db": {"noEcho": "TRUE", "default": {"a": [1]}, "value": 5}}, "resources": {"r1": {"name": "Root", "parameters": ["Db"], "resources": ["r2"]}, "r2": {"id": "x", "type": "OS::Heat::ResourceGroup"}}}, "environment_parameters": {"Db": "v", "RabbitCookie": ["c"], "plain": null}}`,
		`{"heat_resource_tree": {"parameters": {"P": null}}, "environment_parameters": null}`,
		`{"heat_resource_tree": null}`,
		`{"environment_parameters": {"AdminPassword": 12345}}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		given := map[string]bool{"Given": true}
		v, err := parseView(raw, given)
		if err != nil {
			if v != nil || !strings.HasPrefix(err.Error(), "flattened parameters: ") {
				t.Fatalf("view %v, error %v", v, err)
			}
			return
		}
		if !sort.SliceIsSorted(v.Parameters, func(i, j int) bool { return v.Parameters[i].Name < v.Parameters[j].Name }) {
			t.Fatalf("parameters not sorted")
		}
		for i, p := range v.Parameters {
			if i > 0 && v.Parameters[i-1].Name == p.Name {
				t.Fatalf("parameter %q listed twice", p.Name)
			}
			if got, ok := v.Parameter(p.Name); !ok || got.Name != p.Name {
				t.Fatalf("Parameter(%q) not found", p.Name)
			}
			if p.Hidden && !secretOrNil(p.Default) {
				t.Fatalf("hidden %q: default %#v", p.Name, p.Default)
			}
			if (p.Hidden || given[p.Name] || plan.IsPasswordParameter(p.Name)) && !secretOrNil(p.Value) {
				t.Fatalf("secret %q: value %#v", p.Name, p.Value)
			}
			if p.Set != hasKey(v.Environment, p.Name) {
				t.Fatalf("%q: Set %v, environment %#v", p.Name, p.Set, v.Environment[p.Name])
			}
		}
		for k, x := range v.Environment {
			if (given[k] || tripleo.SecretKey(k) || plan.IsPasswordParameter(k)) && !secretOrNil(x) {
				t.Fatalf("environment %q: %#v", k, x)
			}
		}
		_, root := v.Root()
		named := false
		for id, r := range v.Resources {
			named = named || r.Name == "Root"
			if r.ID == "" && id != "" {
				t.Fatalf("resource %q without an id", id)
			}
		}
		if root != named {
			t.Fatalf("Root() %v, a resource named Root %v", root, named)
		}
	})
}

func secretOrNil(v any) bool {
	_, ok := v.(tripleo.Secret)
	return v == nil || ok
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
