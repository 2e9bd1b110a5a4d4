package instackenv

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tripleo-go/sdk/tripleo"
)

func TestValidateUnknownFields(t *testing.T) {
	cases := []struct {
		name, node string
		want       []Problem
	}{
		{"ipmi", `{"name": "x", "pm_type": "ipmi", "pm_addr": "a", "pm_system_id": "s", "pm_vm_name": "v", "pm_virt_type": "virsh",
		           "pm_relay_id": "1", "pm_service_profile": "sp", "ipmi_bridging": "no", "ipmi_terminal_port": 8023,
		           "uuid": "9a1c…", "profile": "compute", "conductor_group": "g", "foo": "bar", "pm_foo": "x",
		           "redfish_verify_ca": false, "_comment": "fine"}`,
			[]Problem{
				{0, "x", "pm_system_id", "Unknown field pm_system_id"},
				{0, "x", "pm_vm_name", "Unknown field pm_vm_name"},
				{0, "x", "pm_service_profile", "Unknown field pm_service_profile"},
				{0, "x", "pm_relay_id", "Unknown field pm_relay_id"},
				{0, "x", "pm_virt_type", "Unknown field pm_virt_type"},
				{0, "x", "uuid", "Unknown field uuid"},
				{0, "x", "conductor_group", "Unknown field conductor_group"},
				{0, "x", "foo", "Unknown field foo"},
				{0, "x", "pm_foo", "Unknown field pm_foo"},
				{0, "x", "profile", "Unknown field profile"},
				{0, "x", "redfish_verify_ca", "Unknown field redfish_verify_ca"},
			}},
		{"redfish has no pm_port", `{"pm_type": "redfish", "pm_addr": "a", "pm_user": "u", "pm_password": "p", "pm_system_id": "s",
		           "pm_port": 443, "redfish_verify_ca": "/etc/pki/ca.pem", "redfish_auth_type": "basic"}`,
			[]Problem{{0, "", "pm_port", "Unknown field pm_port"}}},
		{"fake drivers map no pm_ keys", `{"pm_type": "fake_pxe", "pm_addr": "a", "pm_user": "u", "pm_password": "p", "fake_power": "x"}`,
			[]Problem{
				{0, "", "pm_addr", "Unknown field pm_addr"},
				{0, "", "pm_user", "Unknown field pm_user"},
				{0, "", "pm_password", "Unknown field pm_password"},
			}},
		{"ssh accepts pm_virt_type", `{"pm_type": "pxe_ssh", "pm_addr": "h", "pm_user": "u", "pm_password": "k", "pm_virt_type": "vbox",
		           "mac": "aa:bb:cc:dd:ee:ff", "ssh_port": 22, "pm_port": 22}`,
			[]Problem{{0, "", "pm_port", "Unknown field pm_port"}}},
		{"irmc deprecated pm_ keys", `{"pm_type": "pxe_irmc", "pm_addr": "a", "pm_user": "u", "pm_password": "p", "pm_port": 443,
		           "pm_auth_method": "digest", "pm_client_timeout": 60, "irmc_snmp_version": "v2c"}`,
			nil},
		{"wol maps pm_addr and pm_port only", `{"pm_type": "pxe_wol", "pm_addr": "255.255.255.255", "pm_port": 9, "pm_user": "u", "wol_host": "h"}`,
			[]Problem{{0, "", "pm_user", "Unknown field pm_user"}}},
		{"iboot accepts pm_relay_id", `{"pm_type": "pxe_iboot", "pm_addr": "a", "pm_user": "u", "pm_password": "p", "pm_relay_id": "1", "pm_port": 9100}`,
			nil},
		{"non-driver fields are known", `{"pm_type": "fake", "cpu": 1, "memory": 2, "disk": 3, "arch": "x86_64", "name": "n",
		           "capabilities": "a:b", "root_device": {"name": "/dev/sda"}, "kernel_id": "k", "ramdisk_id": "r",
		           "platform": "p", "resource_class": "baremetal", "mac": [], "ports": [],
		           "boot_interface": "pxe", "console_interface": "no-console", "deploy_interface": "iscsi",
		           "inspect_interface": "inspector", "management_interface": "fake", "network_interface": "flat",
		           "power_interface": "fake", "raid_interface": "no-raid", "rescue_interface": "no-rescue",
		           "storage_interface": "noop", "vendor_interface": "no-vendor"}`,
			nil},
		{"odd keys are quoted", `{"pm_type": "fake", "bad key!": 1, "": 2}`,
			[]Problem{
				{0, "", `""`, `Unknown field ""`},
				{0, "", `"bad key!"`, `Unknown field "bad key!"`},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, validateDoc(t, "["+c.node+"]"))
		})
	}
}

func TestValidateAllProblemsAtOnce(t *testing.T) {
	doc := `{"nodes": [
	  {"name": "controller-0", "pm_type": "ipmi", "pm_addr": "10.0.0.1", "mac": ["aa:bb:cc:dd:ee:01"]},
	  {"name": "compute-0", "pm_type": "idrac", "mac": ["AA:BB:CC:DD:EE:01", "zz"], "platform": "SNB",
	   "capabilities": "profile", "root_device": "sda", "uuid": "u", "name2": "x", "pm_password": "Secret-All-1"},
	  {"name": "controller-0", "pm_type": "pxe_ipmitool", "pm_addr": "10.0.0.1"},
	  {"name": "compute-1", "pm_type": "ipmi"}
	]}`
	inv, err := Read(strings.NewReader(doc))
	require.NoError(t, err)
	err = inv.Validate()
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		"node #1 (compute-0): pm_addr: The following fields are missing: pm_addr, pm_user",
		"node #1 (compute-0): mac: MAC AA:BB:CC:DD:EE:01 is not unique",
		"node #1 (compute-0): mac: MAC address zz is invalid",
		"node #1 (compute-0): platform: You have specified a platform without an architecture",
		"node #1 (compute-0): capabilities: Invalid capabilities: profile",
		"node #1 (compute-0): root_device: Invalid root device: expected dict, got sda",
		"node #1 (compute-0): uuid: Unknown field uuid",
		"node #1 (compute-0): name2: Unknown field name2",
		"node #2 (controller-0): pm_addr: Node identified by 10.0.0.1 is already present",
		`node #2 (controller-0): name: Name "controller-0" is not unique`,
		"node #3 (compute-1): pm_addr: The following fields are missing: pm_addr",
	}, "\n"), err.Error())

	// Typed access: errors.Is, errors.As, tripleo.Problems and Problems.
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	var ve *tripleo.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "nodes[1].pm_addr", ve.Field)
	var np *Problem
	require.ErrorAs(t, err, &np)
	assert.Equal(t, Problem{1, "compute-0", "pm_addr", "The following fields are missing: pm_addr, pm_user"}, *np)

	fields := []string{}
	for _, p := range tripleo.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"nodes[1].pm_addr", "nodes[1].mac", "nodes[1].mac", "nodes[1].platform", "nodes[1].capabilities",
		"nodes[1].root_device", "nodes[1].uuid", "nodes[1].name2", "nodes[2].pm_addr", "nodes[2].name", "nodes[3].pm_addr"}, fields)
	assert.Len(t, Problems(err), 11)
	assert.Len(t, Problems(errors.Join(errors.New("other"), err)), 11, "Problems walks wrapped trees")

	// Validating again gives the same answer and changes nothing.
	before := inv.Wire()
	assert.Equal(t, err.Error(), inv.Validate().Error())
	assert.Equal(t, before, inv.Wire())
}

func TestValidateEmptyAndNil(t *testing.T) {
	require.NoError(t, (&Inventory{}).Validate())
	var inv *Inventory
	err := inv.Validate()
	require.ErrorIs(t, err, tripleo.ErrInvalidInput)
	assert.Nil(t, Problems(err))
	assert.Nil(t, Problems(nil))
}

func TestProblemError(t *testing.T) {
	p := &Problem{Index: 3, Name: "compute-1", Field: "pm_addr", Reason: "The following fields are missing: pm_addr"}
	assert.Equal(t, "node #3 (compute-1): pm_addr: The following fields are missing: pm_addr", p.Error())
	assert.Equal(t, &tripleo.ValidationError{Field: "nodes[3].pm_addr", Reason: "The following fields are missing: pm_addr"}, p.Unwrap())
	assert.ErrorIs(t, p, tripleo.ErrInvalidInput)

	p = &Problem{Index: 0, Field: "mac", Reason: "MAC x is not unique"}
	assert.Equal(t, "node #0: mac: MAC x is not unique", p.Error())
	p = &Problem{Index: 7, Reason: "a node must be an object, got a list"}
	assert.Equal(t, "node #7: a node must be an object, got a list", p.Error())
	assert.Equal(t, "invalid nodes[7]: a node must be an object, got a list", p.Unwrap().Error())
}

func TestValidateGoBuiltInventory(t *testing.T) {
	inv := &Inventory{Nodes: []Node{
		{Name: "c0", PMType: "ipmi", PMAddr: "10.0.0.1", PMPort: 623, PMUser: "admin", PMPassword: "x",
			MACs: []string{"52:54:00:00:00:01"}, Capabilities: Capabilities{"profile": "control"}},
		{Name: "c1", PMType: "redfish", PMAddr: "https://bmc", PMUser: "admin", PMPassword: "x", PMSystemID: "/redfish/v1/Systems/1",
			Extra: map[string]any{"redfish_verify_ca": false}},
		{Name: "c2", PMType: "redfish", PMAddr: "bmc", PMUser: "admin", PMPassword: "x", PMSystemID: "redfish/v1/Systems/1",
			Extra: map[string]any{"ipmi_bridging": "single", "cpu": 4}},
	}}
	assert.Equal(t, []Problem{
		{2, "c2", "pm_addr", "Node identified by bmc/redfish/v1/Systems/1 is already present"},
		{2, "c2", "ipmi_bridging", "Unknown field ipmi_bridging"},
	}, validateInv(t, inv))
}
