package tripleo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
)

// reasonTimeout bounds the requests that look for a failure's reason.
const reasonTimeout = 10 * time.Second

// FailureReason finds why a failed execution failed when neither a final
// message nor Mistral's state_info says so: on Mistral 15 a workflow that ends
// with a bare `fail` leaves state_info null, and workflows without a queue
// (set_node_state) post nothing. It looks, in order, at
//
//   - the execution's output: "result" (what output-on-error declares, or the
//     state_info Mistral copies there), then "message" (a published message
//     whose post was lost);
//   - the execution's failed tasks, in the order they ran: the server's
//     message of a failed std.http call ("HTTP 404: Node … could not be
//     found."), else their state_info, else their result (each task is read
//     itself when the list leaves its result out, as Mistral 15's does).
//
// It returns "" when nothing holds a reason or Mistral cannot be read; ctx and
// a bound of its own limit the requests.
func (c *Client) FailureReason(ctx context.Context, ex *Execution) string {
	if ex == nil {
		return ""
	}
	for _, k := range []string{"result", "message"} {
		if s := strings.TrimSpace(RenderMessage(ex.Output[k])); s != "" {
			return s
		}
	}
	if c == nil || c.Workflow == nil || ex.ID == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, reasonTimeout)
	defer cancel()
	tasks, err := c.ListTasks(ctx, ex.ID)
	if err != nil {
		c.Log().Debug("failure reason: tasks not read", "execution", ex.ID, "error", err)
		return ""
	}
	var parts []string
	for _, t := range tasks {
		if t.State != StateError {
			continue
		}
		if t.Result == "" { // Mistral's list leaves results out
			if full, err := c.GetTask(ctx, t.ID); err == nil {
				t = *full
			}
		}
		if s := taskReason(t); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// taskReason is a failed task's reason: the server's own message when its
// result is a failed std.http response ({"content", "status", ...}, whose
// state_info is that dict's Python rendering, headers and all), else its
// state_info, else its result rendered as text.
func taskReason(t Task) string {
	var resp struct {
		Status  int             `json:"status"`
		Content json.RawMessage `json:"content"`
	}
	if json.Unmarshal([]byte(t.Result), &resp) == nil && resp.Status >= 400 && len(resp.Content) > 0 {
		body := []byte(resp.Content)
		var text string
		if json.Unmarshal(body, &text) == nil {
			body = []byte(text)
		}
		if m := ServerMessage(body); m != "" {
			return fmt.Sprintf("HTTP %d: %s", resp.Status, m)
		}
	}
	if s := strings.TrimSpace(t.StateInfo); s != "" {
		return s
	}
	r := strings.TrimSpace(t.Result)
	if r == "" || r == "null" || r == "{}" {
		return ""
	}
	if json.Valid([]byte(r)) {
		return strings.TrimSpace(RenderMessage(json.RawMessage(r)))
	}
	return r
}

// GetTask reads one task execution, with its result.
func (c *Client) GetTask(ctx context.Context, id string) (*Task, error) {
	if id == "" {
		return nil, Invalid("task", "an id is required")
	}
	var t Task
	resp, err := c.Workflow.Get(ctx, c.Workflow.ServiceURL("tasks", url.PathEscape(id)), &t, &gophercloud.RequestOpts{OkCodes: []int{200}})
	if _, _, err = gophercloud.ParseResponse(resp, err); err != nil {
		return nil, WrapHTTP("mistral: get task "+id, err)
	}
	return &t, nil
}
