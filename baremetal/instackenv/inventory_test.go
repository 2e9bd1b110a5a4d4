package instackenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestCapabilities(t *testing.T) {
	c, err := ParseCapabilities("profile:compute,boot_option:local,node:compute-0,x:a:b")
	require.NoError(t, err)
	assert.Equal(t, Capabilities{"profile": "compute", "boot_option": "local", "node": "compute-0", "x": "a:b"}, c)
	assert.Equal(t, "boot_option:local,node:compute-0,profile:compute,x:a:b", c.String())

	c, err = ParseCapabilities("")
	require.NoError(t, err)
	assert.Nil(t, c)
	assert.Equal(t, "", Capabilities(nil).String())

	for _, bad := range []string{"profile", "a:b,", "a:b,,c:d", ",a:b"} {
		_, err := ParseCapabilities(bad)
		require.ErrorIs(t, err, tripleo.ErrInvalidInput, bad)
		assert.EqualError(t, err, "invalid capabilities: Invalid capabilities: "+bad)
	}
}

func TestWire(t *testing.T) {
	n := Node{
		PMType: "ipmi", PMAddr: "10.0.0.5", PMUser: "admin", PMPassword: "Wire-Pa55",
		PMPort: 623, MACs: []string{"aa:bb:cc:dd:ee:01"}, CPU: 4, Memory: 8192, Disk: 40, Arch: "x86_64",
		Name:         "compute-3",
		Capabilities: Capabilities{"profile": "compute", "boot_option": "local"},
		RootDevice:   map[string]any{"serial": "s1", "size": 60},
		KernelID:     "k", RamdiskID: "r", Platform: "SNB", ResourceClass: "baremetal",
		DeployInterface: "direct",
		Extra:           map[string]any{"ipmi_bridging": "single", "ipmi_password2": tripleo.Secret("Extra-Pa55")},
	}
	assert.Equal(t, map[string]any{
		"pm_type": "ipmi", "pm_addr": "10.0.0.5", "pm_user": "admin", "pm_password": "Wire-Pa55",
		"pm_port": 623, "mac": []any{"aa:bb:cc:dd:ee:01"}, "cpu": 4, "memory": 8192, "disk": 40, "arch": "x86_64",
		"name":         "compute-3",
		"capabilities": "boot_option:local,profile:compute",
		"root_device":  map[string]any{"serial": "s1", "size": 60},
		"kernel_id":    "k", "ramdisk_id": "r", "platform": "SNB", "resource_class": "baremetal",
		"deploy_interface": "direct",
		"ipmi_bridging":    "single", "ipmi_password2": "Extra-Pa55",
	}, n.Wire())

	// Empty fields are omitted.
	assert.Equal(t, map[string]any{"pm_type": "fake"}, Node{PMType: "fake", Capabilities: Capabilities{}, RootDevice: map[string]any{}}.Wire())

	// The wire form of every sample is plain data, JSON-encodable, with the real passwords.
	for _, s := range samples {
		inv, err := Load(filepath.Join("testdata", s.file))
		require.NoError(t, err)
		w := inv.Wire()
		require.Len(t, w, len(inv.Nodes))
		assertPlain(t, w)
		b, err := json.Marshal(w)
		require.NoError(t, err)
		for _, n := range inv.Nodes {
			pw, err := json.Marshal(n.PMPassword.Reveal())
			require.NoError(t, err)
			if n.PMPassword != "" {
				assert.Contains(t, string(b), strings.Trim(string(pw), `"`))
			}
		}
	}
}

func TestWireRoundTrip(t *testing.T) {
	// Wire output read back gives the same nodes.
	for _, s := range samples {
		inv, err := Load(filepath.Join("testdata", s.file))
		require.NoError(t, err)
		b, err := json.Marshal(map[string]any{"nodes": inv.Wire()})
		require.NoError(t, err)
		back, err := Read(bytes.NewReader(b))
		require.NoError(t, err)
		require.Equal(t, len(inv.Nodes), len(back.Nodes))
		for i := range inv.Nodes {
			assert.Equal(t, inv.Nodes[i].Wire(), back.Nodes[i].Wire(), "%s node %d", s.file, i)
		}
	}
}

func TestWireKeepsInvalidValues(t *testing.T) {
	inv, err := Read(strings.NewReader(`[{"pm_type": "fake", "capabilities": "profile", "root_device": ["sda"]}]`))
	require.NoError(t, err)
	w := inv.Nodes[0].Wire()
	assert.Equal(t, "profile", w["capabilities"])
	assert.Equal(t, []any{"sda"}, w["root_device"])

	// Setting valid values replaces them.
	inv.Nodes[0].Capabilities = Capabilities{"profile": "compute"}
	inv.Nodes[0].RootDevice = map[string]any{"name": "/dev/sda"}
	require.NoError(t, inv.Validate())
	w = inv.Nodes[0].Wire()
	assert.Equal(t, "profile:compute", w["capabilities"])
	assert.Equal(t, map[string]any{"name": "/dev/sda"}, w["root_device"])
}

func TestWirePlainFromOddGoValues(t *testing.T) {
	type hint struct {
		Size int `json:"size"`
	}
	n := Node{PMType: "fake", RootDevice: map[string]any{
		"size": int32(60), "hctl": []string{"0:0:0:0"}, "by": map[string]string{"a": "b"}, "s": hint{Size: 4},
		"p": &hint{Size: 5}, "u": uint8(1), "f": float32(1.5), "nil": nil,
	}}
	w := n.Wire()
	assertPlain(t, w)
	assert.Equal(t, map[string]any{"size": int64(4)}, w["root_device"].(map[string]any)["s"])
}

// assertPlain fails unless v holds only maps, slices, strings, numbers, booleans and nil.
func assertPlain(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case nil, string, bool, int, int64, uint64, float64:
	case map[string]any:
		for _, e := range x {
			assertPlain(t, e)
		}
	case []any:
		for _, e := range x {
			assertPlain(t, e)
		}
	default:
		t.Errorf("non-plain value of type %T in the wire form", v)
	}
}

func TestJSONAndYAMLMarshalMaskSecrets(t *testing.T) {
	inv, err := Load("testdata/ipmi.json")
	require.NoError(t, err)
	b, err := json.Marshal(inv)
	require.NoError(t, err)
	var back Inventory
	require.NoError(t, json.Unmarshal(b, &back))
	require.Len(t, back.Nodes, 3)
	assert.Equal(t, "***", back.Nodes[0].PMPassword.Reveal(), "the marshalled form carries the mask, never the value")
	assert.Equal(t, inv.Nodes[2].Extra, back.Nodes[2].Extra)
	assert.Equal(t, inv.Nodes[1].Capabilities, back.Nodes[1].Capabilities)

	var single Node
	require.NoError(t, json.Unmarshal([]byte(`{"pm_type": "fake", "cpu": "2"}`), &single))
	assert.Equal(t, Node{PMType: "fake", CPU: 2}, single)
	err = json.Unmarshal([]byte(`{"pm_type": "fake", "cpu": "two"}`), &single)
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	err = json.Unmarshal([]byte(`[1]`), &single)
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	require.ErrorIs(t, json.Unmarshal([]byte(`{"nodes": 1}`), &back), tripleo.ErrInvalidInput)
	require.NoError(t, json.Unmarshal([]byte(`[{"pm_type": "fake"}]`), &back))
	assert.Equal(t, []Node{{PMType: "fake"}}, back.Nodes)
}

// secretsOf lists every secret value of an inventory: passwords and secret extras.
func secretsOf(inv *Inventory) []string {
	var out []string
	for _, n := range inv.Nodes {
		if n.PMPassword != "" {
			out = append(out, n.PMPassword.Reveal())
		}
		for _, v := range n.Extra {
			if s, ok := v.(tripleo.Secret); ok {
				out = append(out, s.Reveal())
			}
		}
	}
	return out
}

func TestNodesPrintSafely(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			inv, err := Load(filepath.Join("testdata", s.file))
			require.NoError(t, err)
			inv.Nodes[0].Extra = map[string]any{"ipmi_password": tripleo.Secret("Extra-Secret-Value-1")}
			secrets := secretsOf(inv)
			require.NotEmpty(t, secrets)

			var outputs []string
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
				outputs = append(outputs,
					fmt.Sprintf(verb, inv.Nodes[0]),
					fmt.Sprintf(verb, &inv.Nodes[0]),
					fmt.Sprintf(verb, inv),
					fmt.Sprintf(verb, *inv),
					fmt.Sprintf(verb, inv.Nodes),
					fmt.Sprintf(verb, []any{inv.Nodes[0]}),
					fmt.Sprintf(verb, map[string]Node{"n": inv.Nodes[0]}),
				)
			}
			outputs = append(outputs, fmt.Sprint(inv.Nodes[0]), fmt.Sprintln(inv))

			var buf bytes.Buffer
			for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
				l := slog.New(h)
				l.Info("node", "node", inv.Nodes[0], "ptr", &inv.Nodes[0], "inv", inv, "nodes", inv.Nodes)
				l.Info("node", slog.Any("node", inv.Nodes[0]), slog.Group("g", "inv", *inv))
			}
			outputs = append(outputs, buf.String())

			for _, v := range []any{inv, *inv, inv.Nodes[0], &inv.Nodes[0], inv.Nodes} {
				b, err := json.Marshal(v)
				require.NoError(t, err)
				outputs = append(outputs, string(b))
				y, err := yaml.Marshal(v)
				require.NoError(t, err)
				outputs = append(outputs, string(y))
			}

			for _, out := range outputs {
				for _, secret := range secrets {
					require.NotContains(t, out, secret)
					// Also not a JSON-escaped form (multi-line SSH keys).
					esc, _ := json.Marshal(secret)
					require.NotContains(t, out, strings.Trim(string(esc), `"`))
				}
			}
			assert.Contains(t, outputs[0], "***")
		})
	}
}

func TestErrorsNeverContainPasswords(t *testing.T) {
	const pw = "Leaky-Passw0rd-77"
	docs := []string{
		// Syntax errors right at the password.
		`{"nodes": [{"pm_password": "` + pw + `" "pm_addr": "x"}]}`,
		`{"nodes": [{"pm_password": "` + pw,
		"nodes:\n  - pm_password: " + pw + "\n   pm_addr: x\n",
		"nodes:\n  - pm_password: '" + pw + "\n",
		"nodes:\n  - pm_password: \"" + pw + "\\q\"\n",
		"nodes:\n  - pm_password: *" + pw + "\n",
		"nodes:\n  - pm_password: !<" + pw + "> x\n  - ]\n",
		"%TAG !" + pw + "! x\n%TAG !" + pw + "! y\n---\nnodes: []\n",
		"nodes: !" + pw + "!z []\n",
		"nodes:\n  - pm_password: " + pw + "\n\t- x\n",
		// Type errors near the password.
		`{"nodes": [{"pm_password": {"v": "` + pw + `"}, "cpu": "` + pw + `"}]}`,
		`{"nodes": [{"name": "n", "pm_password": "` + pw + `", "cpu": [1], "mac": {"a": 1}}]}`,
		`{"nodes": "` + pw + `"}`,
		`["` + pw + `"]`,
		`"` + pw + `"`,
		pw,
	}
	for _, doc := range docs {
		_, err := Read(strings.NewReader(doc))
		require.Error(t, err, doc)
		require.ErrorIs(t, err, tripleo.ErrInvalidInput, doc)
		require.NotContains(t, err.Error(), pw, doc)
		for _, p := range tripleo.Problems(err) {
			require.NotContains(t, p.Error(), pw)
		}
	}

	// Validation problems never show it either, whatever the rule.
	inv := &Inventory{Nodes: []Node{
		{PMType: "redfish", PMPassword: pw, Capabilities: Capabilities{"a,b": "c"}},
		{PMType: "pxe_ssh", PMAddr: "h", PMUser: "u", PMPassword: pw},
		{PMType: "fake", PMPassword: pw, Extra: map[string]any{"pm_pass": tripleo.Secret(pw)}},
	}}
	inv.Nodes[0].badRootDevice = []any{map[string]any{"password": tripleo.Secret(pw)}}
	err := inv.Validate()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), pw)
	assert.NotContains(t, fmt.Sprintf("%+v %#v", err, Problems(err)), pw)
}

func TestDocumentErrorText(t *testing.T) {
	e := &DocumentError{Path: "nodes.json", Line: 3, Column: 7, Reason: "invalid JSON: x"}
	assert.Equal(t, "instackenv nodes.json: line 3, column 7: invalid JSON: x", e.Error())
	e = &DocumentError{Reason: "cannot read the inventory", Err: errors.New("boom")}
	assert.Equal(t, "instackenv: cannot read the inventory: boom", e.Error())

	_, err := Read(errReader{})
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	require.ErrorIs(t, err, errBoom)
}

var errBoom = errors.New("boom")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }

func TestSanitizeMessage(t *testing.T) {
	assert.Equal(t, "did not find expected ',' or ']'", sanitizeMessage("did not find expected ',' or ']'"))
	assert.Equal(t, "unknown anchor '…' referenced", sanitizeMessage("unknown anchor 'secret' referenced"))
	assert.Equal(t, "cannot decode !!str `…` as a !!int", sanitizeMessage("cannot decode !!str `hunter22` as a !!int"))
	assert.Equal(t, "open '…", sanitizeMessage("open 'hunter22"))
	assert.Len(t, sanitizeMessage(strings.Repeat("x", 500)), 203)
}

func TestNodeLogValue(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	l.Info("registering", "node", Node{Name: "c0", UUID: "u1", PMType: "ipmi", PMAddr: "10.0.0.1", PMPassword: "Log-Pa55", MACs: []string{"a", "b"}})
	assert.Equal(t, "level=INFO msg=registering node.name=c0 node.uuid=u1 node.pm_type=ipmi node.pm_addr=10.0.0.1 node.mac=a,b\n", buf.String())
}
