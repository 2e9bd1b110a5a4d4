package instackenv

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/tripleo-go/sdk/tripleo"
)

// Wire returns the inventory as the register_or_update workflow's nodes_json
// input: a list of Node.Wire maps, with the real passwords.
func (inv Inventory) Wire() []any {
	out := make([]any, len(inv.Nodes))
	for i := range inv.Nodes {
		out[i] = inv.Nodes[i].Wire()
	}
	return out
}

// Wire returns the node in the nodes_json form sent to the register_or_update
// workflow (instackenv keys), with fields left empty omitted and the real
// password (and the real values of secret Extra entries): call it only to
// build a request. The result holds only plain values: maps, slices, strings,
// numbers and booleans.
func (n Node) Wire() map[string]any { return n.wire(true) }

// Fields returns the node as an instackenv map like Wire, but with its secrets
// kept as tripleo.Secret values: they print and marshal as "***", and the
// tripleo engine reveals them only on the wire (workflow inputs).
func (n Node) Fields() map[string]any { return n.wire(false) }

// wire builds the instackenv map; with reveal false, secrets stay
// tripleo.Secret values (which marshal as "***").
func (n *Node) wire(reveal bool) map[string]any {
	m := make(map[string]any, len(n.Extra)+12)
	for k, v := range n.Extra {
		m[k] = plain(v, reveal)
	}
	for i := range nodeFields {
		f := &nodeFields[i]
		switch f.kind {
		case kindString:
			if s := *f.str(n); s != "" {
				m[f.key] = s
			}
		case kindInt:
			if v := *f.num(n); v != 0 {
				m[f.key] = v
			}
		}
	}
	if n.PMPassword != "" {
		if reveal {
			m["pm_password"] = n.PMPassword.Reveal()
		} else {
			m["pm_password"] = n.PMPassword
		}
	}
	if len(n.MACs) > 0 {
		macs := make([]any, len(n.MACs))
		for i, s := range n.MACs {
			macs[i] = s
		}
		m["mac"] = macs
	}
	if len(n.Ports) > 0 {
		ports := make([]any, len(n.Ports))
		for i, p := range n.Ports {
			pm := make(map[string]any, len(p.Extra)+3)
			for k, v := range p.Extra {
				pm[k] = plain(v, reveal)
			}
			if p.Address != "" {
				pm["address"] = p.Address
			}
			if p.PhysicalNetwork != "" {
				pm["physical_network"] = p.PhysicalNetwork
			}
			if len(p.LocalLinkConnection) > 0 {
				pm["local_link_connection"] = plain(p.LocalLinkConnection, reveal)
			}
			ports[i] = pm
		}
		m["ports"] = ports
	}
	switch {
	case len(n.Capabilities) > 0:
		m["capabilities"] = n.Capabilities.String()
	case n.Capabilities == nil && n.badCapabilities != nil:
		m["capabilities"] = plain(n.badCapabilities, reveal)
	}
	switch {
	case len(n.RootDevice) > 0:
		m["root_device"] = plain(n.RootDevice, reveal)
	case n.RootDevice == nil && n.badRootDevice != nil:
		m["root_device"] = plain(n.badRootDevice, reveal)
	}
	return m
}

// MarshalJSON renders the node in instackenv form with every secret masked
// ("***"): safe for logs, but not a file to register from.
func (n Node) MarshalJSON() ([]byte, error) { return json.Marshal(n.wire(false)) }

// UnmarshalJSON reads one instackenv node, with the rules of Read.
func (n *Node) UnmarshalJSON(b []byte) error {
	v, err := decodeJSON(b)
	if err != nil {
		return err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return &Problem{Field: "", Reason: "a node must be an object, got " + kindOf(v)}
	}
	node, errs := nodeFromMap(0, m)
	if len(errs) > 0 {
		return joinProblems(errs)
	}
	*n = node
	return nil
}

// MarshalYAML renders the node in instackenv form with every secret masked.
func (n Node) MarshalYAML() (any, error) { return n.wire(false), nil }

// UnmarshalJSON reads an instackenv document (the {"nodes": [...]} object or
// a bare list) with the rules of Read.
func (inv *Inventory) UnmarshalJSON(b []byte) error {
	v, err := decodeJSON(b)
	if err != nil {
		return err
	}
	got, err := inventoryFrom(v)
	if err != nil {
		return err
	}
	*inv = *got
	return nil
}

// LogValue implements slog.LogValuer: a node logs as a small group that
// identifies it (name, uuid, pm_type, pm_addr, mac), never its credentials.
func (n Node) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 5)
	if n.Name != "" {
		attrs = append(attrs, slog.String("name", n.Name))
	}
	if n.UUID != "" {
		attrs = append(attrs, slog.String("uuid", n.UUID))
	}
	attrs = append(attrs, slog.String("pm_type", n.PMType))
	if n.PMAddr != "" {
		attrs = append(attrs, slog.String("pm_addr", n.PMAddr))
	}
	if len(n.MACs) > 0 {
		attrs = append(attrs, slog.String("mac", strings.Join(n.MACs, ",")))
	}
	return slog.GroupValue(attrs...)
}

// fieldKind says how a typed instackenv field is read and written.
type fieldKind uint8

const (
	kindString fieldKind = iota
	kindInt
	kindSecret
	kindMAC
	kindPorts
	kindCaps
	kindRootDevice
)

// fieldSpec is one typed instackenv key. Its position in nodeFields is the
// canonical order in which problems about a node are reported.
type fieldSpec struct {
	key  string
	kind fieldKind
	str  func(*Node) *string
	num  func(*Node) *int
}

var nodeFields = []fieldSpec{
	{key: "pm_type", str: func(n *Node) *string { return &n.PMType }},
	{key: "pm_addr", str: func(n *Node) *string { return &n.PMAddr }},
	{key: "pm_user", str: func(n *Node) *string { return &n.PMUser }},
	{key: "pm_password", kind: kindSecret},
	{key: "pm_port", kind: kindInt, num: func(n *Node) *int { return &n.PMPort }},
	{key: "pm_system_id", str: func(n *Node) *string { return &n.PMSystemID }},
	{key: "pm_vm_name", str: func(n *Node) *string { return &n.PMVMName }},
	{key: "pm_service_profile", str: func(n *Node) *string { return &n.PMServiceProfile }},
	{key: "pm_relay_id", str: func(n *Node) *string { return &n.PMRelayID }},
	{key: "pm_virt_type", str: func(n *Node) *string { return &n.PMVirtType }},
	{key: "mac", kind: kindMAC},
	{key: "ports", kind: kindPorts},
	{key: "cpu", kind: kindInt, num: func(n *Node) *int { return &n.CPU }},
	{key: "memory", kind: kindInt, num: func(n *Node) *int { return &n.Memory }},
	{key: "disk", kind: kindInt, num: func(n *Node) *int { return &n.Disk }},
	{key: "arch", str: func(n *Node) *string { return &n.Arch }},
	{key: "name", str: func(n *Node) *string { return &n.Name }},
	{key: "uuid", str: func(n *Node) *string { return &n.UUID }},
	{key: "capabilities", kind: kindCaps},
	{key: "root_device", kind: kindRootDevice},
	{key: "kernel_id", str: func(n *Node) *string { return &n.KernelID }},
	{key: "ramdisk_id", str: func(n *Node) *string { return &n.RamdiskID }},
	{key: "platform", str: func(n *Node) *string { return &n.Platform }},
	{key: "resource_class", str: func(n *Node) *string { return &n.ResourceClass }},
	{key: "boot_interface", str: func(n *Node) *string { return &n.BootInterface }},
	{key: "console_interface", str: func(n *Node) *string { return &n.ConsoleInterface }},
	{key: "deploy_interface", str: func(n *Node) *string { return &n.DeployInterface }},
	{key: "inspect_interface", str: func(n *Node) *string { return &n.InspectInterface }},
	{key: "management_interface", str: func(n *Node) *string { return &n.ManagementInterface }},
	{key: "network_interface", str: func(n *Node) *string { return &n.NetworkInterface }},
	{key: "power_interface", str: func(n *Node) *string { return &n.PowerInterface }},
	{key: "raid_interface", str: func(n *Node) *string { return &n.RAIDInterface }},
	{key: "rescue_interface", str: func(n *Node) *string { return &n.RescueInterface }},
	{key: "storage_interface", str: func(n *Node) *string { return &n.StorageInterface }},
	{key: "vendor_interface", str: func(n *Node) *string { return &n.VendorInterface }},
}

// fieldIndex maps an instackenv key to its position in nodeFields.
var fieldIndex = func() map[string]int {
	m := make(map[string]int, len(nodeFields))
	for i, f := range nodeFields {
		m[f.key] = i
	}
	return m
}()

// isSecretKey reports whether a key's value should be kept as a tripleo.Secret.
func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "password") || strings.Contains(k, "passwd") ||
		strings.Contains(k, "secret") || strings.Contains(k, "key_contents")
}

// yamlBool is a YAML boolean that remembers its literal spelling, so a string
// field given as an unquoted True keeps "True".
type yamlBool struct {
	v    bool
	text string
}

// plain converts a value to plain JSON-like data: maps, slices, strings,
// int64/float64/int numbers, booleans and nil. Secrets are revealed when
// reveal is set and kept as tripleo.Secret otherwise.
func plain(v any, reveal bool) any {
	switch x := v.(type) {
	case nil, string, bool, int, int64, float64:
		return x
	case tripleo.Secret:
		if reveal {
			return x.Reveal()
		}
		return x
	case json.Number:
		return numberValue(string(x))
	case yamlBool:
		return x.v
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e, reveal)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e, reveal)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out
	case Capabilities:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return reflectPlain(reflect.ValueOf(v), reveal)
}

// reflectPlain handles the remaining kinds: named numeric/string types,
// other maps with string keys, slices and arrays, pointers.
func reflectPlain(rv reflect.Value, reveal bool) any {
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint()
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return plain(rv.Elem().Interface(), reveal)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = plain(rv.Index(i).Interface(), reveal)
		}
		return out
	case reflect.Map:
		if rv.IsNil() {
			return nil
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			out[fmt.Sprint(it.Key().Interface())] = plain(it.Value().Interface(), reveal)
		}
		return out
	}
	if !rv.IsValid() {
		return nil
	}
	// Structs and the like: their JSON form, decoded back to plain data.
	b, err := json.Marshal(rv.Interface())
	if err != nil {
		return fmt.Sprint(rv.Interface())
	}
	back, err := decodeJSON(b)
	if err != nil {
		return string(b)
	}
	return plain(back, reveal)
}

// numberValue turns a number literal into int64 when it is a decimal integer,
// float64 when it is a float, and keeps the text otherwise (0x20, 1_000).
func numberValue(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) &&
		!strings.ContainsAny(s, "xXoObB_") {
		return f
	}
	return s
}
