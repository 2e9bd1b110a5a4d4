package tripleo

// Wire converts a request value for the wire: Secret values become their real
// strings (the only place the SDK reveals them) and are returned so that the
// caller can redact them from any error text. map[string]any, []any and
// []map[string]any (the containers a Secret can sit in) are copied; other
// values pass through as they are.
func Wire(v map[string]any) (map[string]any, []Secret) {
	if v == nil {
		return nil, nil
	}
	var secrets []Secret
	out, _ := wireValue(v, &secrets).(map[string]any)
	return out, secrets
}

func wireValue(v any, secrets *[]Secret) any {
	switch t := v.(type) {
	case Secret:
		if t != "" {
			*secrets = append(*secrets, t)
		}
		return t.Reveal()
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = wireValue(x, secrets)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = wireValue(x, secrets)
		}
		return out
	case []map[string]any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = wireValue(x, secrets)
		}
		return out
	}
	return v
}
