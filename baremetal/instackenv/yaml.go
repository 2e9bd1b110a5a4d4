package instackenv

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

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
