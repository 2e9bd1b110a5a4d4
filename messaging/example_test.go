package messaging_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/tripleo-go/sdk/messaging"
	"github.com/tripleo-go/sdk/tripleo"
)

// A Memory Notifier wrapped in a Mirror: the subscriber takes the message,
// and the mirror copies it to a channel sink.
func ExampleMirror() {
	mem := messaging.NewMemory()
	copies := make(chan tripleo.Message, 16)
	sink := messaging.ChanSink(copies)
	n := messaging.NewMirror(mem, sink)
	defer n.Close()

	sub, err := n.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()

	_, err = mem.Publish("tripleo", map[string]any{
		"type": "tripleo.plan_management.v1.create_deployment_plan",
		"payload": map[string]any{
			"status": "SUCCESS", "message": "Plan created.", "execution_id": "e-1", "plan_name": "overcloud",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	<-sub.Ready()
	for _, m := range sub.Take() {
		fmt.Println("taken:", m.Type, m.Status(), m.Payload.Message)
	}
	m := <-copies
	fmt.Println("mirrored:", m.Queue, m.ID, m.Payload.ExecutionID, m.Payload.PlanName, "dropped:", sink.Dropped())
	// Output:
	// taken: tripleo.plan_management.v1.create_deployment_plan SUCCESS Plan created.
	// mirrored: tripleo tripleo-1 e-1 overcloud dropped: 0
}

// Replay delivers what the queue retains before new messages.
func ExampleMemory_replay() {
	mem := messaging.NewMemory()
	for _, status := range []string{"RUNNING", "SUCCESS"} {
		mem.Publish("tripleo", map[string]any{"type": "tripleo.baremetal.v1.provide",
			"payload": map[string]any{"status": status, "execution_id": "e-2"}})
	}
	sub, _ := mem.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{Replay: true})
	defer sub.Close()
	for _, m := range sub.Take() {
		fmt.Println(m.ID, m.Status(), m.Payload.Belongs("e-2"))
	}
	// Output:
	// tripleo-1 RUNNING true
	// tripleo-2 SUCCESS true
}

// The Zaqar REST Notifier plugged into a Client with UseZaqar, against a
// one-message Zaqar (an httptest server). Flush reads the queue at once.
func ExampleUseZaqar() {
	var listings atomic.Int32
	zaqar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v2/queues/tripleo/messages" ||
			r.Header.Get("Client-ID") == "" || r.Header.Get("X-Project-ID") == "" || r.URL.Query().Get("echo") != "true" {
			http.Error(w, `{"title": "unexpected request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if listings.Add(1) > 1 || r.URL.Query().Get("marker") != "" {
			fmt.Fprint(w, `{"messages": [], "links": []}`)
			return
		}
		fmt.Fprint(w, `{"messages": [{"id": "5f1a", "href": "/v2/queues/tripleo/messages/5f1a", "ttl": 3600, "age": 0,
			"body": {"type": "tripleo.baremetal.v1.register_or_update",
			         "payload": {"status": "SUCCESS", "message": "Nodes set to available.", "execution_id": "e-3",
			                     "registered_nodes": [{"uuid": "n-1"}]}}}],
			"links": [{"rel": "next", "href": "/v2/queues/tripleo/messages?marker=5f1a&limit=20&echo=true"}]}`)
	}))
	defer zaqar.Close()

	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: zaqar.URL, Zaqar: zaqar.URL},
		messaging.UseZaqar(messaging.ZaqarOpts{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	z := c.Notifier.(*messaging.Zaqar)
	defer z.Close()
	sub, err := z.Subscribe(context.Background(), "tripleo", tripleo.SubscribeOpts{Replay: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()
	if err := z.Flush(context.Background(), "tripleo"); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range sub.Take() {
		var nodes []struct{ UUID string }
		m.Payload.Decode("registered_nodes", &nodes)
		fmt.Println(m.ID, m.Status(), m.Payload.Message, nodes[0].UUID)
	}
	// Output:
	// 5f1a SUCCESS Nodes set to available. n-1
}
