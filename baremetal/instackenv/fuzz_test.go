package instackenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tripleo-go/sdk/tripleo"
)

// fuzzSentinel is the password of the fuzz seeds: however the fuzzer moves it
// around, it may show in an error only where it became a node's name.
const fuzzSentinel = "Fz-S3cret-Pw9"

// passwordLike finds values written after a key containing "password" (a
// loose scan of the raw input, for documents that do not parse).
var passwordLike = regexp.MustCompile(`(?i)passw(?:or)?d[^:=]{0,3}[:=]\s*["']?([^"'\s,}\]]{8,})`)

var hasLetter, hasDigit = regexp.MustCompile(`[A-Za-z]`), regexp.MustCompile(`[0-9]`)

// rawPasswords lists the sentinel and the password-looking values of data that
// mix letters and digits (so static message text cannot match them).
func rawPasswords(data []byte) []string {
	out := []string{fuzzSentinel}
	for _, m := range passwordLike.FindAllSubmatch(data, -1) {
		s := string(m[1])
		if hasLetter.MatchString(s) && hasDigit.MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}

func FuzzReadInventory(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && !strings.HasSuffix(file, "fuzz") {
			f.Add(b)
			f.Add(bytes.ReplaceAll(b, []byte("Pa55word"), []byte(fuzzSentinel)))
		}
	}
	for _, s := range []string{
		`{"nodes": [{"pm_type": "ipmi", "pm_addr": "10.0.0.1", "pm_password": "` + fuzzSentinel + `", "cpu": "4", "mac": "aa:bb:cc:dd:ee:ff"}]}`,
		`[{"pm_type": "redfish", "pm_password": "` + fuzzSentinel + `", "capabilities": {"a": null, "b": 1}, "root_device": [1]}]`,
		"- pm_type: pxe_ssh\n  pm_password: " + fuzzSentinel + "\n  mac: [aa:bb:cc:dd:ee:ff]\n  ports: [{address: x}]\n",
		"d: &d {pm_type: ipmi, pm_password: " + fuzzSentinel + "}\nnodes: [{<<: *d, pm_addr: a}, *d]\n",
		"nodes:\n- {pm_password: !!int " + fuzzSentinel + ", cpu: 0x10, memory: 1e3, disk: .inf, pm_port: !!float 5}\n",
		`{"nodes": [{"pm_password": "` + fuzzSentinel + `" "x": 1}]}`,
		"nodes:\n  - pm_password: '" + fuzzSentinel + "\n",
		"nodes:\n  - pm_password: *" + fuzzSentinel + "\n",
		"nodes: [{pm_password: " + fuzzSentinel + ", cpu: " + fuzzSentinel + ", name: [" + fuzzSentinel + "]}]\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Read(bytes.NewReader(data))
		if err != nil {
			checkReadError(t, data, err)
			return
		}
		checkInventory(t, inv)
	})
}

// checkReadError: typed, and no password of the input in the text except as
// part of a node name.
func checkReadError(t *testing.T, data []byte, err error) {
	if inv, _ := Read(bytes.NewReader(data)); inv != nil {
		t.Fatalf("an inventory and an error")
	}
	if !isInvalidInput(err) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
	leaves := tripleo.Problems(err)
	if len(leaves) == 0 {
		t.Fatalf("no ValidationError in %T: %v", err, err)
	}
	msg := err.Error()
	for _, p := range Problems(err) {
		if p.Name != "" {
			msg = strings.ReplaceAll(msg, p.Name, "")
		}
	}
	for _, pw := range rawPasswords(data) {
		if strings.Contains(msg, pw) {
			t.Fatalf("error contains the password %q: %s", pw, err)
		}
	}
}

func isInvalidInput(err error) bool {
	var walk func(error) bool
	walk = func(e error) bool {
		switch u := e.(type) {
		case *DocumentError, *Problem, *tripleo.ValidationError:
			return true
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				if !walk(x) {
					return false
				}
			}
			return len(u.Unwrap()) > 0
		}
		return false
	}
	return walk(err)
}

// checkInventory: validation, printing and the wire form of a read inventory.
func checkInventory(t *testing.T, inv *Inventory) {
	verr := inv.Validate()
	if verr != nil {
		for _, p := range tripleo.Problems(verr) {
			if !strings.HasPrefix(p.Field, "nodes[") {
				t.Fatalf("problem field %q", p.Field)
			}
		}
		if len(Problems(verr)) != len(tripleo.Problems(verr)) {
			t.Fatalf("untyped validation problem: %v", verr)
		}
	}

	// Secrets may show only where the same text is also a non-secret value.
	masked, err := json.Marshal(inv)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "inv", inv, "n", inv.Nodes)
	texts := []string{fmt.Sprintf("%v %+v %#v", inv, inv, inv.Nodes), logs.String()}
	if verr != nil {
		texts = append(texts, verr.Error())
	}
	for _, s := range secretsOf(inv) {
		if len(s) < 4 || strings.Contains(string(masked), s) || s == "***" || strings.Contains("***", s) {
			continue
		}
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Fatalf("output contains the secret %q: %s", s, text)
			}
		}
	}

	// The wire form is plain JSON and reads back to the same wire form.
	wire, err := json.Marshal(inv.Wire())
	if err != nil {
		t.Fatalf("wire form does not marshal: %v", err)
	}
	back, err := Read(bytes.NewReader(wire))
	if err != nil {
		t.Fatalf("wire form does not read back: %v\n%s", err, wire)
	}
	again, err := json.Marshal(back.Wire())
	if err != nil {
		t.Fatal(err)
	}
	if verr == nil && !bytes.Equal(wire, again) {
		t.Fatalf("wire form changed on a round trip:\n%s\n%s", wire, again)
	}
}
