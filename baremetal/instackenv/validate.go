package instackenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// Problem is one problem with one node of an inventory: a validation rule
// of tripleo-common's validate_nodes that the node breaks, or (from
// Read) a field whose value has an unusable type. Its Error() reads
// like tripleo-common's "node #<index>: <problem>" lines, with the name and
// the field added:
//
//	node #3 (compute-1): pm_addr: The following fields are missing: pm_addr
//
// It matches errors.Is(err, tripleo.ErrInvalidInput), and errors.As finds a
// *tripleo.ValidationError whose Field is "nodes[<index>].<field>". Reason
// never contains a password.
type Problem struct {
	// Index is the node's position in the inventory, from 0 (as tripleo-common counts).
	Index int
	// Name is the node's name, if it has one.
	Name string
	// Field is the instackenv key at fault ("pm_addr", "mac", "capabilities",
	// the unknown key, ...); "" for the node as a whole. For missing fields it
	// is the first missing one; Reason lists them all.
	Field string
	// Reason is the problem, in tripleo-common's words where it has some
	// ("The following fields are missing: pm_user, pm_password").
	Reason string
}

// Error renders the problem as "node #<index> (<name>): <field>: <reason>",
// leaving out the name and the field when they are empty.
func (p *Problem) Error() string {
	var b strings.Builder
	b.Grow(len(p.Name) + len(p.Field) + len(p.Reason) + 24)
	b.WriteString("node #")
	b.WriteString(strconv.Itoa(p.Index))
	if p.Name != "" {
		b.WriteString(" (")
		b.WriteString(p.Name)
		b.WriteString(")")
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// Unwrap returns the problem as a *tripleo.ValidationError with Field
// "nodes[<index>].<field>" (or "nodes[<index>]"), so that errors.Is(err,
// tripleo.ErrInvalidInput), errors.As and tripleo.Problems work.
func (p *Problem) Unwrap() error {
	field := "nodes[" + strconv.Itoa(p.Index) + "]"
	if p.Field != "" {
		field += "." + p.Field
	}
	return &tripleo.ValidationError{Field: field, Reason: p.Reason}
}

// Problems flattens err (one error or a tree built with errors.Join, possibly
// wrapped) into the *Problem values it holds, in order. It returns nil if
// there are none; tripleo.Problems lists every problem, document-level ones
// included, as *tripleo.ValidationError.
func Problems(err error) []*Problem { return tripleo.ErrorsAs[*Problem](err) }

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

// Validate checks the inventory with the rules of tripleo-common's
// validate_nodes action (queens), which the register_or_update workflow runs
// first, and returns every problem at once: one *Problem per problem,
// joined with errors.Join (nil if there is none; see Problems). The rules and
// their messages:
//
//   - pm_type is required ("pm_type (ironic driver to use) is required") and
//     must be known ("unknown pm_type (ironic driver to use): <x>"): ipmi and
//     *_ipmitool, idrac/*_drac, ilo/*_ilo, irmc/*_irmc, xclarity, redfish,
//     cisco-ucs-managed/*_ucs, staging-ovirt, staging-iboot/*_iboot,
//     staging-wol/*_wol, staging-amt/*_amt, fake, fake-hardware, fake_pxe,
//     fake_agent, manual-management, and the Pike-era *_ssh drivers. When it
//     is not, the rules that depend on the driver (required fields, identity,
//     unknown fields) are skipped for that node.
//   - the driver's mandatory fields ("The following fields are missing: a, b"):
//     ipmi pm_addr; drac, ilo, irmc, xclarity, iboot, amt pm_addr, pm_user,
//     pm_password; redfish also pm_system_id; ucs also pm_service_profile;
//     staging-ovirt also pm_vm_name; wol and the fake drivers none; *_ssh
//     pm_addr, pm_user, pm_password and at least one MAC ("Nodes with SSH
//     drivers require at least one MAC").
//   - every MAC ("mac" and the addresses of "ports") is valid, six
//     colon-separated hex pairs ("MAC address <m> is invalid"), and unique in
//     the inventory, ignoring case ("MAC <m> is not unique").
//   - the node identity is unique ("Node identified by <id> is already
//     present"): pm_addr, or pm_addr:pm_port for drivers with a port when
//     pm_port is given; redfish <address without scheme>/<system id>; ucs
//     pm_addr:pm_service_profile; staging-ovirt pm_addr:pm_vm_name; iboot adds
//     #<relay id>; wol, fake and ssh nodes have none.
//   - names are unique (`Name "<n>" is not unique`).
//   - platform needs arch ("You have specified a platform without an architecture").
//   - capabilities parse ("Invalid capabilities: <value>").
//   - root_device is a dict ("Invalid root device: expected dict, got <value>").
//   - every key is known for the driver ("Unknown field <key>"): the pm_* keys
//     the driver maps, keys starting with the driver's prefix (ipmi, drac,
//     ilo, irmc, xclarity, redfish, ucs, ovirt, iboot, wol, amt, fake, ssh),
//     and the non-driver fields. uuid is reported too: the Queens action has
//     no entry for it.
//
// Problems of one node come in that order; nodes in inventory order.
func (inv *Inventory) Validate() error {
	if inv == nil {
		return tripleo.Invalid("nodes", "no inventory")
	}
	v := validator{
		macs:  make(map[string]struct{}, len(inv.Nodes)),
		ids:   make(map[string]struct{}, len(inv.Nodes)),
		names: make(map[string]struct{}, len(inv.Nodes)),
	}
	for i := range inv.Nodes {
		v.node(i, &inv.Nodes[i])
	}
	if len(v.errs) == 0 {
		return nil
	}
	return errors.Join(v.errs...)
}

// validator holds what is seen so far, for the uniqueness rules: each check
// is a map lookup, so validation is linear in the number of nodes.
type validator struct {
	macs, ids, names map[string]struct{}
	errs             []error
}

func (v *validator) add(i int, n *Node, field, reason string) {
	v.errs = append(v.errs, &Problem{Index: i, Name: n.Name, Field: field, Reason: reason})
}

func (v *validator) node(i int, n *Node) {
	var d *driverInfo
	switch {
	case n.PMType == "":
		v.add(i, n, "pm_type", reasonTypeRequired)
	default:
		if d = lookupDriver(n.PMType); d == nil {
			v.add(i, n, "pm_type", reasonTypeUnknown+n.PMType)
		}
	}

	if d != nil {
		var missing []string
		for _, f := range d.required {
			if !pmSet(n, f) {
				missing = append(missing, f)
			}
		}
		switch {
		case len(missing) > 0:
			v.add(i, n, missing[0], reasonMissing+strings.Join(missing, ", "))
		case d.needMAC && len(n.MACs) == 0 && len(n.Ports) == 0:
			v.add(i, n, "mac", reasonSSHNeedsMAC)
		}
	}

	for _, m := range n.MACs {
		v.mac(i, n, "mac", m)
	}
	for _, p := range n.Ports {
		v.mac(i, n, "ports", p.Address)
	}

	if d != nil && d.identity != nil {
		if id := d.identity(n); id != "" {
			if _, dup := v.ids[id]; dup {
				v.add(i, n, "pm_addr", "Node identified by "+id+" is already present")
			} else {
				v.ids[id] = struct{}{}
			}
		}
	}

	if n.Name != "" {
		if _, dup := v.names[n.Name]; dup {
			v.add(i, n, "name", `Name "`+n.Name+`" is not unique`)
		} else {
			v.names[n.Name] = struct{}{}
		}
	}

	if n.Platform != "" && n.Arch == "" {
		v.add(i, n, "platform", reasonPlatform)
	}

	switch {
	case n.Capabilities != nil:
		if !n.Capabilities.valid() {
			v.add(i, n, "capabilities", "Invalid capabilities: "+n.Capabilities.String())
		}
	case n.badCapabilities != nil:
		v.add(i, n, "capabilities", "Invalid capabilities: "+render(n.badCapabilities))
	}

	if n.RootDevice == nil && n.badRootDevice != nil {
		v.add(i, n, "root_device", "Invalid root device: expected dict, got "+render(n.badRootDevice))
	}

	if d != nil {
		v.unknownFields(i, n, d)
	}
}

// mac checks one MAC address for syntax and uniqueness (ignoring case).
func (v *validator) mac(i int, n *Node, field, m string) {
	if !validMAC(m) {
		v.add(i, n, field, "MAC address "+m+" is invalid")
	}
	key := strings.ToLower(m)
	if _, dup := v.macs[key]; dup {
		v.add(i, n, field, "MAC "+m+" is not unique")
	} else {
		v.macs[key] = struct{}{}
	}
}

// unknownFields reports the typed pm_* fields the driver does not map, uuid,
// and the Extra keys that are neither the driver's nor known fields.
func (v *validator) unknownFields(i int, n *Node, d *driverInfo) {
	for _, k := range typedPMKeys {
		if pmSet(n, k) && !d.accepts(k) {
			v.add(i, n, k, reasonUnknownField+k)
		}
	}
	if n.UUID != "" {
		v.add(i, n, "uuid", reasonUnknownField+"uuid")
	}
	if len(n.Extra) == 0 {
		return
	}
	var unknown []string
	for k := range n.Extra {
		if k == "_comment" || d.accepts(k) {
			continue
		}
		if _, typed := fieldIndex[k]; typed && !strings.HasPrefix(k, "pm_") && k != "uuid" {
			continue
		}
		unknown = append(unknown, k)
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		v.add(i, n, safeKey(k), reasonUnknownField+safeKey(k))
	}
}

// validMAC reports whether s is six colon-separated pairs of hex digits
// (oslo netutils.is_valid_mac).
func validMAC(s string) bool {
	if len(s) != 17 {
		return false
	}
	for j := 0; j < 17; j++ {
		c := s[j]
		if j%3 == 2 {
			if c != ':' {
				return false
			}
			continue
		}
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// safeKey renders a key for a message: as is when it is a plain identifier,
// quoted (and cut to 64 bytes) otherwise.
func safeKey(k string) string {
	plainKey := k != "" && len(k) <= 64
	for _, c := range k {
		if !(c == '_' || c == '-' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			plainKey = false
			break
		}
	}
	if plainKey {
		return k
	}
	if len(k) > 64 {
		k = k[:64] + "…"
	}
	return strconv.Quote(k)
}

// render shows an invalid value in a message: strings as they are, other
// values in JSON form.
func render(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if s, ok := scalarText(v); ok {
		return s
	}
	b, err := json.Marshal(plain(v, false))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
