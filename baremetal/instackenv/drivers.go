package instackenv

import (
	"regexp"
	"strconv"
	"strings"
)

// Reason texts of tripleo-common's validate_nodes (queens), kept verbatim.
const (
	reasonTypeRequired = "pm_type (ironic driver to use) is required"
	reasonTypeUnknown  = "unknown pm_type (ironic driver to use): "
	reasonMissing      = "The following fields are missing: "
	reasonSSHNeedsMAC  = "Nodes with SSH drivers require at least one MAC"
	reasonPlatform     = "You have specified a platform without an architecture"
	reasonUnknownField = "Unknown field "
)

// driverInfo is tripleo-common's DriverInfo for one family of pm_type values:
// the pm_* keys it maps into driver_info, the prefix of the driver_info keys
// copied as they are, the mandatory fields and how a node is identified.
type driverInfo struct {
	prefix     string
	mapped     []string // typed pm_* keys the driver maps
	deprecated []string // other pm_* keys it still accepts (kept in Extra)
	required   []string
	needMAC    bool
	identity   func(*Node) string
}

func (d *driverInfo) accepts(key string) bool {
	for _, k := range d.mapped {
		if k == key {
			return true
		}
	}
	for _, k := range d.deprecated {
		if k == key {
			return true
		}
	}
	return strings.HasPrefix(key, d.prefix)
}

var (
	addrUserPass = []string{"pm_addr", "pm_user", "pm_password"}

	ipmiDriver = &driverInfo{prefix: "ipmi", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_port"},
		required: []string{"pm_addr"}, identity: addrPort}
	dracDriver = &driverInfo{prefix: "drac", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_port"},
		required: addrUserPass, identity: addrPort}
	iloDriver = &driverInfo{prefix: "ilo", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_port"},
		required: addrUserPass, identity: addrPort}
	irmcDriver = &driverInfo{prefix: "irmc", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_port"},
		deprecated: []string{"pm_auth_method", "pm_client_timeout", "pm_sensor_method", "pm_deploy_iso"},
		required:   addrUserPass, identity: addrPort}
	xclarityDriver = &driverInfo{prefix: "xclarity", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_port"},
		required: addrUserPass, identity: addrPort}
	amtDriver   = &driverInfo{prefix: "amt", mapped: addrUserPass, required: addrUserPass, identity: addrOnly}
	ibootDriver = &driverInfo{prefix: "iboot", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_port", "pm_relay_id"},
		required: addrUserPass, identity: ibootID}
	redfishDriver = &driverInfo{prefix: "redfish", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_system_id"},
		required: []string{"pm_addr", "pm_user", "pm_password", "pm_system_id"}, identity: redfishID}
	ucsDriver = &driverInfo{prefix: "ucs", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_service_profile"},
		required: []string{"pm_addr", "pm_user", "pm_password", "pm_service_profile"}, identity: ucsID}
	ovirtDriver = &driverInfo{prefix: "ovirt", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_vm_name"},
		required: []string{"pm_addr", "pm_user", "pm_password", "pm_vm_name"}, identity: ovirtID}
	wolDriver  = &driverInfo{prefix: "wol", mapped: []string{"pm_addr", "pm_port"}}
	fakeDriver = &driverInfo{prefix: "fake"}
	sshDriver  = &driverInfo{prefix: "ssh", mapped: []string{"pm_addr", "pm_user", "pm_password", "pm_virt_type"},
		required: addrUserPass, needMAC: true}
)

// lookupDriver finds the driver family of a pm_type the way tripleo-common
// (queens) does, plus the Pike-era *_ssh drivers; nil if none matches.
func lookupDriver(t string) *driverInfo {
	switch t {
	case "ipmi":
		return ipmiDriver
	case "idrac":
		return dracDriver
	case "ilo":
		return iloDriver
	case "irmc":
		return irmcDriver
	case "xclarity":
		return xclarityDriver
	case "redfish":
		return redfishDriver
	case "cisco-ucs-managed":
		return ucsDriver
	case "staging-ovirt":
		return ovirtDriver
	case "staging-iboot":
		return ibootDriver
	case "staging-wol":
		return wolDriver
	case "staging-amt":
		return amtDriver
	case "fake", "fake-hardware", "fake_pxe", "fake_agent", "manual-management":
		return fakeDriver
	}
	suffixes := [...]struct {
		suffix string
		d      *driverInfo
	}{
		{"_ipmitool", ipmiDriver}, {"_drac", dracDriver}, {"_ilo", iloDriver}, {"_irmc", irmcDriver},
		{"_ucs", ucsDriver}, {"_iboot", ibootDriver}, {"_wol", wolDriver}, {"_amt", amtDriver},
		{"_ssh", sshDriver},
	}
	for _, s := range suffixes {
		if strings.HasSuffix(t, s.suffix) {
			return s.d
		}
	}
	return nil
}

// KnownDriver reports whether pm_type is a driver or hardware type that
// Validate knows (and so the Queens register_or_update workflow accepts).
func KnownDriver(pmType string) bool { return lookupDriver(pmType) != nil }

// addrOnly identifies a node by pm_addr.
func addrOnly(n *Node) string { return n.PMAddr }

// addrPort identifies a node by pm_addr, or pm_addr:pm_port when pm_port is given.
func addrPort(n *Node) string {
	if n.PMAddr == "" {
		return ""
	}
	if n.PMPort != 0 {
		return n.PMAddr + ":" + strconv.Itoa(n.PMPort)
	}
	return n.PMAddr
}

// ibootID adds "#<relay>" to addrPort. The relay is iboot_relay_id or, failing
// that, its deprecated spelling pm_relay_id (tripleo-common looks only at the
// former, although registration maps the latter onto it).
func ibootID(n *Node) string {
	id := addrPort(n)
	if id == "" {
		return ""
	}
	relay := n.PMRelayID
	if v, ok := n.Extra["iboot_relay_id"]; ok {
		if s, ok := scalarText(v); ok && s != "" {
			relay = s
		}
	}
	if relay != "" {
		id += "#" + relay
	}
	return id
}

var schemeRE = regexp.MustCompile(`(?i)https?://`)

// redfishID is "<address without scheme, no trailing slash>/<system id without leading slash>".
func redfishID(n *Node) string {
	if n.PMAddr == "" || n.PMSystemID == "" {
		return ""
	}
	addr := n.PMAddr
	if loc := schemeRE.FindStringIndex(addr); loc != nil {
		addr = addr[:loc[0]] + addr[loc[1]:]
	}
	return strings.TrimRight(addr, "/") + "/" + strings.TrimLeft(n.PMSystemID, "/")
}

// ucsID is "<pm_addr>:<pm_service_profile>".
func ucsID(n *Node) string {
	if n.PMAddr == "" || n.PMServiceProfile == "" {
		return ""
	}
	return n.PMAddr + ":" + n.PMServiceProfile
}

// ovirtID is "<pm_addr>:<pm_vm_name>".
func ovirtID(n *Node) string {
	if n.PMAddr == "" || n.PMVMName == "" {
		return ""
	}
	return n.PMAddr + ":" + n.PMVMName
}

// pmSet reports whether the typed pm_* field key is set on n.
func pmSet(n *Node, key string) bool {
	switch key {
	case "pm_addr":
		return n.PMAddr != ""
	case "pm_user":
		return n.PMUser != ""
	case "pm_password":
		return n.PMPassword != ""
	case "pm_port":
		return n.PMPort != 0
	case "pm_system_id":
		return n.PMSystemID != ""
	case "pm_vm_name":
		return n.PMVMName != ""
	case "pm_service_profile":
		return n.PMServiceProfile != ""
	case "pm_relay_id":
		return n.PMRelayID != ""
	case "pm_virt_type":
		return n.PMVirtType != ""
	}
	return false
}

// typedPMKeys are the typed pm_* fields, in canonical order.
var typedPMKeys = []string{"pm_addr", "pm_user", "pm_password", "pm_port", "pm_system_id",
	"pm_vm_name", "pm_service_profile", "pm_relay_id", "pm_virt_type"}
