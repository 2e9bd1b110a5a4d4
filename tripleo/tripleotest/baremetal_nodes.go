package tripleotest

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/google/uuid"
)

// instackenv handling of tripleo-common: validate_nodes and
// register_or_update_nodes, with the driver table that maps pm_* fields into
// driver_info and identifies a node by its BMC.

type driverSpec struct {
	re       *regexp.Regexp
	prefix   string
	mapped   map[string]string // pm_* -> driver_info key
	required []string
	identity func(n map[string]any) string
}

func bmc(prefix string, extra map[string]string, required ...string) driverSpec {
	m := map[string]string{"pm_addr": prefix + "_address", "pm_user": prefix + "_username", "pm_password": prefix + "_password"}
	for k, v := range extra {
		m[k] = v
	}
	return driverSpec{prefix: prefix, mapped: m, required: required}
}

func addrPort(n map[string]any) string {
	a := asString(n["pm_addr"])
	if p := asString(n["pm_port"]); a != "" && p != "" {
		return a + ":" + p
	}
	return a
}

var addrUserPass = []string{"pm_addr", "pm_user", "pm_password"}

var driverTable = func() []driverSpec {
	withRE := func(re string, d driverSpec, id func(map[string]any) string) driverSpec {
		d.re, d.identity = regexp.MustCompile(re), id
		return d
	}
	return []driverSpec{
		withRE(`^(ipmi|.*_ipmitool)$`, bmc("ipmi", map[string]string{"pm_port": "ipmi_port"}, "pm_addr"), addrPort),
		withRE(`^(idrac|.*_drac)$`, bmc("drac", map[string]string{"pm_port": "drac_port"}, addrUserPass...), addrPort),
		withRE(`^(ilo|.*_ilo)$`, bmc("ilo", map[string]string{"pm_port": "ilo_port"}, addrUserPass...), addrPort),
		withRE(`^(irmc|.*_irmc)$`, bmc("irmc", map[string]string{"pm_port": "irmc_port"}, addrUserPass...), addrPort),
		withRE(`^redfish$`, bmc("redfish", map[string]string{"pm_system_id": "redfish_system_id"}, "pm_addr", "pm_user", "pm_password", "pm_system_id"), func(n map[string]any) string {
			a := asString(n["pm_addr"])
			if u, err := url.Parse(a); err == nil && u.Host != "" {
				a = u.Host + u.Path
			}
			return strings.TrimRight(a, "/") + "/" + strings.TrimLeft(asString(n["pm_system_id"]), "/")
		}),
		withRE(`^(cisco-ucs-managed|.*_ucs)$`, bmc("ucs", map[string]string{"pm_service_profile": "ucs_service_profile"}, "pm_addr", "pm_user", "pm_password", "pm_service_profile"), func(n map[string]any) string {
			return asString(n["pm_addr"]) + ":" + asString(n["pm_service_profile"])
		}),
		withRE(`^staging-ovirt$`, bmc("ovirt", map[string]string{"pm_vm_name": "ovirt_vm_name"}, "pm_addr", "pm_user", "pm_password", "pm_vm_name"), func(n map[string]any) string {
			return asString(n["pm_addr"]) + ":" + asString(n["pm_vm_name"])
		}),
		withRE(`^xclarity$`, bmc("xclarity", map[string]string{"pm_port": "xclarity_port"}, addrUserPass...), addrPort),
		withRE(`^.*_amt$`, bmc("amt", nil, addrUserPass...), addrPort),
		withRE(`^(staging-iboot|.*_iboot)$`, bmc("iboot", map[string]string{"pm_port": "iboot_port", "pm_relay_id": "iboot_relay_id"}, addrUserPass...), func(n map[string]any) string {
			id := addrPort(n)
			if r := asString(n["pm_relay_id"]); r != "" {
				id += "#" + r
			}
			return id
		}),
		withRE(`^(staging-wol|.*_wol)$`, driverSpec{prefix: "wol", mapped: map[string]string{"pm_addr": "wol_host", "pm_port": "wol_port"}}, addrPort),
		withRE(`^(fake|fake_pxe|fake_agent|manual-management|fake-hardware)$`, driverSpec{prefix: "fake", mapped: map[string]string{}}, func(map[string]any) string { return "" }),
	}
}()

func driverFor(pmType string) *driverSpec {
	for i := range driverTable {
		if driverTable[i].re.MatchString(pmType) {
			return &driverTable[i]
		}
	}
	return nil
}

var nonDriverFields = map[string]bool{
	"name": true, "mac": true, "cpu": true, "memory": true, "disk": true, "arch": true, "root_device": true,
	"capabilities": true, "kernel_id": true, "ramdisk_id": true, "resource_class": true, "platform": true,
	"pm_type": true, "_comment": true,
}

func isInterfaceField(k string) bool {
	return strings.HasSuffix(k, "_interface") && strings.Contains("boot console deploy inspect management network power raid storage vendor", strings.TrimSuffix(k, "_interface"))
}

// nodesList accepts a bare list or {"nodes": [...]}.
func nodesList(v any) []map[string]any {
	list := asList(v)
	if list == nil {
		list = asList(asMap(v)["nodes"])
	}
	var out []map[string]any
	for _, x := range list {
		out = append(out, asMap(x))
	}
	return out
}

func macsOf(n map[string]any) []string {
	switch t := n["mac"].(type) {
	case string:
		return []string{t}
	default:
		return asStrings(t)
	}
}

// parseCapabilities reads "k:v,k:v" or a dict into sorted pairs.
func parseCapabilities(v any) ([][2]string, error) {
	var out [][2]string
	switch t := v.(type) {
	case nil:
	case string:
		for _, kv := range strings.Split(t, ",") {
			if strings.TrimSpace(kv) == "" {
				continue
			}
			k, val, ok := strings.Cut(kv, ":")
			if !ok {
				return nil, fmt.Errorf("%s", kv)
			}
			out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(val)})
		}
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if t[k] != nil {
				out = append(out, [2]string{k, asString(t[k])})
			}
		}
	default:
		return nil, fmt.Errorf("%v", v)
	}
	return out, nil
}

// validateNodes is tripleo-common's validate_nodes; it returns the
// "Invalid node data: node #i: problem" text or "".
func validateNodes(nodes []map[string]any) string {
	var failures []string
	macs := map[string]bool{}
	ids := map[string]bool{}
	names := map[string]bool{}
	add := func(i int, msg string) { failures = append(failures, fmt.Sprintf("node #%d: %s", i, msg)) }
	for i, n := range nodes {
		pmType := asString(n["pm_type"])
		if pmType == "" {
			add(i, "pm_type (ironic driver to use) is required")
			continue
		}
		d := driverFor(pmType)
		if d == nil {
			add(i, "unknown pm_type (ironic driver to use): "+pmType)
			continue
		}
		var missing []string
		for _, f := range d.required {
			if asString(n[f]) == "" {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			add(i, "The following fields are missing: "+strings.Join(missing, ", "))
		}
		for _, m := range macsOf(n) {
			lm := strings.ToLower(m)
			if !macRE.MatchString(m) {
				add(i, "MAC address "+m+" is invalid")
			} else if macs[lm] {
				add(i, "MAC "+m+" is not unique")
			}
			macs[lm] = true
		}
		if id := d.identity(n); id != "" {
			if ids[id] {
				add(i, "Node identified by "+id+" is already present")
			}
			ids[id] = true
		}
		if name := asString(n["name"]); name != "" {
			if names[name] {
				add(i, `Name "`+name+`" is not unique`)
			}
			names[name] = true
		}
		if _, err := parseCapabilities(n["capabilities"]); err != nil {
			add(i, "Invalid capabilities: "+err.Error())
		}
		if rd, ok := n["root_device"]; ok && asMap(rd) == nil {
			add(i, "Invalid root device hints: "+asString(rd))
		}
		if n["platform"] != nil && n["arch"] == nil {
			add(i, "You have specified a platform without an architecture")
		}
		for _, k := range sortedKeys(n) {
			if nonDriverFields[k] || isInterfaceField(k) || (d.mapped[k] != "") || strings.HasPrefix(k, d.prefix+"_") {
				continue
			}
			add(i, "Unknown field "+k)
		}
	}
	if len(failures) == 0 {
		return ""
	}
	return "Invalid node data: " + strings.Join(failures, "\n")
}

// convertNode builds the Ironic fields of an instackenv node.
func convertNode(n map[string]any, bootOption, kernel, ramdisk string) map[string]any {
	d := driverFor(asString(n["pm_type"]))
	di := map[string]any{}
	for k, v := range n {
		if to := d.mapped[k]; to != "" {
			di[to] = v
		} else if strings.HasPrefix(k, d.prefix+"_") && d.prefix != "fake" {
			di[k] = v
		}
	}
	if id := asString(n["kernel_id"]); id != "" {
		di["deploy_kernel"] = id
	} else if kernel != "" {
		di["deploy_kernel"] = uuid.NewSHA1(uuid.NameSpaceURL, []byte("glance:"+kernel)).String()
	}
	if id := asString(n["ramdisk_id"]); id != "" {
		di["deploy_ramdisk"] = id
	} else if ramdisk != "" {
		di["deploy_ramdisk"] = uuid.NewSHA1(uuid.NameSpaceURL, []byte("glance:"+ramdisk)).String()
	}
	props := map[string]any{}
	for from, to := range map[string]string{"cpu": "cpus", "memory": "memory_mb", "disk": "local_gb", "arch": "cpu_arch"} {
		if v, ok := n[from]; ok {
			props[to] = v
		}
	}
	if rd := asMap(n["root_device"]); rd != nil {
		props["root_device"] = rd
	}
	caps, _ := parseCapabilities(n["capabilities"])
	if bootOption != "" {
		has := false
		for _, c := range caps {
			has = has || c[0] == "boot_option"
		}
		if !has {
			caps = append(caps, [2]string{"boot_option", bootOption})
		}
	}
	if len(caps) > 0 {
		parts := make([]string, len(caps))
		for i, c := range caps {
			parts[i] = c[0] + ":" + c[1]
		}
		props["capabilities"] = strings.Join(parts, ",")
	}
	body := map[string]any{"driver": asString(n["pm_type"]), "driver_info": di, "properties": props, "resource_class": "baremetal"}
	if rc := asString(n["resource_class"]); rc != "" {
		body["resource_class"] = rc
	}
	if name := asString(n["name"]); name != "" {
		body["name"] = name
	}
	if p := asString(n["platform"]); p != "" {
		body["extra"] = map[string]any{"tripleo_platform": p}
	}
	for k, v := range n {
		if isInterfaceField(k) {
			body[k] = v
		}
	}
	return body
}

// registerNodes is register_or_update_nodes: it returns the Ironic node dicts.
func (u *Undercloud) registerNodes(nodes []map[string]any, remove bool, bootOption, kernel, ramdisk string) ([]map[string]any, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	byMAC, byID := map[string]string{}, map[string]string{}
	for _, p := range u.ports {
		byMAC[p.address] = p.nodeUUID
	}
	for _, n := range u.nodesLocked() {
		if d := driverFor(n.driver); d != nil {
			fields := map[string]any{}
			for pm, key := range d.mapped {
				if v, ok := n.driverInfo[key]; ok {
					fields[pm] = v
				}
			}
			if id := d.identity(fields); id != "" {
				byID[id] = n.uuid
			}
		}
	}
	var out []map[string]any
	seen := map[string]bool{}
	for _, in := range nodes {
		cands := map[string]bool{}
		for _, m := range macsOf(in) {
			if id, ok := byMAC[strings.ToLower(m)]; ok {
				cands[id] = true
			}
		}
		if d := driverFor(asString(in["pm_type"])); d != nil {
			if id, ok := byID[d.identity(in)]; ok && d.identity(in) != "" {
				cands[id] = true
			}
		}
		if id := asString(in["uuid"]); id != "" && u.nodeLocked(id) != nil {
			cands[id] = true
		}
		if len(cands) > 1 {
			ids := sortedKeys(cands)
			return nil, fmt.Errorf("Invalid node data: Several candidates found for the same node data: %s", "{"+strings.Join(quoteAll(ids), ", ")+"}")
		}
		body := convertNode(in, bootOption, kernel, ramdisk)
		var n *node
		if len(cands) == 1 {
			n = u.nodeLocked(sortedKeys(cands)[0])
			for k, v := range asMap(body["properties"]) {
				n.properties[k] = v
			}
			for k, v := range asMap(body["driver_info"]) {
				n.driverInfo[k] = v
			}
			if name := asString(body["name"]); name != "" {
				n.name = name
			}
			n.resourceClass = asString(body["resource_class"])
			n.updated = now()
		} else {
			var status int
			var msg string
			if id := asString(in["uuid"]); id != "" {
				body["uuid"] = id
			}
			n, status, msg = u.createNodeLocked(body)
			if n == nil {
				return nil, fmt.Errorf("Node creation failed (HTTP %d): %s", status, msg)
			}
			for _, m := range macsOf(in) {
				if _, _, msg := u.createPortLocked(map[string]any{"address": m, "node_uuid": n.uuid, "physical_network": "ctlplane"}); msg != "" {
					return nil, errors.New(msg)
				}
			}
		}
		seen[n.uuid] = true
		out = append(out, u.nodeJSON(n, 36))
	}
	if remove {
		for _, n := range append([]*node(nil), u.nodesLocked()...) {
			if !seen[n.uuid] && (deletableStates[n.provisionState] || n.maintenance) && n.instanceUUID == "" {
				u.deleteNodeLocked(n)
			}
		}
	}
	return out, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = "'" + x + "'"
	}
	sort.Strings(out)
	return out
}
