package tripleo

import "strings"

// Mistral execution states.
const (
	StateIdle      = "IDLE"
	StateRunning   = "RUNNING"
	StatePaused    = "PAUSED"
	StateSuccess   = "SUCCESS"
	StateError     = "ERROR"
	StateCancelled = "CANCELLED"
)

// Message statuses posted by tripleo.* workflows.
const (
	StatusRunning = "RUNNING"
	StatusSuccess = "SUCCESS"
	StatusFailed  = "FAILED"
)

// Outcome classifies a Mistral execution state or a message status.
type Outcome int

const (
	// Pending: not terminal (IDLE, RUNNING, PAUSED, RUNNING messages, and any unknown value).
	Pending Outcome = iota
	// Succeeded: SUCCESS.
	Succeeded
	// Failed: ERROR (Mistral) or FAILED (message).
	Failed
	// Cancelled: CANCELLED.
	Cancelled
)

// Classify is the one place that decides which execution states and message
// statuses are terminal. Comparison ignores case; an empty message status counts
// as RUNNING (tripleoclient's rule) and an unknown value is never terminal.
func Classify(state string) Outcome {
	switch strings.ToUpper(state) {
	case StateSuccess:
		return Succeeded
	case StateError, StatusFailed:
		return Failed
	case StateCancelled:
		return Cancelled
	}
	return Pending
}

// Terminal reports whether Classify(state) is not Pending.
func Terminal(state string) bool { return Classify(state) != Pending }
