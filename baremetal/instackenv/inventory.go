package instackenv

import (
	"sort"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// Inventory is an instackenv file: the bare metal nodes to register with
// Ironic through the tripleo.baremetal.v1.register_or_update workflow (its
// nodes_json input). Read one with Read or Load, check it
// with Validate, and send Wire to the workflow.
//
// Printing an Inventory (fmt, slog, json.Marshal, yaml.Marshal) never shows a
// password: see Node.
type Inventory struct {
	// Nodes are the instackenv "nodes", in file order; problems name them by
	// their index in this slice.
	Nodes []Node `json:"nodes" yaml:"nodes"`
}

// Node is one instackenv node. Every field of the format has a typed field;
// empty (zero) fields count as absent, as in tripleo-common, which tests
// fields with node.get(field). Any other key of the file, including the
// driver-specific "<prefix>_*" keys copied into Ironic's driver_info
// (ipmi_bridging, redfish_verify_ca, ...), is kept in Extra; Validate reports
// those the node's driver does not accept as "Unknown field <key>".
//
// PMPassword is a tripleo.Secret: fmt's verbs, slog, json.Marshal and
// yaml.Marshal all print "***" for it. Only Wire puts the real value in its
// result. Extra values read from keys that look secret (containing
// "password", "passwd", "secret" or "key_contents") are stored as
// tripleo.Secret too; put secrets into Extra as tripleo.Secret yourself when
// building a Node in Go.
type Node struct {
	// PMType is the Ironic driver or hardware type ("ipmi", "pxe_ipmitool",
	// "redfish", "idrac", "fake_pxe", ...). Required.
	PMType string
	// PMAddr is the BMC address (driver_info <prefix>_address, redfish_address, wol_host, ...).
	PMAddr string
	// PMUser is the BMC user name.
	PMUser string
	// PMPassword is the BMC password (for the Pike-era *_ssh drivers: the SSH private key).
	PMPassword tripleo.Secret
	// PMPort is the BMC port (ipmi, drac, ilo, irmc, xclarity, iboot, wol); 0 means unset.
	PMPort int
	// PMSystemID is the redfish system id (redfish_system_id).
	PMSystemID string
	// PMVMName is the staging-ovirt VM name (ovirt_vm_name).
	PMVMName string
	// PMServiceProfile is the Cisco UCS service profile (ucs_service_profile).
	PMServiceProfile string
	// PMRelayID is the iBoot relay id (iboot_relay_id; deprecated spelling).
	PMRelayID string
	// PMVirtType is the Pike-era *_ssh drivers' virtualisation type (ssh_virt_type).
	PMVirtType string
	// MACs are the node's provisioning NIC MAC addresses ("mac"): one Ironic port each.
	MACs []string
	// Ports are Rocky's "ports", which replace "mac".
	Ports []Port
	// CPU is the number of CPUs (properties.cpus); 0 means unset.
	CPU int
	// Memory is the RAM in MiB (properties.memory_mb); 0 means unset.
	Memory int
	// Disk is the root disk size in GiB (properties.local_gb); 0 means unset.
	Disk int
	// Arch is the CPU architecture (properties.cpu_arch), e.g. "x86_64".
	Arch string
	// Name is the Ironic node name; names must be unique within an inventory.
	Name string
	// UUID is the Ironic node uuid. The Queens validate_nodes action does not
	// accept it ("Unknown field uuid"), so Validate reports it when set.
	UUID string
	// Capabilities are properties.capabilities (e.g. profile, boot_option, node).
	Capabilities Capabilities
	// RootDevice holds the root device hints (name, serial, wwn, size, ...).
	RootDevice map[string]any
	// KernelID is the deploy kernel's Glance id (driver_info.deploy_kernel).
	KernelID string
	// RamdiskID is the deploy ramdisk's Glance id (driver_info.deploy_ramdisk).
	RamdiskID string
	// Platform goes to extra.tripleo_platform; it requires Arch.
	Platform string
	// ResourceClass is the Ironic resource class (default "baremetal").
	ResourceClass string
	// BootInterface and the following fields set Ironic's hardware interfaces.
	BootInterface string
	// ConsoleInterface sets console_interface.
	ConsoleInterface string
	// DeployInterface sets deploy_interface.
	DeployInterface string
	// InspectInterface sets inspect_interface.
	InspectInterface string
	// ManagementInterface sets management_interface.
	ManagementInterface string
	// NetworkInterface sets network_interface.
	NetworkInterface string
	// PowerInterface sets power_interface.
	PowerInterface string
	// RAIDInterface sets raid_interface.
	RAIDInterface string
	// RescueInterface sets rescue_interface (Rocky).
	RescueInterface string
	// StorageInterface sets storage_interface.
	StorageInterface string
	// VendorInterface sets vendor_interface.
	VendorInterface string
	// Extra holds every other key of the node, with plain values (string,
	// int64, float64, bool, nil, map[string]any, []any) or tripleo.Secret for
	// secret-looking keys. "_comment" is dropped when reading.
	Extra map[string]any

	// badCapabilities and badRootDevice keep an input value that is not a
	// valid capabilities string/dict or not a dict, for Validate to report;
	// they are ignored once Capabilities / RootDevice are set.
	badCapabilities any
	badRootDevice   any
}

// Port is an entry of Rocky's "ports" list: an Ironic port of the node.
type Port struct {
	// Address is the MAC address.
	Address string
	// PhysicalNetwork is the port's physical network (tripleo-common's default: "ctlplane").
	PhysicalNetwork string
	// LocalLinkConnection describes the switch port (switch_id, port_id, switch_info).
	LocalLinkConnection map[string]any
	// Extra holds any other key of the entry, passed on unchanged.
	Extra map[string]any
}

// Capabilities are a node's Ironic capabilities. instackenv files give them as
// a "k:v,k:v" string or as a dict; String renders Ironic's form, sorted by key.
type Capabilities map[string]string

// ParseCapabilities parses Ironic's "k:v,k:v" form the way tripleo-common
// does: every comma-separated item must contain a colon (the value is what
// follows the first one). The empty string gives nil capabilities.
func ParseCapabilities(s string) (Capabilities, error) {
	if s == "" {
		return nil, nil
	}
	c := make(Capabilities, strings.Count(s, ",")+1)
	for item := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(item, ":")
		if !ok {
			return nil, &tripleo.ValidationError{Field: "capabilities", Reason: "Invalid capabilities: " + s}
		}
		c[k] = v
	}
	return c, nil
}

// String renders the capabilities in Ironic's "k:v,k:v" form, sorted by key.
func (c Capabilities) String() string {
	if len(c) == 0 {
		return ""
	}
	keys := make([]string, 0, len(c))
	n := 0
	for k, v := range c {
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	sort.Strings(keys)
	var b strings.Builder
	b.Grow(n)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(c[k])
	}
	return b.String()
}

// valid reports whether String would parse back to the same capabilities.
func (c Capabilities) valid() bool {
	for k, v := range c {
		if strings.ContainsAny(k, ",:") || strings.Contains(v, ",") {
			return false
		}
	}
	return true
}
