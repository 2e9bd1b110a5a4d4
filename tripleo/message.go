package tripleo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Message is one message read from a Zaqar queue (or another Notifier): the
// body a tripleo.* workflow posted, {"type": ..., "payload": {...}}.
type Message struct {
	// ID is the Zaqar message id (unique per queue); empty only for synthetic messages.
	ID string
	// Queue is the queue the message was read from.
	Queue string
	// Age is the number of seconds since the message was posted, when known.
	Age int
	// TTL is the number of seconds the message lives on the queue, when known.
	TTL int
	// Type is the body's "type": usually the full workflow name. Some legacy
	// workflows post other labels, so never key on it alone.
	Type string
	// Payload is the message body's payload, parsed.
	Payload Payload
}

// Payload is a message's "payload", in either envelope: the legacy
// (payload.execution.id) and the standard tripleo.messaging.v1.send one
// (payload.execution_id / root_execution_id).
type Payload struct {
	// Status is RUNNING, SUCCESS or FAILED ("" is treated as RUNNING).
	Status string
	// Message is "message" rendered as text (lists joined by newlines, dicts as
	// JSON with secret-looking keys masked).
	Message string
	// ExecutionID is execution_id, or the legacy execution.id.
	ExecutionID string
	// RootExecutionID is root_execution_id (null for a top-level execution), or
	// the legacy execution.root_execution_id.
	RootExecutionID string
	// PlanName is plan_name, which plan and deployment workflows post.
	PlanName string
	// DeploymentStatus is deployment_status, which deployment workflows post.
	DeploymentStatus string
	// Workflow is the legacy execution.name, when present.
	Workflow string
	// RawMessage is "message" exactly as posted (string, list, dict or absent).
	RawMessage json.RawMessage
	// Extra holds every other payload key, raw (e.g. registered_nodes, introspected_nodes, tempurl).
	Extra map[string]json.RawMessage
}

// Belongs reports whether the payload is about execution id: its own message
// (ExecutionID == id) or one of its sub-workflows (RootExecutionID == id).
func (p *Payload) Belongs(id string) bool {
	return id != "" && (p.ExecutionID == id || p.RootExecutionID == id)
}

// Decode unmarshals the extra payload key into v; it reports false when the key is absent.
func (p *Payload) Decode(key string, v any) (bool, error) {
	raw, ok := p.Extra[key]
	if !ok || len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("payload key %q: %w", key, err)
	}
	return true, nil
}

var knownPayloadKeys = map[string]bool{
	"status": true, "message": true, "execution_id": true, "root_execution_id": true,
	"plan_name": true, "deployment_status": true, "execution": true,
}

// UnmarshalJSON reads both envelopes. Of the legacy "execution" dict only id,
// name and root_execution_id are kept: the rest (spec, input, params) is large and
// may hold secrets.
func (p *Payload) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	*p = Payload{}
	str := func(k string) string {
		var s string
		if raw, ok := m[k]; ok {
			if json.Unmarshal(raw, &s) != nil {
				s = strings.Trim(string(raw), `"`)
				if s == "null" {
					s = ""
				}
			}
		}
		return s
	}
	p.Status = strings.ToUpper(str("status"))
	p.ExecutionID = str("execution_id")
	p.RootExecutionID = str("root_execution_id")
	p.PlanName = str("plan_name")
	p.DeploymentStatus = str("deployment_status")
	if raw, ok := m["execution"]; ok {
		var ex struct {
			ID              string  `json:"id"`
			Name            string  `json:"name"`
			RootExecutionID *string `json:"root_execution_id"`
		}
		if json.Unmarshal(raw, &ex) == nil {
			if p.ExecutionID == "" {
				p.ExecutionID = ex.ID
			}
			if p.RootExecutionID == "" && ex.RootExecutionID != nil {
				p.RootExecutionID = *ex.RootExecutionID
			}
			p.Workflow = ex.Name
		}
	}
	if raw, ok := m["message"]; ok {
		p.RawMessage = raw
		p.Message = RenderMessage(raw)
	}
	for k, v := range m {
		if !knownPayloadKeys[k] {
			if p.Extra == nil {
				p.Extra = map[string]json.RawMessage{}
			}
			p.Extra[k] = v
		}
	}
	return nil
}

// MarshalJSON writes the standard envelope's payload (legacy "execution" dicts
// are not reproduced).
func (p Payload) MarshalJSON() ([]byte, error) {
	m := map[string]any{"status": p.Status, "execution_id": p.ExecutionID}
	if p.RootExecutionID != "" {
		m["root_execution_id"] = p.RootExecutionID
	} else {
		m["root_execution_id"] = nil
	}
	if len(p.RawMessage) > 0 {
		m["message"] = p.RawMessage
	} else {
		m["message"] = p.Message
	}
	if p.PlanName != "" {
		m["plan_name"] = p.PlanName
	}
	if p.DeploymentStatus != "" {
		m["deployment_status"] = p.DeploymentStatus
	}
	for k, v := range p.Extra {
		m[k] = v
	}
	return json.Marshal(m)
}

// ParseBody decodes a message body {"type", "payload"} into m.Type and m.Payload.
// A body without a payload object is kept with an empty Payload.
func (m *Message) ParseBody(body []byte) error {
	var b struct {
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return fmt.Errorf("message body: %w", err)
	}
	m.Type = b.Type
	if len(b.Payload) > 0 && b.Payload[0] == '{' {
		return json.Unmarshal(b.Payload, &m.Payload)
	}
	return nil
}

// Body renders the message as the body a workflow posts: {"type", "payload"}.
func (m *Message) Body() map[string]any {
	raw, _ := json.Marshal(m.Payload)
	return map[string]any{"type": m.Type, "payload": json.RawMessage(raw)}
}

// redacted returns m with the values of secrets masked in its text (Payload.Message
// and RawMessage), leaving m itself alone. Extra keys are structured results and
// are passed as posted. A RawMessage that masking would leave invalid JSON (a
// secret that is also a number or a keyword in it) becomes the masked text as a
// JSON string.
func (m Message) redacted(secrets []Secret) Message {
	if len(secrets) == 0 {
		return m
	}
	m.Payload.Message = Redact(m.Payload.Message, secrets...)
	if raw := Redact(string(m.Payload.RawMessage), secrets...); raw != string(m.Payload.RawMessage) {
		if json.Valid([]byte(raw)) {
			m.Payload.RawMessage = json.RawMessage(raw)
		} else {
			m.Payload.RawMessage, _ = json.Marshal(raw)
		}
	}
	return m
}

// Status returns the payload status, with "" read as RUNNING.
func (m *Message) Status() string {
	if m.Payload.Status == "" {
		return StatusRunning
	}
	return m.Payload.Status
}

// RenderMessage turns a payload "message" (string, list of strings or of
// {"result": ...} dicts, dict, number, null) into display text. Entries of a
// list that hold nothing (null, "", {}, [], {"result": null}) are dropped: a
// with-items task's list of sub-workflow outputs has {} for each that
// succeeded. Values of keys that look secret (password, secret, token, key)
// are masked.
func RenderMessage(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return string(raw)
	}
	return renderValue(v)
}

func renderValue(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		parts := make([]string, 0, len(t))
		for _, it := range t {
			if m, ok := it.(map[string]any); ok {
				if r, ok := m["result"]; ok {
					it = r
				}
			}
			if empty(it) {
				continue
			}
			if s := renderValue(it); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "\n")
	case map[string]any:
		if r, ok := t["result"]; ok && len(t) == 1 {
			return renderValue(r)
		}
		if m, ok := t["message"]; ok { // a sub-workflow's result {status, message, ...}
			if s := renderValue(m); s != "" {
				return s
			}
		}
		b, _ := json.Marshal(MaskSecrets(t))
		return string(b)
	case nil:
		return ""
	default:
		return fmt.Sprint(t)
	}
}

// empty reports whether a decoded JSON value holds nothing to show.
func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(t) == ""
	case map[string]any:
		return len(t) == 0
	case []any:
		for _, x := range t {
			if !empty(x) {
				return false
			}
		}
		return true
	}
	return false
}

var secretKey = regexp.MustCompile(`(?i)(pass(word|wd)?|secret|token|_key$|^key$|credential|private)`)

// SecretKey reports whether a map key names something that holds a secret
// (password, pm_password, token, secret, private_key, ...).
func SecretKey(k string) bool { return secretKey.MatchString(k) }

// MaskSecrets returns a deep copy of v in which the values of keys that look
// secret are replaced by "***". Maps and slices are copied; other values are shared.
func MaskSecrets(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if SecretKey(k) && t[k] != nil && t[k] != "" {
				out[k] = redacted
				continue
			}
			out[k] = MaskSecrets(t[k])
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = MaskSecrets(t[i])
		}
		return out
	case Secret:
		return t.String()
	}
	return v
}
