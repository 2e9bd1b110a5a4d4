package messaging

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Seeds shared by the fuzz targets: bodies in both TripleO envelopes.
var (
	legacyBody   = `{"type": "tripleo.baremetal.v1.register_or_update", "payload": {"status": "SUCCESS", "message": "Nodes set to available.", "execution": {"id": "7c3c2a4e-4d1a-4a5b-9d67-2a9f1e5c3b10", "name": "tripleo.baremetal.v1.register_or_update", "root_execution_id": null, "spec": {"tasks": {}}, "input": {"nodes_json": []}}, "registered_nodes": []}}`
	standardBody = `{"type": "tripleo.deployment.v1.deploy_plan", "payload": {"status": "RUNNING", "message": ["a", {"result": "b"}], "root_execution_id": null, "execution_id": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "plan_name": "overcloud", "deployment_status": "DEPLOYING"}}`
)

// FuzzParsePage: a Zaqar listing body, whatever it holds, decodes or fails
// without panicking; a decoded page yields a marker and messages whose ids
// and bodies are the listed ones.
func FuzzParsePage(f *testing.F) {
	f.Add([]byte(`{"messages": [{"id": "5c1d", "age": 3, "ttl": 3600, "body": ` + legacyBody + `, "href": "/v2/queues/tripleo/messages/5c1d"}], "links": [{"rel": "next", "href": "/v2/queues/tripleo/messages?marker=5c1d&limit=20&echo=true"}]}`))
	f.Add([]byte(`{"messages": [{"id": "a", "age": 1.5, "ttl": 60, "body": ` + standardBody + `}, {"id": "b", "body": "a string"}, {"id": "c", "body": [1, 2]}, {"id": "d"}], "links": []}`))
	f.Add([]byte(`{"messages": [], "links": [{"rel": "next", "href": "%zz?marker=x"}]}`))
	f.Add([]byte(``))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"messages": {"id": 1}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parsePage(body)
		if err != nil {
			return
		}
		_ = p.nextMarker()
		for i := range p.Messages {
			r := &p.Messages[i]
			m, err := toMessage("tripleo", r)
			if m.ID != r.ID || m.Queue != "tripleo" {
				t.Fatalf("message %q became %q in %q", r.ID, m.ID, m.Queue)
			}
			if err == nil && len(r.Body) == 0 {
				t.Fatal("a message without a body was accepted")
			}
		}
	})
}

// FuzzParseFrame: a websocket frame, whatever it holds, parses or fails
// without panicking; a pushed notification's body is either a TripleO
// message or rejected, and its hash does not depend on spacing or key order.
func FuzzParseFrame(f *testing.F) {
	f.Add([]byte(`{"body": ` + legacyBody + `, "ttl": 3600, "queue_name": "tripleo", "Message_Type": "Notification"}`))
	f.Add([]byte(`{"request": {"action": "subscription_create", "body": {"queue_name": "tripleo", "ttl": 3600}, "headers": {}, "api": "v2"}, "body": {"message": "Subscription tripleo created.", "subscription_id": "5c1d"}, "headers": {"status": 201}}`))
	f.Add([]byte(`{"request": {"action": "authenticate"}, "body": {"error": "Authentication failed."}, "headers": {"status": 403}}`))
	f.Add([]byte(`{"body": "x", "queue_name": "q"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := parseFrame(data)
		if err != nil {
			return
		}
		_ = replyError(fr)
		if fr.Request != nil || len(fr.Body) == 0 {
			return
		}
		m := newMatcher(4)
		r := &reader{queue: "q", match: m, members: newRoster()}
		_ = r.push(fr.Body, int(fr.TTL))
		var v any
		if json.Unmarshal(fr.Body, &v) == nil {
			var spaced bytes.Buffer
			if json.Indent(&spaced, fr.Body, "", "  ") == nil && bodyHash(spaced.Bytes()) != bodyHash(fr.Body) {
				t.Fatalf("hash depends on spacing: %s", fr.Body)
			}
		}
	})
}

// FuzzMatcher: whatever the order of pushed and listed copies of two bodies,
// each body is delivered max(pushed, listed) times in all.
func FuzzMatcher(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, []byte(legacyBody), []byte(standardBody))
	f.Add([]byte{3, 3, 0, 0, 1}, []byte(`{"a": 1}`), []byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, ops, a, b []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		m := newMatcher(16)
		type count struct{ pushed, listed, delivered int }
		counts := map[uint64]*count{}
		for _, op := range ops {
			body := a
			if op&2 != 0 {
				body = b
			}
			h := bodyHash(body)
			c := counts[h]
			if c == nil {
				c = &count{}
				counts[h] = c
			}
			var ok bool
			if op&1 == 0 {
				_, ok = m.pushed(body)
				c.pushed++
			} else {
				ok = m.listed(body)
				c.listed++
			}
			if ok {
				c.delivered++
			}
		}
		for h, c := range counts {
			if c.delivered != max(c.pushed, c.listed) {
				t.Fatalf("body %x: pushed %d, listed %d, delivered %d", h, c.pushed, c.listed, c.delivered)
			}
		}
	})
}
