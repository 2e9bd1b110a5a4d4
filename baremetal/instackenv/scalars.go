package instackenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// readExtra converts a decoded value to plain data, storing scalars under
// secret-looking keys (at any depth) as tripleo.Secret.
func readExtra(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = readExtra(e, secret || isSecretKey(k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = readExtra(e, secret)
		}
		return out
	case nil:
		return nil
	}
	if secret {
		if s, ok := scalarText(v); ok {
			return tripleo.Secret(s)
		}
	}
	return plain(v, true)
}

// scalarText returns the text of a scalar: strings as they are, numbers and
// booleans as written. It reports false for lists and objects.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case yamlBool:
		return x.text, true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "", true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return "", false
}

// scalarInt reads a non-negative integer given as a number or a numeric
// string ("8192", " 4 ", "8192.0"); "" is 0 (absent). The reason, if any,
// never quotes the value.
func scalarInt(v any) (int, string) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return 0, ""
		}
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool, yamlBool:
		return 0, "must be an integer, got a boolean"
	default:
		return 0, "must be an integer, got " + kindOf(v)
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		switch {
		case ferr != nil && strings.ContainsAny(s, "0123456789") && errors.Is(ferr, strconv.ErrRange):
			return 0, "must be an integer, got a number out of range"
		case ferr != nil:
			if _, isNum := v.(json.Number); isNum {
				return 0, "must be a decimal integer"
			}
			return 0, "must be an integer, got a non-numeric string"
		case math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
			return 0, "must be a whole number"
		case f > math.MaxInt32 || f < math.MinInt32:
			return 0, "must be an integer, got a number out of range"
		}
		i = int64(f)
	}
	if i < 0 {
		return 0, "must not be negative"
	}
	if i > math.MaxInt32 {
		return 0, "must be an integer, got a number out of range"
	}
	return int(i), ""
}

// kindOf names the type of a decoded value for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number, int, int64, float64:
		return "a number"
	case bool, yamlBool:
		return "a boolean"
	}
	return fmt.Sprintf("a %T", v)
}
