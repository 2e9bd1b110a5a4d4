package tripleotest

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testCtx bounds a test (a hang fails fast instead of at the package timeout).
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newClient(t *testing.T, u *Undercloud, opts ...tripleo.Option) *tripleo.Client {
	t.Helper()
	c, err := u.Client(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runWF starts workflow through the generic engine and waits for it; it
// returns the final, every event in order and the run's error.
func runWF(t *testing.T, c *tripleo.Client, workflow string, input map[string]any) (*tripleo.Final, []tripleo.Event, error) {
	t.Helper()
	ctx := testCtx(t)
	r, err := tripleo.Start(ctx, c, workflow, input, tripleo.DecodeFinal, tripleo.StartOpts{CheckInput: true})
	if err != nil {
		t.Fatalf("start %s: %v", workflow, err)
	}
	f, err := r.Wait(ctx)
	return f, r.Snapshot(), err
}

// mustRun is runWF that fails the test on a run error.
func mustRun(t *testing.T, c *tripleo.Client, workflow string, input map[string]any) (*tripleo.Final, []tripleo.Event) {
	t.Helper()
	f, evs, err := runWF(t, c, workflow, input)
	if err != nil {
		t.Fatalf("%s: %v", workflow, err)
	}
	return f, evs
}

// msgLines renders the EventMessage events as "<type> <status>: <text>".
func msgLines(evs []tripleo.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Kind == tripleo.EventMessage {
			s := e.Source + " " + e.Status
			if e.Text != "" {
				s += ": " + e.Text
			}
			out = append(out, s)
		}
	}
	return out
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func settle(t *testing.T, u *Undercloud) {
	t.Helper()
	if err := u.Settle(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

// instackenv returns n ipmi nodes with one MAC each.
func instackenv(n int) []any {
	var out []any
	for i := range n {
		out = append(out, map[string]any{
			"name": "node-" + string(rune('0'+i)), "pm_type": "ipmi", "pm_addr": "192.168.24." + itoa(10+i),
			"pm_user": "admin", "pm_password": "p@ssw0rd", "mac": []any{"52:54:00:00:00:" + hex2(i)},
			"cpu": "4", "memory": "8192", "disk": "40", "arch": "x86_64",
		})
	}
	return out
}

func hex2(i int) string {
	const h = "0123456789abcdef"
	return string([]byte{h[i/16%16], h[i%16]})
}

// registerNodes registers n nodes (manageable) and returns their uuids.
func registerNodes(t *testing.T, c *tripleo.Client, n int) []any {
	t.Helper()
	f, _ := mustRun(t, c, "tripleo.baremetal.v1.register_or_update", map[string]any{"nodes_json": instackenv(n)})
	var reg []struct {
		UUID string `json:"uuid"`
	}
	if _, err := f.Field("registered_nodes", &reg); err != nil {
		t.Fatal(err)
	}
	var ids []any
	for _, r := range reg {
		ids = append(ids, r.UUID)
	}
	return ids
}
