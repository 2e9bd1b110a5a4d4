package instackenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

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
