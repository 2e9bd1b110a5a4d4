package tripleo

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Object is a JSON object that Mistral returns either inline or as a
// JSON-encoded string (execution input, output and params, action output,
// environment variables). Keys map to their raw JSON values. Printing an Object
// (fmt, slog) shows its JSON with secret-looking keys masked.
type Object map[string]json.RawMessage

// UnmarshalJSON accepts an object, a string holding an object, or null.
func (o *Object) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*o = nil
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" || s == "null" {
			*o = nil
			return nil
		}
		b = []byte(s)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	*o = m
	return nil
}

// Decode unmarshals key into v and reports whether the key was present and not null.
func (o Object) Decode(key string, v any) (bool, error) {
	raw, ok := o[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("%s: %w", key, err)
	}
	return true, nil
}

// String returns the key's value when it is a JSON string, else its raw JSON text.
func (o Object) String(key string) string {
	raw, ok := o[key]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if bytes.Equal(raw, []byte("null")) {
		return ""
	}
	return string(raw)
}

// Into unmarshals the whole object into v (a struct or map).
func (o Object) Into(v any) error {
	b, err := json.Marshal(map[string]json.RawMessage(o))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Map returns the object as generic values (numbers as json.Number).
func (o Object) Map() map[string]any {
	if o == nil {
		return nil
	}
	out := make(map[string]any, len(o))
	for k, raw := range o {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if d.Decode(&v) == nil {
			out[k] = v
		}
	}
	return out
}

// Masked renders the object as JSON with the values of secret-looking keys replaced by "***".
func (o Object) Masked() string {
	if o == nil {
		return "{}"
	}
	b, _ := json.Marshal(MaskSecrets(o.Map()))
	return string(b)
}

// MarshalJSON marshals the object with secret-looking keys masked (Map gives
// the values themselves).
func (o Object) MarshalJSON() ([]byte, error) {
	if o == nil {
		return []byte("null"), nil
	}
	return json.Marshal(MaskSecrets(o.Map()))
}

// Format prints Masked for every verb, so secrets in execution inputs never reach logs.
func (o Object) Format(f fmt.State, verb rune) { fmt.Fprint(f, o.Masked()) }
