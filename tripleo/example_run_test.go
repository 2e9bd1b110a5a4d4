package tripleo_test

import (
	"context"
	"fmt"

	"github.com/tripleo-go/sdk/tripleo"
	"github.com/tripleo-go/sdk/tripleo/tripleotest"
)

// createPlan is a Decoder: the final message's text.
func createPlan(f *tripleo.Final) (string, error) { return f.Text(), nil }

// Start runs a workflow and follows it: its events in order, then its typed
// outcome. Here on the embedded undercloud.
func ExampleStart() {
	u := tripleotest.New()
	defer u.Close()
	c, err := u.Client()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	run, err := tripleo.Start(ctx, c, "tripleo.plan_management.v1.create_default_deployment_plan",
		map[string]any{"container": "overcloud"}, createPlan, tripleo.StartOpts{})
	if err != nil {
		panic(err)
	}
	for ev := range run.Events() {
		if ev.Kind == tripleo.EventStarted || ev.Kind == tripleo.EventDone {
			fmt.Println(ev.Kind, ev.Source)
		}
	}
	msg, err := run.Wait(ctx)
	fmt.Println(msg, err)
	// Output:
	// started tripleo.plan_management.v1.create_default_deployment_plan
	// done tripleo.plan_management.v1.create_default_deployment_plan
	// Plan created. <nil>
}

// Attach follows an execution started elsewhere, e.g. by a process that
// exited: it needs only the execution id.
func ExampleAttach() {
	u := tripleotest.New()
	defer u.Close()
	c, err := u.Client()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	first, err := tripleo.Start(ctx, c, "tripleo.plan_management.v1.create_default_deployment_plan",
		map[string]any{"container": "overcloud"}, createPlan, tripleo.StartOpts{})
	if err != nil {
		panic(err)
	}
	id := first.ExecutionID() // what the first process printed before it exited

	again, err := tripleo.Attach(ctx, c, id, createPlan, tripleo.AttachOpts{})
	if err != nil {
		panic(err)
	}
	msg, err := again.Wait(ctx)
	fmt.Println(again.ExecutionID() == id, msg, err)
	// Output: true Plan created. <nil>
}

// Go makes one run of several steps; Join runs each step inside it, its
// events joining the composite's.
func ExampleGo() {
	u := tripleotest.New()
	defer u.Close()
	c, err := u.Client()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	run := tripleo.Go(ctx, c, "example.TwoPlans", func(ctx context.Context, s *tripleo.Scope) (int, error) {
		n := 0
		for _, name := range []string{"edge", "core"} {
			step, err := tripleo.Start(ctx, s.Client(), "tripleo.plan_management.v1.create_default_deployment_plan",
				map[string]any{"container": name}, createPlan, tripleo.StartOpts{})
			if err != nil {
				return n, err
			}
			if _, err := tripleo.Join(ctx, s, step); err != nil {
				return n, err
			}
			n++
			s.Emit(tripleo.Event{Kind: tripleo.EventProgress, Source: "example.TwoPlans", Subject: name, Status: "created",
				Progress: &tripleo.Progress{Done: n, Total: 2}})
		}
		return n, nil
	})
	for ev := range run.Events() {
		if ev.Kind == tripleo.EventProgress {
			fmt.Println(ev.Sentence(), ev.Progress)
		}
	}
	n, err := run.Wait(ctx)
	fmt.Println(n, "plans", err)
	// Output:
	// edge is created 1/2 done
	// core is created 2/2 done
	// 2 plans <nil>
}

// NewClientFromCloud connects with a clouds.yaml cloud, or with the OS_*
// variables; runs are followed by polling Mistral until a Notifier is given
// (package messaging, or package connect, which does both from flags).
func ExampleNewClientFromCloud() {
	ctx := context.Background()
	c, err := tripleo.NewClientFromCloud(ctx, "undercloud")
	if err != nil {
		fmt.Println("no undercloud:", err)
		return
	}
	names, err := c.ListWorkflows(ctx, "tripleo.plan_management.")
	fmt.Println(len(names), err)
}
