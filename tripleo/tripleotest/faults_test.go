package tripleotest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tripleo-go/sdk/tripleo"
)

// The fault knobs and how the SDK's generic engine reacts to them.

func TestLatency(t *testing.T) {
	t.Parallel()
	u := NewT(t, WithLatency(20*time.Millisecond))
	c := newClient(t, u)
	start := time.Now()
	if _, err := c.ListWorkflows(testCtx(t), ""); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("answered in %s", d)
	}
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	u := NewT(t, WithServerErrors(Mistral, 0.3), WithServerErrors(Zaqar, 0.3), WithSeed(7))
	c := newClient(t, u)
	// Start retries 503s of the create (same execution id), the watchdog and
	// the Zaqar poller retry theirs: the run still succeeds
	f, evs := mustRun(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})
	if f.Text() == "" || len(msgLines(evs)) != 2 {
		t.Errorf("final %q, messages %q", f.Text(), msgLines(evs))
	}
	faults := 0
	for _, r := range u.Requests() {
		if r.Fault == "503" {
			faults++
		}
	}
	if faults == 0 {
		t.Error("no fault injected")
	}
	// RunAction retries 503 (never processed) too
	var plans []string
	if err := c.RunAction(testCtx(t), "tripleo.plan.list", nil, &plans); err != nil || len(plans) != 1 {
		t.Errorf("plan.list %v %v", plans, err)
	}
	// a 503 body is the service's own error shape
	u2 := NewT(t, WithServerErrors(Heat, 1))
	code, _, body := doJSON(t, "GET", u2.Endpoints().Heat+"/stacks", nil, nil)
	if code != 503 || tripleo.ServerMessage(body) != "The server is currently unavailable. Please try again at a later time." {
		t.Errorf("heat 503: %d %s", code, body)
	}
}

func TestLostResponseIdempotentStart(t *testing.T) {
	t.Parallel()
	u := NewT(t, WithLostResponses(Mistral, 0.5)) // seed 1: the first POST is lost, the retry is not
	c := newClient(t, u)
	mustRun(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})
	lost, posts := 0, 0
	for _, r := range u.Requests() {
		if r.Method == "POST" && r.Path == "/mistral/v2/executions" {
			posts++
			if r.Fault == "lost" {
				lost++
			}
		}
	}
	n := 0
	for _, e := range u.Executions() {
		if e.Workflow == "tripleo.plan_management.v1.create_default_deployment_plan" {
			n++
		}
	}
	if lost != 1 || posts != 2 || n != 1 {
		t.Errorf("%d POSTs (%d lost) started %d executions", posts, lost, n)
	}
}

func TestDropMessages(t *testing.T) {
	t.Parallel()
	u := NewT(t, DropMessages())
	c := newClient(t, u)
	// no message at all: the watchdog (first GET after 1 s) ends the run from Mistral's state
	f, evs := mustRun(t, c, "tripleo.plan_management.v1.create_default_deployment_plan", map[string]any{"container": "overcloud"})
	if len(msgLines(evs)) != 0 || f.Message != nil || f.Execution.Output.String("status") != "SUCCESS" {
		t.Errorf("final %+v messages %q", f.Message, msgLines(evs))
	}
	if len(u.Messages("tripleo")) != 0 {
		t.Error("messages were posted")
	}
}

func TestDropSubWorkflowMessages(t *testing.T) {
	t.Parallel()
	u := NewT(t, DropMessages("tripleo.baremetal.v1._introspect"))
	c := newClient(t, u)
	ids := registerNodes(t, c, 2)
	_, evs := mustRun(t, c, "tripleo.baremetal.v1.introspect", map[string]any{"node_uuids": ids})
	wantMessages(t, evs, "tripleo.baremetal.v1.introspect SUCCESS: Successfully introspected 2 node(s).")
}

func TestDuplicateMessages(t *testing.T) {
	t.Parallel()
	u := NewT(t, DuplicateMessages("tripleo.baremetal.v1.register_or_update"))
	c := newClient(t, u)
	_, evs := mustRun(t, c, "tripleo.baremetal.v1.register_or_update", map[string]any{"nodes_json": instackenv(1)})
	msgs := u.Messages("tripleo")
	if len(msgs) != 4 || msgs[2].ID == msgs[3].ID || msgs[2].Payload.Message != msgs[3].Payload.Message {
		t.Fatalf("queue: %d messages", len(msgs))
	}
	// the final message came twice (two ids): the run ended once, on the first
	n := 0
	for _, e := range evs {
		if e.Kind == tripleo.EventDone {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d done events", n)
	}
}

func TestWorkflowDiesSilently(t *testing.T) {
	t.Parallel()
	u := NewT(t, WorkflowDiesSilently("tripleo.baremetal.v1.provide"), WorkflowDiesSilently("tripleo.baremetal.v1.manual_cleaning"),
		FailCleaning("node-1", "disk gone"))
	c := newClient(t, u)
	ids := registerNodes(t, c, 2)
	// both runs end by the watchdog (first GET after 1 s): run them side by side
	ctx := testCtx(t)
	ok, err := tripleo.Start(ctx, c, "tripleo.baremetal.v1.provide", map[string]any{"node_uuids": ids[:1]}, tripleo.DecodeFinal, tripleo.StartOpts{})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := tripleo.Start(ctx, c, "tripleo.baremetal.v1.manual_cleaning", map[string]any{"node_uuid": ids[1], "clean_steps": []any{map[string]any{"interface": "deploy", "step": "erase_devices_metadata"}}},
		tripleo.DecodeFinal, tripleo.StartOpts{})
	if err != nil {
		t.Fatal(err)
	}
	// success without the final message: the output stands in (bug 1842987)
	f, err := ok.Wait(ctx)
	if err != nil || f.Message != nil || len(msgLines(ok.Snapshot())) != 0 || f.Text() != `1 node(s) successfully moved to the "available" state.` {
		t.Errorf("silent success: %+v %v", f, err)
	}
	// failure without the final message: a typed error from Mistral's state, the node's last_error in Ironic
	_, err = bad.Wait(ctx)
	var we *tripleo.WorkflowError
	if !errors.As(err, &we) || we.State != tripleo.StateError || we.LastMessage != nil {
		t.Fatalf("silent failure: %v", err)
	}
	if n, _ := u.Node(ids[1].(string)); n.LastError != "disk gone" || n.ProvisionState != "clean failed" {
		t.Errorf("node %+v", n)
	}
	if ex, _ := u.Execution(we.ExecutionID); !strings.Contains(asString(ex.Output["message"]), "timed out") {
		t.Errorf("output %v", ex.Output)
	}
}
