package tripleo

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	// EventStarted: the execution was created (or attached to).
	EventStarted EventKind = "started"
	// EventMessage: a Zaqar message of the execution or of one of its sub-workflows.
	EventMessage EventKind = "message"
	// EventState: the execution watcher saw the Mistral execution change state.
	EventState EventKind = "state"
	// EventProgress: progress reported by a typed package (a node's provision
	// state, a Heat stack event, a step of a composite operation).
	EventProgress EventKind = "progress"
	// EventWarning: something the host should know that does not end the run by
	// itself (a node entered "clean failed", a resource failed).
	EventWarning EventKind = "warning"
	// EventDone: the run ended; always the last event. Err is its error, if any.
	EventDone EventKind = "done"
)

// Event is one step of a run, in order. Typed packages put their own details in
// Data (e.g. a node or a Heat event) and counters in Progress.
type Event struct {
	// Time is when the event was seen (or reported, for a Heat event).
	Time time.Time
	// Kind says what the event reports.
	Kind EventKind
	// Source names what the event is about: the message type (usually the full
	// workflow name), the workflow, or a typed package's source ("ironic", "heat").
	Source string
	// ExecutionID is the execution the event belongs to (a sub-workflow's own id for its messages).
	ExecutionID string
	// Status is the message status, the Mistral state, or a typed status
	// (provision state, resource status).
	Status string
	// Subject is what the status applies to (a node uuid, a resource name, a step).
	Subject string
	// Text is the human-readable message (secrets masked). It can be empty
	// (a state change without state_info); Sentence always gives one.
	Text string
	// Message is the Zaqar message for EventMessage, the values of the run's
	// Secret inputs masked in its text (Payload.Message and RawMessage).
	Message *Message
	// Progress carries counters for progress bars, when the source keeps them.
	Progress *Progress
	// Data holds a typed package's detail value.
	Data any
	// Err is the run's error on EventDone, or the problem an EventWarning reports.
	Err error
}

// Progress counts the items of an operation (nodes, stack resources).
type Progress struct {
	// Done counts the items that finished well.
	Done int
	// InProgress counts the items under way.
	InProgress int
	// Failed counts the items that failed.
	Failed int
	// Total counts all items (0: unknown).
	Total int
}

// String implements fmt.Stringer.
func (p *Progress) String() string {
	if p == nil {
		return ""
	}
	s := fmt.Sprintf("%d/%d done", p.Done, p.Total)
	if p.InProgress > 0 {
		s += fmt.Sprintf(", %d in progress", p.InProgress)
	}
	if p.Failed > 0 {
		s += fmt.Sprintf(", %d failed", p.Failed)
	}
	return s
}

// String renders the event as one log line.
func (e Event) String() string {
	var b strings.Builder
	if !e.Time.IsZero() {
		b.WriteString(e.Time.Format("15:04:05 "))
	}
	b.WriteString(string(e.Kind))
	if e.Source != "" {
		fmt.Fprintf(&b, " %s", e.Source)
	}
	if e.Subject != "" {
		fmt.Fprintf(&b, " %s", e.Subject)
	}
	if e.Status != "" {
		fmt.Fprintf(&b, " %s", e.Status)
	}
	if t := e.Sentence(); t != "" {
		fmt.Fprintf(&b, ": %s", oneLine(t))
	}
	if e.Progress != nil {
		fmt.Fprintf(&b, " [%s]", e.Progress)
	}
	if e.Err != nil && e.Kind == EventDone {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.ReplaceAll(s, "\n", " | ")
	}
	return s
}

// Sentence is the event told for people: Text when it says something, else a
// sentence from the kind, source, subject and status. A state event always
// names the state ("execution X of W is now ERROR: <state_info>").
func (e Event) Sentence() string {
	text := oneLine(e.Text)
	what := e.Source
	if what == "" {
		what = "the run"
	}
	switch e.Kind {
	case EventState:
		s := fmt.Sprintf("%s is now %s", what, e.Status)
		if e.ExecutionID != "" {
			s = fmt.Sprintf("execution %s of %s is now %s", e.ExecutionID, what, e.Status)
		}
		if text != "" {
			s += ": " + text
		}
		return s
	case EventDone:
		if text != "" {
			return text
		}
		if e.Err != nil {
			return fmt.Sprintf("%s failed: %v", what, e.Err)
		}
		return what + " finished"
	}
	if text != "" {
		return text
	}
	switch e.Kind {
	case EventStarted:
		return what + " started"
	case EventWarning:
		if e.Err != nil {
			return e.Err.Error()
		}
	}
	subject := e.Subject
	if subject == "" {
		subject = what
	}
	if e.Status != "" {
		return subject + " is " + e.Status
	}
	return string(e.Kind) + " from " + what
}

// LogValue implements slog.LogValuer: the kind, source, execution, subject,
// status, the sentence, the counters and the error, each only when set.
// Message payloads are not logged beyond their (masked) text.
func (e Event) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("kind", string(e.Kind))}
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("source", e.Source)
	add("execution_id", e.ExecutionID)
	add("subject", e.Subject)
	add("status", e.Status)
	add("text", e.Sentence())
	if p := e.Progress; p != nil {
		attrs = append(attrs, slog.Group("progress", "done", p.Done, "in_progress", p.InProgress, "failed", p.Failed, "total", p.Total))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}
