package tripleo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jarcoal/httpmock"

	"github.com/tripleo-go/sdk/tripleo"
)

// FuzzRunActionResult feeds an action-execution body (the answer to a run_sync
// POST) and the secret sent as the action's input to RunAction. An error is an
// *ActionError, a result that does not decode, or a state that is not final;
// an ActionError's text (the server's) holds the secret in no form: neither
// as such nor JSON-escaped.
func FuzzRunActionResult(f *testing.F) {
	const secret = "Fz-S3cret-Pw9"
	for _, file := range []string{"action-execution-error.json", "action-execution-success.json", "action-execution-error-object.json", "execution.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "seeds", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, secret)
		f.Add(b, secret+"é")
	}
	for _, s := range []string{
		`{"state": "ERROR", "output": "{\"result\": \"wrong password Fz-S3cret-Pw9\"}"}`,
		`{"state": "ERROR", "state_info": "Fz-S3cret-Pw9 rejected", "output": null}`,
		`{"state": "ERROR", "output": "{\"result\": [\"Fz-S3cret-Pw9\", {\"password\": \"Fz-S3cret-Pw9\"}]}"}`,
		`{"state": "ERROR", "output": "{\"result\": {\"message\": \"bad \\\"Fz-S3cret-Pw9\\\"\"}}"}`,
		`{"state": "CANCELLED", "output": "{\"result\": 12345}"}`,
		`{"state": "SUCCESS", "output": "{\"result\": {\"a\": 1}}"}`,
		`{"state": "SUCCESS", "output": "{\"result\": null}"}`,
		`{"state": "RUNNING", "output": null}`,
	} {
		f.Add([]byte(s), secret)
		f.Add([]byte(s), `Fz"S3<r>t\Pw9`)
	}

	c, mt := newMockClient(f)
	var body []byte
	mt.RegisterResponder("POST", mistralURL+"/action_executions", func(r *http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(201, body)
		resp.Header.Set("Content-Type", "application/json")
		resp.Request = r
		return resp, nil
	})

	f.Fuzz(func(t *testing.T, data []byte, pw string) {
		body = data
		var out any
		err := c.RunAction(context.Background(), "tripleo.fuzz", map[string]any{"password": tripleo.Secret(pw)}, &out)
		if err == nil {
			return
		}
		var ae *tripleo.ActionError
		if !errors.As(err, &ae) {
			msg := err.Error()
			if !strings.HasPrefix(msg, "mistral: run action tripleo.fuzz: ") {
				t.Fatalf("error %T without the operation: %v", err, err)
			}
			return
		}
		if !errors.Is(err, tripleo.ErrActionFailed) || ae.Action != "tripleo.fuzz" {
			t.Fatalf("ActionError %+v", ae)
		}
		if len(pw) < 6 || strings.Contains(pw, "*") || !utf8.ValidString(pw) {
			return // short secrets are not masked; "*" is the mask itself
		}
		for _, form := range secretForms(pw) {
			if strings.Contains(ae.Result, form) {
				t.Fatalf("the secret %q shows as %q in %q", pw, form, ae.Result)
			}
		}
	})
}

// secretForms are the ways a secret can appear in a JSON text: itself, JSON
// string-escaped as Go writes it, and with non-ASCII as \uXXXX (Python's
// json.dumps default).
func secretForms(s string) []string {
	b, _ := json.Marshal(s)
	goForm := string(b[1 : len(b)-1])
	var ascii strings.Builder
	for _, r := range goForm {
		switch {
		case r < 0x80:
			ascii.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16Pair(r)
			fmt.Fprintf(&ascii, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&ascii, `\u%04x`, r)
		}
	}
	return []string{s, goForm, ascii.String()}
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}
