package deployment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/tripleo-go/sdk/deployment"
	"github.com/tripleo-go/sdk/tripleo"
)

// A Heat that has just created the stack "overcloud": three events, one resource.
func exampleHeat() http.Handler {
	const id = "9a1c8cb6-3b5e-4f37-8d7a-0c6f2b3a1e55"
	stackURL := "/v1/admin/stacks/overcloud/" + id
	event := func(n int, res, status, reason string) map[string]any {
		phys := "rand-" + res
		if res == "overcloud" {
			phys = id
		}
		return map[string]any{"id": fmt.Sprint("ev", n), "event_time": fmt.Sprintf("2026-11-24T10:00:0%dZ", n),
			"resource_name": res, "logical_resource_id": res, "physical_resource_id": phys,
			"resource_status": status, "resource_status_reason": reason,
			"links": []any{map[string]any{"rel": "stack", "href": "http://heat" + stackURL}}}
	}
	events := []map[string]any{
		event(1, "overcloud", "CREATE_IN_PROGRESS", "Stack CREATE started"),
		event(2, "Secret", "CREATE_IN_PROGRESS", "state changed"),
		event(3, "Secret", "CREATE_COMPLETE", "state changed"),
		event(4, "overcloud", "CREATE_COMPLETE", "Stack CREATE completed successfully"),
	}
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/admin/stacks/overcloud", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, stackURL, http.StatusFound)
	})
	mux.HandleFunc("GET "+stackURL, func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"stack": map[string]any{"id": id, "stack_name": "overcloud",
			"stack_status": "CREATE_COMPLETE", "stack_status_reason": "Stack CREATE completed successfully",
			"creation_time": "2026-11-24T10:00:00Z",
			"outputs":       []any{map[string]any{"output_key": "KeystoneURL", "output_value": "http://192.0.2.10:5000"}}}})
	})
	mux.HandleFunc("GET "+stackURL+"/resources", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"resources": []any{map[string]any{"resource_name": "Secret",
			"resource_type": "OS::Heat::RandomString", "resource_status": "CREATE_COMPLETE",
			"links": []any{map[string]any{"rel": "stack", "href": "http://heat" + stackURL}}}}})
	})
	mux.HandleFunc("GET "+stackURL+"/events", func(w http.ResponseWriter, r *http.Request) {
		list := events // sort_dir=asc; events after the marker
		if i := slices.IndexFunc(list, func(e map[string]any) bool { return e["id"] == r.URL.Query().Get("marker") }); i >= 0 {
			list = list[i+1:]
		}
		reply(w, map[string]any{"events": list})
	})
	return mux
}

// Follow a Heat stack: its events (with resource counters) as they come, then
// its final status and outputs.
func ExampleFollowStack() {
	heat := httptest.NewServer(exampleHeat())
	defer heat.Close()
	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: "http://127.0.0.1:8989/v2", Heat: heat.URL + "/v1/admin"})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	w, err := deployment.FollowStack(ctx, c, deployment.FollowOpts{Stack: "overcloud", PollMin: 10 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	for ev := range w.Events() {
		fmt.Printf("%-9s %-18s [%s]\n", ev.ResourceName, ev.Status, &ev.Progress)
	}
	st, err := w.Wait(ctx)
	if err != nil {
		fmt.Println("deployment failed:", err)
		return
	}
	fmt.Println(st.Status, st.Outputs["KeystoneURL"])
	// Output:
	// overcloud CREATE_IN_PROGRESS [0/1 done]
	// Secret    CREATE_IN_PROGRESS [0/1 done, 1 in progress]
	// Secret    CREATE_COMPLETE    [1/1 done]
	// overcloud CREATE_COMPLETE    [1/1 done]
	// CREATE_COMPLETE http://192.0.2.10:5000
}
