package instackenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tripleo-go/sdk/tripleo"
)

// DocumentError reports an instackenv document that could not be read as a
// whole: unreadable, not JSON or YAML, or not shaped like an inventory.
// Problems with single nodes are *Problem values instead. It matches
// errors.Is(err, tripleo.ErrInvalidInput) and errors.As into a
// *tripleo.ValidationError (Field "instackenv"). Its text never quotes the
// document's values: decoder messages are stripped of the input they cite.
type DocumentError struct {
	// Path is the file's path, when the inventory was read by Load.
	Path string
	// Line and Column locate the problem (from 1), when known; 0 otherwise.
	Line, Column int
	// Reason says what is wrong.
	Reason string
	// Err is the underlying I/O error, if any (matched by errors.Is, e.g. fs.ErrNotExist).
	Err error
}

// Error renders the error as "instackenv [<path>][: line L, column C]: <reason>[: <io error>]".
func (e *DocumentError) Error() string {
	var b strings.Builder
	b.WriteString("instackenv")
	if e.Path != "" {
		b.WriteString(" ")
		b.WriteString(e.Path)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns a *tripleo.ValidationError for the document (so errors.Is
// matches tripleo.ErrInvalidInput and tripleo.Problems lists it) and the
// underlying I/O error, if any.
func (e *DocumentError) Unwrap() []error {
	v := &tripleo.ValidationError{Field: "instackenv", Reason: e.Reason}
	if e.Err != nil {
		return []error{v, e.Err}
	}
	return []error{v}
}

// Read reads an instackenv document, JSON or YAML (detected from the
// content), holding either the {"nodes": [...]} object (other top-level keys
// are ignored) or a bare list of nodes.
//
// It is lenient where real files vary: numeric fields (cpu, memory, disk,
// pm_port) may be numbers or numeric strings ("8192"), "mac" a list or a
// single string, string fields may be given as numbers or booleans (their
// literal text is kept, so a YAML password 0123 stays "0123"), null means
// absent, and "_comment" is dropped. It checks only that values have a usable
// type; the rules of tripleo-common's validate_nodes are Inventory.Validate's.
//
// Every error matches errors.Is(err, tripleo.ErrInvalidInput): an
// *DocumentError for the document, or one *Problem per bad node field,
// all joined with errors.Join (see Problems). No error ever contains a
// password.
func Read(r io.Reader) (*Inventory, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &DocumentError{Reason: "cannot read the inventory", Err: err}
	}
	return parse(data)
}

// Load reads the instackenv file at path with Read's rules.
// Errors name the file; an unreadable file gives an *DocumentError that also
// matches the os error (e.g. errors.Is(err, fs.ErrNotExist)).
func Load(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &DocumentError{Path: path, Reason: "cannot read the file", Err: errors.Unwrap(err)}
	}
	inv, err := parse(data)
	if err != nil {
		if ie, ok := err.(*DocumentError); ok {
			ie.Path = path
			return nil, ie
		}
		return nil, fmt.Errorf("instackenv %s: %w", path, err)
	}
	return inv, nil
}

// parse decodes data and builds the inventory.
func parse(data []byte) (inv *Inventory, err error) {
	defer func() {
		if r := recover(); r != nil {
			inv, err = nil, &DocumentError{Reason: "malformed document"}
		}
	}()
	doc, err := decodeDocument(data)
	if err != nil {
		return nil, err
	}
	return inventoryFrom(doc)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeDocument parses JSON (a document starting with '{' or '[') or YAML
// into plain data: map[string]any, []any, string, json.Number, bool,
// yamlBool and nil. A document that starts like JSON but is not valid JSON is
// tried as YAML (flow style) before its JSON error is reported.
func decodeDocument(data []byte) (any, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &DocumentError{Reason: "the document is empty"}
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		v, jerr := decodeJSON(data)
		if jerr == nil {
			return v, nil
		}
		if v, yerr := decodeYAML(data); yerr == nil {
			return v, nil
		}
		return nil, jerr
	}
	return decodeYAML(data)
}

// decodeJSON decodes one JSON value (numbers as json.Number) and nothing after it.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(data, dec.InputOffset())
		return nil, &DocumentError{Line: line, Column: col, Reason: "invalid JSON: unexpected data after the top-level value"}
	}
	return v, nil
}

// jsonError turns a decoder error into an *DocumentError located by line
// and column, without the input it may quote.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return &DocumentError{Line: line, Column: col, Reason: "invalid JSON: " + sanitizeMessage(se.Error())}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &DocumentError{Reason: "invalid JSON: unexpected end of input"}
	}
	return &DocumentError{Reason: "invalid JSON: " + sanitizeMessage(err.Error())}
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError turns a yaml.v3 error into an *DocumentError, keeping the line
// number and dropping any input it quotes.
func yamlError(err error) error {
	msg := err.Error()
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &DocumentError{Line: line, Reason: "invalid YAML: " + sanitizeMessage(msg)}
}

// sanitizeMessage masks what a decoder message quotes from the input: any
// quoted ('...', "...", `...`) text longer than 3 characters (the syntax
// tokens decoders cite, like ',' or '}', stay readable), and everything after
// an unterminated quote. The result is cut to 200 bytes.
func sanitizeMessage(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); {
		c := msg[i]
		if c != '\'' && c != '"' && c != '`' {
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(msg[i+1:], c)
		if end < 0 {
			b.WriteString(string(c) + "…")
			break
		}
		inner := msg[i+1 : i+1+end]
		b.WriteByte(c)
		if len(inner) <= 3 {
			b.WriteString(inner)
		} else {
			b.WriteString("…")
		}
		b.WriteByte(c)
		i += end + 2
	}
	s := b.String()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// decodeYAML parses a single YAML document into plain data.
func decodeYAML(data []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &DocumentError{Reason: "the document is empty"}
		}
		return nil, yamlError(err)
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, yamlError(err)
		}
		if len(next.Content) > 0 && next.Content[0].ShortTag() != "!!null" {
			return nil, &DocumentError{Line: next.Line, Reason: "invalid YAML: the stream holds more than one document"}
		}
	}
	c := yamlConv{budget: 2*len(data) + 10000}
	return c.conv(&doc)
}

// yamlConv converts a yaml.Node tree to plain data, expanding aliases and
// merge keys within a budget of nodes (so an alias bomb fails fast) and
// rejecting aliases that contain themselves.
type yamlConv struct {
	budget int
	active map[*yaml.Node]bool
}

func (c *yamlConv) fail(n *yaml.Node, reason string) error {
	return &DocumentError{Line: n.Line, Column: n.Column, Reason: "invalid YAML: " + reason}
}

func (c *yamlConv) conv(n *yaml.Node) (any, error) {
	c.budget--
	if c.budget < 0 {
		return nil, c.fail(n, "the document expands to too many values (aliases)")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.conv(n.Content[0])
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, c.fail(n, "unknown alias")
		}
		if c.active[n.Alias] {
			return nil, c.fail(n, "an alias refers to the value that contains it")
		}
		if c.active == nil {
			c.active = make(map[*yaml.Node]bool)
		}
		c.active[n.Alias] = true
		v, err := c.conv(n.Alias)
		delete(c.active, n.Alias)
		return v, err
	case yaml.ScalarNode:
		return yamlScalar(n), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.conv(e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return c.mapping(n)
	}
	return nil, c.fail(n, "unexpected YAML node")
}

func (c *yamlConv) mapping(n *yaml.Node) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		for kn.Kind == yaml.AliasNode && kn.Alias != nil && kn.Alias != kn {
			kn = kn.Alias
		}
		if kn.Kind != yaml.ScalarNode {
			return nil, c.fail(kn, "a mapping key must be a scalar")
		}
		if kn.ShortTag() == "!!merge" {
			merges = append(merges, vn)
			continue
		}
		v, err := c.conv(vn)
		if err != nil {
			return nil, err
		}
		out[kn.Value] = v
	}
	if len(merges) == 0 {
		return out, nil
	}
	for _, mn := range merges {
		v, err := c.conv(mn)
		if err != nil {
			return nil, err
		}
		var sources []any
		switch x := v.(type) {
		case map[string]any:
			sources = []any{x}
		case []any:
			sources = x
		default:
			return nil, c.fail(mn, "a merge key (<<) needs a mapping or a list of mappings")
		}
		for _, s := range sources {
			sm, ok := s.(map[string]any)
			if !ok {
				return nil, c.fail(mn, "a merge key (<<) needs a mapping or a list of mappings")
			}
			for k, e := range sm {
				if _, set := out[k]; !set { // explicit keys and earlier sources win
					out[k] = e
				}
			}
		}
	}
	return out, nil
}

// yamlScalar converts a scalar keeping its literal text for numbers and
// booleans (json.Number, yamlBool), so string fields can use it verbatim.
func yamlScalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on", "y":
			return yamlBool{v: true, text: n.Value}
		case "false", "no", "off", "n":
			return yamlBool{v: false, text: n.Value}
		}
		return n.Value
	case "!!int", "!!float":
		return json.Number(n.Value)
	}
	return n.Value
}

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

// readExtra converts a decoded value to plain data, storing scalars under
// secret-looking keys (at any depth) as tripleo.Secret.
func readExtra(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = readExtra(e, secret || isSecretKey(k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = readExtra(e, secret)
		}
		return out
	case nil:
		return nil
	}
	if secret {
		if s, ok := scalarText(v); ok {
			return tripleo.Secret(s)
		}
	}
	return plain(v, true)
}

// scalarText returns the text of a scalar: strings as they are, numbers and
// booleans as written. It reports false for lists and objects.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case yamlBool:
		return x.text, true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "", true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return "", false
}

// scalarInt reads a non-negative integer given as a number or a numeric
// string ("8192", " 4 ", "8192.0"); "" is 0 (absent). The reason, if any,
// never quotes the value.
func scalarInt(v any) (int, string) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return 0, ""
		}
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool, yamlBool:
		return 0, "must be an integer, got a boolean"
	default:
		return 0, "must be an integer, got " + kindOf(v)
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		switch {
		case ferr != nil && strings.ContainsAny(s, "0123456789") && errors.Is(ferr, strconv.ErrRange):
			return 0, "must be an integer, got a number out of range"
		case ferr != nil:
			if _, isNum := v.(json.Number); isNum {
				return 0, "must be a decimal integer"
			}
			return 0, "must be an integer, got a non-numeric string"
		case math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f):
			return 0, "must be a whole number"
		case f > math.MaxInt32 || f < math.MinInt32:
			return 0, "must be an integer, got a number out of range"
		}
		i = int64(f)
	}
	if i < 0 {
		return 0, "must not be negative"
	}
	if i > math.MaxInt32 {
		return 0, "must be an integer, got a number out of range"
	}
	return int(i), ""
}

// kindOf names the type of a decoded value for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number, int, int64, float64:
		return "a number"
	case bool, yamlBool:
		return "a boolean"
	}
	return fmt.Sprintf("a %T", v)
}
