package tripleo

import (
	"encoding/json"
	"testing"
)

// FuzzParseBody: a Zaqar message body, whatever it holds, parses or fails
// without panicking; a parsed payload written back (MarshalJSON) parses again
// to the same status, execution and root execution, and its event text
// renders; the run's de-duplication key is stable.
func FuzzParseBody(f *testing.F) {
	f.Add([]byte(`{"type": "tripleo.baremetal.v1.register_or_update", "payload": {"status": "SUCCESS", "message": "Nodes set to available.", "execution": {"id": "7c3c2a4e-4d1a-4a5b-9d67-2a9f1e5c3b10", "name": "tripleo.baremetal.v1.register_or_update", "root_execution_id": null, "input": {"nodes_json": [{"pm_password": "s3cret"}]}}, "registered_nodes": []}}`))
	f.Add([]byte(`{"type": "tripleo.deployment.v1.deploy_plan", "payload": {"status": "running", "message": ["a", {"result": "b"}, {"password": "x"}], "root_execution_id": "r1", "execution_id": "e1", "plan_name": "overcloud", "deployment_status": null}}`))
	f.Add([]byte(`{"type": 1, "payload": {"status": 2, "execution_id": {"a": 1}, "message": 3.5e400}}`))
	f.Add([]byte(`{"type": "x", "payload": "not an object"}`))
	f.Add([]byte(`{"payload": {"execution": "not a dict", "message": null}}`))
	f.Add([]byte(`"just a string"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var m Message
		if m.ParseBody(body) != nil {
			return
		}
		_ = m.Status()
		_ = m.Body()
		k := bodyKey(&m)
		if k != bodyKey(&m) {
			t.Fatal("the de-duplication key is not stable")
		}
		raw, err := json.Marshal(m.Payload)
		if err != nil {
			return // a payload with an undecodable number cannot be written back
		}
		var again Payload
		if err := json.Unmarshal(raw, &again); err != nil {
			t.Fatalf("payload written back does not parse: %v\n%s", err, raw)
		}
		if again.Status != m.Payload.Status || again.ExecutionID != m.Payload.ExecutionID || again.RootExecutionID != m.Payload.RootExecutionID {
			t.Fatalf("payload changed when written back: %+v -> %+v", m.Payload, again)
		}
	})
}

// FuzzRenderMessage: any payload "message" renders to text without panicking.
func FuzzRenderMessage(f *testing.F) {
	f.Add([]byte(`"Nodes set to available."`))
	f.Add([]byte(`[{"result": "Failed to deploy"}, "x", null, 1]`))
	f.Add([]byte(`{"status": "FAILED", "message": {"password": "p", "nested": [{"token": "t"}]}}`))
	f.Add([]byte(`{"result": {"result": {"result": "deep"}}}`))
	f.Add([]byte(`1e999`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_ = RenderMessage(raw)
	})
}
