package parameters_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/tripleo-go/sdk/parameters"
	"github.com/tripleo-go/sdk/tripleo"
)

// fakeMistral runs the tripleo.parameters.* actions on an in-memory
// parameter_defaults, with a one-parameter template whose AdminPassword is NoEcho.
func fakeMistral() *httptest.Server {
	var mu sync.Mutex
	env := map[string]any{}
	view := func() map[string]any {
		return map[string]any{
			"heat_resource_tree": map[string]any{
				"parameters": map[string]any{
					"ControllerCount": map[string]any{"type": "Number", "default": 1, "noEcho": "false"},
					"AdminPassword":   map[string]any{"type": "String", "noEcho": "true"},
				},
				"resources": map[string]any{"r1": map[string]any{"id": "r1", "name": "Root", "parameters": []string{"ControllerCount", "AdminPassword"}}},
			},
			"environment_parameters": env,
		}
	}
	h := func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name  string         `json:"name"`
			Input map[string]any `json:"input"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		defer mu.Unlock()
		state, result := "SUCCESS", any(nil)
		if body.Input["container"] != "overcloud" {
			state, result = "ERROR", fmt.Sprintf("Error retrieving environment for plan %v: 404 Not Found", body.Input["container"])
		} else {
			switch body.Name {
			case "tripleo.parameters.update":
				for k, v := range body.Input["parameters"].(map[string]any) {
					env[k] = v
				}
				result = view()
			case "tripleo.parameters.reset":
				env = map[string]any{}
			case "tripleo.parameters.get_flatten":
				result = view()
			}
		}
		out, _ := json.Marshal(map[string]any{"result": result})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "ax", "name": body.Name, "state": state, "output": string(out)})
	}
	return httptest.NewServer(http.HandlerFunc(h))
}

func Example() {
	srv := fakeMistral()
	defer srv.Close()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: srv.URL + "/v2"})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	res, err := parameters.Update(ctx, c, parameters.UpdateOpts{Plan: "overcloud", Parameters: map[string]any{
		"ControllerCount": 3,
		"AdminPassword":   tripleo.Secret("correct horse battery staple"), // sent in full, never printed
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.View.Parameters {
		fmt.Printf("%s = %v (set %v, hidden %v)\n", p.Name, p.Value, p.Set, p.Hidden)
	}

	if err := parameters.Reset(ctx, c, parameters.ResetOpts{Plan: "overcloud"}); err != nil {
		fmt.Println(err)
	}
	v, _ := parameters.Get(ctx, c, parameters.GetOpts{Plan: "overcloud"})
	cc, _ := v.Parameter("ControllerCount")
	fmt.Println("after reset:", cc.Value, "default", cc.Default)

	_, err = parameters.Get(ctx, c, parameters.GetOpts{Plan: "nope"})
	var ae *tripleo.ActionError
	fmt.Println(errors.As(err, &ae), ae.Result)
	// Output:
	// AdminPassword = *** (set true, hidden true)
	// ControllerCount = 3 (set true, hidden false)
	// after reset: <nil> default 1
	// true Error retrieving environment for plan nope: 404 Not Found
}
