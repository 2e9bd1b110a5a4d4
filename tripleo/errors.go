package tripleo

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gophercloud/gophercloud/v2"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrInvalidInput is matched by every *ValidationError: bad input caught before any request.
	ErrInvalidInput = errors.New("invalid input")
	// ErrWorkflowFailed is matched by a *WorkflowError whose execution ended in ERROR
	// or whose final message was FAILED.
	ErrWorkflowFailed = errors.New("workflow failed")
	// ErrCancelled is matched by a *WorkflowError whose execution was CANCELLED.
	ErrCancelled = errors.New("workflow cancelled")
	// ErrActionFailed is matched by an *ActionError.
	ErrActionFailed = errors.New("action failed")
	// ErrNotFound is matched by an *APIError with HTTP status 404.
	ErrNotFound = errors.New("not found")
	// ErrNoService is returned when the Client has no endpoint for the service an operation needs.
	ErrNoService = errors.New("service not configured on this client")
	// ErrPlanNotFound is matched by a *PlanNotFoundError: a plan-scoped call
	// (parameters, export, deploy, delete, ...) on a plan that does not exist.
	ErrPlanNotFound = errors.New("plan not found")
)

// PlanNotFoundError is the error of a plan-scoped call on a plan that does not
// exist (its Swift container is missing). It matches ErrPlanNotFound and
// ErrNotFound; Err, the call's own failure (often the server's raw 404 page),
// stays reachable with errors.As but is not part of the text.
type PlanNotFoundError struct {
	// Plan is the plan that does not exist.
	Plan string
	// Op says what was asked of it, e.g. "update parameters".
	Op string
	// Err is the call's own error.
	Err error
}

// Error says which plan does not exist.
func (e *PlanNotFoundError) Error() string {
	if e.Op == "" {
		return fmt.Sprintf("plan %s does not exist", e.Plan)
	}
	return fmt.Sprintf("%s: plan %s does not exist", e.Op, e.Plan)
}

// Unwrap returns the call's own error.
func (e *PlanNotFoundError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrPlanNotFound) and errors.Is(err, ErrNotFound) true.
func (e *PlanNotFoundError) Is(target error) bool {
	return target == ErrPlanNotFound || target == ErrNotFound
}

// ValidationError reports one problem with the caller's input, found before any
// request was sent. Several problems are joined with errors.Join; Problems
// lists them.
type ValidationError struct {
	// Field names the offending input, e.g. "container" or "nodes[2].pm_addr".
	Field string
	// Reason says what is wrong with it. It never contains a secret value.
	Reason string
}

// Error implements the error interface.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "invalid input: " + e.Reason
	}
	return "invalid " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidInput) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// Invalid returns a *ValidationError for field.
func Invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Problems flattens err (a single error or a tree built with errors.Join) into
// the *ValidationError values it holds, in order.
func Problems(err error) []*ValidationError { return ErrorsAs[*ValidationError](err) }

// ErrorsAs returns every error of type E in err's tree, in order: it walks
// Unwrap() error and Unwrap() []error (errors.Join) depth first and does not
// look inside a match. Unlike errors.As, which stops at the first, it finds
// them all; it matches by type only (no As methods). It returns nil if there
// are none.
func ErrorsAs[E error](err error) []E {
	var out []E
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if v, ok := e.(E); ok {
			out = append(out, v)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// APIError is an HTTP error answered by an OpenStack service, with the server's
// own message extracted from its body (Mistral faultstring, Zaqar title and
// description, Heat error.message, Ironic error_message, Swift's text).
// It wraps gophercloud's ErrUnexpectedResponseCode, so gophercloud.ResponseCodeIs
// and errors.As into that type keep working.
type APIError struct {
	// Op is what the SDK was doing, e.g. "mistral: create execution".
	Op string
	// StatusCode is the HTTP status code of the answer.
	StatusCode int
	// Message is the server's message, redacted of any secret sent with the request.
	Message string
	// Err is the underlying gophercloud error.
	Err error
}

// Error implements the error interface.
func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s: HTTP %d", e.Op, e.StatusCode)
	}
	return fmt.Sprintf("%s: HTTP %d: %s", e.Op, e.StatusCode, e.Message)
}

// Unwrap returns the gophercloud error.
func (e *APIError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *APIError) Is(target error) bool { return target == ErrNotFound && e.StatusCode == 404 }

// WrapHTTP turns err into an *APIError naming op when it is an HTTP status error,
// and otherwise wraps it with op. Values of secrets are redacted from the
// message, and from the body of the gophercloud error the APIError wraps (a
// server may echo the request). It returns nil for a nil err.
func WrapHTTP(op string, err error, secrets ...Secret) error {
	if err == nil {
		return nil
	}
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		msg := Redact(ServerMessage(ue.Body), secrets...)
		if cut := ue.ResponseHeader.Get(truncatedHeader); cut != "" {
			msg += " (error body cut at " + cut + " bytes)"
		}
		if body := Redact(string(ue.Body), secrets...); body != string(ue.Body) {
			ue.Body = []byte(body)
			err = ue // the chain keeps a masked copy
		}
		return &APIError{Op: op, StatusCode: ue.Actual, Message: msg, Err: err}
	}
	var re *RedirectError
	if errors.As(err, &re) {
		// net/http's *url.Error around it quotes the target URL, which the
		// server chose: only the origins are kept
		return fmt.Errorf("%s: %w", op, re)
	}
	if decodeFailure(err) {
		return &DecodeError{Op: op, Err: redactErr(err, secrets)}
	}
	return fmt.Errorf("%s: %w", op, redactErr(err, secrets))
}

// redactErr keeps err's chain but masks secret values in its text.
func redactErr(err error, secrets []Secret) error {
	if msg := Redact(err.Error(), secrets...); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// ServerMessage extracts the human message from an OpenStack error body:
// Mistral {"faultstring"}, Zaqar {"title","description"}, Heat {"error":{"message"}},
// Ironic {"error_message": "<json with faultstring>"}; otherwise the trimmed text
// (HTML tags dropped). The message is cut to maxServerMessage bytes (at a
// character boundary) and "...".
func ServerMessage(body []byte) string { return clipMessage(serverMessage(body)) }

// maxServerMessage bounds the message ServerMessage takes from a body.
const maxServerMessage = 512

func clipMessage(s string) string {
	if len(s) <= maxServerMessage {
		return s
	}
	cut := maxServerMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func serverMessage(body []byte) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err == nil {
		if s, ok := m["faultstring"].(string); ok && s != "" {
			return s
		}
		if s, ok := m["error_message"].(string); ok && s != "" {
			if inner := serverMessage([]byte(s)); inner != "" {
				return inner
			}
			return s
		}
		if e, ok := m["error"].(map[string]any); ok {
			if s, ok := e["message"].(string); ok && s != "" {
				return s
			}
		}
		t, _ := m["title"].(string)
		d, _ := m["description"].(string)
		switch {
		case t != "" && d != "":
			return t + ": " + d
		case d != "":
			return d
		case t != "":
			return t
		}
		if s, ok := m["message"].(string); ok {
			return s
		}
	}
	text := string(body)
	if strings.Contains(text, "<") {
		text = stripTags(text)
	}
	return strings.Join(strings.Fields(text), " ")
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ActionError reports a synchronous action that ran and ended in ERROR. Result
// is the action's error text as Mistral returned it (redacted of secrets).
type ActionError struct {
	// Action is the action's name.
	Action string
	// Result is the action's error text as Mistral returned it (redacted of secrets).
	Result string
}

// Error implements the error interface.
func (e *ActionError) Error() string { return fmt.Sprintf("action %s failed: %s", e.Action, e.Result) }

// Is makes errors.Is(err, ErrActionFailed) true.
func (e *ActionError) Is(target error) bool { return target == ErrActionFailed }

// WorkflowError reports a workflow execution that did not succeed.
type WorkflowError struct {
	// Workflow is the full workflow name.
	Workflow string
	// ExecutionID is the Mistral execution id.
	ExecutionID string
	// State is the Mistral state: ERROR or CANCELLED (FAILED when only the final
	// message was seen).
	State string
	// StateInfo is Mistral's state_info, if any.
	StateInfo string
	// LastMessage is the last Zaqar message of the execution itself, if one arrived.
	LastMessage *Message
	// Reason is why the execution failed when neither a message nor StateInfo
	// says so: its output on error, else its failed tasks' state_info or
	// result (see Client.FailureReason), redacted of secrets.
	Reason string
}

// Error implements the error interface.
func (e *WorkflowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workflow %s (execution %s) ended %s", e.Workflow, e.ExecutionID, e.State)
	detail := ""
	if e.LastMessage != nil {
		detail = e.LastMessage.Payload.Message
	}
	if detail == "" {
		detail = e.StateInfo
	}
	if detail == "" {
		detail = e.Reason
	}
	if detail != "" {
		b.WriteString(": ")
		b.WriteString(detail)
	}
	return b.String()
}

// Is makes errors.Is true for ErrWorkflowFailed (ERROR, FAILED) or ErrCancelled (CANCELLED).
func (e *WorkflowError) Is(target error) bool {
	switch target {
	case ErrCancelled:
		return e.State == StateCancelled
	case ErrWorkflowFailed:
		return e.State != StateCancelled
	}
	return false
}
