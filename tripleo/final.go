package tripleo

import "fmt"

// Final is what a successful run ends with: the execution as Mistral last
// reported it and the execution's own final message, when one arrived.
type Final struct {
	// Workflow is the full workflow name.
	Workflow string
	// ExecutionID is the execution's id.
	ExecutionID string
	// Execution is the last GET of the execution (nil if Mistral could not be read).
	Execution *Execution
	// Message is the execution's own final message (nil if none arrived, e.g. it
	// was lost or too big for Zaqar: the execution output stands in).
	Message *Message
	// Events are the run's events so far (its sub-workflows' messages among
	// them), for decoders that gather results from them.
	Events []Event
}

// Decoder turns a successful run's Final into the typed result.
type Decoder[T any] func(*Final) (T, error)

// Field decodes key from the final message's payload, falling back to the
// execution output (a workflow's output, or its whole final context when it
// declares none). It reports whether the key was found.
func (f *Final) Field(key string, v any) (bool, error) {
	if f.Message != nil {
		if ok, err := f.Message.Payload.Decode(key, v); ok || err != nil {
			return ok, err
		}
	}
	if f.Execution != nil {
		return f.Execution.Output.Decode(key, v)
	}
	return false, nil
}

// Text returns the final message text, or the output's "message".
func (f *Final) Text() string {
	if f.Message != nil && f.Message.Payload.Message != "" {
		return f.Message.Payload.Message
	}
	if f.Execution != nil {
		return RenderMessage(f.Execution.Output["message"])
	}
	return ""
}

// DecodeFinal is the Decoder that returns the Final itself (generic callers, CLIs).
func DecodeFinal(f *Final) (*Final, error) { return f, nil }

// DecodeNothing is the Decoder for workflows whose success carries no result.
func DecodeNothing(*Final) (struct{}, error) { return struct{}{}, nil }

// DecodeField returns a Decoder that reads one key (see Final.Field); a missing
// key is an error unless optional.
func DecodeField[T any](key string, optional bool) Decoder[T] {
	return func(f *Final) (T, error) {
		var v T
		ok, err := f.Field(key, &v)
		if err != nil {
			return v, err
		}
		if !ok && !optional {
			return v, fmt.Errorf("%s: result has no %q", f.Workflow, key)
		}
		return v, nil
	}
}
