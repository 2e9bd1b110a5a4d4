package tripleo

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// Secret holds a password, key or token. Every way of printing it — fmt's verbs
// (%s, %v, %+v, %#v, %q, %x, ...), slog, JSON and YAML marshalling — shows "***"
// (or "" when it is empty), so a Secret can sit in structs that end up in logs,
// errors and events without leaking. Reveal returns the value; the SDK calls it
// only where the wire needs the real value.
type Secret string

const redacted = "***"

// Reveal returns the secret value itself. Call it only to put the value on the wire.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer and prints "***".
func (s Secret) String() string { return s.mask() }

// GoString implements fmt.GoStringer and prints "***".
func (s Secret) GoString() string { return s.mask() }

// Format implements fmt.Formatter so that every verb prints "***".
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.mask())
		return
	}
	fmt.Fprint(f, s.mask())
}

// LogValue implements slog.LogValuer and logs "***".
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.mask()) }

// MarshalJSON marshals the mask, never the value; use Reveal to build wire bodies.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.mask()) }

// UnmarshalJSON reads the real value (a JSON string).
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("secret must be a JSON string")
	}
	*s = Secret(v)
	return nil
}

// MarshalYAML marshals the mask, never the value.
func (s Secret) MarshalYAML() (any, error) { return s.mask(), nil }

// MarshalText marshals the mask, never the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }

func (s Secret) mask() string {
	if s == "" {
		return ""
	}
	return redacted
}

// Redact replaces every occurrence of the given secrets' values in text with "***".
// Empty and very short secrets (under 3 bytes) are ignored, since masking them
// would garble ordinary text.
func Redact(text string, secrets ...Secret) string {
	for _, s := range secrets {
		if len(s) >= 3 {
			text = strings.ReplaceAll(text, string(s), redacted)
		}
	}
	return text
}
