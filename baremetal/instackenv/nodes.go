package instackenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/tripleo-go/sdk/tripleo"
)

// inventoryFrom builds an Inventory from decoded plain data.
func inventoryFrom(v any) (*Inventory, error) {
	var list []any
	switch x := v.(type) {
	case map[string]any:
		nv, ok := x["nodes"]
		if !ok {
			return nil, &DocumentError{Reason: `the document has no "nodes" list`}
		}
		l, ok := nv.([]any)
		if !ok {
			return nil, &DocumentError{Reason: `"nodes" must be a list, got ` + kindOf(nv)}
		}
		list = l
	case []any:
		list = x
	case nil:
		return nil, &DocumentError{Reason: "the document is empty"}
	default:
		return nil, &DocumentError{Reason: `the document must be an object with a "nodes" list or a list of nodes, got ` + kindOf(v)}
	}
	inv := &Inventory{Nodes: make([]Node, len(list))}
	var errs []error
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			errs = append(errs, &Problem{Index: i, Reason: "a node must be an object, got " + kindOf(e)})
			continue
		}
		var nerrs []error
		inv.Nodes[i], nerrs = nodeFromMap(i, m)
		errs = append(errs, nerrs...)
	}
	if len(errs) > 0 {
		return nil, joinProblems(errs)
	}
	return inv, nil
}

// joinProblems joins errs; a single error is returned as is.
func joinProblems(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// nodeFromMap converts one decoded node. Problems are reported per field, in
// the canonical field order, and never quote a value.
func nodeFromMap(index int, m map[string]any) (Node, []error) {
	var n Node
	if v, ok := m["name"]; ok {
		if s, ok := scalarText(v); ok {
			n.Name = s
		}
	}
	var errs []error
	bad := func(key, reason string) {
		errs = append(errs, &Problem{Index: index, Name: n.Name, Field: key, Reason: reason})
	}
	for k, v := range m {
		idx, known := fieldIndex[k]
		if !known {
			if k == "_comment" {
				continue
			}
			if n.Extra == nil {
				n.Extra = make(map[string]any)
			}
			n.Extra[k] = readExtra(v, isSecretKey(k))
			continue
		}
		if v == nil {
			continue // null: absent
		}
		f := &nodeFields[idx]
		switch f.kind {
		case kindString:
			s, ok := scalarText(v)
			if !ok {
				bad(k, "must be a string, got "+kindOf(v))
				continue
			}
			*f.str(&n) = s
		case kindSecret:
			s, ok := scalarText(v)
			if !ok {
				bad(k, "must be a string, got "+kindOf(v))
				continue
			}
			n.PMPassword = tripleo.Secret(s)
		case kindInt:
			x, reason := scalarInt(v)
			if reason != "" {
				bad(k, reason)
				continue
			}
			*f.num(&n) = x
		case kindMAC:
			switch x := v.(type) {
			case []any:
				n.MACs = make([]string, 0, len(x))
				for j, e := range x {
					s, ok := scalarText(e)
					if !ok || e == nil {
						bad(k, fmt.Sprintf("entry %d must be a string, got %s", j, kindOf(e)))
						continue
					}
					n.MACs = append(n.MACs, s)
				}
			default:
				s, ok := scalarText(v)
				if !ok {
					bad(k, "must be a list of MAC addresses or a single one, got "+kindOf(v))
					continue
				}
				if s != "" {
					n.MACs = []string{s}
				}
			}
		case kindPorts:
			list, ok := v.([]any)
			if !ok {
				bad(k, "must be a list, got "+kindOf(v))
				continue
			}
			n.Ports = make([]Port, 0, len(list))
			for j, e := range list {
				p, reason := readPort(e)
				if reason != "" {
					bad(k, fmt.Sprintf("entry %d: %s", j, reason))
					continue
				}
				n.Ports = append(n.Ports, p)
			}
		case kindCaps:
			switch x := v.(type) {
			case map[string]any:
				c := make(Capabilities, len(x))
				for ck, cv := range x {
					if cv == nil {
						continue
					}
					if s, ok := scalarText(cv); ok {
						c[ck] = s
						continue
					}
					b, _ := json.Marshal(plain(cv, true))
					c[ck] = string(b)
				}
				n.Capabilities = c
			case string:
				c, err := ParseCapabilities(x)
				if err != nil {
					n.badCapabilities = x
					continue
				}
				n.Capabilities = c
			default:
				n.badCapabilities = plain(v, true)
			}
		case kindRootDevice:
			if x, ok := v.(map[string]any); ok {
				n.RootDevice = readExtra(x, false).(map[string]any)
			} else {
				n.badRootDevice = readExtra(v, false)
			}
		}
	}
	if len(errs) > 1 {
		sort.SliceStable(errs, func(a, b int) bool {
			return fieldRank(errs[a]) < fieldRank(errs[b])
		})
	}
	return n, errs
}

// fieldRank orders read problems by the canonical field order.
func fieldRank(err error) int {
	if p, ok := err.(*Problem); ok {
		if i, ok := fieldIndex[p.Field]; ok {
			return i
		}
	}
	return len(nodeFields)
}

// readPort converts one "ports" entry.
func readPort(e any) (Port, string) {
	m, ok := e.(map[string]any)
	if !ok {
		return Port{}, "must be an object, got " + kindOf(e)
	}
	var p Port
	for k, v := range m {
		switch k {
		case "address", "physical_network":
			if v == nil {
				continue
			}
			s, ok := scalarText(v)
			if !ok {
				return Port{}, k + " must be a string, got " + kindOf(v)
			}
			if k == "address" {
				p.Address = s
			} else {
				p.PhysicalNetwork = s
			}
		case "local_link_connection":
			if v == nil {
				continue
			}
			llc, ok := v.(map[string]any)
			if !ok {
				return Port{}, "local_link_connection must be an object, got " + kindOf(v)
			}
			p.LocalLinkConnection = readExtra(llc, false).(map[string]any)
		default:
			if p.Extra == nil {
				p.Extra = make(map[string]any)
			}
			p.Extra[k] = readExtra(v, isSecretKey(k))
		}
	}
	return p, ""
}
