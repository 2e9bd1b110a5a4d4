package instackenv

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

// validateDoc reads doc (which must read cleanly) and returns its validation problems.
func validateDoc(t *testing.T, doc string) []Problem {
	t.Helper()
	inv, err := Read(strings.NewReader(doc))
	require.NoError(t, err)
	return validateInv(t, inv)
}

func validateInv(t *testing.T, inv *Inventory) []Problem {
	t.Helper()
	err := inv.Validate()
	if err == nil {
		return nil
	}
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	ps := Problems(err)
	require.Len(t, tripleo.Problems(err), len(ps))
	out := make([]Problem, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

func TestValidatePMType(t *testing.T) {
	doc := `[
	  {"name": "a", "pm_addr": "10.0.0.1"},
	  {"name": "b", "pm_type": "pxe_snmp", "pm_addr": "10.0.0.1", "foo": 1, "uuid": "u"},
	  {"pm_type": ""},
	  {"name": "d", "pm_type": "IPMI", "mac": "aa:bb:cc:dd:ee:f"}
	]`
	assert.Equal(t, []Problem{
		{0, "a", "pm_type", "pm_type (ironic driver to use) is required"},
		{1, "b", "pm_type", "unknown pm_type (ironic driver to use): pxe_snmp"},
		{2, "", "pm_type", "pm_type (ironic driver to use) is required"},
		// The driver-independent rules still apply.
		{3, "d", "pm_type", "unknown pm_type (ironic driver to use): IPMI"},
		{3, "d", "mac", "MAC address aa:bb:cc:dd:ee:f is invalid"},
	}, validateDoc(t, doc))
}

func TestKnownDriver(t *testing.T) {
	for _, d := range []string{"ipmi", "pxe_ipmitool", "agent_ipmitool", "idrac", "pxe_drac", "ilo", "pxe_ilo", "iscsi_ilo",
		"irmc", "pxe_irmc", "xclarity", "pxe_amt", "staging-amt", "pxe_iboot", "staging-iboot", "redfish",
		"cisco-ucs-managed", "pxe_ucs", "staging-ovirt", "pxe_wol", "staging-wol", "fake", "fake_pxe",
		"fake_agent", "manual-management", "fake-hardware", "pxe_ssh", "agent_ssh"} {
		assert.True(t, KnownDriver(d), d)
	}
	for _, d := range []string{"", "IPMI", "ipmitool", "ipmi ", "redfish2", "pxe_snmp", "fake_foo", "idrac-wsman", "ovirt", "ssh"} {
		assert.False(t, KnownDriver(d), d)
	}
}

func TestValidateRequiredFields(t *testing.T) {
	missing := func(field, list string) []Problem {
		return []Problem{{0, "", field, "The following fields are missing: " + list}}
	}
	cases := []struct {
		name, node string
		want       []Problem
	}{
		{"ipmi needs pm_addr", `{"pm_type": "ipmi", "pm_user": "u", "pm_password": "p"}`, missing("pm_addr", "pm_addr")},
		{"ipmi pm_addr only (queens)", `{"pm_type": "ipmi", "pm_addr": "a"}`, nil},
		{"empty counts as missing", `{"pm_type": "pxe_ipmitool", "pm_addr": ""}`, missing("pm_addr", "pm_addr")},
		{"idrac", `{"pm_type": "idrac", "pm_addr": "a"}`, missing("pm_user", "pm_user, pm_password")},
		{"pxe_drac", `{"pm_type": "pxe_drac"}`, missing("pm_addr", "pm_addr, pm_user, pm_password")},
		{"ilo", `{"pm_type": "ilo", "pm_addr": "a", "pm_user": "u"}`, missing("pm_password", "pm_password")},
		{"irmc", `{"pm_type": "pxe_irmc", "pm_user": "u", "pm_password": "p"}`, missing("pm_addr", "pm_addr")},
		{"xclarity", `{"pm_type": "xclarity", "pm_addr": "a", "pm_password": "p"}`, missing("pm_user", "pm_user")},
		{"amt", `{"pm_type": "pxe_amt"}`, missing("pm_addr", "pm_addr, pm_user, pm_password")},
		{"iboot", `{"pm_type": "pxe_iboot", "pm_addr": "a", "pm_user": "u"}`, missing("pm_password", "pm_password")},
		{"redfish (queens) needs all four", `{"pm_type": "redfish", "pm_addr": "a"}`,
			missing("pm_user", "pm_user, pm_password, pm_system_id")},
		{"ucs", `{"pm_type": "cisco-ucs-managed", "pm_addr": "a", "pm_user": "u", "pm_password": "p"}`,
			missing("pm_service_profile", "pm_service_profile")},
		{"pxe_ucs", `{"pm_type": "pxe_ucs"}`, missing("pm_addr", "pm_addr, pm_user, pm_password, pm_service_profile")},
		{"staging-ovirt", `{"pm_type": "staging-ovirt", "pm_addr": "a", "pm_user": "u", "pm_password": "p"}`,
			missing("pm_vm_name", "pm_vm_name")},
		{"wol needs nothing", `{"pm_type": "pxe_wol"}`, nil},
		{"fake needs nothing", `{"pm_type": "fake"}`, nil},
		{"fake_pxe needs nothing", `{"pm_type": "fake_pxe"}`, nil},
		{"fake_agent needs nothing", `{"pm_type": "fake_agent"}`, nil},
		{"manual-management needs nothing", `{"pm_type": "manual-management"}`, nil},
		{"fake-hardware needs nothing", `{"pm_type": "fake-hardware"}`, nil},
		{"ssh missing fields (no MAC message then)", `{"pm_type": "pxe_ssh", "pm_addr": "h"}`,
			missing("pm_user", "pm_user, pm_password")},
		{"ssh needs a MAC", `{"pm_type": "pxe_ssh", "pm_addr": "h", "pm_user": "u", "pm_password": "k"}`,
			[]Problem{{0, "", "mac", "Nodes with SSH drivers require at least one MAC"}}},
		{"ssh with a MAC", `{"pm_type": "pxe_ssh", "pm_addr": "h", "pm_user": "u", "pm_password": "k", "mac": "aa:bb:cc:dd:ee:ff"}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, validateDoc(t, "["+c.node+"]"))
		})
	}
}

func TestValidateMACs(t *testing.T) {
	doc := `[
	  {"name": "n0", "pm_type": "fake", "mac": ["aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-01", "aa:bb:cc:dd:ee",
	                                           "gg:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff:00", "aabb.ccdd.eeff"]},
	  {"name": "n1", "pm_type": "fake", "mac": ["AA:BB:CC:DD:EE:FF"]},
	  {"name": "n2", "pm_type": "fake", "ports": [{"address": "aa:bb:cc:dd:ee:ff"}, {"address": "not-a-mac"},
	                                              {"physical_network": "ctlplane"}]},
	  {"name": "n3", "pm_type": "fake", "mac": ["00:11:22:33:44:55", "00:11:22:33:44:55"]},
	  {"name": "n4", "pm_type": "fake", "mac": "00:11:22:33:44:56", "ports": [{"address": "00:11:22:33:44:56"}]}
	]`
	assert.Equal(t, []Problem{
		{0, "n0", "mac", "MAC address AA-BB-CC-DD-EE-01 is invalid"},
		{0, "n0", "mac", "MAC address aa:bb:cc:dd:ee is invalid"},
		{0, "n0", "mac", "MAC address gg:bb:cc:dd:ee:ff is invalid"},
		{0, "n0", "mac", "MAC address aa:bb:cc:dd:ee:ff:00 is invalid"},
		{0, "n0", "mac", "MAC address aabb.ccdd.eeff is invalid"},
		{1, "n1", "mac", "MAC AA:BB:CC:DD:EE:FF is not unique"},
		{2, "n2", "ports", "MAC aa:bb:cc:dd:ee:ff is not unique"},
		{2, "n2", "ports", "MAC address not-a-mac is invalid"},
		{2, "n2", "ports", "MAC address  is invalid"},
		{3, "n3", "mac", "MAC 00:11:22:33:44:55 is not unique"},
		{4, "n4", "ports", "MAC 00:11:22:33:44:56 is not unique"},
	}, validateDoc(t, doc))
}

func TestValidateIdentity(t *testing.T) {
	cases := []struct {
		name, nodes string
		want        []Problem
	}{
		{"ipmi address, then address:port", `
		  {"name": "i0", "pm_type": "ipmi", "pm_addr": "10.0.0.1"},
		  {"name": "i1", "pm_type": "ipmi", "pm_addr": "10.0.0.1"},
		  {"name": "i2", "pm_type": "ipmi", "pm_addr": "10.0.0.1", "pm_port": 6230},
		  {"name": "i3", "pm_type": "pxe_ipmitool", "pm_addr": "10.0.0.1", "pm_port": "6230"},
		  {"name": "i4", "pm_type": "ipmi", "pm_addr": "10.0.0.1", "pm_port": "6231"},
		  {"name": "i5", "pm_type": "ipmi", "pm_addr": "10.0.0.2", "pm_port": "6231"}`,
			[]Problem{
				{1, "i1", "pm_addr", "Node identified by 10.0.0.1 is already present"},
				{3, "i3", "pm_addr", "Node identified by 10.0.0.1:6230 is already present"},
			}},
		{"one namespace across drivers", `
		  {"name": "a", "pm_type": "ipmi", "pm_addr": "10.0.0.1"},
		  {"name": "b", "pm_type": "idrac", "pm_addr": "10.0.0.1", "pm_user": "u", "pm_password": "p"},
		  {"name": "c", "pm_type": "pxe_ilo", "pm_addr": "10.0.0.1", "pm_user": "u", "pm_password": "p", "pm_port": 443},
		  {"name": "d", "pm_type": "irmc", "pm_addr": "10.0.0.1", "pm_user": "u", "pm_password": "p", "pm_port": 443}`,
			[]Problem{
				{1, "b", "pm_addr", "Node identified by 10.0.0.1 is already present"},
				{3, "d", "pm_addr", "Node identified by 10.0.0.1:443 is already present"},
			}},
		{"redfish address without scheme / system id", `
		  {"name": "r0", "pm_type": "redfish", "pm_addr": "http://bmc:8000/", "pm_user": "u", "pm_password": "p", "pm_system_id": "/redfish/v1/Systems/1"},
		  {"name": "r1", "pm_type": "redfish", "pm_addr": "HTTPS://bmc:8000", "pm_user": "u", "pm_password": "p", "pm_system_id": "redfish/v1/Systems/1"},
		  {"name": "r2", "pm_type": "redfish", "pm_addr": "bmc:8000", "pm_user": "u", "pm_password": "p", "pm_system_id": "/redfish/v1/Systems/2"},
		  {"name": "r3", "pm_type": "redfish", "pm_addr": "bmc:8000", "pm_user": "u", "pm_password": "p", "pm_system_id": "/redfish/v1/Systems/2"}`,
			[]Problem{
				{1, "r1", "pm_addr", "Node identified by bmc:8000/redfish/v1/Systems/1 is already present"},
				{3, "r3", "pm_addr", "Node identified by bmc:8000/redfish/v1/Systems/2 is already present"},
			}},
		{"ucs address:profile", `
		  {"name": "u0", "pm_type": "cisco-ucs-managed", "pm_addr": "ucsm", "pm_user": "u", "pm_password": "p", "pm_service_profile": "org-root/ls-1"},
		  {"name": "u1", "pm_type": "pxe_ucs", "pm_addr": "ucsm", "pm_user": "u", "pm_password": "p", "pm_service_profile": "org-root/ls-2"},
		  {"name": "u2", "pm_type": "pxe_ucs", "pm_addr": "ucsm", "pm_user": "u", "pm_password": "p", "pm_service_profile": "org-root/ls-1"}`,
			[]Problem{{2, "u2", "pm_addr", "Node identified by ucsm:org-root/ls-1 is already present"}}},
		{"ovirt address:vm name", `
		  {"name": "o0", "pm_type": "staging-ovirt", "pm_addr": "engine", "pm_user": "u", "pm_password": "p", "pm_vm_name": "vm1"},
		  {"name": "o1", "pm_type": "staging-ovirt", "pm_addr": "engine", "pm_user": "u", "pm_password": "p", "pm_vm_name": "vm2"},
		  {"name": "o2", "pm_type": "staging-ovirt", "pm_addr": "engine", "pm_user": "u", "pm_password": "p", "pm_vm_name": "vm1"}`,
			[]Problem{{2, "o2", "pm_addr", "Node identified by engine:vm1 is already present"}}},
		{"iboot adds the relay", `
		  {"name": "b0", "pm_type": "pxe_iboot", "pm_addr": "pdu", "pm_user": "u", "pm_password": "p", "pm_relay_id": "1"},
		  {"name": "b1", "pm_type": "pxe_iboot", "pm_addr": "pdu", "pm_user": "u", "pm_password": "p", "iboot_relay_id": "2"},
		  {"name": "b2", "pm_type": "staging-iboot", "pm_addr": "pdu", "pm_user": "u", "pm_password": "p", "iboot_relay_id": 1},
		  {"name": "b3", "pm_type": "pxe_iboot", "pm_addr": "pdu", "pm_port": 9100, "pm_user": "u", "pm_password": "p", "pm_relay_id": "1"},
		  {"name": "b4", "pm_type": "pxe_iboot", "pm_addr": "pdu", "pm_user": "u", "pm_password": "p"}`,
			[]Problem{{2, "b2", "pm_addr", "Node identified by pdu#1 is already present"}}},
		{"amt has no port", `
		  {"name": "a0", "pm_type": "pxe_amt", "pm_addr": "amt", "pm_user": "u", "pm_password": "p"},
		  {"name": "a1", "pm_type": "pxe_amt", "pm_addr": "amt", "pm_user": "u", "pm_password": "p", "pm_port": 16992}`,
			[]Problem{
				{1, "a1", "pm_addr", "Node identified by amt is already present"},
				{1, "a1", "pm_port", "Unknown field pm_port"},
			}},
		{"ssh, wol and fake nodes have no identity", `
		  {"name": "s0", "pm_type": "pxe_ssh", "pm_addr": "virthost", "pm_user": "stack", "pm_password": "k", "mac": "00:00:00:00:00:01"},
		  {"name": "s1", "pm_type": "pxe_ssh", "pm_addr": "virthost", "pm_user": "stack", "pm_password": "k", "mac": "00:00:00:00:00:02"},
		  {"name": "w0", "pm_type": "pxe_wol", "pm_addr": "255.255.255.255", "pm_port": 9},
		  {"name": "w1", "pm_type": "pxe_wol", "pm_addr": "255.255.255.255", "pm_port": 9},
		  {"name": "f0", "pm_type": "fake_pxe"},
		  {"name": "f1", "pm_type": "fake_pxe"}`,
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, validateDoc(t, "["+c.nodes+"]"))
		})
	}
}

func TestValidateNames(t *testing.T) {
	doc := `[
	  {"name": "compute-0", "pm_type": "fake"},
	  {"name": "compute-0", "pm_type": "fake"},
	  {"name": "Compute-0", "pm_type": "fake"},
	  {"pm_type": "fake"},
	  {"name": "", "pm_type": "fake"},
	  {"name": "compute-0", "pm_type": "fake"}
	]`
	assert.Equal(t, []Problem{
		{1, "compute-0", "name", `Name "compute-0" is not unique`},
		{5, "compute-0", "name", `Name "compute-0" is not unique`},
	}, validateDoc(t, doc))
}

func TestValidatePlatformNeedsArch(t *testing.T) {
	doc := `[
	  {"name": "p0", "pm_type": "fake", "platform": "SNB"},
	  {"name": "p1", "pm_type": "fake", "platform": "SNB", "arch": "x86_64"},
	  {"name": "p2", "pm_type": "fake", "arch": "ppc64le"}
	]`
	assert.Equal(t, []Problem{
		{0, "p0", "platform", "You have specified a platform without an architecture"},
	}, validateDoc(t, doc))
}

func TestValidateCapabilities(t *testing.T) {
	doc := `[
	  {"pm_type": "fake", "capabilities": "profile"},
	  {"pm_type": "fake", "capabilities": "profile:compute,"},
	  {"pm_type": "fake", "capabilities": ["profile:compute"]},
	  {"pm_type": "fake", "capabilities": 5},
	  {"pm_type": "fake", "capabilities": true},
	  {"pm_type": "fake", "capabilities": {"profile": "compute", "node": null, "boot_option": "local"}},
	  {"pm_type": "fake", "capabilities": "profile:compute,boot_option:local"},
	  {"pm_type": "fake", "capabilities": ""},
	  {"pm_type": "fake", "capabilities": null}
	]`
	assert.Equal(t, []Problem{
		{0, "", "capabilities", "Invalid capabilities: profile"},
		{1, "", "capabilities", "Invalid capabilities: profile:compute,"},
		{2, "", "capabilities", `Invalid capabilities: ["profile:compute"]`},
		{3, "", "capabilities", "Invalid capabilities: 5"},
		{4, "", "capabilities", "Invalid capabilities: true"},
	}, validateDoc(t, doc))

	// Capabilities built in Go must survive rendering to "k:v,k:v".
	inv := &Inventory{Nodes: []Node{
		{PMType: "fake", Capabilities: Capabilities{"a,b": "c"}},
		{PMType: "fake", Capabilities: Capabilities{"a:b": "c"}},
		{PMType: "fake", Capabilities: Capabilities{"a": "b,c"}},
		{PMType: "fake", Capabilities: Capabilities{"a": "b:c"}},
	}}
	assert.Equal(t, []Problem{
		{0, "", "capabilities", "Invalid capabilities: a,b:c"},
		{1, "", "capabilities", "Invalid capabilities: a:b:c"},
		{2, "", "capabilities", "Invalid capabilities: a:b,c"},
	}, validateInv(t, inv))
}

func TestValidateRootDevice(t *testing.T) {
	doc := `[
	  {"pm_type": "fake", "root_device": "/dev/sda"},
	  {"pm_type": "fake", "root_device": ["sda", {"size": 10}]},
	  {"pm_type": "fake", "root_device": 0},
	  {"pm_type": "fake", "root_device": ""},
	  {"pm_type": "fake", "root_device": {"name": "/dev/sda", "size": 100}},
	  {"pm_type": "fake", "root_device": {}},
	  {"pm_type": "fake", "root_device": null}
	]`
	assert.Equal(t, []Problem{
		{0, "", "root_device", "Invalid root device: expected dict, got /dev/sda"},
		{1, "", "root_device", `Invalid root device: expected dict, got ["sda",{"size":10}]`},
		{2, "", "root_device", "Invalid root device: expected dict, got 0"},
		{3, "", "root_device", "Invalid root device: expected dict, got "},
	}, validateDoc(t, doc))
}
