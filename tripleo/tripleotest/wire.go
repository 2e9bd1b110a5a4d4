package tripleotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// readJSON decodes the request body (numbers as json.Number) into v.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return io.EOF
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// jsonString renders v as a JSON string (Mistral's input/output/params fields).
func jsonString(v any) string {
	if v == nil {
		return "{}"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// normalize turns v into plain JSON values (map[string]any, []any, float64/json.Number, ...),
// deep-copying it.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	d.Decode(&out)
	return out
}

// mistralError writes {"faultcode", "faultstring", "debuginfo"}.
func mistralError(w http.ResponseWriter, status int, msg string) {
	code := "Client"
	if status >= 500 {
		code = "Server"
	}
	writeJSON(w, status, map[string]any{"faultcode": code, "faultstring": msg, "debuginfo": nil})
}

// zaqarError writes {"title", "description"}.
func zaqarError(w http.ResponseWriter, status int, title, desc string) {
	w.Header().Set("Vary", "Accept")
	writeJSON(w, status, map[string]any{"title": title, "description": desc})
}

// ironicError writes the double-encoded {"error_message": "<json>"} of Ironic.
func ironicError(w http.ResponseWriter, status int, msg string) {
	code := "Client"
	if status >= 500 {
		code = "Server"
	}
	inner, _ := json.Marshal(map[string]any{"faultcode": code, "faultstring": msg, "debuginfo": nil})
	ironicHeaders(w)
	writeJSON(w, status, map[string]any{"error_message": string(inner)})
}

// heatError writes {"code", "title", "explanation", "error": {"type", "traceback", "message"}}.
func heatError(w http.ResponseWriter, status int, typ, msg string) {
	expl := map[int]string{
		400: "The server could not comply with the request since it is either malformed or otherwise incorrect.",
		404: "The resource could not be found.",
		409: "There was a conflict when trying to complete your request.",
		503: "The server is currently unavailable. Please try again at a later time.",
	}[status]
	writeJSON(w, status, map[string]any{
		"code": status, "title": http.StatusText(status), "explanation": expl,
		"error": map[string]any{"type": typ, "traceback": nil, "message": msg},
	})
}

// swiftBodies are Swift's HTML error pages.
var swiftBodies = map[int]string{
	202: "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>",
	400: "<html><h1>Bad Request</h1><p>The server could not comply with the request since it is either malformed or otherwise incorrect.</p></html>",
	404: "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>",
	409: "<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>",
	411: "<html><h1>Length Required</h1><p>Length Required</p></html>",
	412: "<html><h1>Precondition Failed</h1><p>A precondition for this request was not met.</p></html>",
	422: "<html><h1>Unprocessable Entity</h1><p>Unable to process the contained instructions</p></html>",
	503: "<html><h1>Service Unavailable</h1><p>The server is currently unavailable. Please try again at a later time.</p></html>",
}

// swiftError writes Swift's HTML error page for status.
func swiftError(w http.ResponseWriter, status int) {
	body := swiftBodies[status]
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// swiftClientError renders python-swiftclient's ClientException text, which
// tripleo-common actions put in their error results, e.g.
// "Object GET failed: http://.../overcloud/x 404 Not Found  [first 60 chars of response] <html>...".
func swiftClientError(msg, url string, status int) string {
	b := fmt.Sprintf("%s %d %s", url, status, http.StatusText(status))
	if body := swiftBodies[status]; body != "" {
		if len(body) <= 60 {
			b += "   " + body
		} else {
			b += "  [first 60 chars of response] " + body[:60]
		}
	}
	return msg + ": " + b
}

// pyList renders strings as a Python list literal: ['a', 'b'].
func pyList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// pyRepr renders a JSON value the way Python's str() renders it (Mistral's
// "input" strings: queue_name=tripleo, remove=False, kernel_name=None).
func pyRepr(v any, top bool) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case string:
		if top {
			return t
		}
		return "'" + t + "'"
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = pyRepr(x, false)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(t)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = "'" + k + "': " + pyRepr(t[k], false)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return fmt.Sprint(t)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Timestamp formats of the services.
func mistralTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }
func ironicTime(t time.Time) string  { return t.UTC().Format("2006-01-02T15:04:05.000000+00:00") }
func heatTime(t time.Time) string    { return t.UTC().Format("2006-01-02T15:04:05Z") }
func swiftTime(t time.Time) string   { return t.UTC().Format("2006-01-02T15:04:05.000000") }

// nullTime is format(t), or nil (JSON null) for the zero time.
func nullTime(format func(time.Time) string, t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return format(t)
}

// Helpers reading loosely typed JSON values.

func asString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	default:
		return fmt.Sprint(t)
	}
}

func asBool(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		switch strings.ToLower(t) {
		case "true", "yes", "1", "on", "t", "y":
			return true
		}
	case json.Number:
		return t.String() != "0"
	case float64:
		return t != 0
	case int:
		return t != 0
	}
	return false
}

func asInt(v any, def int) int {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		if f, err := t.Float64(); err == nil {
			return int(f)
		}
	case float64:
		return int(t)
	case int:
		return t
	case int64:
		return int(t)
	case string:
		var i int
		if _, err := fmt.Sscan(t, &i); err == nil {
			return i
		}
	}
	return def
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	case []map[string]any:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	}
	return nil
}

func asStrings(v any) []string {
	var out []string
	for _, x := range asList(v) {
		if s := asString(x); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// deepCopy copies JSON-like values.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return deepCopy(m).(map[string]any)
}

func sortStrings(s []string) { sort.Strings(s) }
