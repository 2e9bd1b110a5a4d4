package instackenv

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// samples are the real-world inventories in testdata, one per driver family.
var samples = []struct {
	file  string
	nodes int
}{
	{"ipmi.json", 3},
	{"pxe_ssh_fake.json", 5},
	{"redfish.yaml", 2},
	{"idrac.json", 2},
	{"ilo.yaml", 2},
}

func TestSamplesReadAndValidateClean(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			inv, err := Load(filepath.Join("testdata", s.file))
			require.NoError(t, err)
			require.Len(t, inv.Nodes, s.nodes)
			require.NoError(t, inv.Validate())
			for i, n := range inv.Nodes {
				assert.NotEmpty(t, n.Name, "node %d", i)
				assert.True(t, KnownDriver(n.PMType), n.PMType)
			}
		})
	}
}

func TestReadIPMISampleStringNumerics(t *testing.T) {
	inv, err := Load("testdata/ipmi.json")
	require.NoError(t, err)
	n := inv.Nodes[0]
	assert.Equal(t, "controller-0", n.Name)
	assert.Equal(t, "ipmi", n.PMType)
	assert.Equal(t, "192.168.24.1", n.PMAddr)
	assert.Equal(t, 6230, n.PMPort)
	assert.Equal(t, "admin", n.PMUser)
	assert.Equal(t, "Ipmi-Pa55word-ctl0", n.PMPassword.Reveal())
	assert.Equal(t, []string{"52:54:00:0c:6a:01"}, n.MACs)
	assert.Equal(t, 4, n.CPU)
	assert.Equal(t, 12288, n.Memory)
	assert.Equal(t, 60, n.Disk)
	assert.Equal(t, "x86_64", n.Arch)
	assert.Equal(t, Capabilities{"profile": "control", "boot_option": "local"}, n.Capabilities)
	assert.Nil(t, n.Extra, "_comment is dropped")

	c1 := inv.Nodes[2]
	assert.Equal(t, []string{"b1:b1:b1:b1:b1:b1"}, c1.MACs, "a single MAC string")
	assert.Equal(t, map[string]any{"ipmi_bridging": "single", "ipmi_target_address": "0x20", "ipmi_target_channel": "7"}, c1.Extra)
}

func TestReadRedfishSampleYAML(t *testing.T) {
	inv, err := Load("testdata/redfish.yaml")
	require.NoError(t, err)
	n := inv.Nodes[0]
	assert.Equal(t, "https://192.168.111.1:8000", n.PMAddr)
	assert.Equal(t, "/redfish/v1/Systems/6b0ea4a6-5d8e-4a0c-9b0e-1d7c2fd5b0a1", n.PMSystemID)
	assert.Equal(t, []string{"52:54:00:aa:01:01"}, n.MACs, "an unquoted YAML MAC stays a string")
	assert.Equal(t, Capabilities{"profile": "control", "boot_option": "local", "boot_mode": "uefi"}, n.Capabilities, "null values dropped")
	assert.Equal(t, "boot_mode:uefi,boot_option:local,profile:control", n.Capabilities.String())
	assert.Equal(t, map[string]any{"serial": "61866da04f380d001ea4e13c12e36ad6"}, n.RootDevice)
	assert.Equal(t, map[string]any{"redfish_verify_ca": false}, n.Extra)
	m := inv.Nodes[1]
	assert.Equal(t, 8, m.CPU)
	assert.Equal(t, 32768, m.Memory)
	assert.Equal(t, map[string]any{"size": int64(60), "rotational": false}, m.RootDevice)
}

func TestReadShapes(t *testing.T) {
	const node = `{"pm_type": "ipmi", "pm_addr": "10.0.0.1", "pm_password": "pw-shape-1", "mac": ["aa:bb:cc:dd:ee:01"]}`
	docs := map[string]string{
		"json object":        `{"nodes": [` + node + `]}`,
		"json bare list":     `[` + node + `]`,
		"json with BOM":      "\ufeff" + `{"nodes": [` + node + `]}`,
		"yaml object":        "nodes:\n  - pm_type: ipmi\n    pm_addr: 10.0.0.1\n    pm_password: pw-shape-1\n    mac: [aa:bb:cc:dd:ee:01]\n",
		"yaml bare list":     "- pm_type: ipmi\n  pm_addr: 10.0.0.1\n  pm_password: pw-shape-1\n  mac:\n  - aa:bb:cc:dd:ee:01\n",
		"yaml flow style":    "{nodes: [{pm_type: ipmi, pm_addr: 10.0.0.1, pm_password: pw-shape-1, mac: [aa:bb:cc:dd:ee:01]}]}",
		"json trailing ws":   `[` + node + "]\n\n",
		"yaml explicit doc":  "---\n- pm_type: ipmi\n  pm_addr: 10.0.0.1\n  pm_password: pw-shape-1\n  mac: aa:bb:cc:dd:ee:01\n...\n",
		"other top-level":    `{"ssh-key": "x", "arch": "x86_64", "nodes": [` + node + `]}`,
		"yaml merge key":     "defaults: &d\n  pm_type: ipmi\n  pm_password: pw-shape-1\nnodes:\n  - <<: *d\n    pm_addr: 10.0.0.1\n    mac: [aa:bb:cc:dd:ee:01]\n",
		"yaml alias mapping": "nodes:\n  - &n {pm_type: ipmi, pm_addr: 10.0.0.1, pm_password: pw-shape-1, mac: [aa:bb:cc:dd:ee:01]}\n",
	}
	want := Node{PMType: "ipmi", PMAddr: "10.0.0.1", PMPassword: "pw-shape-1", MACs: []string{"aa:bb:cc:dd:ee:01"}}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			inv, err := Read(strings.NewReader(doc))
			require.NoError(t, err)
			require.Equal(t, []Node{want}, inv.Nodes)
		})
	}
}

func TestReadLenientValues(t *testing.T) {
	doc := `
- pm_type: ipmi
  pm_addr: 10.0.0.1
  pm_password: 0123
  pm_user: True
  pm_port: " 623 "
  name: 1234
  cpu: 4.0
  memory: null
  disk: ""
  arch: ~
  mac: ""
  _comment: dropped
  capabilities: ""
  ipmi_password: 0777
`
	inv, err := Read(strings.NewReader(doc))
	require.NoError(t, err)
	n := inv.Nodes[0]
	assert.Equal(t, "0123", n.PMPassword.Reveal(), "literal YAML text kept")
	assert.Equal(t, "True", n.PMUser)
	assert.Equal(t, 623, n.PMPort)
	assert.Equal(t, "1234", n.Name)
	assert.Equal(t, 4, n.CPU)
	assert.Zero(t, n.Memory)
	assert.Zero(t, n.Disk)
	assert.Empty(t, n.Arch)
	assert.Nil(t, n.MACs)
	assert.Nil(t, n.Capabilities)
	assert.Equal(t, map[string]any{"ipmi_password": tripleo.Secret("0777")}, n.Extra, "secret-looking extra keys are Secrets")
	assert.Equal(t, "0777", n.Wire()["ipmi_password"])
}

func TestReadPorts(t *testing.T) {
	doc := `[{"pm_type": "ipmi", "pm_addr": "a", "ports": [
		{"address": "aa:bb:cc:dd:ee:01", "physical_network": "ctlplane",
		 "local_link_connection": {"switch_id": "0a:1b:2c:3d:4e:5f", "port_id": "Eth1/7"}, "pxe_enabled": true},
		{"address": "aa:bb:cc:dd:ee:02"}]}]`
	inv, err := Read(strings.NewReader(doc))
	require.NoError(t, err)
	assert.Equal(t, []Port{
		{Address: "aa:bb:cc:dd:ee:01", PhysicalNetwork: "ctlplane",
			LocalLinkConnection: map[string]any{"switch_id": "0a:1b:2c:3d:4e:5f", "port_id": "Eth1/7"},
			Extra:               map[string]any{"pxe_enabled": true}},
		{Address: "aa:bb:cc:dd:ee:02"},
	}, inv.Nodes[0].Ports)
	require.NoError(t, inv.Validate())
	assert.Equal(t, []any{
		map[string]any{"address": "aa:bb:cc:dd:ee:01", "physical_network": "ctlplane",
			"local_link_connection": map[string]any{"switch_id": "0a:1b:2c:3d:4e:5f", "port_id": "Eth1/7"}, "pxe_enabled": true},
		map[string]any{"address": "aa:bb:cc:dd:ee:02"},
	}, inv.Nodes[0].Wire()["ports"])
}

// readProblems reads doc, requiring it to fail with node problems only.
func readProblems(t *testing.T, doc string) []Problem {
	t.Helper()
	inv, err := Read(strings.NewReader(doc))
	require.Error(t, err)
	require.Nil(t, inv)
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	var out []Problem
	for _, p := range Problems(err) {
		out = append(out, *p)
	}
	require.Len(t, tripleo.Problems(err), len(out), "every error is a node problem")
	return out
}

func TestReadTypeErrors(t *testing.T) {
	doc := `{"nodes": [
	  {"name": "n0", "pm_type": "ipmi", "cpu": "four", "memory": -1, "disk": 1.5, "pm_port": true,
	   "pm_password": ["Wrong-Shape-Secret"], "pm_addr": {"a": 1}},
	  "not a node",
	  {"name": ["x"], "mac": [["aa:bb:cc:dd:ee:ff"], null], "ports": {"address": "x"}},
	  {"name": "n3", "ports": [1, {"address": [1]}, {"local_link_connection": "sw1"}], "mac": {"a": "b"}},
	  {"name": "n4", "cpu": "99999999999999999999", "memory": 1e12, "disk": "0x10", "pm_port": "62.5"}
	]}`
	assert.Equal(t, []Problem{
		{0, "n0", "pm_addr", "must be a string, got an object"},
		{0, "n0", "pm_password", "must be a string, got a list"},
		{0, "n0", "pm_port", "must be an integer, got a boolean"},
		{0, "n0", "cpu", "must be an integer, got a non-numeric string"},
		{0, "n0", "memory", "must not be negative"},
		{0, "n0", "disk", "must be a whole number"},
		{1, "", "", "a node must be an object, got a string"},
		{2, "", "mac", "entry 0 must be a string, got a list"},
		{2, "", "mac", "entry 1 must be a string, got null"},
		{2, "", "ports", "must be a list, got an object"},
		{2, "", "name", "must be a string, got a list"},
		{3, "n3", "mac", "must be a list of MAC addresses or a single one, got an object"},
		{3, "n3", "ports", "entry 0: must be an object, got a number"},
		{3, "n3", "ports", "entry 1: address must be a string, got a list"},
		{3, "n3", "ports", "entry 2: local_link_connection must be an object, got a string"},
		{4, "n4", "pm_port", "must be a whole number"},
		{4, "n4", "cpu", "must be an integer, got a number out of range"},
		{4, "n4", "memory", "must be an integer, got a number out of range"},
		{4, "n4", "disk", "must be an integer, got a non-numeric string"},
	}, readProblems(t, doc))
}

func TestReadDocumentErrors(t *testing.T) {
	cases := []struct {
		name, doc string
		line      int
		reason    string
	}{
		{"empty", "", 0, "the document is empty"},
		{"blank", " \n\t\n", 0, "the document is empty"},
		{"yaml null", "~\n", 0, "the document is empty"},
		{"comment only", "# nothing\n", 0, "the document is empty"},
		{"no nodes", `{"node": []}`, 0, `the document has no "nodes" list`},
		{"nodes not a list", `{"nodes": {"pm_type": "ipmi"}}`, 0, `"nodes" must be a list, got an object`},
		{"nodes null", "nodes:\n", 0, `"nodes" must be a list, got null`},
		{"scalar", "42", 0, `the document must be an object with a "nodes" list or a list of nodes, got a number`},
		{"string", "hello", 0, `the document must be an object with a "nodes" list or a list of nodes, got a string`},
		{"json syntax", "{\n  \"nodes\": [\n    {\"pm_type\": \"ipmi\" \"pm_addr\": \"x\"}\n  ]\n}", 3, "invalid JSON: invalid character '\"' after object key:value pair"},
		{"json truncated", `{"nodes": [{"pm_type": "ipmi"`, 0, "invalid JSON: unexpected end of input"},
		{"json trailing", `{"nodes": []} {"nodes": []}`, 1, "invalid JSON: unexpected data after the top-level value"},
		{"yaml syntax", "nodes:\n  - pm_type: ipmi\n    pm_addr: x\n  bad\n", 4, "invalid YAML: could not find expected ':'"},
		{"yaml flow syntax", "nodes: [a, b\n", 1, "invalid YAML: did not find expected ',' or ']'"},
		{"yaml two docs", "- pm_type: ipmi\n---\n- pm_type: fake\n", 2, "invalid YAML: the stream holds more than one document"},
		{"yaml self alias", "&a [*a]", 1, "invalid YAML: an alias refers to the value that contains it"},
		{"yaml complex key", "? [a, b]\n: c\n", 1, "invalid YAML: a mapping key must be a scalar"},
		{"yaml bad merge", "a: &x 1\nb:\n  <<: *x\n", 3, "invalid YAML: a merge key (<<) needs a mapping or a list of mappings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.doc))
			require.Error(t, err)
			require.ErrorIs(t, err, tripleo.ErrInvalidInput)
			var ie *DocumentError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, c.reason, ie.Reason)
			assert.Equal(t, c.line, ie.Line)
			var ve *tripleo.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "instackenv", ve.Field)
		})
	}
}

func TestReadAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("nodes: *a29\n")
	_, err := Read(strings.NewReader(b.String()))
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	assert.Contains(t, err.Error(), "too many values")
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.json"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	assert.Contains(t, err.Error(), "missing.json")

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("nodes: 3\n"), 0o600))
	_, err = Load(bad)
	assert.EqualError(t, err, "instackenv "+bad+`: "nodes" must be a list, got a number`)

	badNode := filepath.Join(t.TempDir(), "node.yaml")
	require.NoError(t, os.WriteFile(badNode, []byte("- cpu: many\n"), 0o600))
	_, err = Load(badNode)
	assert.EqualError(t, err, "instackenv "+badNode+": node #0: cpu: must be an integer, got a non-numeric string")
	require.Len(t, Problems(err), 1)
}
